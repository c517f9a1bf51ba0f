/**
 * CCC rows (issue budgets): add turn at 200 req/s (p99 < 2 ms), context search over 100k
 * turns in 100 sessions (p99 < 10 ms), /v1/chat/completions with the local provider
 * (p99 < 5 ms), a covenant cycle with the local provider (p99 < 20 ms). Gated rows are the
 * server's own route histogram; end-to-end figures sit beside them as record rows, with a
 * bare Bun.serve echo at the same rate as the load generator's floor.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedCorpus } from '../fixtures/ccc-corpus.ts';
import { Recorder } from '../lib/hist.ts';
import { fixedRate, maxThroughput } from '../lib/http.ts';
import { gatedServerSide } from '../lib/server-side.ts';
import { startServer } from '../lib/server.ts';
import type { BenchRow, Suite } from '../lib/types.ts';

const SECRET = 'ccc-bench-token-secret-0123456789';
const UNLIMITED: Record<string, string> = Object.fromEntries(
  ['sessionPerMinute', 'conversationsPerMinute', 'contextPerMinute', 'chatPerMinute', 'analyticsPerMinute', 'overallPerMinute'].map((k) => [`services.ccc.options.${k}`, '100000000']),
);

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

/** Open-loop load: a request every 1/rate s whatever the replies do (queueing stays visible). */
async function openLoop(rate: number, durationSec: number, send: (i: number) => Promise<Response>): Promise<Recorder> {
  const rec = new Recorder();
  const n = Math.round(rate * durationSec);
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await Bun.sleep(wait);
    inflight.push(send(i).then(async (res) => {
      await res.arrayBuffer();
      if (res.ok) rec.record(performance.now() - due);
      else rec.errors++;
    }, () => void rec.errors++));
  }
  await Promise.all(inflight);
  return rec;
}

async function bareEcho(): Promise<{ url: string; stop: () => void }> {
  const proc = Bun.spawn([process.execPath, 'run', 'bench/fixtures/echo-server.ts', 'bare'], { cwd: new URL('../../', import.meta.url).pathname, stdout: 'pipe', stderr: 'inherit' });
  const reader = proc.stdout.getReader();
  let buf = '';
  while (!/PORT (\d+)/.test(buf)) {
    const { value, done } = await reader.read();
    if (done) throw new Error('echo server exited');
    buf += new TextDecoder().decode(value);
  }
  return { url: `http://127.0.0.1:${/PORT (\d+)/.exec(buf)![1]}/echo`, stop: () => proc.kill() };
}

const WORDS = 'parse the request body then validate every field and store the turn with its metadata for later search'.split(' ');

const turns: Suite = {
  name: 'ccc: turns',
  async run({ quick }) {
    const server = await startServer(['ccc'], { sets: UNLIMITED });
    const echo = await bareEcho();
    try {
      const base = server.url('ccc');
      const session = await json(await fetch(`${base}/api/v2/sessions`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }));
      const auth = { Authorization: `Bearer ${session.token as string}` };
      const conv = await json(await fetch(`${base}/api/v2/conversations`, { method: 'POST', body: JSON.stringify({ directive: 'Benchmark conversation about storing turns', use_context: false }), headers: { 'content-type': 'application/json', ...auth } }));
      const url = `${base}/api/v2/conversations/${conv.conversation_id as string}/turns`;
      const makeBody = (i: number) => ({ agent: i % 2 ? 'codey' : 'beatrice', content: `Turn ${i}: ${WORDS.map((w, j) => (j % 5 === i % 5 ? `${w}${i % 97}` : w)).join(' ')}`, metadata: { model: 'bench', n: i } });
      await fixedRate({ name: 'warmup', url, headers: auth, makeBody, rate: 200, durationSec: 1 });
      const rows = await gatedServerSide(server, 'POST /api/v2/conversations/:conversation_id/turns', 'ccc: add turn at 200 req/s', 2, () =>
        fixedRate({ name: 'ccc: add turn at 200 req/s', url, headers: auth, makeBody, rate: 200, durationSec: quick ? 3 : 8 }));
      const bare = await fixedRate({ name: 'ccc: reference, bare Bun.serve JSON echo at 200 req/s, end to end (record)', url: echo.url, body: { n: 1, name: 'x' }, rate: 200, durationSec: quick ? 3 : 8 });
      bare.note = 'same load generator and rate, no service: the floor the end-to-end rows share';
      return [...rows, bare];
    } finally {
      echo.stop();
      await server.stop();
    }
  },
};

