// What the engine knows about the AI service now: the latest probe or crew call,
// whichever came last. /health probes on every call (concurrent calls share one probe);
// the decision path re-probes in the background at most every `probeEveryMs`.
import type { AiHealth, AiServiceClient } from "./ai-client.ts";

export class AiMonitor {
  private known: AiHealth;
  private inFlight: Promise<AiHealth> | null = null;
  private probedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly client: AiServiceClient, private readonly probeEveryMs: number, private readonly now: () => number) {
    this.known = { status: "unavailable", url: client.url, transport: client.transport, response_time_ms: 0, checked_at: now(), error: "not probed yet" };
  }

  get current(): AiHealth { return this.known; }
  get healthy(): boolean { return this.known.status === "healthy"; }

  /** A probe now (joined if one is already running). */
  probe(): Promise<AiHealth> {
    if (this.inFlight) return this.inFlight;
    this.probedAt = this.now();
    const started = this.now();
    this.inFlight = this.client.health()
      .then((h) => {
        // A crew call that finished while this probe ran is newer knowledge: keep it.
        if (this.known.checked_at <= started || h.status !== "healthy") this.known = h;
        return this.known;
      })
      .finally(() => { this.inFlight = null; });
    return this.inFlight;
  }

  /** Background refresh for the hot path: never awaited, at most every probeEveryMs. */
  refresh(now = this.now()): void {
    if (now - this.probedAt >= this.probeEveryMs) void this.probe();
  }

  /**
   * Status for a caller that may wait at most `waitMs`: the known status when it is
   * younger than probeEveryMs, else a fresh probe if it answers in time.
   */
  async fresh(waitMs: number): Promise<AiHealth> {
    if (this.now() - this.known.checked_at < this.probeEveryMs && this.known.status === "healthy") return this.known;
    const probe = this.probe();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<AiHealth>((resolve) => { timer = setTimeout(() => resolve(this.known), waitMs); });
    try {
      return await Promise.race([probe, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A crew call's outcome is first-hand knowledge too (callers skip outcomes that say nothing about it). */
  record(status: AiHealth["status"], responseTimeMs: number, error?: string): void {
    const h: AiHealth = {
      status, url: this.client.url, transport: this.client.transport,
      response_time_ms: Math.round(responseTimeMs), checked_at: this.now(),
    };
    if (status !== "healthy" && error !== undefined) h.error = error;
    this.known = h;
  }
}
