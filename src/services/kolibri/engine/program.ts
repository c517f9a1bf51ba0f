/**
 * Accepts every program form the spec names (expression text, assembly text, an
 * opcode array) and yields bytecode plus its texts: `source` is the disassembly that
 * ran, `canonical` is what MDL measures (the expression itself, or the disassembly).
 */
import { assemble, disassemble, type SourceError } from "./assembler.ts";
import { compileExpression, looksLikeExpression } from "./compiler.ts";

export type ProgramForm = "expression" | "assembly" | "bytes";

export interface ParsedProgram {
  bytes: Uint8Array;
  source: string;
  canonical: string;
  form: ProgramForm;
}

export interface ProgramError {
  message: string;
  details: Record<string, unknown>;
}

export type ParseResult = { ok: true; program: ParsedProgram } | { ok: false; error: ProgramError };

const sourceError = (kind: string, e: SourceError): ProgramError => ({
  message: `${kind} error at position ${e.position}${e.token ? ` ('${e.token}')` : ""}: ${e.message}`,
  details: { ...e },
});

export function parseProgram(input: string | readonly unknown[], maxBytes: number): ParseResult {
  if (typeof input !== "string") {
    if (input.length === 0) return { ok: false, error: { message: "program is an empty array", details: {} } };
    if (input.length > maxBytes) return tooLarge(input.length, maxBytes);
    const bytes = new Uint8Array(input.length);
    for (let i = 0; i < input.length; i++) {
      const v = input[i];
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 255) {
        // Only a scalar is echoed back: an object or array could be arbitrarily large.
        const shown = v === undefined || v === null || typeof v === "object" ? (Array.isArray(v) ? "array" : v === null ? null : typeof v) : v;
        return { ok: false, error: { message: `opcode at index ${i} must be an integer 0–255`, details: { index: i, value: shown } } };
      }
      bytes[i] = v;
    }
    const source = disassemble(bytes);
    return { ok: true, program: { bytes, source, canonical: source, form: "bytes" } };
  }
  const text = input.trim();
  if (text === "") return { ok: false, error: { message: "program is empty", details: {} } };
  // Text longer than this cannot fit: every instruction takes at least 3 characters.
  if (text.length > maxBytes * 32) return tooLarge(text.length, maxBytes, "characters");
  if (looksLikeExpression(text)) {
    const c = compileExpression(text);
    if (!c.ok) return { ok: false, error: sourceError("expression", c.error) };
    if (c.bytes.length > maxBytes) return tooLarge(c.bytes.length, maxBytes);
    return { ok: true, program: { bytes: c.bytes, source: disassemble(c.bytes), canonical: c.source, form: "expression" } };
  }
  const a = assemble(text);
  if (!a.ok) return { ok: false, error: sourceError("assembly", a.error) };
  if (a.bytes.length === 0) return { ok: false, error: { message: "program has no instructions", details: {} } };
  if (a.bytes.length > maxBytes) return tooLarge(a.bytes.length, maxBytes);
  const source = disassemble(a.bytes);
  return { ok: true, program: { bytes: a.bytes, source, canonical: source, form: "assembly" } };
}

function tooLarge(size: number, max: number, unit = "bytes"): ParseResult {
  return { ok: false, error: { message: `program too large: ${size} ${unit}, limit ${max} bytes`, details: { size, unit, max_bytes: max } } };
}
