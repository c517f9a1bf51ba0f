/**
 * Fuzz every route from its schema: the routes and bodies come from the service's
 * OpenAPI document (admin `/openapi/<service>.json`); each case is valid, at an edge,
 * broken in one place, broken below the schema (JSON text, content type, size, depth,
 * encoding) or broken around the body (path, query, headers). Every reply must be a
 * status the service documents, in its envelope, no 500, within the deadline; a
 * rejected request must leave the state digest unchanged; the process must live.
 * Case `i` of a service is a pure function of (seed, service, i): `--case i` replays it.
 */
import { Recorder } from '../../bench/lib/hist.ts';
import { envelopeProblem } from '../lib/envelope.ts';
import { excerpt, send, type Exchange } from '../lib/http.ts';
import { badHeaders, badSegment, rawBodies } from '../lib/mutate.ts';
import { deriveSeed, rng, type Rng } from '../lib/rng.ts';
import { generator, invalid, valid, anyJson, type Hints, type JsonSchema } from '../lib/schema-gen.ts';
import { DrillServer } from '../lib/server.ts';
import { fail, mb, row } from '../lib/table.ts';
import type { DrillRow, Running, ServiceDrill, Session, WsEndpoint } from '../lib/types.ts';
import { openSocket } from '../lib/ws-client.ts';
import { configFor } from '../services/index.ts';

export interface FuzzOptions {
  seed: number;
  cases: number;
  wsFrames: number;
  services: readonly ServiceDrill[];
  /** Replay one case (per service) and print it whole. */
  only?: number;
}

export interface Route {
  key: string;
  method: string;
  path: string;
  pathParams: string[];
  queryParams: string[];
  body: JsonSchema | null;
  /** The route reads a body even without a JSON schema (raw bodies). */
  takesBody: boolean;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const MAX_BODY = 1_048_576;

/** The routes of an OpenAPI document, with their parameters and JSON body schema (WebSocket upgrades left out). */
export function routesOf(doc: Obj): Route[] {
  const out: Route[] = [];
  for (const [path, ops] of Object.entries(isObj(doc.paths) ? doc.paths : {})) {
    if (!isObj(ops)) continue;
    for (const [m, op] of Object.entries(ops)) {
      if (!isObj(op) || (isObj(op.responses) && '101' in op.responses)) continue;
      const params = Array.isArray(op.parameters) ? op.parameters.filter(isObj) : [];
      const content = isObj(op.requestBody) && isObj(op.requestBody.content) ? op.requestBody.content : {};
      const json = Object.entries(content).find(([t]) => /json/.test(t))?.[1];
      const schema = isObj(json) && isObj(json.schema) ? (json.schema as JsonSchema) : null;
      const method = m.toUpperCase();
      out.push({
        key: `${method} ${path}`, method, path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => String(p.name)),
        queryParams: params.filter((p) => p.in === 'query').map((p) => String(p.name)),
        body: schema, takesBody: schema !== null || Object.keys(content).length > 0 || ['POST', 'PUT', 'PATCH'].includes(method),
      });
    }
  }
  return out;
}

