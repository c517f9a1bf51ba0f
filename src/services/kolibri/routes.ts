/** Endpoint table: validate, call the core, shape the reply. */
import { type ApiError, kolibriProfile, toApiError } from "../../runtime/errors.ts";
import { fingerprint, isValidRequestId, MAX_REQUEST_ID_LENGTH, type Idempotency } from "../../runtime/idempotency.ts";
import type { Metrics } from "../../runtime/metrics.ts";
import { enforceRateLimit, type RateLimiter } from "../../runtime/ratelimit.ts";
import { route, type Hook, type RequestContext, type RouteDef } from "../../runtime/service.ts";
import { issueMessage, type ValidationIssue } from "../../runtime/validation.ts";
import { compileExpression, findExpression, looksLikeExpression } from "./engine/compiler.ts";
import { badRequest, type Execution, type KolibriCore } from "./core.ts";
import type { ParsedProgram } from "./engine/program.ts";
import { renderRouteTotals } from "./stats.ts";
import type { KolibriOptions } from "./options.ts";
import * as S from "./schema.ts";
import { decimalString, dialogStep, instructionIndex, wireTraceJson } from "./wire.ts";
import { round6 } from "./engine/scoring.ts";

export interface RouteDeps {
  core: KolibriCore;
  opts: KolibriOptions;
  idem: Idempotency;
  metrics: Metrics;
  limits: { dialog: RateLimiter; program: RateLimiter; chain: RateLimiter };
}

type Produce = () => unknown;

/** What Response.json sends; one Headers object, copied into each reply (cheaper than a record). */
const JSON_HEADERS = new Headers({ "content-type": "application/json;charset=utf-8" });

/** `"program_source":…,"form":…` of a program, quoted once per (cached) program. */
const programTexts = new WeakMap<ParsedProgram, string>();
function programJson(p: ParsedProgram): string {
  let t = programTexts.get(p);
  if (t === undefined) {
    t = `"program_source":${JSON.stringify(p.source)},"form":${JSON.stringify(p.form)}`;
    programTexts.set(p, t);
  }
  return t;
}

