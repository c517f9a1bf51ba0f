/**
 * SQLite schema for ccc. Times are Unix ms. Each turn and conversation directive is also
 * written to a contentless FTS5 index whose tokens are the session's 16-hex key glued to
 * each term, so one lookup reads only that session's postings (see README, "Search").
 */
import type { Migration } from '../../../runtime/db.ts';

export const MIGRATIONS: readonly Migration[] = [
  `CREATE TABLE sessions (
     id TEXT PRIMARY KEY,
     key TEXT NOT NULL UNIQUE,
     created_at INTEGER NOT NULL,
     last_active INTEGER NOT NULL,
     status TEXT NOT NULL DEFAULT 'active',
     archived_at INTEGER,
     retention_days INTEGER NOT NULL,
     context_depth INTEGER NOT NULL,
     auto_summarize INTEGER NOT NULL,
     initial_context TEXT NOT NULL DEFAULT '',
     summary TEXT,
     key_topics TEXT,
     summary_trigger TEXT,
     summary_updated_at INTEGER,
     conversation_count INTEGER NOT NULL DEFAULT 0,
     turn_count INTEGER NOT NULL DEFAULT 0,
     storage_bytes INTEGER NOT NULL DEFAULT 0
   );
   CREATE TABLE summary_history (
     id INTEGER PRIMARY KEY,
     session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
     summary TEXT NOT NULL,
     key_topics TEXT,
     trigger TEXT,
     set_at INTEGER,
     archived_at INTEGER NOT NULL
   );
   CREATE INDEX summary_history_by_session ON summary_history(session_id, id);
   CREATE TABLE tokens (
     hash TEXT PRIMARY KEY,
     session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
     issued_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     permissions TEXT NOT NULL,
     revoked_at INTEGER
   );
   CREATE INDEX tokens_by_session ON tokens(session_id);
   CREATE INDEX tokens_by_expiry ON tokens(expires_at);
   CREATE TABLE conversations (
     seq INTEGER PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
     directive TEXT NOT NULL,
     term_count INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     status TEXT NOT NULL DEFAULT 'active',
     turn_count INTEGER NOT NULL DEFAULT 0,
     bytes INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX conversations_by_session ON conversations(session_id, created_at);
   CREATE INDEX conversations_by_update ON conversations(updated_at);
   CREATE TABLE turns (
     seq INTEGER PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     conversation_seq INTEGER NOT NULL REFERENCES conversations(seq) ON DELETE CASCADE,
     session_id TEXT NOT NULL,
     turn_number INTEGER NOT NULL,
     agent TEXT NOT NULL,
     content TEXT NOT NULL,
     metadata TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     term_count INTEGER NOT NULL,
     bytes INTEGER NOT NULL,
     UNIQUE (conversation_seq, turn_number)
   );
   CREATE INDEX turns_by_session ON turns(session_id, created_at);
   CREATE VIRTUAL TABLE turn_index USING fts5(terms, content='', contentless_delete=1);
   CREATE VIRTUAL TABLE conversation_index USING fts5(terms, content='', contentless_delete=1);
   CREATE VIRTUAL TABLE turn_vocab USING fts5vocab(turn_index, 'row');
   -- Rows and tokens in each index (a row is indexed when it has terms), for BM25's N and average length.
   CREATE TABLE index_stats (name TEXT PRIMARY KEY, rows INTEGER NOT NULL, tokens INTEGER NOT NULL) WITHOUT ROWID;
   INSERT INTO index_stats VALUES ('turn', 0, 0), ('conversation', 0, 0);
   CREATE TRIGGER turns_count AFTER INSERT ON turns BEGIN
     UPDATE index_stats SET rows = rows + (new.term_count > 0), tokens = tokens + new.term_count WHERE name = 'turn';
   END;
   CREATE TRIGGER turns_unindex AFTER DELETE ON turns BEGIN
     DELETE FROM turn_index WHERE rowid = old.seq;
     UPDATE index_stats SET rows = rows - (old.term_count > 0), tokens = tokens - old.term_count WHERE name = 'turn';
   END;
   CREATE TRIGGER conversations_count AFTER INSERT ON conversations BEGIN
     UPDATE index_stats SET rows = rows + (new.term_count > 0), tokens = tokens + new.term_count WHERE name = 'conversation';
   END;
   CREATE TRIGGER conversations_unindex AFTER DELETE ON conversations BEGIN
     DELETE FROM conversation_index WHERE rowid = old.seq;
     UPDATE index_stats SET rows = rows - (old.term_count > 0), tokens = tokens - old.term_count WHERE name = 'conversation';
   END;
   CREATE TABLE agent_states (
     session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
     agent TEXT NOT NULL,
     state TEXT NOT NULL,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (session_id, agent)
   ) WITHOUT ROWID;
   CREATE TABLE feedback (
     id INTEGER PRIMARY KEY,
     session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
     agent TEXT NOT NULL,
     turn_id TEXT,
     rating REAL NOT NULL,
     comment TEXT,
     created_at INTEGER NOT NULL
   );
   CREATE INDEX feedback_by_session ON feedback(session_id);
   CREATE TABLE context_stats (
     session_id TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
     lookups INTEGER NOT NULL DEFAULT 0,
     hits INTEGER NOT NULL DEFAULT 0,
     items INTEGER NOT NULL DEFAULT 0,
     score_sum REAL NOT NULL DEFAULT 0,
     chats INTEGER NOT NULL DEFAULT 0,
     chats_with_context INTEGER NOT NULL DEFAULT 0
   ) WITHOUT ROWID;
   CREATE TABLE exports (
     id TEXT PRIMARY KEY,
     session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
     format TEXT NOT NULL,
     options TEXT NOT NULL,
     status TEXT NOT NULL,
     progress REAL NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL,
     estimated_completion INTEGER NOT NULL,
     completed_at INTEGER,
     expires_at INTEGER NOT NULL,
     file TEXT,
     bytes INTEGER,
     error TEXT
   );
   CREATE INDEX exports_by_expiry ON exports(expires_at);`,
];
