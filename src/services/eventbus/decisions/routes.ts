/** POST /api/v1/decisions, training jobs and model metrics. */
import { route, type RouteDef } from '../../../runtime/service.ts';
import { componentError } from '../bus-io/errors.ts';
import type { JsonObject } from '../wire/struct.ts';
import { parseSpec, type Job, type Trainer } from './jobs.ts';
import type { Models } from './models.ts';
import * as S from './schema.ts';
import type { Decider } from './service.ts';

const jobView = (j: Job) => ({ ...j, links: { self: `/api/v1/training/jobs/${j.job_id}`, ...(j.model_id ? { metrics: `/api/v1/models/${j.model_id}/metrics` } : {}) } });

export function decisionRoutes(decider: Decider, trainer: Trainer, models: Models, maxSamples: number): RouteDef[] {
  return [
    route({
      method: 'POST', path: '/api/v1/decisions', summary: 'GetDecision: LearningDecisionRequest → LearningDecisionResponse',
      body: S.DecisionBody, responses: { 200: S.DecisionReply },
      handler: (ctx) => decider.decide(ctx.body as JsonObject, { request: true, source: 'learning' }),
    }),
    route({
      method: 'POST', path: '/api/v1/training/jobs', summary: 'SubmitTrainingJob: 202 with the job; it runs in the worker pool and produces a new model version',
      body: S.JobBody, bodyOptional: true, responses: { 202: S.JobReply },
      handler: (ctx) => Response.json(jobView(trainer.submit(parseSpec(ctx.body, maxSamples))), { status: 202 }),
    }),
    route({ method: 'GET', path: '/api/v1/training/jobs', summary: 'Training jobs, newest first', handler: () => ({ jobs: trainer.list().map(jobView) }) }),
    route({
      method: 'GET', path: '/api/v1/training/jobs/:job_id', summary: 'A training job: status, progress, model_id and metrics when done',
      handler: (ctx) => {
        const j = trainer.get(ctx.params.job_id!);
        if (!j) throw componentError('NOT_FOUND', `no training job "${ctx.params.job_id!.slice(0, 80)}"`);
        return jobView(j);
      },
    }),
    route({ method: 'GET', path: '/api/v1/models', summary: 'Model versions with their metrics, newest first', handler: () => ({ active: models.active?.model_id ?? null, models: models.list() }) }),
    route({
      method: 'GET', path: '/api/v1/models/:model_id/metrics', summary: 'GetModelMetrics: loss, held-out accuracy (and the fallback\'s), games, created_at; "active" names the active model',
      handler: (ctx) => {
        const m = models.metrics(ctx.params.model_id!);
        if (!m) throw componentError('NOT_FOUND', `no model "${ctx.params.model_id!.slice(0, 80)}"`, { models: models.list().map((x) => x.model_id).slice(0, 20) });
        return m;
      },
    }),
  ];
}
