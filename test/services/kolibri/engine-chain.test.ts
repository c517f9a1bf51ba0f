import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { blockHash, GENESIS_PREV, meetsDifficulty, mine, poeGate, verifyChain, type Block } from "../../../src/services/kolibri/engine/chain.ts";

const program = Uint8Array.from([1, 2, 1, 2, 2, 0x12]);

function mineBlock(prev: Block | undefined, difficulty: number, ts: number): Block {
  const prevHash = prev?.hash ?? GENESIS_PREV;
  const r = mine({ prevHash, timestamp: ts, program, difficulty, startNonce: 0, maxTries: 1_000_000 });
  if (!r.found) throw new Error("not found");
  return { prevHash, timestamp: ts, program, nonce: r.nonce, hash: r.hash, height: (prev?.height ?? 0) + 1, difficulty, programId: "prog-000001", poe: 0.9, mdl: 3, score: 0.87 };
}

describe("block hashing and mining", () => {
  test("the block hash is SHA-256 over prev_hash ‖ timestamp ‖ program bytes ‖ nonce", () => {
    const want = createHash("sha256")
      .update(Buffer.concat([Buffer.from(`${GENESIS_PREV}1700000000000`), Buffer.from(program), Buffer.from("42")]))
      .digest("hex");
    expect(blockHash({ prevHash: GENESIS_PREV, timestamp: 1700000000000, program, nonce: 42 })).toBe(want);
  });

  test("mining finds a nonce whose hash starts with the required hex zeros", () => {
    const b = mineBlock(undefined, 3, 1000);
    expect(b.hash.startsWith("000")).toBe(true);
    expect(blockHash(b)).toBe(b.hash);
    // The search returns the first qualifying nonce.
    for (let n = 0; n < b.nonce; n++) expect(blockHash({ ...b, nonce: n }).startsWith("000")).toBe(false);
  });

  test("an exhausted search reports not found with the tries spent", () => {
    const r = mine({ prevHash: GENESIS_PREV, timestamp: 1, program, difficulty: 12, startNonce: 0, maxTries: 50 });
    expect(r).toEqual({ found: false, tries: 50 });
  });

  test("difficulty counts hex digits, including odd counts", () => {
    expect(meetsDifficulty(Uint8Array.from([0, 0x0f, 0xff]), 3)).toBe(true);
    expect(meetsDifficulty(Uint8Array.from([0, 0x10, 0]), 3)).toBe(false);
    expect(meetsDifficulty(Uint8Array.from([0, 0, 0xff]), 4)).toBe(true);
    expect(meetsDifficulty(Uint8Array.from([1]), 0)).toBe(true);
  });
});

describe("chain verification", () => {
  const chain = (): Block[] => {
    const b1 = mineBlock(undefined, 2, 1);
    const b2 = mineBlock(b1, 2, 2);
    const b3 = mineBlock(b2, 2, 3);
    return [b1, b2, b3];
  };

  test("a mined chain verifies end to end", () => {
    expect(verifyChain(chain())).toEqual({ valid: true, blocks: 3, problems: [] });
    expect(verifyChain([]).valid).toBe(true);
  });

  test("a tampered program, a broken link or a wrong height is found", () => {
    const c = chain();
    const b2 = c[1];
    if (!b2) throw new Error("no block");
    c[1] = { ...b2, program: Uint8Array.from([1, 9, 0x12]) };
    expect(verifyChain(c).problems.map((p) => [p.height, p.reason])).toContainEqual([2, "hash"]);
    const d = chain();
    const d3 = d[2];
    if (!d3) throw new Error("no block");
    d[2] = { ...d3, prevHash: GENESIS_PREV };
    expect(verifyChain(d).problems.map((p) => p.reason)).toContain("prev_hash");
    const e = chain();
    expect(verifyChain([e[0], e[2]].filter((b): b is Block => b !== undefined)).valid).toBe(false);
  });

  test("a block whose hash misses its difficulty is found", () => {
    const c = chain();
    const b1 = c[0];
    if (!b1) throw new Error("no block");
    c[0] = { ...b1, difficulty: 64 };
    expect(verifyChain(c).problems[0]?.reason).toBe("difficulty");
  });
});

describe("PoE gate", () => {
  test("an average PoE above 0 and below the threshold is refused", () => {
    expect(poeGate([0.5], 0.8)).toEqual({ ok: false, average: 0.5 });
    expect(poeGate([0.9], 0.8)).toEqual({ ok: true });
    expect(poeGate([0], 0.8)).toEqual({ ok: true });
    expect(poeGate([0.9, 0.5], 0.8).ok).toBe(false);
  });
});
