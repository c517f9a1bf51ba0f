/**
 * CCC Stage 2 (ccc-stage2.md): durable writes are conversation turns (row, FTS5 index
 * entries, counters, agent learning: one transaction). Session tokens stay valid across
 * restarts (the signing secret is in the data dir), so a drill keeps its session.
 */
import { llmFaults } from '../lib/deps-llm.ts';
import { field, must, send } from '../lib/http.ts';
import type { DurableWrites, Running, ServiceDrill, Session } from '../lib/types.ts';
import { emptyResult, write } from '../lib/verify.ts';

export interface CccSession { session: string; token: string; conversation: string }

export const bearer = (s: CccSession): Record<string, string> => ({ Authorization: `Bearer ${s.token}` });
const readAuth = (s: Session): Record<string, string> => ({ Authorization: `Bearer ${s.ids.read_token?.[0] ?? ''}` });

export async function cccSession(r: Running, directive = 'Drill conversation about durable turns'): Promise<CccSession> {
  const s = await must('POST', `${r.url}/api/v2/sessions`, { body: {} });
  const token = String(s.token);
  const c = await must('POST', `${r.url}/api/v2/conversations`, { headers: { Authorization: `Bearer ${token}` }, body: { directive, use_context: false } });
  return { session: String(s.session_id), token, conversation: String(c.conversation_id) };
}

/** A word no other turn holds: the search index must find exactly this turn by it. */
const marker = (id: number): string => `drillmark${id.toString(36)}x`;

interface Turn { turn_id: string; turn_number: number; content: string }

const turns: DurableWrites<CccSession> = {
  name: 'turns',
  clients: 3,
  hz: 60,
  prepare: async (r, prev) => prev ?? (await cccSession(r)),
  write: (r, s, t) =>
    write('POST', `${r.url}/api/v2/conversations/${s.conversation}/turns`, { headers: bearer(s), body: { agent: 'codey', content: `Turn ${t.id} of the drill ${marker(t.id)} with durable content` } }, (x) => field(x.json, 'turn_id')),
  async verify(r, s, ledger) {
    const res = emptyResult();
    const all: Turn[] = [];
    for (let from = 1; ; from += 1000) {
      const c = await must('GET', `${r.url}/api/v2/conversations/${s.conversation}?from_turn=${from}&limit=1000`, { headers: bearer(s) });
      const page = (field(c, 'turns') ?? []) as Turn[];
      all.push(...page);
      if (page.length < 1000) {
        if (Number(c.turn_count) !== all.length) res.halfPresent.push(`turn_count says ${String(c.turn_count)}, ${all.length} turns listed`);
        break;
      }
    }
    all.forEach((t, i) => {
      if (t.turn_number !== i + 1) res.halfPresent.push(`turn at position ${i + 1} is numbered ${t.turn_number}`);
    });
    const byWrite = new Map<number, Turn[]>();
    for (const t of all) {
      const m = /^Turn (\d+) of the drill/.exec(t.content);
      if (m) byWrite.set(Number(m[1]), [...(byWrite.get(Number(m[1])) ?? []), t]);
    }
    let searched = 0;
    for (const e of ledger) {
      const at = byWrite.get(e.id) ?? [];
      if (at.length > 1) res.duplicated.push(`turn write ${e.id} stored ${at.length} times`);
      if (e.outcome === 'acked') {
        if (at.length === 0) res.lost.push(`turn ${String(e.data)} (write ${e.id}) acknowledged but not stored`);
        else if (at[0]?.turn_id !== e.data) res.lost.push(`write ${e.id} acknowledged as ${String(e.data)} but stored as ${at[0]?.turn_id}`);
        else {
          res.found++;
          // The FTS5 index is written in the same transaction: a sample of turns must be found by their marker word.
          if (searched++ < 10) {
            const x = await send('POST', `${r.url}/api/v2/sessions/${s.session}/context/search`, { headers: bearer(s), body: { query: marker(e.id), relevance_threshold: 0 } });
            const hits = (field(x.json, 'results') ?? []) as { turn_id?: string }[];
            if (!hits.some((h) => h.turn_id === e.data)) res.halfPresent.push(`turn ${String(e.data)} is stored but search does not find it (${x.status} ${x.text.slice(0, 120)})`);
          }
        }
      } else if (e.outcome === 'rejected' && at.length > 0) res.phantom.push(`write ${e.id} refused (${e.status}) but stored`);
      else if (e.outcome === 'unknown' && at.length === 1) res.unknownPresent++;
    }
    const sess = await must('GET', `${r.url}/api/v2/sessions/${s.session}`, { headers: bearer(s) });
    // The directive is turn 1 and counts in the session's total.
    if (Number(sess.total_turns) !== all.length) res.halfPresent.push(`session total_turns ${String(sess.total_turns)} but the conversation lists ${all.length} turns`);
    return res;
  },
};