interface Case {
  route: Route;
  mode: string;
  what: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

function hintsFor(svc: ServiceDrill, s: Session): Hints {
  const h: Hints = {};
  for (const [k, vs] of Object.entries(s.ids)) if (vs.length) h[k] = (r) => r.pick(vs);
  for (const [k, f] of Object.entries(svc.fuzz.hints ?? {})) h[k] = (r) => f(r, s);
  return h;
}

function segment(name: string, s: Session, r: Rng, junk: boolean): string {
  const known = s.ids[name];
  if (!junk && known?.length) return encodeURIComponent(r.pick(known));
  return junk ? badSegment(r) : encodeURIComponent(known?.length ? r.pick(known) : `x${r.int(0, 999)}`);
}

/** Case `i` of a service: a pure function of the seed, the service and `i`. */
export function buildCase(svc: ServiceDrill, s: Session, routes: Route[], seed: number, i: number): Case {
  const r = rng(deriveSeed(seed, 'fuzz', svc.name, i));
  const route = routes[i % routes.length]!;
  const hints = hintsFor(svc, s);
  const mode = r.pick(['valid', 'valid', 'edge', 'invalid', 'invalid', 'invalid', 'raw', 'raw', 'around']);
  const junkPath = mode === 'around' && route.pathParams.length > 0 && r.chance(0.5);
  let path = route.path.replace(/\{([^}]+)\}/g, (_, name: string) => segment(name, s, r, junkPath));
  const query: string[] = [];
  for (const q of route.queryParams) {
    if (!r.chance(0.5)) continue;
    const v = mode === 'around' || r.chance(0.3) ? badSegment(r) : encodeURIComponent(String(hints[q]?.(r) ?? r.pick(['1', '10', '0', 'abc', '2000001'])));
    query.push(`${q}=${v}`);
  }
  if (mode === 'around' && r.chance(0.3)) query.push(r.pick(['unknown_param=1', `long=${'q'.repeat(9000)}`, 'limit=1&limit=2']));
  if (query.length) path += `?${query.join('&')}`;
  let headers: Record<string, string> = { ...s.headers };
  let what = mode;
  if (mode === 'around' && !junkPath) {
    const h = badHeaders(headers, r);
    headers = h.headers;
    what = h.what;
  } else if (junkPath) what = 'odd path parameter';
  let body: string | Uint8Array | undefined;
  if (route.takesBody) {
    const schema = route.body ?? {};
    const validBody = JSON.stringify(valid(schema, generator(r, hints)) ?? {});
    if (mode === 'valid' || mode === 'around') body = validBody;
    else if (mode === 'edge') body = JSON.stringify(valid(schema, generator(r, hints, true)) ?? {});
    else if (mode === 'invalid') {
      const m = invalid(schema, r, hints);
      body = JSON.stringify(m.body) ?? 'null';
      what = m.what;
    } else {
      const raw = rawBodies(validBody, r, MAX_BODY);
      body = raw.body;
      what = raw.what;
      headers = { ...Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'content-type')), ...raw.headers };
    }
    if (body !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type') && mode !== 'raw') headers['Content-Type'] = 'application/json';
  } else if ((mode === 'raw' || mode === 'invalid') && route.method !== 'GET' && route.method !== 'HEAD') {
    // A body where none belongs: it must be ignored or refused, never crash the route.
    body = JSON.stringify(anyJson(r));
    headers['Content-Type'] = 'application/json';
    what = 'unexpected body';
  }
  return { route, mode, what, method: route.method, path, headers, body };
}

/** What is wrong with a reply, or null. */
function judge(svc: ServiceDrill, c: Case, x: Exchange): string | null {
  if (x.timedOut) return `no reply within ${Math.round(x.ms)} ms (hang)`;
  if (x.status === 0) return `no reply: ${x.error ?? 'connection failed'}`;
  const allowed = new Set([...svc.statuses, ...(svc.fuzz.routeStatuses?.[c.route.key] ?? [])]);
  if (!allowed.has(x.status)) return x.status === 500 ? `500: ${excerpt(x.text, 200)}` : `undocumented status ${x.status}: ${excerpt(x.text, 200)}`;
  if (x.status >= 300) {
    const p = envelopeProblem(svc.envelope, x);
    if (p) return `${x.status} outside the ${svc.envelope} envelope (${p}): ${excerpt(x.text, 200)}`;
  }
  return svc.fuzz.extraCheck?.(x, c.route.key) ?? null;
}

function describe(c: Case, x: Exchange | null, seed: number, svc: string, i: number): string {
  const body = c.body === undefined ? '' : ` body ${excerpt(typeof c.body === 'string' ? c.body : `<${c.body.byteLength} bytes>`, 160)}`;
  const reply = x ? ` → ${x.status} ${excerpt(x.text, 160)}` : '';
  return `case ${i} (${c.mode}: ${c.what}) ${c.method} ${excerpt(c.path, 120)}${body}${reply}\n  replay: npm run drill -- --only fuzz:${svc} --seed ${seed} --case ${i}`;
}

