/** POST /v2/chat/completions: memory-enhanced, plain or streamed, single reply or covenant cycle. */
import { R } from '../replies.ts';
import { route, type RouteDef } from '../../../runtime/service.ts';
import { MemoryChat, type StepResult } from '../chat/memory-chat.ts';
import { addUsage, chunkObject, completionObject, NO_USAGE, usageChunk, type ChunkHead } from '../chat/openai.ts';
import { sseResponse } from '../chat/sse.ts';
import { newId } from '../ids.ts';
import { RESPONDERS } from '../types.ts';
import { onValidation, type RouteDeps } from './deps.ts';

function cycleView(results: readonly StepResult[], turnIds: readonly string[] | null) {
  return results.map((r, i) => ({ step: r.step, agent: r.agent, content: r.completion.content, model: r.completion.model, usage: r.completion.usage, turn_id: turnIds?.[i] ?? null }));
}

export function chatV2Routes(d: RouteDeps): RouteDef[] {
  const chat = new MemoryChat(d.store, d.access, d.memory, d.writer, d.llm, d.opts);
  return [
    route({
      method: 'POST', path: '/v2/chat/completions', summary: 'Memory-enhanced chat completion (set "covenant": true for the three-step cycle)', body: d.S.ChatV2, responses: { 200: R.ChatCompletion },
      onRequest: d.access.hook('chat'), validationError: onValidation({ agent: RESPONDERS }),
      handler: async (ctx) => {
        const b = ctx.body;
        const p = chat.plan(ctx, b);
        const head: ChunkHead = { id: newId('chatcmpl'), created: Math.floor(d.now() / 1000), model: d.llm.model };
        const results: StepResult[] = [];
        let stepStart = performance.now();

        const finish = () => {
          const stored = p.store ? chat.save(p, results) : null;
          chat.record(p);
          const usage = results.reduce((u, r) => addUsage(u, r.completion.usage), NO_USAGE);
          const extra: Record<string, unknown> = { memory_metadata: chat.metadata(p, stored) };
          if (p.covenant) extra.covenant_cycle = cycleView(results, stored?.turnIds ?? null);
          return { usage, extra, last: results[results.length - 1]! };
        };

        if (!b.stream) {
          for await (const e of chat.events(p, false)) {
            if (e.type === 'step') stepStart = performance.now();
            else if (e.type === 'done') results.push({ step: e.step, agent: e.agent, completion: e.completion, ms: performance.now() - stepStart });
          }
          const { usage, extra, last } = finish();
          return completionObject({
            id: head.id, created: head.created, model: last.completion.model, content: last.completion.content, finishReason: last.completion.finishReason ?? 'stop',
            usage, message: { agent: last.agent }, extra,
          });
        }

        const includeUsage = b.stream_options?.include_usage === true;
        async function* chunks() {
          let opening = true;
          for await (const e of chat.events(p, true)) {
            const tag = p.covenant ? { covenant_step: e.step } : {};
            if (e.type === 'step') {
              stepStart = performance.now();
              opening = true;
            } else if (e.type === 'delta') {
              yield chunkObject(head, opening ? { role: 'assistant', content: e.content, agent: e.agent } : { content: e.content, agent: e.agent }, null, tag);
              opening = false;
            } else {
              if (opening) yield chunkObject(head, { role: 'assistant', content: '', agent: e.agent }, null, tag);
              results.push({ step: e.step, agent: e.agent, completion: e.completion, ms: performance.now() - stepStart });
            }
          }
          const { usage, extra, last } = finish();
          yield chunkObject({ ...head, model: last.completion.model }, {}, last.completion.finishReason ?? 'stop', extra);
          if (includeUsage) yield usageChunk(head, usage);
        }
        return sseResponse(chunks(), ctx.log, () => p.abort.abort());
      },
    }),
  ];
}
