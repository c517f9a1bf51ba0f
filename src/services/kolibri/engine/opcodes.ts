/** Δ-VM instruction set (REFERENCE §3). Codes are wire-visible: never renumber. */
export const Op = {
  PUSHd: 0x01,
  ADD10: 0x02,
  SUB10: 0x03,
  MUL10: 0x04,
  DIV10: 0x05,
  MOD10: 0x06,
  CMP: 0x07,
  JZ: 0x08,
  JNZ: 0x09,
  CALL: 0x0a,
  RET: 0x0b,
  READ_FKV: 0x0c,
  WRITE_FKV: 0x0d,
  HASH10: 0x0e,
  RANDOM10: 0x0f,
  TIME10: 0x10,
  NOP: 0x11,
  HALT: 0x12,
} as const;

export type OpName = keyof typeof Op;
export type OpCode = (typeof Op)[OpName];

/** Operand width in bytes and its meaning, per opcode. */
export type OperandKind = "none" | "u8" | "rel16" | "abs16";

export const OPERAND: Readonly<Record<OpName, OperandKind>> = {
  PUSHd: "u8",
  ADD10: "none",
  SUB10: "none",
  MUL10: "none",
  DIV10: "none",
  MOD10: "none",
  CMP: "none",
  JZ: "rel16",
  JNZ: "rel16",
  CALL: "abs16",
  RET: "none",
  READ_FKV: "none",
  WRITE_FKV: "none",
  HASH10: "none",
  RANDOM10: "none",
  TIME10: "none",
  NOP: "none",
  HALT: "none",
};

export const OPERAND_BYTES: Readonly<Record<OperandKind, number>> = {
  none: 0,
  u8: 1,
  rel16: 2,
  abs16: 2,
};

/** code → name, undefined for bytes that are not opcodes. */
export const OP_NAME: ReadonlyArray<OpName | undefined> = (() => {
  const table: Array<OpName | undefined> = new Array<OpName | undefined>(256).fill(undefined);
  for (const name of Object.keys(Op) as OpName[]) table[Op[name]] = name;
  return table;
})();

/** Operand width by code (0 for non-opcodes), for the interpreter's hot loop. */
export const WIDTH_BY_CODE: Uint8Array = (() => {
  const table = new Uint8Array(256);
  for (const name of Object.keys(Op) as OpName[]) table[Op[name]] = OPERAND_BYTES[OPERAND[name]];
  return table;
})();

export const VM_STATUSES = [
  "ok",
  "invalid_opcode",
  "stack_overflow",
  "stack_underflow",
  "div_by_zero",
  "gas_exhausted",
  /** A result outside the signed 64-bit range (ADD/SUB/MUL, MIN/−1, an F-KV value too large): reported, never wrapped. */
  "integer_overflow",
  /** WRITE_FKV past the per-run write quota or into a full F-KV (options maxFkvWritesPerRun, maxFkvEntries). */
  "fkv_quota_exceeded",
] as const;
export type VmStatus = (typeof VM_STATUSES)[number];
