import { describe, expect, test } from 'bun:test';
import fc from 'fast-check';
import { ConfigError } from '../../../src/config.ts';
import { normalizeCommand } from '../../../src/services/eventbus/engine/commands.ts';
import { parseLenient } from '../../../src/services/eventbus/engine/lenient-json.ts';
import { classifyTimestamp, toTimestamp, fromTimestamp } from '../../../src/services/eventbus/engine/time.ts';
import { compilePattern, topicFor } from '../../../src/services/eventbus/engine/topics.ts';
import { DEFAULT_TOPICS, EVENT_TYPES } from '../../../src/services/eventbus/engine/types.ts';
import { DEFAULT_COMMAND_TYPES, parseOptions } from '../../../src/services/eventbus/options.ts';
import { loadProtos } from '../../../src/services/eventbus/proto.ts';
import { balatroJson, everyModEvent, luaNumber, modBatch } from './fixtures.ts';

describe('event types and topics', () => {
  test('the TypeScript enum matches events.proto value for value', () => {
    expect(loadProtos().EventType.values).toEqual(EVENT_TYPES);
  });

  test('topics follow REFERENCE §4; subtypes pick the last segment', () => {
    expect(topicFor(DEFAULT_TOPICS, 'GAME_STATE', undefined)).toBe('game.state.update');
    expect(topicFor(DEFAULT_TOPICS, 'CONNECTION_TEST', undefined)).toBe('system.connection.test');
    expect(topicFor(DEFAULT_TOPICS, 'SCORING', 'HAND_EVAL_START')).toBe('game.scoring.hand_eval_start');
    expect(topicFor(DEFAULT_TOPICS, 'SCORING', 'has space')).toBe('game.scoring.update');
    expect(topicFor(DEFAULT_TOPICS, 'LEARNING_DECISION', undefined)).toBe('learning.decision.request');
  });

  test('patterns: * one segment, > one or more, # zero or more, literal exact; the topic prefix is optional', () => {
    const m = (p: string, t: string, prefix = ''): boolean => {
      const r = compilePattern(p, prefix);
      if (!r.ok) throw new Error(r.detail);
      return r.pattern.matches(t);
    };
    expect(m('game.*.update', 'game.state.update')).toBe(true);
    expect(m('game.*', 'game.state.update')).toBe(false);
    expect(m('game.>', 'game.state.update')).toBe(true);
    expect(m('game.>', 'game')).toBe(false);
    expect(m('game.#', 'game')).toBe(true);
    expect(m('#', 'a.b.c')).toBe(true);
    expect(m('>', 'a')).toBe(true);
    expect(m('game.state.update', 'game.state.update')).toBe(true);
    expect(m('game.state', 'game.state.update')).toBe(false);
    expect(m('jimbot.game.>', 'game.money.changed', 'jimbot')).toBe(true);
    for (const bad of ['', ' ', 'a..b', '.a', 'a.', 'a.>.b', 'a.#.b', 'ga*', 'a b', 'x'.repeat(201)]) expect(compilePattern(bad).ok).toBe(false);
  });
});

describe('timestamps', () => {
  test('Unix ms, Unix seconds, ISO-8601 and game-clock readings are told apart; bad ones rejected', () => {
    expect(classifyTimestamp(1_733_000_000_000, 5)).toEqual({ ok: true, ms: 1_733_000_000_000, basis: 'unix_ms', raw: null });
    expect(classifyTimestamp(1_733_000_000, 5)).toEqual({ ok: true, ms: 1_733_000_000_000, basis: 'unix_s', raw: '1733000000' });
    expect(classifyTimestamp(5_023_117.25, 77)).toEqual({ ok: true, ms: 77, basis: 'game_clock', raw: '5023117.25' });
    expect(classifyTimestamp('2024-01-15T10:30:00Z', 0)).toMatchObject({ ok: true, ms: Date.parse('2024-01-15T10:30:00Z'), basis: 'iso' });
    expect(classifyTimestamp(undefined, 9)).toEqual({ ok: true, ms: 9, basis: 'received', raw: null });
    for (const bad of [-1, Infinity, 'soon', true, {}, [1], 1e16]) expect(classifyTimestamp(bad, 0).ok).toBe(false);
  });

  test('Timestamp conversion is exact for whole milliseconds', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 253_402_300_799_999 }), (ms) => {
      const t = toTimestamp(ms);
      expect(fromTimestamp(t.seconds, t.nanos)).toBe(ms);
    }));
  });
});

