/**
 * Proof of Effectiveness, Minimum Description Length and score (REFERENCE §3).
 * The weights are parameters so operators can tune them from config.
 */
export interface ScoreWeights {
  /** Weight of the unused-gas share. */
  efficiency: number;
  /** Weight of the compactness term 1/(1 + len/lenScale). */
  compactness: number;
  lenScale: number;
  /** Weight of the magnitude term min(1, ln(1+|result|)/magnitudeScale). */
  magnitude: number;
  magnitudeScale: number;
  /** score = max(0, PoE − mdlPenalty·MDL). */
  mdlPenalty: number;
}

export const SCORE_DEFAULTS: ScoreWeights = {
  efficiency: 0.5,
  compactness: 0.4,
  lenScale: 64,
  magnitude: 0.1,
  magnitudeScale: 8,
  mdlPenalty: 0.01,
};

export interface RunFacts {
  status: string;
  halted: boolean;
  steps: number;
  gasLimit: number;
  byteLength: number;
  result: bigint;
}

export interface Score {
  poe: number;
  mdl: number;
  score: number;
}

/** ln(1+|v|) for integers beyond 2^53 without losing the magnitude. */
function log1pAbs(v: bigint): number {
  const a = v < 0n ? -v : v;
  if (a < 1n << 52n) return Math.log1p(Number(a));
  const digits = a.toString();
  return Math.log(Number(`0.${digits.slice(0, 17)}`)) + digits.length * Math.LN10;
}

/** PoE ∈ [0,1]: 0 unless the run halted with status ok. */
export function poe(f: RunFacts, w: ScoreWeights = SCORE_DEFAULTS): number {
  if (f.status !== "ok" || !f.halted) return 0;
  const eff = 1 - f.steps / f.gasLimit;
  const compact = 1 / (1 + f.byteLength / w.lenScale);
  const mag = Math.min(1, log1pAbs(f.result) / w.magnitudeScale);
  return Math.min(1, Math.max(0, w.efficiency * eff + w.compactness * compact + w.magnitude * mag));
}

/** MDL = characters of the program's canonical source text. */
export const mdl = (canonicalSource: string): number => canonicalSource.length;

export function scoreRun(f: RunFacts, canonicalSource: string, w: ScoreWeights = SCORE_DEFAULTS): Score {
  const p = poe(f, w);
  const m = mdl(canonicalSource);
  return { poe: p, mdl: m, score: Math.max(0, p - w.mdlPenalty * m) };
}

/** Rounds for the wire: six decimals, as the spec's examples show. */
export const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;
