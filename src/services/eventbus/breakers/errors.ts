/**
 * Every component failure becomes an `ErrorEvent` on the bus (topic `system.error`)
 * with a severity and a suggested recovery action (spec "Error Propagation"), and is
 * counted in `jimbot_error_rate{component,severity,error_type}`.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../../runtime/log.ts';
import type { BusProducer } from '../bus-io/producer.ts';
import type { BusMetrics, Severity } from '../metrics.ts';

export type RecoveryAction = 'RETRY' | 'CIRCUIT_BREAK' | 'FALLBACK' | 'ESCALATE';

export interface Failure {
  component: string;
  severity: Severity;
  /** Short machine-readable kind (the metric's error_type). */
  errorType: string;
  message: string;
  action: RecoveryAction;
  error?: unknown;
  context?: Record<string, string>;
  affected?: string[];
}

export class ErrorReporter {
  reported = 0;

  constructor(
    private readonly producer: BusProducer,
    private readonly metrics: BusMetrics,
    private readonly log: Logger,
  ) {}

  report(f: Failure): void {
    this.reported++;
    this.metrics.error(f.component, f.severity, f.errorType);
    const stack = f.error instanceof Error ? (f.error.stack ?? f.error.message) : f.error !== undefined ? String(f.error) : '';
    const errorId = randomUUID();
    this.log.warn('component failure', { component: f.component, severity: f.severity, error_type: f.errorType, message: f.message, error_id: errorId });
    this.producer
      .publishSoon({
        type: 'ERROR', source: f.component, event_id: errorId,
        payload: {
          error_id: errorId, source_component: f.component, severity: f.severity, message: f.message, stack_trace: stack.slice(0, 4000),
          context: { error_type: f.errorType, ...(f.context ?? {}) }, affected_components: f.affected ?? [f.component], suggested_action: f.action,
        },
      })
      // The bus itself failing cannot be reported on the bus: the log line and the counter remain.
      .catch((e: unknown) => this.log.error('error event could not be published', { component: f.component, error: e instanceof Error ? e.message : String(e) }));
  }
}
