/**
 * kolibri (kolibri-omega.md): durable writes are stored programs (with their F-KV entry
 * and X-Request-Id replay row) and mined chain blocks. Errors are
 * `{error:{code,message,details}}` with lower-case codes.
 */
import { field, must, send } from '../lib/http.ts';
import type { DurableWrites, LedgerEntry, Running, ServiceDrill, Session, WriteResult } from '../lib/types.ts';
import { emptyResult, outcomeOf, write } from '../lib/verify.ts';

/** Each drill write's program: unique bytes that encode its id (ADD10 for programs, SUB10 for blocks). */
function programFor(id: number, op: 'ADD10' | 'SUB10'): string {
  return `PUSHd ${(id >> 16) & 255}; PUSHd ${(id >> 8) & 255}; MUL10; PUSHd ${id & 255}; ${op}; HALT`;
}

/** The id a stored program's bytes encode, and which writer made it; null for other programs. */
function idOfBytes(bytes: number[]): { id: number; op: 'ADD10' | 'SUB10' } | null {
  if (bytes.length !== 9 || bytes[0] !== 1 || bytes[2] !== 1 || bytes[4] !== 4 || bytes[5] !== 1 || bytes[8] !== 18) return null;
  const op = bytes[7] === 2 ? 'ADD10' : bytes[7] === 3 ? 'SUB10' : null;
  if (!op) return null;
  return { id: ((bytes[1] ?? 0) << 16) | ((bytes[3] ?? 0) << 8) | (bytes[6] ?? 0), op };
}

/** F-KV program payload: three digits per byte. */
const payloadBytes = (p: string): number[] => (p.match(/\d{3}/g) ?? []).map(Number);
const fkvKey = (seq: number): string => `2${String(seq).padStart(6, '0')}`;
const requestId = (kind: string, id: number): string => `drill-${kind}-${id}`;

function submit(r: Running, id: number): Promise<WriteResult> {
  return write('POST', `${r.url}/api/v1/program/submit`, { headers: { 'X-Request-Id': requestId('prog', id) }, body: { program: programFor(id, 'ADD10') } }, (x) => field(x.json, 'program_id'));
}

/** Every stored program, by the drill id its bytes encode. */
async function storedPrograms(r: Running): Promise<{ total: number; byId: Map<number, string[]>; missingFkv: string[] }> {
  const total = Number((await must('GET', `${r.url}/api/v1/health`)).programs);
  const byId = new Map<number, string[]>();
  const missingFkv: string[] = [];
  for (let k = 1; k <= total; k++) {
    const x = await must('GET', `${r.url}/api/v1/fkv/get?prefix=${fkvKey(k)}`);
    const entry = (field(x, 'programs') as { key: string; program: string }[]).find((p) => p.key === fkvKey(k));
    if (!entry) {
      missingFkv.push(`prog-${String(k).padStart(6, '0')}`);
      continue;
    }
    const who = idOfBytes(payloadBytes(entry.program));
    if (who?.op !== 'ADD10') continue;
    const list = byId.get(who.id) ?? [];
    list.push(`prog-${String(k).padStart(6, '0')}`);
    byId.set(who.id, list);
  }
  return { total, byId, missingFkv };
}