async function fuzzHttp(svc: ServiceDrill, run: Running, s: Session, o: FuzzOptions, out: DrillRow, lat: Recorder): Promise<void> {
  const doc = (await (await fetch(`${run.server.admin}/openapi/${svc.name}.json`)).json()) as Obj;
  const terminal = new Set(svc.fuzz.terminal ?? []);
  const routes = routesOf(doc).filter((r) => !svc.fuzz.skip?.[r.key]);
  const main = routes.filter((r) => !terminal.has(r.key));
  const last = routes.filter((r) => terminal.has(r.key));
  const statusCount = new Map<number, number>();
  let digest = await s.digest();
  const cases: [number, Route[]][] = [];
  const first = o.only ?? 0;
  const end = o.only !== undefined ? o.only + 1 : o.cases;
  for (let i = first; i < end; i++) cases.push([i, main]);
  // Terminal routes (archive, revoke) get a few cases each, after everything else.
  if (o.only === undefined) for (let i = 0; i < last.length * 4; i++) cases.push([o.cases + i, last]);
  let failures = 0;
  for (const [i, table] of cases) {
    const c = buildCase(svc, s, table, o.seed, i);
    const x = await send(c.method, `${run.url}${c.path}`, { headers: c.headers, body: c.body, timeoutMs: 10_000 });
    out.operations++;
    lat.record(x.ms);
    statusCount.set(x.status, (statusCount.get(x.status) ?? 0) + 1);
    if (o.only !== undefined) console.log(`  ${describe(c, x, o.seed, svc.name, i)}\n  reply headers: ${JSON.stringify(Object.fromEntries(x.headers))}\n  reply body: ${excerpt(x.text, 4000)}`);
    const problems: string[] = [];
    const bad = judge(svc, c, x);
    if (bad) problems.push(bad);
    else if (x.status >= 200 && x.status < 300) out.acknowledged++;
    if (!run.server.alive) {
      out.server_died = true;
      fail(out, `the server died on ${describe(c, x, o.seed, svc.name, i)}\n${run.server.logTail(8)}`);
      return;
    }
    const after = await s.digest().catch((e: unknown) => `digest failed: ${String(e)}`);
    if ((x.status >= 300 || x.status === 0) && after !== digest) problems.push(`state changed by a rejected request: ${excerpt(digest, 120)} → ${excerpt(after, 120)}`);
    digest = after;
    if (problems.length) {
      out.errors++;
      if (failures++ < 6) fail(out, `${problems.join('; ')}\n  ${describe(c, x, o.seed, svc.name, i)}`);
      else out.verdict = 'fail';
    }
  }
  const spread = [...statusCount.entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}:${v}`).join(' ');
  out.notes.push(`${main.length + last.length} routes; statuses ${spread}`);
}

/** Frames a WebSocket endpoint must survive: binary junk, text junk, random JSON, oversized, mutated probes. */
function frame(r: Rng, e: WsEndpoint, i: number): { what: string; data: string | Uint8Array } {
  const options: (() => { what: string; data: string | Uint8Array })[] = [
    () => ({ what: 'random bytes', data: new Uint8Array(Array.from({ length: r.int(1, 300) }, () => r.int(0, 255))) }),
    () => ({ what: 'text that is not JSON', data: r.pick(['{', 'hello', '{"type":', '\u0000\u0001', '[[[[', 'null'.repeat(100)]) }),
    () => ({ what: 'random JSON', data: JSON.stringify(anyJson(r)) }),
    () => ({ what: 'probe with a wrong field', data: JSON.stringify({ ...(e.probe(i) as Obj), [r.pick(['type', 'seq', 'data', 'patterns', 'topics'])]: anyJson(r, 1) }) }),
    () => ({ what: 'deep nesting', data: `${'['.repeat(20_000)}${']'.repeat(20_000)}` }),
    () => ({ what: 'oversized frame', data: JSON.stringify({ type: 'ping', pad: 'x'.repeat(r.pick([100_000, 2_000_000])) }) }),
    () => ({ what: 'unknown type', data: JSON.stringify({ type: r.pick(['subscribe', 'unsubscribe', 'auth', 'state', '__proto__', 'x'.repeat(1000)]), patterns: anyJson(r, 1), topics: anyJson(r, 1) }) }),
  ];
  return r.pick(options)();
}

/** Closes a WebSocket server may use for a client at fault. */
const CLIENT_FAULT_CLOSES = new Set([1000, 1002, 1003, 1007, 1008, 1009]);

async function fuzzWs(svc: ServiceDrill, e: WsEndpoint, run: Running, s: Session, o: FuzzOptions, out: DrillRow): Promise<void> {
  const r = rng(deriveSeed(o.seed, 'fuzz-ws', svc.name, e.path));
  let sock = await openSocket(run.url, e, s);
  let failures = 0;
  const problem = (msg: string): void => {
    out.errors++;
    if (failures++ < 4) fail(out, `${e.path}: ${msg}\n  replay: npm run drill -- --only fuzz:${svc.name} --seed ${o.seed}`);
    else out.verdict = 'fail';
  };
  for (let i = 0; i < o.wsFrames; i++) {
    const f = frame(r, e, i);
    if (sock.closed) {
      if (!CLIENT_FAULT_CLOSES.has(sock.closed.code)) problem(`socket closed with ${sock.closed.code} ${sock.closed.reason} after junk`);
      sock = await openSocket(run.url, e, s);
    }
    sock.send(f.data);
    out.operations++;
    // Every few frames the probe must still be answered: the socket (or a new one) still works.
    if (i % 5 === 4 || i === o.wsFrames - 1) {
      await Bun.sleep(20);
      for (const m of sock.frames.splice(0)) {
        const t = isObj(m) ? m.type : undefined;
        if (t === 'error' && !(isObj(m) && isObj(m.error) && typeof m.error.code === 'string' && typeof m.error.message === 'string')) problem(`error frame without {code, message}: ${excerpt(m, 160)}`);
      }
      if (sock.closed) continue;
      const seq = 1_000_000 + i;
      sock.send(e.probe(seq));
      const reply = await sock.waitFor((m) => e.isProbeReply(m), 5000);
      if (reply === null && !sock.closed) problem(`no reply to the probe after ${f.what} (frame ${i})`);
      else if (reply !== null) out.acknowledged++;
    }
    if (!run.server.alive) {
      out.server_died = true;
      fail(out, `the server died after WebSocket frame ${i} (${f.what}) on ${e.path}\n${run.server.logTail(8)}`);
      return;
    }
  }
  sock.close();
}

export async function fuzzDrill(o: FuzzOptions): Promise<DrillRow[]> {
  const { sets, env } = configFor(o.services);
  const server = await DrillServer.start({ services: o.services.map((s) => s.name), sets, env });
  const rows: DrillRow[] = [];
  try {
    for (const svc of o.services) {
      const run: Running = { server, url: server.url(svc.name) };
      const s = await svc.session(run);
      const httpRow = row('fuzz (schema)', svc.name, o.seed);
      const lat = new Recorder();
      await fuzzHttp(svc, run, s, o, httpRow, lat);
      httpRow.p99_ms = lat.count ? lat.row('').p99_ms : null;
      httpRow.rss_mb = mb(server.rssBytes());
      rows.push(httpRow);
      if (!server.alive) break;
      for (const e of svc.ws) {
        const wsRow = row('fuzz (ws frames)', `${svc.name} ${e.path}`, o.seed);
        if (o.only === undefined) await fuzzWs(svc, e, run, s, o, wsRow);
        else wsRow.verdict = 'skip';
        wsRow.rss_mb = mb(server.rssBytes());
        rows.push(wsRow);
      }
      if (!server.alive) break;
    }
  } finally {
    await server.stop();
  }
  return rows;
}
