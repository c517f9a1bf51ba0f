/**
 * Components publish on the bus in-process through the bus's own ingest (the same
 * conversion, dedupe, topics, metrics and commit as a REST batch), never a side
 * channel. `publish` resolves after commit with the sequences; `publishSoon` gathers
 * events for a few milliseconds into one append for hot paths that must not wait.
 */
import { randomUUID } from 'node:crypto';
import type { Ingest } from '../ingest.ts';
import type { JsonObject } from '../wire/struct.ts';

export interface OutEvent {
  type: string;
  source: string;
  payload: JsonObject;
  /** Extra top-level fields (`subtype`, `correlation_id`, `metadata`...). */
  extra?: JsonObject;
  event_id?: string;
  /** Left out, the bus stamps the receive time and a re-send with the same id and content is stored once. */
  omitTimestamp?: boolean;
}

export interface Published {
  event_id: string;
  sequence: number;
  topic: string;
  duplicate: boolean;
}

export class ProducerError extends Error {
  constructor(message: string, readonly detail: unknown = null) {
    super(message);
    this.name = 'ProducerError';
  }
}

export class BusProducer {
  private queue: { e: JsonObject; resolve: (p: Published) => void; reject: (e: unknown) => void }[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  published = 0;
  failed = 0;

  constructor(
    private readonly ingest: Ingest,
    private readonly now: () => number,
    private readonly gatherMs = 2,
    private readonly onFailure: (e: unknown, count: number) => void = () => {},
  ) {}

  /** The JSON event as a producer would post it. */
  build(o: OutEvent): JsonObject {
    const e: JsonObject = { type: o.type, source: o.source, event_id: o.event_id ?? randomUUID(), version: 1, ...(o.extra ?? {}), payload: o.payload };
    if (!o.omitTimestamp) e.timestamp = this.now();
    return e;
  }

  /** Appends the events in one commit; resolves with where each went. */
  async publish(events: OutEvent[]): Promise<Published[]> {
    return this.append(events.map((e) => this.build(e)));
  }

  /** Queued into a shared append within `gatherMs`; the promise settles after its commit. */
  publishSoon(event: OutEvent): Promise<Published> {
    if (this.closed) return Promise.reject(new ProducerError('producer closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ e: this.build(event), resolve, reject });
      if (this.queue.length >= 500) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.gatherMs);
    });
  }

  /** Fire and forget: failures go to `onFailure` (counted), never to the caller. */
  emit(event: OutEvent): void {
    this.publishSoon(event).catch(() => {});
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    this.append(batch.map((b) => b.e)).then(
      (res) => batch.forEach((b, i) => b.resolve(res[i]!)),
      (e: unknown) => {
        this.onFailure(e, batch.length);
        for (const b of batch) b.reject(e);
      },
    );
  }

  private async append(events: JsonObject[]): Promise<Published[]> {
    const value: JsonObject = { events };
    try {
      const out = await this.ingest.ingest({ mode: 'batch', body: { kind: 'json', bytes: new Uint8Array(0), value, repairs: [], eventSpans: [], text: '' }, traceparent: null, gameId: '' });
      const bad = out.results.find((r) => r.status === 'dead_lettered');
      // Our own events are built here: a dead letter is a bug, reported loudly.
      if (bad) throw new ProducerError(`event ${bad.event_id} was dead-lettered: ${bad.reason}: ${bad.detail}`, bad);
      this.published += out.results.length;
      return out.results.map((r) => ({ event_id: r.event_id, sequence: r.sequence, topic: r.topic, duplicate: r.status === 'duplicate' }));
    } catch (e) {
      this.failed += events.length;
      throw e;
    }
  }

  close(): void {
    this.flush();
    this.closed = true;
  }
}