const programs: DurableWrites<null> = {
  name: 'programs',
  clients: 3,
  hz: 60,
  prepare: async () => null,
  write: (r, _s, t) => submit(r, t.id),
  retry: (r, _s, e) => submit(r, e.id),
  async verify(r, _s, ledger) {
    const res = emptyResult();
    const { byId, missingFkv } = await storedPrograms(r);
    // Programs that halt are accepted and written to the F-KV in the same commit.
    for (const p of missingFkv) res.halfPresent.push(`${p} is counted but has no F-KV program entry`);
    const known = new Set(ledger.map((e) => e.id));
    for (const [id, ids] of byId) if (!known.has(id)) res.phantom.push(`program of unknown write ${id} stored as ${ids.join(', ')}`);
    let replayChecks = 0;
    for (const e of ledger) {
      const at = byId.get(e.id) ?? [];
      if (at.length > 1) res.duplicated.push(`write ${e.id} stored ${at.length} times: ${at.join(', ')}`);
      if (e.outcome === 'acked') {
        if (at.length === 0) res.lost.push(`write ${e.id} acknowledged as ${String(e.data)} but not stored`);
        else if (at[0] !== e.data) res.lost.push(`write ${e.id} acknowledged as ${String(e.data)} but stored as ${at.join(', ')}`);
        else res.found++;
        // A retry with the same X-Request-Id must replay, not store again (checked on a sample).
        if (at.length === 1 && replayChecks++ < 10) {
          const x = await send('POST', `${r.url}/api/v1/program/submit`, { headers: { 'X-Request-Id': requestId('prog', e.id) }, body: { program: programFor(e.id, 'ADD10') } });
          if (x.headers.get('idempotent-replayed') !== 'true' || field(x.json, 'program_id') !== e.data) res.duplicated.push(`retry of write ${e.id} was not replayed: ${x.status} ${x.text.slice(0, 120)}`);
        }
      } else if (e.outcome === 'rejected' && at.length > 0) res.phantom.push(`write ${e.id} was refused (${e.status}) but stored as ${at.join(', ')}`);
      else if (e.outcome === 'unknown' && at.length === 1) res.unknownPresent++;
    }
    return res;
  },
};

interface Block { height: number; hash: string; program_id: string }

async function allBlocks(r: Running): Promise<Block[]> {
  const out: Block[] = [];
  for (let from = 1; ; from += 1000) {
    const x = await must('GET', `${r.url}/api/v1/chain/blocks?from=${from}&limit=1000`);
    const page = field(x, 'blocks') as Block[];
    out.push(...page);
    if (page.length < 1000) return out;
  }
}

/** Blocks: a program (SUB10 form) is stored, then mined; the block is the acknowledged write. */
const blocks: DurableWrites<null> = {
  name: 'chain blocks',
  clients: 2,
  hz: 5,
  prepare: async () => null,
  async write(r, _s, t) {
    const p = await write('POST', `${r.url}/api/v1/program/submit`, { headers: { 'X-Request-Id': requestId('bprog', t.id) }, body: { program: programFor(t.id, 'SUB10') } }, (x) => field(x.json, 'program_id'));
    if (p.kind !== 'acked') return p.kind === 'unknown' ? p : { ...p, reply: `program submit: ${p.reply}` };
    const x = await send('POST', `${r.url}/api/v1/chain/submit`, { headers: { 'X-Request-Id': requestId('block', t.id) }, body: { program_id: p.data }, timeoutMs: 30_000 });
    const o = outcomeOf(x, (e) => ({ program_id: field(e.json, 'program_id'), height: field(e.json, 'height'), hash: field(e.json, 'block_hash') }));
    return o.kind === 'unknown' ? { kind: 'unknown', reason: `${o.reason} (program ${String(p.data)})` } : o;
  },
  async verify(r, _s, ledger) {
    const res = emptyResult();
    const chain = await allBlocks(r);
    const verify = await must('GET', `${r.url}/api/v1/chain/verify`);
    if (verify.valid !== true) res.halfPresent.push(`chain/verify is not valid: ${JSON.stringify(verify).slice(0, 300)}`);
    chain.forEach((b, i) => {
      if (b.height !== i + 1) res.halfPresent.push(`block at position ${i + 1} has height ${b.height}`);
    });
    const byProgram = new Map<string, Block[]>();
    for (const b of chain) byProgram.set(b.program_id, [...(byProgram.get(b.program_id) ?? []), b]);
    for (const [p, bs] of byProgram) if (bs.length > 1) res.duplicated.push(`${p} mined ${bs.length} times (heights ${bs.map((b) => b.height).join(', ')})`);
    for (const e of ledger as readonly LedgerEntry[]) {
      if (e.outcome !== 'acked') continue;
      const a = e.data as { program_id: string; height: number; hash: string };
      const b = byProgram.get(a.program_id)?.[0];
      if (!b) res.lost.push(`block for ${a.program_id} acknowledged at height ${a.height} is missing`);
      else if (b.height !== a.height || b.hash !== a.hash) res.lost.push(`block for ${a.program_id} acknowledged at ${a.height} ${a.hash.slice(0, 12)} is now at ${b.height} ${b.hash.slice(0, 12)}`);
      else res.found++;
    }
    const acked = new Set(ledger.filter((e) => e.outcome === 'acked').map((e) => (e.data as { program_id: string }).program_id));
    res.unknownPresent = chain.filter((b) => !acked.has(b.program_id)).length;
    res.notes.push(`chain height ${chain.length}`);
    return res;
  },
};

