/** Per-call figures of the components' gRPC methods: the spec's request histogram and the kernel's hdr latency (the same series the bus's own methods use). */
import type * as grpc from '@grpc/grpc-js';
import type { ComponentContext } from './context.ts';

export function grpcObserver(c: ComponentContext): (method: string, ms: number, code: grpc.status) => void {
  return (method, ms, code) => {
    c.busMetrics.request(`grpc ${method}`, String(code), ms / 1000);
    c.ctx.metrics.observe('eventbus_grpc_duration_ms', { method }, ms, 'gRPC call latency (ms)');
  };
}
