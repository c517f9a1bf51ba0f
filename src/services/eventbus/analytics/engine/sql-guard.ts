/**
 * Read-only SQL, checked before it reaches a (read-only) connection: exactly one
 * statement, starting with SELECT or WITH (a `;` may only end it), with no keyword that
 * writes or changes the connection (INSERT, UPDATE, DELETE, REPLACE INTO, CREATE, DROP,
 * ALTER, ATTACH, DETACH, PRAGMA, VACUUM, REINDEX, ANALYZE, BEGIN, COMMIT, ROLLBACK,
 * SAVEPOINT, RELEASE, RETURNING) and no function that reaches outside the database
 * (load_extension, readfile, writefile, edit, fts3_tokenizer). Strings, quoted names and
 * comments are skipped, so `SELECT 'drop'` is fine. Pure.
 */
export type GuardReason = 'empty' | 'multiple_statements' | 'not_a_select' | 'forbidden_keyword' | 'forbidden_function' | 'unterminated';

export type Guard = { ok: true; sql: string } | { ok: false; reason: GuardReason; message: string };

const FORBIDDEN = new Set(['insert', 'update', 'delete', 'create', 'drop', 'alter', 'attach', 'detach', 'pragma', 'vacuum', 'reindex', 'analyze', 'begin', 'commit', 'rollback', 'savepoint', 'release', 'returning', 'upsert']);
const FUNCTIONS = new Set(['load_extension', 'readfile', 'writefile', 'edit', 'fts3_tokenizer']);

interface Token {
  kind: 'word' | 'punct';
  text: string;
  at: number;
}

/** Words and punctuation outside strings, quoted identifiers and comments. */
function tokens(sql: string): Token[] | { error: string } {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? sql.length : nl + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) return { error: 'an unterminated /* comment' };
      i = end + 2;
    } else if (c === "'" || c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c;
      let j = i + 1;
      for (;;) {
        const k = sql.indexOf(close, j);
        if (k < 0) return { error: `an unterminated ${c === "'" ? 'string' : 'quoted name'}` };
        // A doubled quote is an escaped quote inside.
        if (close !== ']' && sql[k + 1] === close) {
          j = k + 2;
          continue;
        }
        j = k + 1;
        break;
      }
      out.push({ kind: 'word', text: c === "'" ? "''" : '""', at: i });
      i = j;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      let j = i + 1;
      while (j < sql.length && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[j]!)) j++;
      out.push({ kind: 'word', text: sql.slice(i, j).toLowerCase(), at: i });
      i = j;
    } else if (/\s/.test(c)) i++;
    else {
      out.push({ kind: 'punct', text: c, at: i });
      i++;
    }
  }
  return out;
}

export function checkSql(raw: string): Guard {
  const t = tokens(raw);
  if (!Array.isArray(t)) return { ok: false, reason: 'unterminated', message: `the query has ${t.error}` };
  let toks = t;
  // One trailing semicolon (and nothing after it) ends the statement.
  while (toks.length && toks[toks.length - 1]!.text === ';') toks = toks.slice(0, -1);
  if (toks.length === 0) return { ok: false, reason: 'empty', message: 'the query is empty' };
  const semi = toks.find((x) => x.text === ';');
  if (semi) return { ok: false, reason: 'multiple_statements', message: `only one statement is allowed; a ";" at offset ${semi.at} starts another` };
  const first = toks[0]!.text;
  if (first !== 'select' && first !== 'with') return { ok: false, reason: 'not_a_select', message: `only SELECT or WITH queries are allowed, got "${first.toUpperCase()}"` };
  for (let i = 0; i < toks.length; i++) {
    const x = toks[i]!;
    if (x.kind !== 'word') continue;
    if (FORBIDDEN.has(x.text)) return { ok: false, reason: 'forbidden_keyword', message: `${x.text.toUpperCase()} is not allowed in a read-only query (offset ${x.at})` };
    if (x.text === 'replace' && toks[i + 1]?.text === 'into') return { ok: false, reason: 'forbidden_keyword', message: `REPLACE INTO is not allowed in a read-only query (offset ${x.at})` };
    if (FUNCTIONS.has(x.text) && toks[i + 1]?.text === '(') return { ok: false, reason: 'forbidden_function', message: `${x.text}() is not allowed (offset ${x.at})` };
  }
  return { ok: true, sql: raw };
}