const LOOP = 'loop: PUSHd 1; JNZ loop';

export const kolibri: ServiceDrill = {
  name: 'kolibri',
  envelope: 'kolibri',
  statuses: [200, 400, 404, 405, 408, 409, 413, 414, 415, 429, 431, 503, 507],
  sets: {
    'services.kolibri.options.dialogPerMinute': '1000000',
    'services.kolibri.options.programPerMinute': '1000000',
    'services.kolibri.options.chainPerMinute': '1000000',
  },
  async session(r): Promise<Session> {
    return {
      headers: {},
      ids: { program_id: ['prog-000001', 'prog-000002'], prefix: ['1', '2', '2000001', ''] },
      async digest() {
        const h = await must('GET', `${r.url}/api/v1/health`);
        return JSON.stringify([h.blocks, h.programs, h.fkv_entries]);
      },
    };
  },
  durable: [programs, blocks],
  fuzz: {
    hints: {
      program: (rng) => rng.pick(['PUSHd 2; PUSHd 2; ADD10; HALT', '12*3', '1/0', LOOP, [1, 2, 1, 3, 2, 18], 'BYTE 255', '((((1))))']),
      input: (rng) => rng.pick(['what is 12*3?', '2+2', 'run prog-000001', '1/0', '9'.repeat(30)]),
    },
  },
  ws: [{
    path: '/api/v1/events',
    probe: () => ({ type: 'ping' }),
    isProbeReply: (m) => field(m, 'type') === 'pong',
  }],
  soak: {
    http: [
      { name: 'vm/run', hz: 20, make: (_s, i) => ({ method: 'POST', path: '/api/v1/vm/run', body: { program: `${i % 97}*${(i % 13) + 1}+7` } }) },
      { name: 'fkv/get', hz: 5, make: () => ({ method: 'GET', path: '/api/v1/fkv/get?prefix=1' }) },
      { name: 'program/submit', hz: 1, make: (_s, i) => ({ method: 'POST', path: '/api/v1/program/submit', body: { program: `PUSHd ${i % 250}; PUSHd 3; ADD10; HALT` } }) },
      { name: 'dialog', hz: 1, make: (_s, i) => ({ method: 'POST', path: '/api/v1/dialog', body: { input: `what is ${i % 50}*3?` } }) },
    ],
    ws: [{ endpoint: { path: '/api/v1/events', probe: () => ({ type: 'ping' }), isProbeReply: (m) => field(m, 'type') === 'pong' }, clients: 5, hz: 20 }],
  },
  pool: [{
    task: 'kolibri.vm',
    // Runs past inlineSteps without F-KV opcodes continue in the pool; the timeout bounds a hung worker.
    sets: { 'services.kolibri.options.vmTimeoutMs': '1500' },
    request: () => ({ method: 'POST', path: '/api/v1/vm/run', body: { program: LOOP, gas_limit: 300_000 } }),
  }],
  dependencies: [],
  reads: () => [{ method: 'GET', path: '/api/v1/health' }, { method: 'GET', path: '/api/v1/chain/blocks' }, { method: 'GET', path: '/api/v1/fkv/get?prefix=1' }],
};
