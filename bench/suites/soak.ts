/**
 * The soak drill as bench rows (record only; `npm run drill` judges it): every service at
 * once, 20 Hz WebSocket clients plus steady HTTP, one row per service with its end-to-end
 * latency over the whole run, and the RSS drift and p99 windows in the notes.
 */
import { runSoak } from '../../drill/drills/soak.ts';
import { SERVICES } from '../../drill/services/index.ts';
import type { BenchRow, Suite } from '../lib/types.ts';

const soak: Suite = {
  name: 'soak: all services',
  async run({ quick }) {
    const durationSec = quick ? 20 : 60;
    const { rows, latency } = await runSoak({ seed: 1, durationSec, services: SERVICES });
    const out: BenchRow[] = [];
    for (const r of rows) {
      const rec = latency.get(r.service);
      // 20 s windows of 5 s hold too few requests for the drill's p99 comparison: a quick row only records; `npm run drill` judges the soak (60 s in CI).
      const verdict = quick ? 'short run, recorded (npm run drill judges the soak)' : r.verdict === 'pass' ? 'soak criteria held' : 'SOAK FAILED';
      const note = `${verdict}: ${r.notes.join('; ')}`;
      if (rec) out.push(rec.row(`soak: ${r.service}, 20 Hz WebSocket + steady HTTP, ${durationSec} s, end to end`, { errors: r.errors, note }));
      else out.push({ name: `soak: ${r.service}, ${durationSec} s`, p50_ms: 0, p90_ms: 0, p99_ms: 0, p999_ms: 0, max_ms: 0, count: r.operations, errors: r.errors, note: `RSS ${r.rss_mb} MiB; ${note}` });
    }
    return out;
  },
};

export const suites: Suite[] = [soak];
