/**
 * Command queues per game. POST /api/v1/commands (or gRPC SendCommands) queues; the
 * mod's GET /api/v1/commands/poll takes them, each exactly once and in order. Queues
 * live in SQLite so a restart neither loses nor repeats a command; each command is also
 * recorded on the bus (game.command.queued, then game.command.delivered).
 */
import type { Database, Statement } from 'bun:sqlite';
import { join } from 'node:path';
import { closeDatabase, openDatabase } from '../../runtime/db.ts';
import type { Codecs } from './codec.ts';
import { normalizeCommand, type CommandInput } from './engine/commands.ts';
import { toTimestamp } from './engine/time.ts';
import { topicFor, type TopicTable } from './engine/topics.ts';
import { EVENT_TYPES } from './engine/types.ts';
import { busError } from './errors.ts';
import type { GameTracker } from './games.ts';
import type { EventLog } from './log/types.ts';
import type { EventBusOptions } from './options.ts';
import type { ProtoTypes } from './proto.ts';
import { TYPE_URLS } from './proto-urls.ts';
import { concatBytes, encodeEvent, metadataBytes } from './wire/event.ts';

const MIGRATIONS = [
  `CREATE TABLE commands (
     id INTEGER PRIMARY KEY,
     game TEXT NOT NULL,
     command TEXT NOT NULL,
     created_ms INTEGER NOT NULL,
     delivered_ms INTEGER,
     queued_seq INTEGER NOT NULL,
     delivered_seq INTEGER
   );
   CREATE INDEX commands_pending ON commands(game, id) WHERE delivered_ms IS NULL;
   CREATE INDEX commands_game ON commands(game, id);`,
];

export interface QueuedCommand {
  command_id: number;
  command: string;
  sequence: number;
}

export interface CommandRow {
  command_id: number;
  game_id: string;
  command: string;
  state: 'queued' | 'delivered';
  created_at: number;
  delivered_at: number | null;
  queued_sequence: number;
  delivered_sequence: number | null;
}

interface DbRow { id: number; game: string; command: string; created_ms: number; delivered_ms: number | null; queued_seq: number; delivered_seq: number | null }

export class CommandQueues {
  private readonly db: Database;
  private readonly queues = new Map<string, { id: number; command: string }[]>();
  private nextId: number;
  private readonly insert: Statement;
  private readonly markDelivered: Statement;
  private readonly setDeliveredSeq: Statement;

  constructor(
    dataDir: string,
    private readonly deps: { log: EventLog; proto: ProtoTypes; codecs: Codecs; opts: EventBusOptions; topics: TopicTable; games: GameTracker; now: () => number; newId: () => string },
  ) {
    this.db = openDatabase(join(dataDir, 'eventbus'), 'commands', MIGRATIONS);
    this.insert = this.db.prepare('INSERT INTO commands (id, game, command, created_ms, queued_seq) VALUES (?, ?, ?, ?, ?)');
    this.markDelivered = this.db.prepare('UPDATE commands SET delivered_ms = ? WHERE id = ? AND delivered_ms IS NULL');
    this.setDeliveredSeq = this.db.prepare('UPDATE commands SET delivered_seq = ? WHERE id = ?');
    for (const r of this.db.query<DbRow, []>('SELECT id, game, command FROM commands WHERE delivered_ms IS NULL ORDER BY id').all()) {
      this.queueOf(r.game).push({ id: r.id, command: r.command });
    }
    this.nextId = (this.db.query<{ m: number | null }, []>('SELECT max(id) AS m FROM commands').get()?.m ?? 0) + 1;
  }

  private queueOf(game: string): { id: number; command: string }[] {
    let q = this.queues.get(game);
    if (!q) {
      q = [];
      this.queues.set(game, q);
    }
    return q;
  }

  depth(game: string): number {
    return this.queues.get(game)?.length ?? 0;
  }

