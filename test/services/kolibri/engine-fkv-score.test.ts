import { describe, expect, test } from "bun:test";
import { FkvTrie, isDigits } from "../../../src/services/kolibri/engine/fkv.ts";
import { mdl, poe, round6, scoreRun, SCORE_DEFAULTS } from "../../../src/services/kolibri/engine/scoring.ts";
import { parseProgram } from "../../../src/services/kolibri/engine/program.ts";

describe("F-KV trie", () => {
  test("get returns the exact entry first, then the prefix node's top list", () => {
    const t = new FkvTrie(4);
    t.put("12", "value", "a");
    t.put("123", "value", "45");
    t.put("124", "program", "99");
    const got = t.get("12", 32);
    expect(got.map((e) => e.key)).toEqual(["12", "124", "123"]);
    expect(got[2]).toMatchObject({ key: "123", kind: "value", payload: "45" });
  });

  test("each node keeps only the k best entries beneath it, newest first by default", () => {
    const t = new FkvTrie(3);
    for (let i = 0; i < 10; i++) t.put(`5${i}`, "value", String(i));
    expect(t.get("5", 32).map((e) => e.payload)).toEqual(["9", "8", "7"]);
    expect(t.size).toBe(10);
  });

  test("explicit priorities order the top lists", () => {
    const t = new FkvTrie(2);
    t.put("71", "value", "low", 1);
    t.put("72", "value", "high", 100);
    t.put("73", "value", "mid", 50);
    expect(t.get("7", 10).map((e) => e.payload)).toEqual(["high", "mid"]);
  });

  test("rewriting a key replaces the entry and re-ranks every ancestor", () => {
    const t = new FkvTrie(2);
    t.put("11", "value", "x");
    t.put("12", "value", "y");
    t.put("13", "value", "z");
    t.put("11", "value", "x2");
    expect(t.get("1", 10).map((e) => e.payload)).toEqual(["x2", "z"]);
    expect(t.size).toBe(3);
    // Lowering a priority must let the next best entry back into the list.
    t.put("11", "value", "x3", 0);
    expect(t.get("1", 10).map((e) => e.payload)).toEqual(["z", "y"]);
  });

  test("limit caps the reply and no match gives an empty list", () => {
    const t = new FkvTrie();
    t.put("900", "value", "1");
    t.put("901", "value", "2");
    expect(t.get("9", 1).length).toBe(1);
    expect(t.get("8", 10)).toEqual([]);
    expect(t.get("9001", 10)).toEqual([]);
    expect(t.get("9", 0)).toEqual([]);
  });

  test("non-digit keys are refused", () => {
    const t = new FkvTrie();
    expect(() => t.put("12a", "value", "1")).toThrow();
    expect(t.get("1a", 5)).toEqual([]);
    expect(isDigits("")).toBe(false);
    expect(isDigits("0123")).toBe(true);
  });

  test("firstValue skips program entries", () => {
    const t = new FkvTrie();
    t.put("55", "value", "7");
    t.put("551", "program", "1002");
    expect(t.firstValue("55")?.payload).toBe("7");
    expect(t.firstValue("551")).toBeUndefined();
  });

  test("restoring entries with their priorities continues the sequence", () => {
    const t = new FkvTrie();
    t.put("1", "value", "a", 41);
    expect(t.put("2", "value", "b").priority).toBe(42);
    expect(t.sequence).toBe(42);
  });
});

describe("PoE, MDL and score", () => {
  const facts = { status: "ok", halted: true, steps: 4, gasLimit: 2048, byteLength: 6, result: 4n };

  test("PoE follows 0.5·(1−steps/gas) + 0.4/(1+len/64) + 0.1·min(1, ln(1+|r|)/8)", () => {
    const want = 0.5 * (1 - 4 / 2048) + 0.4 / (1 + 6 / 64) + 0.1 * Math.min(1, Math.log(5) / 8);
    expect(poe(facts)).toBeCloseTo(want, 12);
  });

  test("PoE is 0 unless the run halted ok", () => {
    expect(poe({ ...facts, status: "div_by_zero" })).toBe(0);
    expect(poe({ ...facts, halted: false })).toBe(0);
  });

  test("PoE magnitude term saturates and handles values beyond 2^53", () => {
    const huge = poe({ ...facts, result: 121932631112635269n });
    const big = poe({ ...facts, result: 1n << 62n });
    expect(huge).toBeCloseTo(big, 12); // both saturated at 0.1
    expect(huge).toBeLessThanOrEqual(1);
  });

  test("MDL is the character length of the canonical source and score = max(0, PoE − 0.01·MDL)", () => {
    expect(mdl("2*10")).toBe(4);
    const s = scoreRun(facts, "2+2");
    expect(s.mdl).toBe(3);
    expect(s.score).toBeCloseTo(s.poe - 0.03, 12);
    expect(scoreRun(facts, "x".repeat(500)).score).toBe(0);
  });

  test("the spec's example poe 0.94 with mdl 18 scores 0.76", () => {
    expect(round6(0.94 - SCORE_DEFAULTS.mdlPenalty * 18)).toBe(0.76);
  });
});

describe("program forms", () => {
  test("expressions compile, assembly assembles and arrays are bytes", () => {
    const e = parseProgram("3+4", 4096);
    expect(e.ok && e.program).toMatchObject({ form: "expression", canonical: "3+4", source: "PUSHd 3; PUSHd 4; ADD10; HALT" });
    const a = parseProgram("pushd 2; pushd 3; mul10; halt", 4096);
    expect(a.ok && a.program).toMatchObject({ form: "assembly", canonical: "PUSHd 2; PUSHd 3; MUL10; HALT" });
    const b = parseProgram([1, 2, 1, 2, 2, 18], 4096);
    expect(b.ok && [...b.program.bytes]).toEqual([1, 2, 1, 2, 2, 18]);
  });

  test("opcodes outside 0–255 or non-integers are refused with their index", () => {
    for (const bad of [[1, 256], [1, -1], [1, 2.5], [1, "2"]]) {
      const r = parseProgram(bad, 4096);
      expect(!r.ok && r.error.details).toMatchObject({ index: 1 });
    }
  });

  test("oversized, empty and unparsable programs are refused", () => {
    expect(parseProgram(new Array<number>(5000).fill(17), 4096).ok).toBe(false);
    expect(parseProgram(Array.from({ length: 100 }, () => "1").join("+"), 64).ok).toBe(false);
    expect(parseProgram("   ", 4096).ok).toBe(false);
    expect(parseProgram([], 4096).ok).toBe(false);
    const bad = parseProgram("PUSHd 2; FOO", 4096);
    expect(!bad.ok && bad.error.message).toBe("assembly error at position 9 ('FOO'): unknown mnemonic 'FOO'");
  });
});
