/**
 * Training jobs: a spec (data window, hyper-parameters) is checked and queued (202), then
 * run one at a time: the logged decisions of the window become a dataset in shared
 * memory, epochs run in the worker pool in chunks (progress after each), the model is
 * evaluated on held-out games and saved as a new version, activated when it beats the
 * fallback heuristic there (or as the spec asks). Progress and results are also METRIC
 * events on the bus (`metrics.training`).
 */
import { randomUUID } from 'node:crypto';
import type { WorkerPool } from '../../../runtime/pool.ts';
import type { BusProducer } from '../bus-io/producer.ts';
import { componentError } from '../bus-io/errors.ts';
import { actionType, FEATURE_NAMES, FEATURES } from './engine/features.ts';
import { RETURN_DEFAULTS, returns } from './engine/outcomes.ts';
import { initWeights, type Dataset } from './engine/train.ts';
import type { Model, ModelMetrics, Models } from './models.ts';
import type { DecisionStore, Window } from './store.ts';

export interface Hyperparameters {
  epochs: number;
  learning_rate: number;
  l2: number;
  batch_size: number;
  holdout_fraction: number;
  horizon: number;
  gamma: number;
  score_scale: number;
  ante_weight: number;
  seed: number;
}

export const HYPER_DEFAULTS: Hyperparameters = { epochs: 40, learning_rate: 0.05, l2: 1e-4, batch_size: 32, holdout_fraction: 0.2, ...RETURN_DEFAULTS, seed: 1 };

const RANGES: Record<keyof Hyperparameters, [number, number, boolean]> = {
  epochs: [1, 1000, true], learning_rate: [1e-6, 1, false], l2: [0, 1, false], batch_size: [1, 4096, true], holdout_fraction: [0.05, 0.5, false],
  horizon: [1, 50, true], gamma: [0, 1, false], score_scale: [1e-6, 1e12, false], ante_weight: [0, 1e6, false], seed: [0, 2 ** 31, true],
};

export type Activation = 'if_better' | 'always' | 'never';

export interface JobSpec {
  data_window: Window;
  hyperparameters: Hyperparameters;
  activate: Activation;
}

export interface Job {
  job_id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  progress: number;
  epochs_done: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  spec: JobSpec;
  model_id: string | null;
  activated: boolean | null;
  metrics: ModelMetrics | null;
  error: string | null;
}

/** Checks a job spec; every problem named, nothing queued when one is found. */
export function parseSpec(raw: unknown, maxSamplesCap: number): JobSpec {
  const errors: string[] = [];
  const obj = (v: unknown, name: string): Record<string, unknown> => {
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) {
      errors.push(`${name} must be an object`);
      return {};
    }
    return v as Record<string, unknown>;
  };
  const body = obj(raw, 'the body');
  for (const k of Object.keys(body)) if (!['data_window', 'hyperparameters', 'activate'].includes(k)) errors.push(`unknown field "${k}" (data_window, hyperparameters, activate)`);
  const h = obj(body.hyperparameters, 'hyperparameters');
  const hyper = { ...HYPER_DEFAULTS };
  for (const [k, v] of Object.entries(h)) {
    if (!Object.hasOwn(RANGES, k)) {
      errors.push(`hyperparameters.${k} is not a hyper-parameter (${Object.keys(RANGES).join(', ')})`);
      continue;
    }
    const [lo, hi, int] = RANGES[k as keyof Hyperparameters];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (int && !Number.isInteger(v))) errors.push(`hyperparameters.${k} must be ${int ? 'an integer' : 'a number'} from ${lo} to ${hi}, got ${JSON.stringify(v)}`);
    else hyper[k as keyof Hyperparameters] = v;
  }
  const w = obj(body.data_window, 'data_window');
  const window: Window = { max_samples: maxSamplesCap };
  for (const [k, v] of Object.entries(w)) {
    if (!['from_ms', 'to_ms', 'from_sequence', 'to_sequence', 'max_samples'].includes(k)) {
      errors.push(`data_window.${k} is not a window bound (from_ms, to_ms, from_sequence, to_sequence, max_samples)`);
      continue;
    }
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) errors.push(`data_window.${k} must be a non-negative integer`);
    else if (k === 'max_samples' && (v < 1 || v > maxSamplesCap)) errors.push(`data_window.max_samples must be from 1 to ${maxSamplesCap}`);
    else if (k === 'from_ms') window.from_ms = v;
    else if (k === 'to_ms') window.to_ms = v;
    else if (k === 'from_sequence') window.from_sequence = v;
    else if (k === 'to_sequence') window.to_sequence = v;
    else window.max_samples = v;
  }
  const activate = body.activate ?? 'if_better';
  if (activate !== 'if_better' && activate !== 'always' && activate !== 'never') errors.push('activate must be "if_better", "always" or "never"');
  if (errors.length) throw componentError('VALIDATION_ERROR', `the training job was refused: ${errors.join('; ')}`, { errors });
  return { data_window: window, hyperparameters: hyper, activate: activate as Activation };
}

