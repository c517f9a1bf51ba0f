/** A stand-in OpenAI-compatible endpoint that records each request, for tests of what ccc sends a real model. */
import type { Json } from './helpers.ts';

export interface Upstream {
  url: string;
  seen: Json[];
  stop(): void;
}

export function fakeUpstream(model = 'upstream-model-1'): Upstream {
  const seen: Json[] = [];
  const server = Bun.serve({
    port: 0,
    async fetch(req) {
      const b = (await req.json()) as Json;
      seen.push(b);
      const content = `Upstream reply number ${seen.length}.`;
      const usage = { prompt_tokens: 11, completion_tokens: 5, total_tokens: 16 };
      if (b.stream !== true) return Response.json({ model, choices: [{ message: { role: 'assistant', content }, finish_reason: 'stop' }], usage });
      const words = content.split(/(?<= )/);
      const events = [
        ...words.map((w) => ({ model, choices: [{ delta: { content: w }, finish_reason: null }] })),
        { model, choices: [{ delta: {}, finish_reason: 'stop' }] },
        { model, choices: [], usage },
      ].map((e) => `data: ${JSON.stringify(e)}\n\n`);
      return new Response(`${events.join('')}data: [DONE]\n\n`, { headers: { 'Content-Type': 'text/event-stream' } });
    },
  });
  return { url: `http://127.0.0.1:${server.port}/v1`, seen, stop: () => void server.stop(true) };
}

/** The system message ccc put first in a recorded request. */
export function systemOf(req: Json): string {
  const messages = req.messages as { role: string; content: string }[];
  return messages[0]!.role === 'system' ? messages[0]!.content : '';
}
