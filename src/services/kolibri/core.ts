/**
 * Kolibri service logic between the routes and the engine: chooses where a VM run
 * executes, keeps the trie and chain in memory with SQLite behind them, scores and
 * stores programs, mines blocks one at a time, and publishes events.
 */
import { ApiError } from "../../runtime/errors.ts";
import type { Logger } from "../../runtime/log.ts";
import type { Metrics } from "../../runtime/metrics.ts";
import type { WorkerPool } from "../../runtime/pool.ts";
import type { WsHub } from "../../runtime/ws.ts";
import { GENESIS_PREV, poeGate, verifyChain, type Block, type ChainReport } from "./engine/chain.ts";
import { FkvTrie, isDigits, trieFkvPort } from "./engine/fkv.ts";
import { parseProgram, type ParsedProgram } from "./engine/program.ts";
import { round6, scoreRun, type Score, type ScoreWeights } from "./engine/scoring.ts";
import { runOutcome, type RunOutcome } from "./engine/tasks.ts";
import { createVm, mayUseFkv, runSlice, type VmOptions, type VmState } from "./engine/vm.ts";
import type { KolibriOptions } from "./options.ts";
import type { KolibriStore, ProgramRecord } from "./store.ts";
import { bytesAsDigits, pad6, wireTrace } from "./wire.ts";

export const TOPICS = { vm: "kolibri.vm", programs: "kolibri.programs", blocks: "kolibri.blocks" } as const;

export interface CoreDeps {
  opts: KolibriOptions;
  store: KolibriStore;
  pool: WorkerPool;
  metrics: Metrics;
  hub: WsHub;
  now: () => number;
  log: Logger;
}

export interface ExecOptions {
  gasLimit: number;
  seed: number;
  traceStack: boolean;
}

export interface Execution {
  program: ParsedProgram;
  run: RunOutcome;
  gasLimit: number;
}

type Placement = "inline" | "sliced" | "pool";

export const badRequest = (message: string, details: Record<string, unknown> = {}): ApiError =>
  new ApiError(400, "bad_request", message, details);

/** Longest F-KV prefix: VM keys are int64 decimals (19 digits); nothing longer can match much. */
export const MAX_PREFIX_DIGITS = 64;

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

export class KolibriCore {
  readonly trie: FkvTrie;
  readonly blocks: Block[];
  chain: ChainReport;
  readonly startedAt: number;
  private readonly weights: ScoreWeights;
  private chainQueue: Promise<unknown> = Promise.resolve();
  private readonly onChain = new Map<string, number>();
  /** Kernel series, pre-resolved: a run costs no label formatting. */
  private readonly vmLatency: (ms: number) => void;
  private readonly instructions: (by?: number) => void;
  private readonly runs: Record<Placement, Map<string, (by?: number) => void>> = { inline: new Map(), sliced: new Map(), pool: new Map() };
  /** Event-stream connections subscribed to VM traces (a trace is only built for them). */
  vmWatchers = 0;
  /** Text programs repeat (clients resend the same formula): skip re-assembling them. */
  private readonly parsed = new Map<string, ParsedProgram>();
  private spareStack: Float64Array | undefined;

  constructor(private readonly d: CoreDeps) {
    const o = d.opts;
    this.startedAt = d.now();
    this.trie = new FkvTrie(o.topK);
    for (const e of d.store.loadFkv()) this.trie.put(e.key, e.kind, e.payload, e.priority);
    this.blocks = d.store.loadBlocks();
    for (const b of this.blocks) this.onChain.set(b.programId, b.height);
    this.chain = verifyChain(this.blocks);
    if (!this.chain.valid) d.log.error("stored chain failed verification; chain submissions disabled", { problems: this.chain.problems });
    this.weights = {
      efficiency: o.poeEfficiency,
      compactness: o.poeCompactness,
      lenScale: o.poeLenScale,
      magnitude: o.poeMagnitude,
      magnitudeScale: o.poeMagnitudeScale,
      mdlPenalty: o.mdlPenalty,
    };
    this.vmLatency = d.metrics.histogram("kolibri_vm_latency_ms", {}, "Δ-VM latency in milliseconds");
    this.instructions = d.metrics.counterHandle("kolibri_vm_instructions_total", {}, "Δ-VM instructions executed");
    d.metrics.gauge("kolibri_chain_height", {}, () => this.blocks.length, "Blocks on the chain");
    d.metrics.gauge("kolibri_fkv_entries", {}, () => this.trie.size, "Entries in the F-KV trie");
  }