function shared<T extends Float32Array | Int32Array | Uint8Array>(Ctor: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, n: number): T {
  return new Ctor(new SharedArrayBuffer(Math.max(1, n) * Ctor.BYTES_PER_ELEMENT));
}

/** A deterministic split by game: all decisions of a game are on the same side. */
function heldOut(game: string, fraction: number, seed: number): boolean {
  return (Bun.hash.xxHash32(`${seed}:${game}`) % 10_000) / 10_000 < fraction;
}

export class Trainer {
  private readonly jobs = new Map<string, Job>();
  private queue: string[] = [];
  private running = false;
  private closed = false;

  constructor(
    private readonly store: DecisionStore,
    private readonly models: Models,
    private readonly pool: WorkerPool,
    private readonly producer: BusProducer,
    private readonly now: () => number,
    private readonly o: { maxQueuedJobs: number; minSamples: number; chunkTimeoutMs: number; onFailure: (job: Job, e: unknown) => void },
  ) {
    for (const r of store.db.query<{ body: string }, []>('SELECT body FROM jobs ORDER BY created_at').all()) {
      const j = JSON.parse(r.body) as Job;
      if (j.status === 'queued' || j.status === 'running') Object.assign(j, { status: 'failed', error: 'interrupted by a restart', finished_at: now() });
      this.jobs.set(j.job_id, j);
      this.persist(j);
    }
  }

  submit(spec: JobSpec): Job {
    if (this.queue.length + (this.running ? 1 : 0) >= this.o.maxQueuedJobs) throw componentError('TOO_MANY_JOBS', `at most ${this.o.maxQueuedJobs} training jobs may wait or run at once`, { max_queued_jobs: this.o.maxQueuedJobs }, { 'Retry-After': '5' });
    const job: Job = { job_id: `job-${randomUUID()}`, status: 'queued', progress: 0, epochs_done: 0, created_at: this.now(), started_at: null, finished_at: null, spec, model_id: null, activated: null, metrics: null, error: null };
    this.jobs.set(job.job_id, job);
    this.persist(job);
    this.queue.push(job.job_id);
    const view = structuredClone(job);
    queueMicrotask(() => void this.next());
    return view;
  }

  get(id: string): Job | null {
    return this.jobs.get(id) ?? null;
  }

  list(): Job[] {
    return [...this.jobs.values()].sort((a, b) => b.created_at - a.created_at);
  }

  close(): void {
    this.closed = true;
  }

  private persist(j: Job): void {
    // After shutdown the store is closed; the job is marked interrupted on the next start.
    if (this.closed) return;
    this.store.db.prepare('INSERT OR REPLACE INTO jobs VALUES ($id, $at, $body)').run({ id: j.job_id, at: j.created_at, body: JSON.stringify(j) });
  }

  private event(j: Job): void {
    if (this.closed) return;
    this.producer.emit({ type: 'METRIC', source: 'learning', extra: { subtype: 'training' }, payload: { job_id: j.job_id, status: j.status, progress: j.progress, epochs_done: j.epochs_done, model_id: j.model_id, loss: j.metrics?.loss ?? null, heldout_accuracy: j.metrics?.heldout_accuracy ?? null, error: j.error } });
  }

  private async next(): Promise<void> {
    if (this.running || this.closed) return;
    const id = this.queue.shift();
    if (!id) return;
    const job = this.jobs.get(id)!;
    this.running = true;
    try {
      await this.run(job);
    } catch (e) {
      Object.assign(job, { status: 'failed', error: e instanceof Error ? e.message : String(e), finished_at: this.now() });
      this.o.onFailure(job, e);
    } finally {
      this.persist(job);
      this.event(job);
      this.running = false;
      void this.next();
    }
  }

