/** What every route module gets, and the validation-error shape they share. */
import type { ApiError } from '../../../runtime/errors.ts';
import type { LlmProvider } from '../../../runtime/llm.ts';
import type { Logger } from '../../../runtime/log.ts';
import type { Metrics } from '../../../runtime/metrics.ts';
import type { ValidationIssue } from '../../../runtime/validation.ts';
import type { Access } from '../access.ts';
import { invalid } from '../errors.ts';
import type { ExportJobs } from '../export-jobs.ts';
import type { Memory } from '../memory.ts';
import type { CccOptions } from '../options.ts';
import { ENUM_HINTS, type CccSchemas } from '../schema.ts';
import type { CccStore } from '../store/index.ts';
import type { Writer } from '../writer.ts';

export interface RouteDeps {
  store: CccStore;
  access: Access;
  memory: Memory;
  writer: Writer;
  exports: ExportJobs;
  opts: CccOptions;
  S: CccSchemas;
  llm: LlmProvider;
  metrics: Metrics;
  log: Logger;
  now: () => number;
  startedAt: number;
}

/** `{field, expected, received}` details; enum failures name the allowed values. */
export function onValidation(hints: Readonly<Record<string, readonly string[]>> = {}) {
  return (issue: ValidationIssue): ApiError => {
    const leaf = issue.field.replace(/\[\d+\]$/, '').split('.').pop() ?? issue.field;
    // Own keys only: a field named `constructor` or `toString` must not find Object.prototype's.
    const allowed = Object.hasOwn(hints, leaf) ? hints[leaf] : Object.hasOwn(ENUM_HINTS, leaf) ? ENUM_HINTS[leaf] : undefined;
    const expected = allowed && /union/i.test(issue.expected) ? `one of ${allowed.join(', ')}` : issue.expected;
    const details: Record<string, unknown> = { field: issue.field, expected, received: issue.received };
    if (allowed) details.allowed = [...allowed];
    return invalid(`Invalid field "${issue.field}": ${expected}`, details);
  };
}

export const created = (body: unknown, headers: Record<string, string> = {}): Response => Response.json(body, { status: 201, headers });
