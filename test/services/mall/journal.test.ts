import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TickJournal } from '../../../src/services/mall/journal.ts';
import { fillDisk, mountTmpfs, type Mount } from '../../../drill/lib/mounts.ts';

const record = (q: number, document = ''): Parameters<TickJournal['append']>[0] => ({
  q, dt: 0.25, at: 1_700_000_000 + q, e: document ? { type: 'discover', zone: 0, document, documentEntity: 0 } : null,
});

describe('tick journal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hotloop-journal-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a torn line inside a segment is skipped: the acknowledged records after it are read back', () => {
    const seg = join(dir, '0000000001.log');
    writeFileSync(seg, `${JSON.stringify(record(1))}\n{"q":2,"dt":0.25,"at":17\n${JSON.stringify(record(3))}\n`);
    expect(new TickJournal(dir).readAll().map((r) => r.q)).toEqual([1, 3]);
  });
});

// A short write needs a full filesystem of its own: mounting one needs root (CI runs as root).
let mount: Mount | null = null;
let why = '';
try {
  mount = mountTmpfs(1);
} catch (e) {
  why = e instanceof Error ? e.message : String(e);
}

describe.skipIf(mount === null)(`tick journal on a full disk${mount ? '' : ` (skipped: ${why})`}`, () => {
  afterAll(() => mount!.cleanup());

  test('a record the full disk cuts short throws ENOSPC and is cut back off the file; the next record after space returns is read back whole', () => {
    const dir = join(mount!.dir, 'journal');
    const j = new TickJournal(dir);
    j.append(record(1));
    const seg = join(dir, readdirSync(dir)[0]!);
    const before = statSync(seg).size;
    const filler = fillDisk(mount!.dir);
    // Longer than what is left of the segment's last page: the write stops part-way.
    let thrown: unknown = null;
    try {
      j.append(record(2, 'x'.repeat(20_000)));
    } catch (e) {
      thrown = e;
    }
    expect((thrown as { code?: string } | null)?.code).toBe('ENOSPC');
    expect(statSync(seg).size).toBe(before);
    rmSync(filler);
    j.append(record(3));
    j.close();
    expect(new TickJournal(dir).readAll().map((r) => r.q)).toEqual([1, 3]);
  });
});