  /** Program text or array → bytecode, or a 400 naming what is wrong. */
  parse(input: string | readonly unknown[] | undefined, keys: string): ParsedProgram {
    if (input === undefined) throw badRequest(`program is required (one of ${keys})`, { accepted_keys: keys.split(", ") });
    const cached = typeof input === "string" ? this.parsed.get(input) : undefined;
    if (cached) return cached;
    const r = parseProgram(input, this.d.opts.maxProgramBytes);
    if (!r.ok) throw badRequest(r.error.message, r.error.details);
    if (typeof input === "string" && input.length <= 1024) {
      if (this.parsed.size >= 512) this.parsed.clear(); // crude bound; a refill is cheap
      this.parsed.set(input, r.program);
    }
    return r.program;
  }

  gasLimit(requested: number | undefined): number {
    const g = requested ?? this.d.opts.gasLimit;
    if (g > this.d.opts.maxGasLimit) throw badRequest(`gas_limit ${g} exceeds the maximum ${this.d.opts.maxGasLimit}`, { gas_limit: g, max: this.d.opts.maxGasLimit });
    return g;
  }

  /**
   * Every run starts inline for up to `inlineSteps` instructions (well under a
   * millisecond); most programs halt there, and then the result is returned synchronously
   * (no promise, no microtask turn). A run still going continues beside the trie in
   * event-loop slices if it may touch the F-KV, else restarts in the pool (it has no side
   * effects to repeat, and the RNG is seeded).
   */
  execute(program: ParsedProgram, x: ExecOptions): Execution | Promise<Execution> {
    const o = this.d.opts;
    const t0 = performance.now();
    const usesFkv = mayUseFkv(program.bytes);
    const buf = this.spareStack?.length === o.maxStack ? this.spareStack : new Float64Array(o.maxStack);
    this.spareStack = undefined;
    const vm: VmOptions = {
      gasLimit: x.gasLimit, maxStack: o.maxStack, maxCallDepth: o.maxCallDepth, traceDepth: o.traceDepth, traceStack: x.traceStack, seed: x.seed,
      clock: this.d.now,
      // A port per run (the write quota counts per run), and none for code that cannot reach it.
      fkv: usesFkv ? trieFkvPort(this.trie, (e) => this.d.store.putFkv(e), { writesPerRun: o.maxFkvWritesPerRun, maxEntries: o.maxFkvEntries }) : undefined,
    };
    const s = createVm(program.bytes, vm, buf);
    if (runSlice(s, o.inlineSteps)) {
      const run = runOutcome(s);
      this.spareStack = buf; // finished synchronously: the buffer is free again
      return this.finished(program, x, run, "inline", t0);
    }
    return usesFkv ? this.sliced(s, program, x, t0) : this.pooled(program, x, vm, t0);
  }

  private async sliced(s: VmState, program: ParsedProgram, x: ExecOptions, t0: number): Promise<Execution> {
    do await yieldToLoop();
    while (!runSlice(s, this.d.opts.sliceSteps));
    return this.finished(program, x, runOutcome(s), "sliced", t0);
  }

  private async pooled(program: ParsedProgram, x: ExecOptions, vm: VmOptions, t0: number): Promise<Execution> {
    const { clock: _clock, fkv: _fkv, ...limits } = vm;
    const run = await this.d.pool.run("kolibri.vm", { code: program.bytes, ...limits, nowMs: this.d.now() }, { timeoutMs: this.d.opts.vmTimeoutMs });
    return this.finished(program, x, run, "pool", t0);
  }

  private finished(program: ParsedProgram, x: ExecOptions, run: RunOutcome, where: Placement, t0: number): Execution {
    this.vmLatency(performance.now() - t0);
    this.runCounter(run.status, where)();
    this.instructions(run.steps);
    if (this.vmWatchers > 0) {
      this.d.hub.publish(TOPICS.vm, {
        type: "vm.trace",
        status: run.status,
        result: run.result,
        steps: run.steps,
        gas_used: run.gasUsed,
        program_source: program.source,
        trace: wireTrace(run.trace, program.bytes),
      });
    }
    return { program, run, gasLimit: x.gasLimit };
  }

