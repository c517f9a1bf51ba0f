/** Stage 1: GET /health, POST /v1/chat/completions (OpenAI-compatible, plain and SSE), GET /v1/models. */
import { cccProfile } from '../../../runtime/errors.ts';
import { llmHealth, type CompletionRequest, type LlmProvider } from '../../../runtime/llm.ts';
import { enforceRateLimit, RateLimiter } from '../../../runtime/ratelimit.ts';
import { R } from '../replies.ts';
import { route, type RouteDef } from '../../../runtime/service.ts';
import { addUsage, chunkObject, completionObject, NO_USAGE, providerRequest, toChatMessages, usageChunk, type ChunkHead } from '../chat/openai.ts';
import { callProvider } from '../chat/provider.ts';
import { sseResponse } from '../chat/sse.ts';
import { iso, newId } from '../ids.ts';
import { onValidation, type RouteDeps } from './deps.ts';

export function chatV1Routes(d: RouteDeps): RouteDef[] {
  const { llm, S } = d;
  const limiter = d.opts.v1PerMinute > 0 ? RateLimiter.perMinute(d.opts.v1PerMinute, d.now) : null;
  return [
    route({
      method: 'GET', path: '/health', summary: 'Liveness (Stage 1)', responses: { 200: R.Health },
      handler: () => ({
        status: 'healthy', service: 'ccc', stage: 2, version: d.opts.version, timestamp: new Date(d.now()).toISOString(),
        uptime_seconds: Math.round((d.now() - d.startedAt) / 1000), llm: llmView(llm), sessions: d.store.sessions.count(),
      }),
    }),
    route({
      method: 'GET', path: '/v1/models', summary: 'The model this server answers with (OpenAI list shape)',
      handler: () => ({ object: 'list', data: [{ id: llm.model, object: 'model', created: Math.floor(d.startedAt / 1000), owned_by: llm.name }] }),
    }),
    route({
      method: 'POST', path: '/v1/chat/completions', summary: 'OpenAI-compatible chat completion (Stage 1), plain or streamed', body: S.ChatV1, responses: { 200: R.ChatCompletion },
      validationError: onValidation(),
      onRequest: limiter ? (ctx) => void Object.assign(ctx.headers, enforceRateLimit(limiter, ctx.ip, cccProfile, 'chat completions', 60)) : undefined,
      handler: async (ctx) => {
        const b = ctx.body;
        const messages = toChatMessages(b.messages);
        const abort = new AbortController();
        const req: CompletionRequest = { messages, ...providerRequest(b, abort.signal) };
        const head: ChunkHead = { id: newId('chatcmpl'), created: Math.floor(d.now() / 1000), model: llm.model };
        if (!b.stream) {
          for await (const e of callProvider(llm, req, false)) {
            if (e.type === 'done') {
              const c = e.completion;
              return completionObject({ id: head.id, created: head.created, model: c.model, content: c.content, finishReason: c.finishReason ?? 'stop', usage: c.usage });
            }
          }
          throw new Error('provider ended without a completion');
        }
        const includeUsage = b.stream_options?.include_usage === true;
        async function* chunks() {
          let first = true;
          let usage = NO_USAGE;
          for await (const e of callProvider(llm, req, true)) {
            if (e.type === 'delta') {
              yield chunkObject(head, first ? { role: 'assistant', content: e.content } : { content: e.content }, null);
              first = false;
            } else {
              if (first) yield chunkObject(head, { role: 'assistant', content: '' }, null);
              usage = addUsage(usage, e.completion.usage);
              yield chunkObject({ ...head, model: e.completion.model }, {}, e.completion.finishReason ?? 'stop');
            }
          }
          if (includeUsage) yield usageChunk(head, usage);
        }
        return sseResponse(chunks(), ctx.log, () => abort.abort());
      },
    }),
  ];
}

/** The provider, its model and what its calls have shown (`failing` with the last error, so health says why chats fail). */
function llmView(llm: LlmProvider): Record<string, unknown> {
  const h = llmHealth(llm);
  const at = (ms: number | null): string | null => (ms === null ? null : iso(ms));
  return { provider: llm.name, model: llm.model, status: h.status, last_error: h.last_error, last_error_at: at(h.last_error_at), last_ok_at: at(h.last_ok_at) };
}