const search: Suite = {
  name: 'ccc: search',
  async run({ quick }) {
    const dataDir = mkdtempSync(join(tmpdir(), 'hotloop-bench-ccc-'));
    const corpus = seedCorpus(dataDir, SECRET, { sessions: 100, conversations: 10, turns: 100, now: Date.now() });
    const server = await startServer(['ccc'], { dataDir, sets: UNLIMITED, env: { CCC_TOKEN_SECRET: SECRET } });
    const rows: BenchRow[] = [];
    try {
      const base = server.url('ccc');
      const queries: string[] = [];
      for (let i = 0; i < 200; i++) {
        const pick = (xs: string[]) => xs[(i * 7 + xs.length) % xs.length]!;
        // Half of the queries are the most common words (every session's worst case), half a middle and a rare word.
        queries.push(i % 2 ? `${pick(corpus.common)} ${corpus.common[(i + 1) % corpus.common.length]}` : `how does ${pick(corpus.middle)} relate to ${pick(corpus.rare)}`);
      }
      const send = (i: number, q: string[] = queries) => {
        const s = corpus.sessions[(i * 13) % corpus.sessions.length]!;
        return fetch(`${base}/api/v2/sessions/${s.id}/context/search`, {
          method: 'POST', headers: { 'content-type': 'application/json', Authorization: `Bearer ${s.token}` },
          body: JSON.stringify({ query: q[i % q.length], max_results: 10 }),
        });
      };
      await openLoop(100, 1, (i) => send(i));
      const note = `${corpus.turns.toLocaleString('en')} turns in ${corpus.sessions.length} sessions, seeded through the store in ${(corpus.seedMs / 1000).toFixed(1)} s`;
      const mixed = await gatedServerSide(server, 'POST /api/v2/sessions/:session_id/context/search', 'ccc: context search, 100k turns / 100 sessions, mixed queries at 100 req/s', 10, async () =>
        (await openLoop(100, quick ? 3 : 11, (i) => send(i))).row('ccc: search', { rps: 100, note }));
      const commonOnly = queries.filter((_, i) => i % 2 === 1);
      const common = await gatedServerSide(server, 'POST /api/v2/sessions/:session_id/context/search', 'ccc: context search, 100k turns / 100 sessions, the 5 most common words only at 100 req/s', 10, async () =>
        (await openLoop(100, quick ? 3 : 11, (i) => send(i, commonOnly))).row('ccc: search common', { rps: 100, note: `query words: ${corpus.common.join(', ')}` }));
      rows.push(...mixed, ...common);
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
    return rows;
  },
};

const chat: Suite = {
  name: 'ccc: chat',
  async run({ quick }) {
    const server = await startServer(['ccc'], { sets: UNLIMITED });
    try {
      const base = server.url('ccc');
      const v1 = `${base}/v1/chat/completions`;
      const v1Body = { model: 'gpt-4', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Create a Python function to calculate Fibonacci numbers' }], temperature: 0.7, max_tokens: 200 };
      await fixedRate({ name: 'warmup', url: v1, body: v1Body, rate: 200, durationSec: 1 });
      const v1Rows = await gatedServerSide(server, 'POST /v1/chat/completions', 'ccc: /v1/chat/completions, local provider, 200 req/s', 5, () =>
        fixedRate({ name: 'ccc: v1', url: v1, body: v1Body, rate: 200, durationSec: quick ? 3 : 8 }));
      const max = await maxThroughput({ name: 'ccc: /v1/chat/completions, local provider, max req/s', url: v1, body: v1Body, durationSec: quick ? 3 : 6, connections: 10 });
      max.note = `max ${Math.round(max.rps ?? 0)} req/s`;

      const session = await json(await fetch(`${base}/api/v2/sessions`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }));
      const auth = { Authorization: `Bearer ${session.token as string}` };
      const v2 = `${base}/v2/chat/completions`;
      const topics = ['Fibonacci numbers in Python', 'a binary search in Rust', 'a retry loop with backoff', 'parsing CSV files', 'an LRU cache', 'a rate limiter'];
      const makeBody = (i: number) => ({ model: 'gpt-4', covenant: true, messages: [{ role: 'user', content: `Write ${topics[i % topics.length]} (variant ${i % 50})` }], memory_options: { use_context: true, include_agent_state: true, auto_store_response: true } });
      await fixedRate({ name: 'warmup', url: v2, headers: auth, makeBody, rate: 50, durationSec: 1 });
      const cycle = await gatedServerSide(server, 'POST /v2/chat/completions', 'ccc: covenant cycle (3 model calls, 4 turns stored, context + agent state), local provider, 50 req/s', 20, () =>
        // 1,000 samples for a p99 in the full run: 21 s at 50 req/s.
        fixedRate({ name: 'ccc: covenant', url: v2, headers: auth, makeBody, rate: 50, durationSec: quick ? 3 : 21 }));
      return [...v1Rows, max, ...cycle];
    } finally {
      await server.stop();
    }
  },
};

export const suites: Suite[] = [turns, search, chat];
