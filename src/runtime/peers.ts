/**
 * In-process calls between services of one process: a request goes straight into the
 * target's pipeline (same validation, metrics and envelope) without a socket.
 */
export type LocalHandler = (request: Request) => Promise<Response>;

export class Peers {
  private readonly handlers = new Map<string, LocalHandler>();

  register(name: string, handler: LocalHandler): void {
    this.handlers.set(name, handler);
  }

  unregister(name: string): void {
    this.handlers.delete(name);
  }

  has(name: string): boolean {
    return this.handlers.has(name);
  }

  /** Calls `path` on the named service; throws if it does not run in this process. */
  async fetch(name: string, path: string, init?: RequestInit): Promise<Response> {
    const h = this.handlers.get(name);
    if (!h) throw new Error(`service ${name} is not running in this process`);
    return h(new Request(`http://in-process.${name}${path}`, init));
  }
}
