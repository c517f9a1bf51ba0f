// Checks OpenKore eventMacro text: balanced `automacro`/`macro` blocks, known
// condition and command keywords, and every `call` naming a macro that exists.

export interface MacroBlock { kind: "automacro" | "macro"; name: string; line: number; lines: string[] }
export interface MacroIssue { line: number; message: string }
export interface ParsedMacros { ok: boolean; automacros: MacroBlock[]; macros: MacroBlock[]; errors: MacroIssue[] }

const CONDITIONS = new Set([
  "location", "map", "hp", "sp", "weight", "timeout", "call", "run-once", "exclusive", "priority",
  "monster", "aggressives", "inventory", "status", "base", "job", "class", "delay", "disabled",
  "inmap", "hppercent", "sppercent", "basehppercent",
]);
const COMMANDS = new Set(["do", "pause", "log", "call", "release", "lock", "stop", "set", "if", "while", "end", "else", "elsif", "}"]);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseMacros(text: string): ParsedMacros {
  const errors: MacroIssue[] = [];
  const automacros: MacroBlock[] = [];
  const macros: MacroBlock[] = [];
  let open: MacroBlock | null = null;
  let depth = 0;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const n = i + 1;
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    if ((line.match(/"/g) ?? []).length % 2 !== 0) errors.push({ line: n, message: "unbalanced quotes" });
    if (!open) {
      const m = /^(automacro|macro)\s+(\S+)\s*\{$/.exec(line);
      if (!m) { errors.push({ line: n, message: `expected "automacro NAME {" or "macro NAME {", got "${line}"` }); return; }
      if (!NAME.test(m[2]!)) errors.push({ line: n, message: `invalid name "${m[2]}"` });
      open = { kind: m[1] as "automacro" | "macro", name: m[2]!, line: n, lines: [] };
      depth = 1;
      return;
    }
    if (line === "}") {
      depth--;
      if (depth === 0) {
        const list = open.kind === "automacro" ? automacros : macros;
        if (list.some((b) => b.name === open!.name)) errors.push({ line: open.line, message: `duplicate ${open.kind} "${open.name}"` });
        list.push(open);
        open = null;
        return;
      }
    }
    if (line.endsWith("{")) depth++;
    const word = (line.split(/\s+/)[0] ?? "").toLowerCase();
    if (open.kind === "automacro") {
      if (!CONDITIONS.has(word)) errors.push({ line: n, message: `unknown automacro condition "${word}"` });
      if ((word === "timeout" || word === "priority") && !/^\S+\s+\d+(\.\d+)?$/.test(line)) errors.push({ line: n, message: `${word} needs a number` });
      if ((word === "hp" || word === "sp" || word === "weight") && !/^\S+\s*(<|<=|>|>=|=|==|!=)\s*\d+(\.\d+)?%?$/.test(line)) {
        errors.push({ line: n, message: `${word} needs "OP NUMBER[%]"` });
      }
    } else if (!COMMANDS.has(word) && !word.startsWith("$")) {
      errors.push({ line: n, message: `unknown macro command "${word}"` });
    } else if (word === "pause" && !/^pause(\s+\d+(\.\d+)?)?$/.test(line)) {
      errors.push({ line: n, message: "pause takes an optional number of seconds" });
    }
    open.lines.push(line);
  });
  if (open !== null) errors.push({ line: (open as MacroBlock).line, message: `block "${(open as MacroBlock).name}" is not closed` });
  const defined = new Set(macros.map((m) => m.name));
  for (const b of [...automacros, ...macros]) {
    for (const l of b.lines) {
      const m = /^call\s+(\S+)/.exec(l);
      if (m && !defined.has(m[1]!)) errors.push({ line: b.line, message: `${b.kind} "${b.name}" calls unknown macro "${m[1]}"` });
    }
    if (b.kind === "automacro" && !b.lines.some((l) => /^call\s/.test(l))) errors.push({ line: b.line, message: `automacro "${b.name}" has no call` });
  }
  return { ok: errors.length === 0, automacros, macros, errors };
}
