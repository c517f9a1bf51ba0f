/**
 * Stand-ins for what a service depends on, switchable mid-drill: an OpenAI-compatible LLM
 * endpoint, and a proxy in front of a real AI service. Each can answer normally, hang,
 * answer slowly, fail with a 500, or be down (its port closed, then opened again).
 */
import type { Server } from 'bun';

export type StubMode = 'ok' | 'hang' | 'slow' | 'error' | 'down';

export interface Stub {
  url: string;
  mode: StubMode;
  /** Requests received (all modes). */
  hits: number;
  set(mode: StubMode): void;
  stop(): Promise<void>;
}

type Handler = (req: Request) => Promise<Response> | Response;

/** A listener whose behaviour follows `mode`; `down` closes the port, leaving `down` reopens it on the same port. */
function switchable(handle: Handler, slowMs: number): Stub {
  let server: Server<undefined> | null = null;
  let port = 0;
  const hung = new Set<() => void>();
  const stub: Stub = {
    url: '',
    mode: 'ok',
    hits: 0,
    set(mode) {
      if (mode === 'down' && server) {
        void server.stop(true);
        server = null;
      }
      if (mode !== 'hang') {
        for (const release of hung) release();
        hung.clear();
      }
      stub.mode = mode;
      if (mode !== 'down' && !server) listen();
    },
    async stop() {
      for (const release of hung) release();
      await server?.stop(true);
      server = null;
    },
  };
  const listen = (): void => {
    server = Bun.serve({
      port,
      hostname: '127.0.0.1',
      idleTimeout: 0,
      fetch: async (req) => {
        stub.hits++;
        if (stub.mode === 'hang') {
          // Held open until the mode changes or the client gives up.
          await new Promise<void>((resolve) => {
            hung.add(resolve);
            req.signal.addEventListener('abort', () => resolve(), { once: true });
          });
          return new Response('released', { status: 503 });
        }
        if (stub.mode === 'slow') await Bun.sleep(slowMs);
        if (stub.mode === 'error') return Response.json({ error: { message: 'stub failure', type: 'server_error' } }, { status: 500 });
        return handle(req);
      },
    });
    port = server.port ?? 0;
    stub.url = `http://127.0.0.1:${port}`;
  };
  listen();
  return stub;
}

/** An OpenAI-compatible chat endpoint that answers with a fixed text naming itself. */
export function startLlmStub(slowMs = 3000): Stub {
  return switchable(async (req) => {
    const path = new URL(req.url).pathname;
    if (!path.endsWith('/chat/completions')) return Response.json({ error: { message: `no route ${path}` } }, { status: 404 });
    const body = (await req.json().catch(() => ({}))) as { model?: string; stream?: boolean };
    const content = 'stub model reply';
    if (body.stream) {
      const chunk = (o: unknown): string => `data: ${JSON.stringify(o)}\n\n`;
      const text = chunk({ id: 'c1', object: 'chat.completion.chunk', model: 'stub', choices: [{ index: 0, delta: { role: 'assistant', content } }] })
        + chunk({ id: 'c1', object: 'chat.completion.chunk', model: 'stub', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })
        + chunk({ id: 'c1', object: 'chat.completion.chunk', model: 'stub', choices: [], usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } })
        + 'data: [DONE]\n\n';
      return new Response(text, { headers: { 'Content-Type': 'text/event-stream' } });
    }
    return Response.json({
      id: 'c1', object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: 'stub',
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
    });
  }, slowMs);
}

/** A proxy to `target` (a real service) that can be made slow, failing, hung or down. */
export function startProxy(target: string, slowMs = 3000): Stub {
  return switchable(async (req) => {
    const u = new URL(req.url);
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await req.arrayBuffer();
    const headers = new Headers(req.headers);
    headers.delete('host');
    const res = await fetch(`${target}${u.pathname}${u.search}`, { method: req.method, headers, body });
    return new Response(await res.arrayBuffer(), { status: res.status, headers: res.headers });
  }, slowMs);
}
