/** The service's SQLite file (`<dataDir>/ccc.sqlite`) and its per-concern stores. */
import type { Database } from 'bun:sqlite';
import { closeDatabase, openDatabase } from '../../../runtime/db.ts';
import { AgentStore } from './agents.ts';
import { ConversationStore } from './conversations.ts';
import { ExportStore } from './exports.ts';
import { MIGRATIONS } from './schema.ts';
import { SearchIndex } from './search-index.ts';
import { SessionStore } from './sessions.ts';
import { StatsStore } from './stats.ts';

export class CccStore {
  readonly sessions: SessionStore;
  readonly conversations: ConversationStore;
  readonly index: SearchIndex;
  readonly agents: AgentStore;
  readonly stats: StatsStore;
  readonly exports: ExportStore;

  constructor(readonly db: Database) {
    this.sessions = new SessionStore(db);
    this.conversations = new ConversationStore(db);
    this.index = new SearchIndex(db);
    this.agents = new AgentStore(db);
    this.stats = new StatsStore(db);
    this.exports = new ExportStore(db);
  }

  static open(dataDir: string): CccStore {
    return new CccStore(openDatabase(dataDir, 'ccc', MIGRATIONS));
  }

  /** Runs `fn` in one IMMEDIATE transaction: all of it is stored, or (on a throw) none of it. */
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  close(): void {
    closeDatabase(this.db);
  }
}
