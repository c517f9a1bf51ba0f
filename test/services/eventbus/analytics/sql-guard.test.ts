import { describe, expect, test } from 'bun:test';
import { checkSql } from '../../../../src/services/eventbus/analytics/engine/sql-guard.ts';

describe('read-only SQL guard', () => {
  test('one SELECT or WITH passes, a trailing semicolon too; strings, quoted names and comments are not read as SQL', () => {
    for (const sql of [
      'SELECT 1', 'select * from events;', 'WITH t AS (SELECT 1 AS x) SELECT x FROM t', "SELECT 'drop table events; delete' AS s", 'SELECT "update" FROM events',
      'SELECT replace(topic, \'game.\', \'\') FROM events', 'SELECT 1 -- ; DROP TABLE events', 'SELECT /* ; attach */ 2', "SELECT 'it''s; fine'",
    ]) expect({ sql, ok: checkSql(sql).ok }).toEqual({ sql, ok: true });
  });

  test('several statements, writes, ATTACH, PRAGMA and load_extension are refused with the reason', () => {
    const cases: [string, string, string][] = [
      ['SELECT 1; DROP TABLE events', 'multiple_statements', 'only one statement is allowed'],
      ['SELECT 1;; SELECT 2', 'multiple_statements', 'only one statement'],
      ['DELETE FROM events', 'not_a_select', 'got "DELETE"'],
      ['INSERT INTO events VALUES (1)', 'not_a_select', 'got "INSERT"'],
      ["ATTACH DATABASE '/tmp/x.sqlite' AS x", 'not_a_select', 'got "ATTACH"'],
      ['PRAGMA writable_schema = 1', 'not_a_select', 'got "PRAGMA"'],
      ['WITH t AS (SELECT 1) DELETE FROM events', 'forbidden_keyword', 'DELETE is not allowed'],
      ['WITH t AS (SELECT 1) REPLACE INTO events SELECT * FROM t', 'forbidden_keyword', 'REPLACE INTO is not allowed'],
      ['SELECT * FROM events WHERE 1 RETURNING seq', 'forbidden_keyword', 'RETURNING is not allowed'],
      ["SELECT load_extension('/tmp/evil.so')", 'forbidden_function', 'load_extension() is not allowed'],
      ["SELECT writefile('/tmp/x', 'y')", 'forbidden_function', 'writefile() is not allowed'],
      ['', 'empty', 'empty'],
      ['  ;  ', 'empty', 'empty'],
      ["SELECT 'open", 'unterminated', 'unterminated string'],
      ['SELECT 1 /* open', 'unterminated', 'unterminated /* comment'],
    ];
    for (const [sql, reason, text] of cases) {
      const g = checkSql(sql);
      expect({ sql, g: g.ok ? null : (g.reason as string) }).toEqual({ sql, g: reason });
      if (!g.ok) expect(g.message).toContain(text);
    }
  });
});