  private dataset(spec: JobSpec): { data: Dataset; games: number } {
    const h = spec.hyperparameters;
    const { rows, latest } = this.store.trainingRows(spec.data_window);
    const rets = returns(rows, latest, h);
    const usable = rows.map((r, i) => ({ r, ret: rets[i] })).filter((x) => x.ret !== null && x.r.available.length > 0);
    const actions = [...new Set(usable.flatMap((x) => [...x.r.available.map(actionType), actionType(x.r.action)]))].sort();
    const A = actions.length;
    const n = usable.length;
    const data: Dataset = { x: shared(Float32Array, n * FEATURES), action: shared(Int32Array, n), ret: shared(Float32Array, n), avail: shared(Uint8Array, n * A), train: new Int32Array(0), heldout: new Int32Array(0), actions };
    const train: number[] = [];
    const held: number[] = [];
    usable.forEach(({ r, ret }, i) => {
      data.x.set(r.features, i * FEATURES);
      data.action[i] = actions.indexOf(actionType(r.action));
      data.ret[i] = ret!;
      for (const a of r.available) data.avail[i * A + actions.indexOf(actionType(a))] = 1;
      (heldOut(r.game, h.holdout_fraction, h.seed) ? held : train).push(i);
    });
    data.train = Int32Array.from(train);
    data.heldout = Int32Array.from(held);
    return { data, games: new Set(usable.map((x) => x.r.game)).size };
  }

  private async run(job: Job): Promise<void> {
    Object.assign(job, { status: 'running', started_at: this.now() });
    this.persist(job);
    this.event(job);
    const h = job.spec.hyperparameters;
    const { data, games } = this.dataset(job.spec);
    if (data.train.length < this.o.minSamples || data.heldout.length === 0) {
      throw new Error(`not enough training data: ${data.train.length} training and ${data.heldout.length} held-out decisions with outcomes (at least ${this.o.minSamples} and 1 are needed) in the window`);
    }
    let weights = initWeights(data.actions.length);
    const history: number[] = [];
    const chunk = Math.max(1, Math.ceil(h.epochs / 10));
    while (job.epochs_done < h.epochs && !this.closed) {
      const epochs = Math.min(chunk, h.epochs - job.epochs_done);
      const r = await this.pool.run('eventbus.trainEpochs', { data, weights, hyper: h, epochs, epochOffset: job.epochs_done }, { timeoutMs: this.o.chunkTimeoutMs });
      weights = r.weights;
      history.push(...r.losses);
      job.epochs_done += epochs;
      job.progress = Math.round((job.epochs_done / h.epochs) * 1000) / 1000;
      this.persist(job);
      this.event(job);
    }
    if (this.closed) throw new Error('stopped by shutdown');
    const ev = await this.pool.run('eventbus.evaluatePolicy', { data, weights }, { timeoutMs: this.o.chunkTimeoutMs });
    const version = this.models.nextVersion();
    const model: Model = { model_id: `policy-v${version}`, actions: data.actions, weights, feature_names: [...FEATURE_NAMES] };
    const metrics: ModelMetrics = {
      model_id: model.model_id, version, created_at: this.now(), job_id: job.job_id, loss: history[history.length - 1] ?? 0, heldout_loss: ev.heldout.loss,
      heldout_accuracy: ev.heldout.accuracy, fallback_accuracy: ev.heldout.fallback_accuracy, train_accuracy: ev.train.accuracy, games, samples: data.train.length + data.heldout.length,
      train_samples: data.train.length, heldout_samples: data.heldout.length, judged_heldout: ev.heldout.judged, epochs: h.epochs, loss_history: history, actions: data.actions, active: false,
      hyperparameters: { ...h }, data_window: { ...job.spec.data_window },
    };
    const activate = job.spec.activate === 'always' || (job.spec.activate === 'if_better' && ev.heldout.accuracy > ev.heldout.fallback_accuracy);
    this.models.save(model, metrics, activate);
    Object.assign(job, { status: 'succeeded', progress: 1, finished_at: this.now(), model_id: model.model_id, activated: activate, metrics: { ...metrics, active: activate } });
  }
}
