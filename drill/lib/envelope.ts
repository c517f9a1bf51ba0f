/**
 * Error envelopes as each service documents them: a drill checks every non-2xx reply has
 * its service's shape, so a client's error handling can always read it.
 */
import type { Exchange } from './http.ts';

export type EnvelopeKind = 'openkore' | 'mall' | 'kolibri' | 'ccc' | 'eventbus';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** `{code, message, details}` as kolibri, ccc and the event bus nest it under `error`. */
function codeMessageDetails(e: unknown, codeCase: RegExp): string | null {
  if (!isObj(e)) return 'no "error" object';
  if (!str(e.code) || !codeCase.test(e.code)) return `error.code ${JSON.stringify(e.code)} is not a code of this service's form`;
  if (!str(e.message)) return 'error.message missing or empty';
  if (!isObj(e.details)) return 'error.details is not an object';
  return null;
}

const CHECKS: Record<EnvelopeKind, (b: Obj) => string | null> = {
  // openkore-ai-engine.md §4.1 + §6.1 (the engine and the AI service).
  openkore: (b) => {
    if (b.status !== 'error') return 'status is not "error"';
    if (!str(b.error_code) || !/^[A-Z][A-Z0-9_]*$/.test(b.error_code)) return 'error_code missing or not UPPER_CASE';
    if (!str(b.message)) return 'message missing';
    const inner = codeMessageDetails(b.error, /^[A-Z][A-Z0-9_]*$/);
    if (inner) return inner;
    if ((b.error as Obj).code !== b.error_code) return 'error.code differs from error_code';
    if (!isObj(b.metadata) || !str(b.metadata.request_id)) return 'metadata.request_id missing';
    return null;
  },
  // mall-sim-bridge.md: `{error}` (+ traceback on 5xx in debug mode only).
  mall: (b) => {
    if (!str(b.error)) return '"error" is not a non-empty string';
    const extra = Object.keys(b).filter((k) => k !== 'error' && k !== 'traceback');
    return extra.length ? `unexpected keys ${extra.join(', ')}` : null;
  },
  kolibri: (b) => codeMessageDetails(b.error, /^[a-z][a-z0-9_]*$/),
  ccc: (b) => codeMessageDetails(b.error, /^[A-Z][A-Z0-9_]*$/),
  eventbus: (b) => {
    if (b.status !== 'error') return 'status is not "error"';
    if (!str(b.request_id)) return 'request_id missing';
    return codeMessageDetails(b.error, /^[A-Z][A-Z0-9_]*$/);
  },
};

/**
 * GraphQL over HTTP (the event bus's knowledge graph at /graphql): `{errors: [{message}]}`,
 * the shape every GraphQL client reads, where the service's REST envelope is not used.
 */
function graphqlProblem(b: Obj): string | null {
  if (!Array.isArray(b.errors) || b.errors.length === 0) return '"errors" is not a non-empty array';
  return b.errors.every((e) => isObj(e) && str(e.message)) ? null : 'an entry of "errors" has no message';
}

/** Null when `x` is a proper error reply of `kind`, else what is wrong with it. */
export function envelopeProblem(kind: EnvelopeKind, x: Exchange): string | null {
  const type = x.headers.get('content-type') ?? '';
  if (!/json/i.test(type)) return `content-type ${JSON.stringify(type)} is not JSON`;
  if (!isObj(x.json)) return 'body is not a JSON object';
  const problem = CHECKS[kind](x.json);
  // Rejections before the GraphQL route runs (size, headers, content type) keep the service's envelope.
  if (problem !== null && new URL(x.url).pathname === '/graphql') return graphqlProblem(x.json) === null ? null : `neither a GraphQL error nor the ${kind} envelope: ${problem}`;
  return problem;
}

/** The human-readable message of an error reply, whichever envelope it uses. */
export function errorMessage(x: Exchange): string {
  const b = x.json;
  if (!isObj(b)) return x.text.slice(0, 200);
  if (typeof b.error === 'string') return b.error;
  if (isObj(b.error) && typeof b.error.message === 'string') return b.error.message;
  if (typeof b.message === 'string') return b.message;
  return x.text.slice(0, 200);
}
