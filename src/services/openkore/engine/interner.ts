// String table: typed-array slots hold ids, names live here. Ids never change until
// the owner clears the table (when it grows past its bound), so a pool worker can
// mirror it by receiving only the new tail, and must resync from 0 after a clear.

export class Interner {
  private readonly ids = new Map<string, number>();
  readonly names: string[] = [];
  /** Bumped by clear(): ids cached anywhere under an older generation are stale. */
  generation = 0;

  constructor(initial: readonly string[] = []) {
    for (const s of initial) this.id(s);
  }

  id(s: string): number {
    let v = this.ids.get(s);
    if (v === undefined) {
      v = this.names.length;
      this.names.push(s);
      this.ids.set(s, v);
    }
    return v;
  }

  /** Id of a known string, or -1 (lookups must not grow the table). */
  find(s: string): number {
    return this.ids.get(s) ?? -1;
  }

  name(id: number): string {
    return this.names[id] ?? "";
  }

  get size(): number {
    return this.names.length;
  }

  /** Forget every name; ids already written anywhere become meaningless. */
  clear(): void {
    this.ids.clear();
    this.names.length = 0;
    this.generation++;
  }

  /** Append strings received from the owner of the table (worker mirror). */
  extend(from: number, tail: readonly string[]): void {
    if (from !== this.names.length) throw new Error(`interner gap: have ${this.names.length}, got ${from}`);
    for (const s of tail) this.id(s);
  }
}