  private runCounter(status: string, where: Placement): (by?: number) => void {
    const byStatus = this.runs[where];
    let c = byStatus.get(status);
    if (!c) byStatus.set(status, (c = this.d.metrics.counterHandle("kolibri_vm_runs_total", { status, where }, "Δ-VM runs by placement and status")));
    return c;
  }

  /** PoE, MDL and score of a run (computed only where a reply or record needs them). */
  score(x: Execution): Score {
    const facts = { status: x.run.status, halted: x.run.halted, steps: x.run.steps, gasLimit: x.gasLimit, byteLength: x.program.bytes.length, result: BigInt(x.run.result) };
    return scoreRun(facts, x.program.canonical, this.weights);
  }

  /** Stores a scored run as the next `prog-NNNNNN`; accepted ones also enter the F-KV. */
  storeProgram(x: Execution): ProgramRecord {
    const accepted = x.run.status === "ok" && x.run.halted;
    const score = this.score(x);
    const { rec, fkv } = this.d.store.insertProgram({
      form: x.program.form,
      source: x.program.source,
      canonical: x.program.canonical,
      bytes: x.program.bytes,
      poe: score.poe,
      mdl: score.mdl,
      score: score.score,
      accepted,
      vmStatus: x.run.status,
      result: x.run.result,
      createdAt: this.d.now(),
    }, (r) => (accepted ? { key: `${this.d.opts.programKeyPrefix}${pad6(r.seq)}`, kind: "program", payload: bytesAsDigits(r.bytes), priority: this.trie.nextPriority() } : null));
    if (fkv) {
      // Committed with the program; the in-memory trie follows the stored rows.
      this.trie.put(fkv.key, fkv.kind, fkv.payload, fkv.priority);
      this.d.hub.publish(TOPICS.programs, { type: "program.accepted", program_id: rec.id, poe: round6(rec.poe), mdl: rec.mdl, score: round6(rec.score), program_source: rec.source });
    }
    return rec;
  }

  storedProgram(id: string): ProgramRecord | undefined {
    return this.d.store.getProgram(id);
  }

  /** Stores a dialog answer under the next dialog counter key; returns the key. */
  storeAnswer(answer: string): string {
    // Counter and entry commit together; the in-memory trie follows only what was stored.
    const e = this.d.store.insertDialogEntry((n) => ({ key: `${this.d.opts.dialogKeyPrefix}${pad6(n)}`, kind: "value", payload: answer, priority: this.trie.nextPriority() }));
    this.trie.put(e.key, e.kind, e.payload, e.priority);
    return e.key;
  }