describe('lenient JSON', () => {
  test('strict JSON parses to the same value', () => {
    fc.assert(fc.property(fc.json(), (text) => {
      expect(parseLenient(text).value).toEqual(JSON.parse(text));
    }), { numRuns: 200 });
  });

  test("BalatroMCP's unescaped array strings come back as the strings the game had", () => {
    const strings = ['plain', 'say "hi" now', 'ends with "quote"', 'tab\there', 'line\nbreak', 'C:\\path\\x', '"', 'a","b'];
    const body = balatroJson(modBatch([{ type: 'LEARNING_DECISION', payload: { available_actions: strings } }]));
    const r = parseLenient(body);
    const got = ((r.value as { events: { payload: { available_actions: string[] } }[] }).events[0]!.payload.available_actions);
    // One string holds the separator itself (`","`): that one cannot be told apart and is split.
    expect(got.slice(0, 7)).toEqual(strings.slice(0, 7));
    expect(got.slice(7)).toEqual(['a', 'b']);
    expect(r.repairs.length).toBeGreaterThan(0);
    expect(r.eventSpans).toHaveLength(1);
  });

  test('Lua number spellings nan/inf become the text the game printed; truncation is not recoverable', () => {
    expect(parseLenient('{"a":nan,"b":-nan,"c":inf,"d":-inf,"e":[1e+15]}').value).toEqual({ a: 'nan', b: '-nan', c: 'inf', d: '-inf', e: [1e15] });
    expect(luaNumber(1e15)).toBe('1e+15');
    expect(() => parseLenient('{"a":[1,2')).toThrow(/offset/);
    expect(() => parseLenient('')).toThrow();
  });

  test('the encoder output for every mod event parses strictly (quirks appear only with special characters)', () => {
    expect(() => JSON.parse(balatroJson(modBatch(everyModEvent())))).not.toThrow();
  });
});

describe('commands', () => {
  const n = (c: Parameters<typeof normalizeCommand>[0]) => normalizeCommand(c, DEFAULT_COMMAND_TYPES, 256);
  test('valid commands normalise to the line the mod parses', () => {
    expect(n('play_hand')).toEqual({ ok: true, line: 'play_hand' });
    expect(n(' select_card:3 ')).toEqual({ ok: true, line: 'select_card:3' });
    expect(n({ type: 'buy_joker', params: [0] })).toEqual({ ok: true, line: 'buy_joker:0' });
    expect(n({ type: 'navigate_menu', params: ['shop', 'left'] })).toEqual({ ok: true, line: 'navigate_menu:shop,left' });
  });
  test('invalid ones say why', () => {
    for (const bad of ['fly', 'select_card', 'select_card:-1', 'select_card:1,2', 'sell_joker:x', 'play_hand\r', 'discard:', { type: 'select_deck', params: ['Red,Deck'] }]) {
      const r = n(bad);
      expect(r.ok).toBe(false);
    }
  });
});

describe('options', () => {
  test('defaults follow the spec; env names from the spec apply; sizes and durations take units', () => {
    const o = parseOptions({}, {});
    expect([o.maxMessageSize, o.retentionPeriod, o.partitions, o.replicationFactor, o.grpcHost, o.grpcPort, o.topicPrefix]).toEqual([10 * 1_048_576, 7 * 86_400_000, 8, 1, '127.0.0.1', 50051, 'jimbot']);
    const e = parseOptions({ dedupeWindow: '30s' }, { EVENT_BUS_URL: 'grpc://localhost:6000', EVENT_BUS_TOPIC_PREFIX: 'bot', EVENT_BUS_MAX_MESSAGE_SIZE: '2MB', EVENT_BUS_RETENTION_PERIOD: '1d', EVENT_BUS_PARTITIONS: '4' });
    expect([e.grpcHost, e.grpcPort, e.topicPrefix, e.maxMessageSize, e.retentionPeriod, e.partitions, e.dedupeWindow]).toEqual(['127.0.0.1', 6000, 'bot', 2 * 1_048_576, 86_400_000, 4, 30_000]);
  });
  test('the NATS backend is chosen by config or EVENT_BUS_BACKEND, its URL list by natsUrl or NATS_URL; replicas above 1 only on NATS', () => {
    const o = parseOptions({ replicationFactor: 3 }, { EVENT_BUS_BACKEND: 'nats', NATS_URL: 'nats://n1:4222,nats://n2:4222' });
    expect([o.backend, o.natsUrl, o.replicationFactor, o.natsStream, o.natsAckTimeout]).toEqual(['nats', 'nats://n1:4222,nats://n2:4222', 3, '', 5000]);
    expect(parseOptions({}, {}).backend).toBe('sqlite');
  });
  test('a bad option stops start-up naming it', () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ nope: 1 }, 'nope'], [{ maxMessageSize: '10 parsecs' }, 'maxMessageSize'], [{ partitions: 0 }, 'partitions'], [{ replicationFactor: 3 }, 'replicationFactor'],
      [{ grpcUrl: 'http//x' }, 'grpcUrl'], [{ topics: { NOT_A_TYPE: 'a.b' } }, 'topics.NOT_A_TYPE'], [{ topics: { GAME_STATE: 'a..b' } }, 'topics.GAME_STATE'], [{ fsync: 'yes' }, 'fsync'], [{ writerThread: 1 }, 'writerThread'],
      [{ backend: 'kafka' }, 'backend'], [{ backend: 'nats', natsUrl: 'http//x' }, 'natsUrl'], [{ backend: 'nats', topicPrefix: '' }, 'topicPrefix'],
      [{ backend: 'nats', replicationFactor: 6 }, 'replicationFactor'], [{ backend: 'nats', natsStream: 'a.b' }, 'natsStream'], [{ natsAckTimeout: 'soon' }, 'natsAckTimeout'],
    ];
    for (const [raw, key] of bad) {
      try {
        parseOptions(raw, {});
        throw new Error(`accepted ${JSON.stringify(raw)}`);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).key).toBe(`services.eventbus.options.${key}`);
      }
    }
  });
});
