/**
 * Commands for the game, in the line format BalatroMCP's poller runs:
 * `command_type` or `command_type:p1,p2` (REFERENCE §4). select_card takes one 0-based
 * card index; the buy/sell commands an optional index; the menu commands free tokens.
 */

export type CommandInput = string | { type: string; params?: (string | number)[] };

export type CommandCheck = { ok: true; line: string } | { ok: false; detail: string };

const INDEXED = new Set(['buy_joker', 'buy_booster', 'buy_voucher', 'sell_joker']);
const TOKEN = /^[^,:\r\n]+$/;

export function normalizeCommand(input: CommandInput, types: readonly string[], maxLength: number): CommandCheck {
  let type: string;
  let params: string[];
  if (typeof input === 'string') {
    if (/[\r\n]/.test(input)) return { ok: false, detail: 'a command is one line (no CR/LF)' };
    const s = input.trim();
    const colon = s.indexOf(':');
    type = colon < 0 ? s : s.slice(0, colon);
    const rest = colon < 0 ? '' : s.slice(colon + 1);
    params = rest === '' ? [] : rest.split(',');
    if (colon >= 0 && rest === '') return { ok: false, detail: `"${s.slice(0, 64)}" has a colon but no parameters` };
  } else {
    type = input.type;
    params = (input.params ?? []).map((p) => (typeof p === 'number' ? String(p) : p));
  }
  if (!types.includes(type)) return { ok: false, detail: `unknown command type "${type.slice(0, 64)}" (known: ${types.join(', ')})` };
  for (const p of params) if (!TOKEN.test(p) || p.trim() !== p) return { ok: false, detail: `parameter "${p.slice(0, 64)}" must be non-empty, without spaces at its ends, commas, colons or line breaks` };
  const isIndex = (p: string): boolean => /^\d{1,6}$/.test(p);
  if (type === 'select_card' && (params.length !== 1 || !isIndex(params[0]!))) return { ok: false, detail: 'select_card takes one 0-based card index, e.g. select_card:0' };
  if (INDEXED.has(type) && (params.length > 1 || (params.length === 1 && !isIndex(params[0]!)))) return { ok: false, detail: `${type} takes at most one 0-based index, e.g. ${type}:0` };
  const line = params.length ? `${type}:${params.join(',')}` : type;
  if (line.length > maxLength) return { ok: false, detail: `a command is at most ${maxLength} characters` };
  return { ok: true, line };
}