  fkvGet(prefix: string | null, limitText: string | null) {
    if (prefix === null || prefix === "") throw badRequest("query parameter 'prefix' is required", { field: "prefix" });
    if (prefix.length > MAX_PREFIX_DIGITS) throw badRequest(`prefix must be at most ${MAX_PREFIX_DIGITS} digits, got ${prefix.length}`, { field: "prefix", max_length: MAX_PREFIX_DIGITS });
    if (!isDigits(prefix)) throw badRequest(`prefix must be decimal digits, got '${prefix}'`, { field: "prefix", received: prefix });
    const max = this.d.opts.fkvMaxLimit;
    const limit = limitText === null || limitText === "" ? this.d.opts.fkvDefaultLimit : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > max) {
      throw badRequest(`limit must be an integer 1..${max}, got '${limitText}'`, { field: "limit", received: limitText });
    }
    const entries = this.trie.get(prefix, limit);
    return {
      prefix,
      values: entries.filter((e) => e.kind === "value").map((e) => ({ key: e.key, value: e.payload })),
      programs: entries.filter((e) => e.kind === "program").map((e) => ({ key: e.key, program: e.payload })),
    };
  }

  /** Validates, mines in the pool and appends one block; submissions run one at a time. */
  submitBlock(programId: string) {
    const o = this.d.opts;
    if (!o.chainEnabled) throw new ApiError(503, "service_unavailable", "the blockchain subsystem is disabled in config", { reason: "chain_disabled" });
    if (!this.chain.valid) throw new ApiError(503, "service_unavailable", "the stored chain failed verification", { reason: "chain_invalid", problems: this.chain.problems });
    const rec = this.d.store.getProgram(programId);
    if (!rec) throw new ApiError(404, "not_found", `program '${programId}' not found`, { program_id: programId });
    if (!rec.accepted) {
      throw new ApiError(409, "conflict", `program '${programId}' was not accepted (vm_status ${rec.vmStatus})`, { reason: "not_accepted", program_id: programId, vm_status: rec.vmStatus });
    }
    const gate = poeGate([rec.poe], o.poeThreshold);
    if (!gate.ok) {
      throw new ApiError(409, "conflict", `block PoE ${round6(gate.average)} is below the threshold ${o.poeThreshold}`, {
        reason: "poe_below_threshold",
        program_id: programId,
        poe: round6(gate.average),
        threshold: o.poeThreshold,
      });
    }
    const job = this.chainQueue.then(() => this.mineAndAppend(rec));
    this.chainQueue = job.catch(() => undefined);
    return job;
  }

  private async mineAndAppend(rec: ProgramRecord) {
    const o = this.d.opts;
    const height = this.onChain.get(rec.id);
    if (height !== undefined) {
      throw new ApiError(409, "conflict", `program '${rec.id}' is already in block ${height}`, { reason: "already_on_chain", program_id: rec.id, height });
    }
    const prevHash = this.blocks[this.blocks.length - 1]?.hash ?? GENESIS_PREV;
    const timestamp = this.d.now();
    const t0 = performance.now();
    let tries = 0;
    for (let start = 0; ; start += o.mineBatch) {
      const r = await this.d.pool.run("kolibri.mine", { prevHash, timestamp, program: rec.bytes, difficulty: o.difficulty, startNonce: start, maxTries: o.mineBatch }, { timeoutMs: o.mineTimeoutMs });
      tries += r.tries;
      if (!r.found) continue;
      const ms = performance.now() - t0;
      const block: Block = {
        height: this.blocks.length + 1, prevHash, timestamp, program: rec.bytes, nonce: r.nonce, hash: r.hash,
        difficulty: o.difficulty, programId: rec.id, poe: rec.poe, mdl: rec.mdl, score: rec.score,
      };
      this.d.store.appendBlock(block);
      this.blocks.push(block);
      this.onChain.set(rec.id, block.height);
      this.d.metrics.observe("kolibri_mining_ms", {}, ms, "Time to mine one block (ms)");
      this.d.metrics.inc("kolibri_mining_hashes_total", {}, tries, "Hashes computed while mining");
      const reply = {
        status: "accepted" as const,
        block_hash: block.hash,
        height: block.height,
        program_id: rec.id,
        poe: round6(rec.poe),
        mdl: rec.mdl,
        score: round6(rec.score),
        nonce: block.nonce,
        difficulty: block.difficulty,
        prev_hash: prevHash,
        timestamp,
        mining_ms: Math.round(ms * 1000) / 1000,
        hashes: tries,
      };
      this.d.hub.publish(TOPICS.blocks, { type: "block.mined", ...reply });
      return reply;
    }
  }

  blockView(b: Block) {
    return {
      height: b.height, hash: b.hash, prev_hash: b.prevHash, timestamp: b.timestamp, nonce: b.nonce, difficulty: b.difficulty,
      program_id: b.programId, program: Array.from(b.program), poe: round6(b.poe), mdl: b.mdl, score: round6(b.score),
    };
  }


  verify() {
    this.chain = verifyChain(this.blocks);
    return { valid: this.chain.valid, height: this.blocks.length, blocks: this.chain.blocks, problems: this.chain.problems };
  }

  health() {
    return {
      status: this.chain.valid ? "ok" : "degraded",
      uptime_seconds: Math.max(0, Math.floor((this.d.now() - this.startedAt) / 1000)),
      version: this.d.opts.version,
      peers: this.d.opts.peers,
      blocks: this.blocks.length,
      chain_enabled: this.d.opts.chainEnabled,
      chain_valid: this.chain.valid,
      programs: this.d.store.programCount(),
      fkv_entries: this.trie.size,
    };
  }
}
