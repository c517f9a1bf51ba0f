/**
 * Outcomes of logged decisions: the score and ante a game gained after each decision,
 * up to `horizon` decisions ahead (discounted by gamma), as one return: Σ γ^k ·
 * (Δscore / score_scale + ante_weight · Δante). The game's latest known state (newer than
 * the decision) closes a horizon that runs past the game's last decision; a decision with
 * nothing after it has no outcome yet. Pure.
 */
export interface Point {
  /** Cumulative score (completed rounds + current chips) and ante. */
  score: number;
  ante: number;
  /** Bus sequence of the event it was read from (orders a game's states). */
  seq: number;
}

export interface Step extends Point {
  game: string;
}

export interface ReturnParams {
  horizon: number;
  gamma: number;
  score_scale: number;
  ante_weight: number;
}

export const RETURN_DEFAULTS: ReturnParams = { horizon: 1, gamma: 0.9, score_scale: 1000, ante_weight: 1 };

/** `steps` grouped by game in decision order; `latest` the newest state each game reached. Null where nothing followed. */
export function returns(steps: Step[], latest: Map<string, Point>, p: ReturnParams): (number | null)[] {
  const out: (number | null)[] = new Array(steps.length).fill(null);
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    let prev: Point = s;
    let total = 0;
    let seen = false;
    for (let k = 0; k < p.horizon; k++) {
      const j = i + 1 + k;
      const inGame = j < steps.length && steps[j]!.game === s.game;
      const last = latest.get(s.game);
      const next: Point | undefined = inGame ? steps[j] : last && last.seq > prev.seq ? last : undefined;
      if (!next) break;
      total += Math.pow(p.gamma, k) * ((next.score - prev.score) / p.score_scale + p.ante_weight * (next.ante - prev.ante));
      seen = true;
      if (!inGame) break;
      prev = next;
    }
    out[i] = seen ? total : null;
  }
  return out;
}
