import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dir, '..', '..');
const read = (f: string): string => readFileSync(join(ROOT, f), 'utf8');

describe('the drills in CI and the README', () => {
  test('CI runs the short form the README gives, between the tests and the latency gate', () => {
    const section = /## Reliability\n[\s\S]*?## Layout/.exec(read('README.md'))?.[0] ?? '';
    const quick = /^(npm run drill -- --quick)\b/m.exec(section)?.[1];
    expect(quick).toBe('npm run drill -- --quick');
    const ci = read('.ci/run').split('\n').map((l) => l.trim());
    const at = (cmd: string): number => ci.findIndex((l) => l === cmd);
    expect(at('npm test')).toBeGreaterThanOrEqual(0);
    expect(at(quick!)).toBeGreaterThan(at('npm test'));
    expect(at('npm run bench:gate -- --quick')).toBeGreaterThan(at(quick!));
    expect((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.drill).toBe('bun run drill/main.ts');
  });
});
