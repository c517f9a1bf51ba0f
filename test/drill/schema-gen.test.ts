import { describe, expect, test } from 'bun:test';
import type { TSchema } from '@sinclair/typebox';
import { generator, invalid, valid, type JsonSchema } from '../../drill/lib/schema-gen.ts';
import { deriveSeed, rng } from '../../drill/lib/rng.ts';
import { compile } from '../../src/runtime/validation.ts';
import { cccSchemas } from '../../src/services/ccc/schema.ts';
import { parseOptions } from '../../src/services/ccc/options.ts';
import { DialogBody, VmRunBody } from '../../src/services/kolibri/schema.ts';
import { TickBody } from '../../src/services/mall/schema.ts';
import { ReputationAdjustBody, StateBody } from '../../src/services/openkore/schema.ts';

/** What the fuzz drill reads from /openapi/<service>.json: the schema as JSON. */
const asJson = (s: TSchema): JsonSchema => JSON.parse(JSON.stringify(s)) as JsonSchema;
const ccc = cccSchemas(parseOptions({}));
const SCHEMAS: [string, TSchema][] = [
  ['mall tick', TickBody], ['kolibri dialog', DialogBody], ['kolibri vm/run', VmRunBody], ['openkore state', StateBody],
  ['openkore reputation', ReputationAdjustBody], ['ccc turn', ccc.AddTurn], ['ccc search', ccc.Search], ['ccc v2 chat', ccc.ChatV2],
];

describe('bodies from a route schema', () => {
  test('valid and edge bodies pass the service\'s own validator', () => {
    for (const [name, schema] of SCHEMAS) {
      const check = compile(schema);
      for (let i = 0; i < 30; i++) {
        const r = rng(deriveSeed('valid', name, i));
        for (const edge of [false, true]) {
          const body = valid(asJson(schema), generator(r, {}, edge));
          const issue = check.firstIssue(check.withDefaults(body));
          if (issue) throw new Error(`${name} #${i}${edge ? ' (edge)' : ''}: ${JSON.stringify(issue)} in ${JSON.stringify(body).slice(0, 300)}`);
        }
      }
    }
  });

  test('bodies broken in one place are refused by the validator (odd strings and prototype-like keys may be allowed where any string or key is)', () => {
    let refused = 0;
    let total = 0;
    for (const [name, schema] of SCHEMAS) {
      const check = compile(schema);
      for (let i = 0; i < 50; i++) {
        const m = invalid(asJson(schema), rng(deriveSeed('invalid', name, i)), {});
        total++;
        if (!check.check(check.withDefaults(structuredClone(m.body)))) refused++;
        else if (!/prototype-like|odd string/.test(m.what)) throw new Error(`${name} #${i}: "${m.what}" still valid: ${JSON.stringify(m.body).slice(0, 300)}`);
      }
    }
    expect(refused / total).toBeGreaterThan(0.7);
  });

  test('the same seed gives the same body', () => {
    const s = asJson(StateBody);
    expect(JSON.stringify(valid(s, generator(rng(7), {})))).toBe(JSON.stringify(valid(s, generator(rng(7), {}))));
    expect(JSON.stringify(invalid(s, rng(9), {}))).toBe(JSON.stringify(invalid(s, rng(9), {})));
  });

  test('hints replace fields the schema cannot describe usefully', () => {
    const bodies = Array.from({ length: 40 }, (_, i) => valid(asJson(ccc.AddTurn), generator(rng(i), { agent: () => 'codey' })) as { agent: string });
    expect(bodies.filter((b) => b.agent === 'codey').length).toBeGreaterThan(20);
  });
});