const RATE_OPTIONS = ['sessionPerMinute', 'conversationsPerMinute', 'contextPerMinute', 'chatPerMinute', 'analyticsPerMinute', 'overallPerMinute'];

export const ccc: ServiceDrill = {
  name: 'ccc',
  envelope: 'ccc',
  statuses: [200, 201, 202, 400, 401, 403, 404, 405, 409, 413, 414, 415, 429, 431, 502, 503, 507],
  sets: Object.fromEntries(RATE_OPTIONS.map((o) => [`services.ccc.options.${o}`, '1000000'])),
  async session(r): Promise<Session> {
    const s = await cccSession(r, 'Fuzz conversation');
    return {
      headers: bearer(s),
      ids: { session_id: [s.session], conversation_id: [s.conversation], agent_name: ['wykeve', 'beatrice', 'codey'], agent: ['codey', 'beatrice', 'wykeve'], export_id: ['export_0000000000000000'] },
      async digest() {
        const x = await must('GET', `${r.url}/api/v2/sessions/${s.session}`, { headers: bearer(s) });
        const h = await must('GET', `${r.url}/health`);
        return JSON.stringify([x.conversation_count, x.total_turns, x.status, h.sessions]);
      },
    };
  },
  durable: [turns],
  fuzz: {
    // These end the fuzz session (archive makes it read-only, revoking the token ends it): fuzzed last.
    terminal: ['POST /api/v2/sessions/{session_id}/archive', 'DELETE /api/v2/sessions/{session_id}/tokens/current'],
    hints: { agent: (rng) => rng.pick(['codey', 'beatrice', 'wykeve', 'hal']) },
  },
  ws: [],
  soak: {
    // Reads go to a session seeded with 200 turns that the soak never grows; writes go to the fuzz session.
    async setup(r, s) {
      const read = await cccSession(r, 'Soak reading: python functions, tests and performance');
      for (let i = 0; i < 200; i++) await must('POST', `${r.url}/api/v2/conversations/${read.conversation}/turns`, { headers: bearer(read), body: { agent: i % 2 ? 'codey' : 'beatrice', content: `Read turn ${i} about python functions, unit tests and performance ${i % 13}` } });
      s.ids.read_session = [read.session];
      s.ids.read_conversation = [read.conversation];
      s.ids.read_token = [read.token];
      // Writes rotate over 20 sessions, so no session grows far (a session's key topics are recounted as it grows).
      const writers = await Promise.all(Array.from({ length: 20 }, (_, i) => cccSession(r, `Soak writing ${i}`)));
      s.ids.write_conversation = writers.map((w) => w.conversation);
      s.ids.write_token = writers.map((w) => w.token);
    },
    http: [
      { name: 'v1 chat', hz: 20, make: (_s, i) => ({ method: 'POST', path: '/v1/chat/completions', body: { model: 'local', messages: [{ role: 'user', content: `Hello ${i % 50}` }] } }) },
      { name: 'context/search', hz: 5, make: (s) => ({ method: 'POST', path: `/api/v2/sessions/${s.ids.read_session?.[0]}/context/search`, headers: readAuth(s), body: { query: 'python tests', max_results: 5 } }) },
      { name: 'conversation', hz: 2, make: (s) => ({ method: 'GET', path: `/api/v2/conversations/${s.ids.read_conversation?.[0]}?limit=20`, headers: readAuth(s) }) },
      { name: 'v2 chat', hz: 1, make: (s, i) => ({ method: 'POST', path: '/v2/chat/completions', headers: readAuth(s), body: { conversation_id: s.ids.read_conversation?.[0], messages: [{ role: 'user', content: `Explain test ${i % 20} step by step` }], memory_options: { auto_store_response: false } } }) },
      { name: 'turns', hz: 2, make: (s, i) => ({ method: 'POST', path: `/api/v2/conversations/${s.ids.write_conversation?.[i % 20]}/turns`, headers: { Authorization: `Bearer ${s.ids.write_token?.[i % 20] ?? ''}` }, body: { agent: 'codey', content: `Soak turn ${i} about python functions and tests` } }) },
    ],
    ws: [],
  },
  pool: [],
  dependencies: [{ name: 'llm endpoint hangs', run: (ctx) => llmFaults(ctx, 'ccc') }],
  reads: (s) => [{ method: 'GET', path: '/health' }, { method: 'GET', path: `/api/v2/sessions/${s.ids.session_id?.[0]}` }, { method: 'GET', path: `/api/v2/conversations/${s.ids.conversation_id?.[0]}` }],
};
