/**
 * Topic and game names interned as small integers (the `topics` and `games` tables):
 * rows and lookups hold the ids. New names are handed to the writer with the group that
 * first uses them and count as stored once that group commits.
 */
import type { Database } from 'bun:sqlite';

class Interned {
  readonly ids = new Map<string, number>();
  readonly names = new Map<number, string>();
  private readonly stored = new Set<number>();

  load(rows: { id: number; name: string }[]): void {
    for (const r of rows) {
      this.ids.set(r.name, r.id);
      this.names.set(r.id, r.name);
      this.stored.add(r.id);
    }
  }

  /** The id of `name`, adding it to `fresh` when no committed group has stored it yet. */
  id(name: string, fresh: [number, string][]): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.ids.size + 1;
      this.ids.set(name, id);
      this.names.set(id, name);
    }
    if (!this.stored.has(id) && !fresh.some(([x]) => x === id)) fresh.push([id, name]);
    return id;
  }

  committed(fresh: [number, string][]): void {
    for (const [id] of fresh) this.stored.add(id);
  }
}

export class NameTable {
  readonly topics = new Interned();
  readonly games = new Interned();

  load(db: Database): void {
    this.topics.load(db.query<{ id: number; name: string }, []>('SELECT id, name FROM topics').all());
    this.games.load(db.query<{ id: number; name: string }, []>('SELECT id, name FROM games').all());
  }
}
