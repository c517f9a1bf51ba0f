import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startBus, type Bus } from '../bus.ts';
import { decisionEvents, logged, postAll, state } from './data.ts';

let bus: Bus;
beforeAll(async () => {
  bus = await startBus({ decisions: { answerBusRequests: false } });
});
afterAll(async () => {
  await bus.stop();
});

type Job = { job_id: string; status: string; progress: number; epochs_done: number; model_id: string | null; activated: boolean | null; error: string | null; links: Record<string, string> };
type Metrics = { model_id: string; loss: number; heldout_loss: number; heldout_accuracy: number; fallback_accuracy: number; train_accuracy: number; games: number; samples: number; train_samples: number; heldout_samples: number; judged_heldout: number; created_at: number; epochs: number; loss_history: number[]; actions: string[]; active: boolean };

async function finished(id: string): Promise<Job> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const j = (await (await bus.call('GET', `/api/v1/training/jobs/${id}`)).json()) as Job;
    if (j.status === 'succeeded' || j.status === 'failed') return j;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${j.status}`);
    await Bun.sleep(25);
  }
}

const decide = async (strong: boolean, extra: Record<string, unknown> = {}) => (await (await bus.call('POST', '/api/v1/decisions', { request_id: 'q', game_state: state('live', strong, 0), available_actions: ['play_hand', 'discard'], ...extra })).json()) as { selected_action: string; strategy_name: string; action_values: Record<string, number>; confidence: number };

describe('learned policy', () => {
  test('a job with no data fails and says why; a decision with no model is the fallback, marked as such', async () => {
    const r = await bus.call('POST', '/api/v1/training/jobs', {});
    expect(r.status).toBe(202);
    const j = await finished(((await r.json()) as Job).job_id);
    expect(j).toMatchObject({ status: 'failed', model_id: null });
    expect(j.error).toContain('not enough training data: 0 training and 0 held-out decisions');
    const d = await decide(false);
    expect(d).toEqual({ request_id: 'q', selected_action: 'play_hand', confidence: 0.5, action_values: { play_hand: 1, discard: 0 }, used_llm: false, strategy_name: 'fallback_heuristic:no_model' } as never);
  });

  test('training on logged decisions beats the fallback on held-out games; the new version answers decisions', async () => {
    await logged(bus, await postAll(bus, decisionEvents(60, 12)));
    const r = await bus.call('POST', '/api/v1/training/jobs', { data_window: { max_samples: 100_000 }, hyperparameters: { epochs: 60, learning_rate: 0.1, batch_size: 16, seed: 3 } });
    expect(r.status).toBe(202);
    const queued = (await r.json()) as Job;
    expect(queued.status).toBe('queued');
    expect(queued.links.self).toBe(`/api/v1/training/jobs/${queued.job_id}`);
    const j = await finished(queued.job_id);
    expect(j).toMatchObject({ status: 'succeeded', progress: 1, epochs_done: 60, model_id: 'policy-v1', activated: true, error: null });
    const m = (await (await bus.call('GET', '/api/v1/models/policy-v1/metrics')).json()) as Metrics;
    expect(m.heldout_accuracy).toBeGreaterThan(m.fallback_accuracy + 0.3);
    expect(m.heldout_accuracy).toBeGreaterThan(0.9);
    expect(m.fallback_accuracy).toBeGreaterThan(0.3);
    expect(m.fallback_accuracy).toBeLessThan(0.7);
    expect(m.loss_history.length).toBe(60);
    expect(m.loss).toBeLessThan(m.loss_history[0]!);
    expect(m.loss).toBe(m.loss_history[59]!);
    expect(m.games).toBe(60);
    expect(m.samples).toBe(720);
    expect(m.train_samples + m.heldout_samples).toBe(720);
    expect(m.heldout_samples).toBeGreaterThan(0);
    expect(m.actions).toEqual(['discard', 'play_hand']);
    expect(m.active).toBe(true);
    expect(Math.abs(m.created_at - Date.now())).toBeLessThan(60_000);
    const weak = await decide(false);
    expect(weak.selected_action).toBe('discard');
    expect(weak.strategy_name).toBe('learned:policy-v1');
    expect(weak.action_values.discard!).toBeGreaterThan(weak.action_values.play_hand!);
    expect((await decide(true)).selected_action).toBe('play_hand');
    const active = (await (await bus.call('GET', '/api/v1/models/active/metrics')).json()) as Metrics;
    expect(active.model_id).toBe('policy-v1');
  });

  test('a time limit the model cannot meet gets the fallback, marked time_limit', async () => {
    const d = await decide(false, { time_limit_ms: 0.000001 });
    expect(d.strategy_name).toBe('fallback_heuristic:time_limit');
    expect(d.selected_action).toBe('play_hand');
  });

  test('bad training specs are 400 with every reason; unknown jobs and models are 404', async () => {
    const before = ((await (await bus.call('GET', '/api/v1/training/jobs')).json()) as { jobs: Job[] }).jobs.length;
    const r = await bus.call('POST', '/api/v1/training/jobs', { hyperparameters: { epochs: 0, learning_rate: -1, warp: 1 }, data_window: { max_samples: -5 }, activate: 'sometimes' });
    expect(r.status).toBe(400);
    const e = (await r.json()) as { error: { code: string; details: { errors: string[] } } };
    expect(e.error.code).toBe('VALIDATION_ERROR');
    expect(e.error.details.errors).toEqual([
      'hyperparameters.epochs must be an integer from 1 to 1000, got 0',
      'hyperparameters.learning_rate must be a number from 0.000001 to 1, got -1',
      'hyperparameters.warp is not a hyper-parameter (epochs, learning_rate, l2, batch_size, holdout_fraction, horizon, gamma, score_scale, ante_weight, seed)',
      'data_window.max_samples must be a non-negative integer',
      'activate must be "if_better", "always" or "never"',
    ]);
    expect(((await (await bus.call('GET', '/api/v1/training/jobs')).json()) as { jobs: Job[] }).jobs.length).toBe(before);
    expect((await bus.call('GET', '/api/v1/training/jobs/job-nope')).status).toBe(404);
    const m = await bus.call('GET', '/api/v1/models/policy-v99/metrics');
    expect(m.status).toBe(404);
    expect(((await m.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });
});