export function buildRoutes(d: RouteDeps): RouteDef[] {
  const { core, opts, metrics } = d;
  // Error replies are counted by the kernel (kolibri_errors_total is rendered from its counters).
  const onValidation = (issue: ValidationIssue): ApiError =>
    badRequest(issueMessage(issue), { field: issue.field, expected: issue.expected, received: issue.received });

  const limited = (limiter: RateLimiter, what: string): Hook => (ctx) => {
    Object.assign(ctx.headers, enforceRateLimit(limiter, ctx.ip, kolibriProfile, what));
  };

  /**
   * Runs a POST body once per X-Request-Id (scoped by path): the first reply, error
   * replies included, is what every retry with the same body gets, even after a
   * restart; the same id with a different body is a 409 conflict. Without an id the
   * work runs directly (synchronously when it can).
   */
  const once = (ctx: RequestContext, produce: Produce): unknown => {
    const id = ctx.clientRequestId;
    if (!id) return produce();
    if (!isValidRequestId(id)) {
      throw badRequest(`X-Request-Id must be 1-${MAX_REQUEST_ID_LENGTH} visible ASCII characters`, { field: "X-Request-Id", length: id.length });
    }
    return d.idem.once(`${ctx.path} ${id}`, async () => {
      try {
        const out = await produce();
        return out instanceof Response ? out : Response.json(out);
      } catch (e) {
        const err = toApiError(kolibriProfile, e);
        if (err.status >= 500) throw err; // not cached: a retry may succeed
        return Response.json(kolibriProfile.format(err, { requestId: id, debug: false }), { status: err.status, headers: err.headers });
      }
    }, fingerprint(ctx.body));
  };

  /**
   * The /vm/run reply written as JSON text (the bytes JSON.stringify would give the reply
   * object): result and stack are decimal digits and need no escaping, and a program's
   * quoted source and form are kept with the cached program.
   */
  const vmReply = (x: Execution): Response => {
    const r = x.run;
    const stack = r.stack.length === 0 ? "[]" : `["${r.stack.join('","')}"]`;
    const json =
      `{"status":"${r.status}","result":"${r.result}","stack":${stack},"halted":${r.halted},"steps":${r.steps},"gas_used":${r.gasUsed},` +
      `"gas_limit":${x.gasLimit},${programJson(x.program)},"trace":${wireTraceJson(r.trace, x.program.bytes)}${r.fault ? `,"fault":${JSON.stringify(r.fault)}` : ""}}`;
    return new Response(json, { headers: JSON_HEADERS });
  };

  const submitReply = (x: Execution) => {
    const rec = core.storeProgram(x);
    return {
      program_id: rec.id, poe: round6(rec.poe), mdl: rec.mdl, score: round6(rec.score), accepted: rec.accepted,
      vm_status: rec.vmStatus, result: rec.result, steps: x.run.steps, program_source: rec.source, form: rec.form,
    };
  };

  /** Applies `then` now when the run finished inline, else when it does. */
  const whenDone = <T>(x: Execution | Promise<Execution>, then: (x: Execution) => T): T | Promise<T> => (x instanceof Promise ? x.then(then) : then(x));

  return [
    route({
      method: "POST", path: "/api/v1/dialog", summary: "Decimal-first dialogue turn", body: S.DialogBody,
      responses: { 200: S.DialogReply }, validationError: onValidation, onRequest: limited(d.limits.dialog, "dialog calls"),
      handler: (ctx) => once(ctx, () => dialog(d, ctx.body.input, ctx.body.context?.session_id)),
    }),
    route({
      method: "POST", path: "/api/v1/vm/run", summary: "Run Δ-VM assembly, bytecode or an expression", body: S.VmRunBody,
      responses: { 200: S.VmRunReply }, validationError: onValidation,
      handler: (ctx) =>
        once(ctx, () => {
          const b = ctx.body;
          const program = core.parse(b.program ?? b.bytecode ?? b.formula ?? b.expression, "program, bytecode, formula, expression");
          return whenDone(core.execute(program, { gasLimit: core.gasLimit(b.gas_limit), seed: b.seed ?? opts.seed, traceStack: false }), vmReply);
        }),
    }),
    route({
      method: "GET", path: "/api/v1/fkv/get", summary: "F-KV entries under a decimal prefix",
      query: { prefix: { description: "decimal digits", required: true }, limit: { description: `max entries (default ${opts.fkvDefaultLimit})` } },
      responses: { 200: S.FkvReply },
      handler: (ctx) => core.fkvGet(ctx.query.get("prefix"), ctx.query.get("limit")),
    }),
    route({
      method: "POST", path: "/api/v1/program/submit", summary: "Run, score and store a program", body: S.ProgramSubmitBody,
      responses: { 200: S.ProgramSubmitReply }, validationError: onValidation, onRequest: limited(d.limits.program, "program submissions"),
      handler: (ctx) =>
        once(ctx, () => {
          const b = ctx.body;
          const program = core.parse(b.program ?? b.bytecode ?? b.formula ?? b.content, "program, bytecode, formula, content");
          return whenDone(core.execute(program, { gasLimit: core.gasLimit(b.gas_limit), seed: b.seed ?? opts.seed, traceStack: false }), submitReply);
        }),
    }),
    route({
      method: "POST", path: "/api/v1/chain/submit", summary: "Mine a block for an accepted program", body: S.ChainSubmitBody,
      responses: { 200: S.ChainSubmitReply }, validationError: onValidation, onRequest: limited(d.limits.chain, "chain submissions"),
      handler: (ctx) => once(ctx, () => core.submitBlock(ctx.body.program_id)),
    }),
    route({
      method: "GET", path: "/api/v1/chain/blocks", summary: "Blocks, oldest first",
      query: { from: { description: "first height (default 1)" }, limit: { description: "max blocks (default 100, max 1000)" } },
      handler: (ctx) => {
        const from = intParam(ctx.query.get("from"), 1, "from", 1, Number.MAX_SAFE_INTEGER);
        const limit = intParam(ctx.query.get("limit"), 100, "limit", 1, 1000);
        const blocks = core.blocks.slice(from - 1, from - 1 + limit).map((b) => core.blockView(b));
        return { height: core.blocks.length, difficulty: opts.difficulty, blocks };
      },
    }),
    route({ method: "GET", path: "/api/v1/chain/verify", summary: "Recompute every hash and link", handler: () => core.verify() }),
    route({ method: "GET", path: "/api/v1/health", summary: "Liveness and chain state", responses: { 200: S.HealthReply }, handler: () => core.health() }),
    route({
      method: "GET", path: "/api/v1/metrics", summary: "Prometheus text",
      handler: () => new Response(metrics.render((n) => n.startsWith("kolibri_")) + renderRouteTotals(metrics, "kolibri"), { headers: { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" } }),
    }),
  ];
}

function intParam(text: string | null, dflt: number, name: string, min: number, max: number): number {
  if (text === null || text === "") return dflt;
  const v = Number(text);
  if (!Number.isInteger(v) || v < min || v > max) throw badRequest(`${name} must be an integer ${min}..${max}, got '${text}'`, { field: name, received: text });
  return v;
}

/**
 * Arithmetic (the whole input, or an arithmetic run inside free text) is answered by
 * the VM; a mentioned program id runs that program; anything else is pending.
 */
async function dialog(d: RouteDeps, input: string, sessionId: string | undefined) {
  const { core, opts } = d;
  const text = input.trim();
  const echo = sessionId === undefined ? {} : { session_id: sessionId };
  const pureArithmetic = looksLikeExpression(text);
  const embedded = pureArithmetic ? text : findExpression(text);
  let program = undefined;
  let source = "vm";
  if (embedded !== undefined && (pureArithmetic || /\d\s*[-+*/%]\s*[-(\d]/.test(embedded))) {
    const c = compileExpression(embedded);
    if (c.ok) program = core.parse(embedded, "input");
    else if (pureArithmetic) throw badRequest(`expression error at position ${c.error.position}${c.error.token ? ` ('${c.error.token}')` : ""}: ${c.error.message}`, { ...c.error });
  }
  const mentioned = /\bprog-\d{6}\b/.exec(text)?.[0];
  let programId: string | undefined;
  if (!program && mentioned) {
    const rec = d.core.storedProgram(mentioned);
    if (rec) {
      program = { bytes: rec.bytes, source: rec.source, canonical: rec.canonical, form: rec.form };
      source = "program";
      programId = rec.id;
    }
  }
  if (!program) {
    return {
      answer: null, status: "pending", source: "none", message: "no answer yet: input is not arithmetic and matches no stored program",
      trace: { steps: [] }, poe: "0", mdl: "0", score: "0", gas_used: 0, ...echo,
    };
  }
  const x = await core.execute(program, { gasLimit: opts.gasLimit, seed: opts.seed, traceStack: true });
  const score = core.score(x);
  const ok = x.run.status === "ok" && x.run.halted;
  const answer = ok ? x.run.result : null;
  const key = answer === null ? undefined : core.storeAnswer(answer);
  return {
    answer,
    status: x.run.status,
    source,
    ...(programId ? { program_id: programId } : {}),
    trace: { steps: x.run.trace.map((t) => dialogStep(t, instructionIndex(program.bytes))) },
    poe: decimalString(score.poe),
    mdl: decimalString(score.mdl),
    score: decimalString(score.score),
    gas_used: x.run.gasUsed,
    program_source: program.source,
    ...(key ? { fkv_key: key } : {}),
    ...echo,
  };
}
