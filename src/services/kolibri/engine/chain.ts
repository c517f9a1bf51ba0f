/**
 * Proof-of-work chain. Block hash = SHA-256 over prev_hash ‖ timestamp ‖ program
 * bytes ‖ nonce, where the hash and numbers enter as ASCII text and the program as
 * raw bytes. A block is valid when its hash starts with `difficulty` hex zeros.
 */
import { createHash, type Hash } from "node:crypto";

export const GENESIS_PREV = "0".repeat(64);

export interface BlockHeader {
  prevHash: string;
  timestamp: number;
  program: Uint8Array;
  nonce: number;
}

export interface Block extends BlockHeader {
  height: number;
  hash: string;
  difficulty: number;
  programId: string;
  poe: number;
  mdl: number;
  score: number;
}

function prefixHash(prevHash: string, timestamp: number, program: Uint8Array): Hash {
  return createHash("sha256").update(prevHash, "latin1").update(String(timestamp), "latin1").update(program);
}

export function blockHash(h: BlockHeader): string {
  return prefixHash(h.prevHash, h.timestamp, h.program).update(String(h.nonce), "latin1").digest("hex");
}

/** Leading-zero test on raw digest bytes: `d` hex zeros = d/2 zero bytes (+ a high nibble). */
export function meetsDifficulty(digest: Uint8Array, d: number): boolean {
  const full = d >> 1;
  for (let i = 0; i < full; i++) if (digest[i] !== 0) return false;
  return (d & 1) === 0 || (digest[full] ?? 0xff) < 0x10;
}

export function hexMeetsDifficulty(hex: string, d: number): boolean {
  return hex.length === 64 && hex.startsWith("0".repeat(d));
}

export interface MineRequest {
  prevHash: string;
  timestamp: number;
  program: Uint8Array;
  difficulty: number;
  startNonce: number;
  maxTries: number;
}

export type MineResult =
  | { found: true; nonce: number; hash: string; tries: number }
  | { found: false; tries: number };

/** Nonce search. The shared prefix is hashed once and copied per attempt. */
export function mine(r: MineRequest): MineResult {
  const base = prefixHash(r.prevHash, r.timestamp, r.program);
  for (let i = 0; i < r.maxTries; i++) {
    const nonce = r.startNonce + i;
    const digest = base.copy().update(String(nonce), "latin1").digest();
    if (meetsDifficulty(digest, r.difficulty)) return { found: true, nonce, hash: digest.toString("hex"), tries: i + 1 };
  }
  return { found: false, tries: r.maxTries };
}

export interface ChainProblem {
  height: number;
  reason: "height" | "prev_hash" | "hash" | "difficulty";
  message: string;
}

export interface ChainReport {
  valid: boolean;
  blocks: number;
  problems: ChainProblem[];
}

/** Recomputes every hash and link, from genesis to tip. */
export function verifyChain(blocks: readonly Block[]): ChainReport {
  const problems: ChainProblem[] = [];
  let prev = GENESIS_PREV;
  blocks.forEach((b, i) => {
    const want = i + 1;
    if (b.height !== want) problems.push({ height: b.height, reason: "height", message: `expected height ${want}` });
    if (b.prevHash !== prev) problems.push({ height: b.height, reason: "prev_hash", message: "prev_hash does not match the previous block" });
    const h = blockHash(b);
    if (h !== b.hash) problems.push({ height: b.height, reason: "hash", message: "stored hash differs from the recomputed hash" });
    else if (!hexMeetsDifficulty(h, b.difficulty)) {
      problems.push({ height: b.height, reason: "difficulty", message: `hash lacks ${b.difficulty} leading hex zeros` });
    }
    prev = b.hash;
  });
  return { valid: problems.length === 0, blocks: blocks.length, problems };
}

/** The PoE gate: a block whose average PoE is above 0 and below `threshold` is refused. */
export function poeGate(poes: readonly number[], threshold: number): { ok: true } | { ok: false; average: number } {
  if (poes.length === 0) return { ok: true };
  const average = poes.reduce((a, b) => a + b, 0) / poes.length;
  return average > 0 && average < threshold ? { ok: false, average } : { ok: true };
}
