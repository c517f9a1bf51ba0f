/** An OpenAI-compatible /v1/chat/completions endpoint whose behaviour a test sets: a reply, a delay, or a failure status. */
export interface FakeLlm {
  baseUrl: string;
  calls: number;
  mode: { kind: 'reply'; content: string } | { kind: 'slow'; ms: number; content: string } | { kind: 'fail'; status: number };
  stop(): void;
}

export function fakeLlm(): FakeLlm {
  const fake: FakeLlm = {
    baseUrl: '', calls: 0, mode: { kind: 'reply', content: '{}' },
    stop: () => server.stop(true),
  };
  const server = Bun.serve({
    hostname: '127.0.0.1', port: 0,
    async fetch(req) {
      if (new URL(req.url).pathname !== '/v1/chat/completions') return new Response('not found', { status: 404 });
      fake.calls++;
      const m = fake.mode;
      if (m.kind === 'fail') return new Response('{"error":{"message":"down"}}', { status: m.status });
      if (m.kind === 'slow') await Bun.sleep(m.ms);
      const content = m.kind === 'slow' ? m.content : m.content;
      return Response.json({ id: 'c-1', object: 'chat.completion', model: 'fake-advisor', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 } });
    },
  });
  fake.baseUrl = `http://127.0.0.1:${server.port}/v1`;
  return fake;
}

export const ADVICE = JSON.stringify({ strategy: 'Pair Build', reasoning: 'Jolly Joker and The Duo both pay on pairs.', recommended_action: 'play_hand', priority_jokers: ['The Duo'], confidence: 0.8 });
