/**
 * Server-sent events for streamed completions: `data: <json>` per chunk, `data: [DONE]` last.
 * The first event is awaited before the response starts, so a failure before the first output
 * (provider unreachable, bad request) is an ordinary HTTP error; a later failure is sent as
 * an error event in the service envelope (the openai SDK raises it) before the stream ends.
 */
import { cccProfile, toApiError } from '../../../runtime/errors.ts';
import type { Logger } from '../../../runtime/log.ts';

const enc = new TextEncoder();
const frame = (v: unknown): Uint8Array => enc.encode(`data: ${JSON.stringify(v)}\n\n`);
const DONE = enc.encode('data: [DONE]\n\n');

export const SSE_HEADERS = { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' };

export async function sseResponse(source: AsyncIterable<unknown>, log: Logger, onCancel: () => void = () => undefined): Promise<Response> {
  const it = source[Symbol.asyncIterator]();
  const first = await it.next();
  let pending: IteratorResult<unknown> | null = first;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const r = pending ?? (await it.next());
        pending = null;
        if (r.done) {
          controller.enqueue(DONE);
          controller.close();
        } else controller.enqueue(frame(r.value));
      } catch (e) {
        const err = toApiError(cccProfile, e);
        if (err.status >= 500) log.error('stream failed', { code: err.code, error: err.message });
        controller.enqueue(frame(cccProfile.format(err, { requestId: '', debug: false })));
        controller.enqueue(DONE);
        controller.close();
      }
    },
    async cancel() {
      onCancel();
      await it.return?.();
    },
  });
  return new Response(stream, { headers: SSE_HEADERS });
}
