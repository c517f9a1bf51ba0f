/**
 * Transfer lists for pool tasks, worker side: a task returns `transferResult(value, buffers)`
 * and the buffers move to the main thread instead of being copied (they are detached in
 * the worker). The main thread receives `value` itself. Main → worker: `RunOptions.transfer`.
 */
import { move, transferableSymbol, valueSymbol } from 'piscina';

declare const TRANSFERRED: unique symbol;

/** A task result whose buffers move back to the caller; the caller sees `T`. */
export interface Transferred<T> {
  readonly [TRANSFERRED]: T;
}

/** What a task's caller receives: the value inside a `Transferred`, else the value. */
export type Untransferred<R> = R extends Transferred<infer V> ? V : R;

export function transferResult<T extends object>(value: T, buffers: ArrayBuffer[]): Transferred<T> {
  // Piscina's Transferable protocol: posted as `value` with `buffers` in the transfer list.
  const wrapped = { [transferableSymbol]: buffers, [valueSymbol]: value };
  return move(wrapped) as unknown as Transferred<T>;
}
