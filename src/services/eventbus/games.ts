/**
 * Which game an event belongs to when it does not say. BalatroMCP names its game
 * (`game_id`, the run's seed) only in GAME_STATE payloads; a batch that holds one names
 * the game for the rest of the batch, and otherwise the only game its source has sent
 * within the active window is used. With several games active for one source nothing is
 * guessed. The same tracker answers "the game that most recently sent events" for the
 * command poll.
 */

export type GameSource = 'event' | 'request' | 'batch' | 'source' | 'none';

export class GameTracker {
  private readonly bySource = new Map<string, Map<string, number>>();
  private latest: { game: string; at: number } | null = null;

  constructor(
    private readonly activeWindowMs: number,
    private readonly now: () => number,
  ) {}

  seen(source: string, game: string): void {
    if (game === '') return;
    const at = this.now();
    let games = this.bySource.get(source);
    if (!games) {
      if (this.bySource.size > 10_000) this.bySource.clear();
      games = new Map();
      this.bySource.set(source, games);
    }
    games.set(game, at);
    if (games.size > 64) this.prune(games, at);
    this.latest = { game, at };
  }

  private prune(games: Map<string, number>, at: number): void {
    for (const [g, t] of games) if (at - t > this.activeWindowMs) games.delete(g);
  }

  /** The single game `source` is playing, or '' when none or several are active. */
  onlyActive(source: string): string {
    const games = this.bySource.get(source);
    if (!games) return '';
    const at = this.now();
    let found = '';
    for (const [g, t] of games) {
      if (at - t > this.activeWindowMs) continue;
      if (found !== '') return '';
      found = g;
    }
    return found;
  }

  /** The game that most recently sent events (of all sources), or ''. */
  mostRecent(): string {
    return this.latest?.game ?? '';
  }
}
