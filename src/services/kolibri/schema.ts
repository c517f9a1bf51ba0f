/**
 * Request, response and WebSocket schemas. Bodies are permissive where the spec
 * accepts several forms; the engine's parser gives the precise error (which opcode
 * index, which token) that a schema message could not.
 */
import { Type } from "@sinclair/typebox";
import { MultiLine, SingleLine } from "../../runtime/text-schema.ts";

const ProgramValue = Type.Union([Type.String(), Type.Array(Type.Unknown())], {
  description: "expression text, assembly text, or an opcode array (integers 0–255)",
});
const GasLimit = Type.Integer({ minimum: 1, description: "overrides the configured step limit" });
const Seed = Type.Integer({ minimum: 0, maximum: 4294967295, description: "RANDOM10 seed" });

export const VmRunBody = Type.Object({
  program: Type.Optional(ProgramValue),
  bytecode: Type.Optional(Type.Array(Type.Unknown())),
  formula: Type.Optional(Type.String()),
  expression: Type.Optional(Type.String()),
  gas_limit: Type.Optional(GasLimit),
  seed: Type.Optional(Seed),
});

export const ProgramSubmitBody = Type.Object({
  program: Type.Optional(ProgramValue),
  bytecode: Type.Optional(Type.Array(Type.Unknown())),
  formula: Type.Optional(ProgramValue),
  content: Type.Optional(ProgramValue),
  gas_limit: Type.Optional(GasLimit),
  seed: Type.Optional(Seed),
});

/** Free-text and id limits (README "Limits"); program text is bounded by maxProgramBytes instead. */
export const MAX_DIALOG_INPUT = 4096;
export const MAX_SESSION_ID = 256;
export const MAX_PROGRAM_ID = 64;

export const DialogBody = Type.Object({
  input: MultiLine(MAX_DIALOG_INPUT, { minLength: 1 }),
  context: Type.Optional(Type.Object({ session_id: Type.Optional(SingleLine(MAX_SESSION_ID)) })),
});

export const ChainSubmitBody = Type.Object({
  program_id: SingleLine(MAX_PROGRAM_ID, { minLength: 1 }),
});

const Int = Type.Union([Type.Integer(), Type.String()], { description: "number when exact in JSON, else a decimal string" });

export const TraceEntry = Type.Object({
  step: Type.Integer(),
  ip: Type.Integer({ description: "instruction number (0 = first instruction), as in the spec example" }),
  offset: Type.Integer({ description: "byte offset of the instruction in the bytecode" }),
  opcode: Type.Integer(),
  stack_top: Int,
  gas_left: Type.Integer(),
});

export const VmRunReply = Type.Object({
  status: Type.String(),
  result: Type.String(),
  stack: Type.Array(Type.String()),
  halted: Type.Boolean(),
  steps: Type.Integer(),
  gas_used: Type.Integer(),
  gas_limit: Type.Integer(),
  program_source: Type.String(),
  form: Type.String(),
  trace: Type.Array(TraceEntry),
  fault: Type.Optional(Type.Object({ ip: Type.Integer(), opcode: Type.Integer(), message: Type.String() })),
});

export const DialogReply = Type.Object({
  answer: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  source: Type.String(),
  trace: Type.Object({ steps: Type.Array(Type.Object({ pc: Type.Integer(), op: Type.String(), stack: Type.Array(Int), gas: Type.Integer() })) }),
  poe: Type.String(),
  mdl: Type.String(),
  gas_used: Type.Integer(),
});

export const ProgramSubmitReply = Type.Object({
  program_id: Type.String(),
  poe: Type.Number(),
  mdl: Type.Number(),
  score: Type.Number(),
  accepted: Type.Boolean(),
  vm_status: Type.String(),
});

export const ChainSubmitReply = Type.Object({
  status: Type.Literal("accepted"),
  block_hash: Type.String(),
  height: Type.Integer(),
  program_id: Type.String(),
  poe: Type.Number(),
  mdl: Type.Number(),
  score: Type.Number(),
});

export const FkvReply = Type.Object({
  values: Type.Array(Type.Object({ key: Type.String(), value: Type.String() })),
  programs: Type.Array(Type.Object({ key: Type.String(), program: Type.String() })),
});

export const HealthReply = Type.Object({
  status: Type.String(),
  uptime_seconds: Type.Number(),
  version: Type.String(),
  peers: Type.Integer(),
  blocks: Type.Integer(),
});

/** Client → server frames on /api/v1/events. */
export const EventsClientMessage = Type.Object({
  type: Type.Union([Type.Literal("subscribe"), Type.Literal("unsubscribe"), Type.Literal("ping")]),
  topics: Type.Optional(Type.Array(Type.Union([Type.Literal("vm"), Type.Literal("programs"), Type.Literal("blocks")]))),
});
