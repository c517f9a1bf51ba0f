import { describe, expect, test } from 'bun:test';
import { rmSync } from 'node:fs';
import { startServer, type BenchServer } from '../../../bench/lib/server.ts';
import { tempDir } from '../../helpers.ts';
import { balatroJson, modBatch, modEvent } from './fixtures.ts';
import type { View } from './bus.ts';

const SETS = { 'services.eventbus.options.grpcPort': '0', 'services.eventbus.options.resources': '{"grpcPort":0}' };

async function history(server: BenchServer): Promise<View[]> {
  const out: View[] = [];
  let after = 0;
  for (;;) {
    const page = (await (await fetch(`${server.url('eventbus')}/api/v1/events?limit=1000&after=${after}`)).json()) as { events: View[]; next_after: number | null };
    out.push(...page.events);
    if (page.next_after === null) return out;
    after = page.next_after;
  }
}

describe('crash safety', () => {
  test('kill -9 during ingest: after a restart every acknowledged event is in the history exactly once, at its acknowledged sequence', async () => {
    const dataDir = tempDir('hotloop-eventbus-crash-');
    let server = await startServer(['eventbus'], { dataDir, sets: SETS });
    const acked = new Map<string, number>();
    const sent: string[] = [];
    let stop = false;
    const url = `${server.url('eventbus')}/api/v1/events/batch`;
    const producer = async (): Promise<void> => {
      while (!stop) {
        const events = Array.from({ length: 20 }, (_, i) => modEvent(i % 5 === 0 ? 'GAME_STATE' : 'JOKER_TRIGGER', i % 5 === 0 ? { game_id: 'CRASH', ante: 1 } : { joker_name: 'Joker' }));
        const body = balatroJson(modBatch(events));
        sent.push(body);
        try {
          const r = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
          if (r.status !== 200) continue;
          const reply = (await r.json()) as { results: { event_id: string; sequence: number }[] };
          for (const x of reply.results) acked.set(x.event_id, x.sequence);
        } catch {
          return; // the server died mid-request: this batch was never acknowledged
        }
      }
    };
    const producers = [producer(), producer(), producer(), producer()];
    const deadline = Date.now() + 20_000;
    while (acked.size < 1500 && Date.now() < deadline) await Bun.sleep(5);
    server.proc.kill(9);
    await server.proc.exited;
    stop = true;
    await Promise.all(producers);
    expect(acked.size).toBeGreaterThanOrEqual(1500);

    server = await startServer(['eventbus'], { dataDir, sets: SETS });
    try {
      const all = await history(server);
      const count = new Map<string, number>();
      for (const v of all) count.set(v.event.event_id as string, (count.get(v.event.event_id as string) ?? 0) + 1);
      for (const [id, seq] of acked) {
        expect(count.get(id)).toBe(1);
        expect(all[seq - 1]!.event.event_id).toBe(id);
      }
      expect([...count.values()].every((n) => n === 1)).toBe(true);
      // The client re-sends the batches it could not confirm (and some it could): nothing held is stored twice.
      for (const body of sent.slice(-12)) {
        const r = await fetch(`${server.url('eventbus')}/api/v1/events/batch`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
        expect(r.status).toBe(200);
      }
      const after = await history(server);
      const ids = after.map((v) => v.event.event_id as string);
      expect(new Set(ids).size).toBe(ids.length);
      for (const body of sent.slice(-12)) for (const e of (JSON.parse(body) as { events: { event_id: string }[] }).events) expect(ids).toContain(e.event_id);
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
