/** What each component gets from the bus when it is mounted, and what it hands back. */
import type { RouteDef, ServiceContext } from '../../../runtime/service.ts';
import type { WsRoute } from '../../../runtime/ws.ts';
import type { Breakers } from '../breakers/registry.ts';
import type { ErrorReporter } from '../breakers/errors.ts';
import type { Ingest } from '../ingest.ts';
import type { EventLog } from '../log/types.ts';
import type { BusMetrics } from '../metrics.ts';
import type { BuiltService } from './grpc-kit.ts';
import type { BusProducer } from './producer.ts';
import type { SecondWindow } from './window.ts';

export interface ComponentContext {
  ctx: ServiceContext;
  log: EventLog;
  ingest: Ingest;
  producer: BusProducer;
  breakers: Breakers;
  errors: ErrorReporter;
  busMetrics: BusMetrics;
  /** Per-second figures streamed on /ws/metrics. */
  window: SecondWindow;
  /** `<dataDir>/eventbus`: each component keeps its SQLite file here. */
  dataDir: string;
  topicPrefix: string;
  /** Action names the game understands (the bus's command types). */
  commandTypes: string[];
  /** Raw `services.eventbus.options.<component>` value. */
  options(component: string): unknown;
}

export interface Mounted {
  name: string;
  routes: RouteDef[];
  ws: WsRoute<unknown>[];
  /** Services for the bus's gRPC server (:50051). */
  grpc: BuiltService[];
  health(): Record<string, unknown>;
  close(): void | Promise<void>;
}