  totalQueued(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  /** The game a request without game_id means: the one that most recently sent events. */
  resolveGame(gameId: string | undefined): string {
    return gameId !== undefined && gameId !== '' ? gameId : this.deps.games.mostRecent();
  }

  private records(items: { id: number; command: string }[], game: string, state: 'queued' | 'delivered', traceparent: string | null) {
    const { proto, now, newId, topics } = this.deps;
    const ts = toTimestamp(now());
    const topic = topicFor(topics, 'COMMAND', state);
    return items.map((c) => {
      const payload = proto.Command.encode(proto.Command.fromObject({ command_id: c.id, game_id: game, command: c.command, state })).finish();
      const eventId = newId();
      const content = encodeEvent({
        eventId, correlationId: `command-${c.id}`, type: EVENT_TYPES.COMMAND, source: 'eventbus', seconds: ts.seconds, nanos: ts.nanos, version: 1,
        metadata: {}, payload: { typeUrl: TYPE_URLS.command, value: payload }, extra: null,
      });
      const record = traceparent ? concatBytes(content, metadataBytes({ traceparent })) : content;
      return { eventId, fingerprint: Bun.hash.xxHash32(content), topic, gameId: game, partition: Bun.hash.xxHash32(game || 'eventbus') % this.deps.opts.partitions, type: EVENT_TYPES.COMMAND, timeMs: now(), record };
    });
  }

  /** Validates every command first: one bad command queues none of them. */
  async enqueue(gameId: string | undefined, inputs: CommandInput[], traceparent: string | null): Promise<{ game_id: string; queued: QueuedCommand[]; queue_depth: number }> {
    const { opts } = this.deps;
    if (inputs.length === 0) throw busError('INVALID_COMMAND', 'commands must hold at least one command', { field: 'commands' });
    if (inputs.length > opts.maxCommandsPerRequest) throw busError('INVALID_COMMAND', `at most ${opts.maxCommandsPerRequest} commands per request`, { field: 'commands', limit: opts.maxCommandsPerRequest });
    const lines: string[] = [];
    inputs.forEach((c, i) => {
      const r = normalizeCommand(c, opts.commandTypes, opts.maxCommandLength);
      if (!r.ok) throw busError('INVALID_COMMAND', `commands[${i}]: ${r.detail}`, { field: `commands[${i}]`, index: i });
      lines.push(r.line);
    });
    const game = this.resolveGame(gameId);
    if (this.depth(game) + lines.length > opts.maxQueuedCommands) {
      throw busError('QUEUE_FULL', `the command queue of game "${game}" holds ${this.depth(game)} commands (limit ${opts.maxQueuedCommands})`, { game_id: game, queue_depth: this.depth(game), limit: opts.maxQueuedCommands }, { 'Retry-After': '1' });
    }
    const items = lines.map((command) => ({ id: this.nextId++, command }));
    // Recorded first: a command the log could not hold is never queued.
    const appended = await this.deps.log.append(this.records(items, game, 'queued', traceparent));
    const created = this.deps.now();
    this.db.transaction(() => {
      items.forEach((c, i) => this.insert.run(c.id, game, c.command, created, appended[i]!.seq));
    }).immediate();
    this.queueOf(game).push(...items);
    return { game_id: game, queued: items.map((c, i) => ({ command_id: c.id, command: c.command, sequence: appended[i]!.seq })), queue_depth: this.depth(game) };
  }

  /** Takes the next commands of a game; they are marked delivered before they are returned. */
  async poll(gameId: string | undefined, traceparent: string | null, onRecordFailure: (e: unknown) => void): Promise<{ game_id: string; commands: { id: number; command: string }[] }> {
    const game = this.resolveGame(gameId);
    const sources = gameId === undefined || gameId === '' ? [game, ''] : [game];
    const taken: { id: number; command: string; game: string }[] = [];
    for (const g of [...new Set(sources)]) {
      const q = this.queues.get(g);
      if (!q || q.length === 0) continue;
      for (const c of q.splice(0, this.deps.opts.maxCommandsPerPoll - taken.length)) taken.push({ ...c, game: g });
    }
    if (taken.length === 0) return { game_id: game, commands: [] };
    const at = this.deps.now();
    this.db.transaction(() => {
      for (const c of taken) this.markDelivered.run(at, c.id);
    }).immediate();
    try {
      const appended = await this.deps.log.append(taken.flatMap((c) => this.records([c], c.game, 'delivered', traceparent)));
      this.db.transaction(() => {
        taken.forEach((c, i) => this.setDeliveredSeq.run(appended[i]!.seq, c.id));
      }).immediate();
    } catch (e) {
      // Already marked delivered: the game gets them once even if the record could not be written.
      onRecordFailure(e);
    }
    return { game_id: game, commands: taken };
  }

  list(gameId: string | undefined, state: 'queued' | 'delivered' | 'all', limit: number): { game_id: string; commands: CommandRow[] } {
    const game = this.resolveGame(gameId);
    const where = state === 'queued' ? 'AND delivered_ms IS NULL' : state === 'delivered' ? 'AND delivered_ms IS NOT NULL' : '';
    const rows = this.db.query<DbRow, [string, number]>(`SELECT id, game, command, created_ms, delivered_ms, queued_seq, delivered_seq FROM commands WHERE game = ? ${where} ORDER BY id DESC LIMIT ?`).all(game, limit);
    return {
      game_id: game,
      commands: rows.reverse().map((r) => ({
        command_id: r.id, game_id: r.game, command: r.command, state: r.delivered_ms === null ? 'queued' : 'delivered', created_at: r.created_ms,
        delivered_at: r.delivered_ms, queued_sequence: r.queued_seq, delivered_sequence: r.delivered_seq,
      })),
    };
  }

  close(): void {
    this.insert.finalize();
    this.markDelivered.finalize();
    this.setDeliveredSeq.finalize();
    closeDatabase(this.db);
  }
}
