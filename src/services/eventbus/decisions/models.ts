/** Trained policy versions (`policy-v<N>`) with their metrics; one is active and answers decisions. */
import type { DecisionStore } from './store.ts';
import type { PolicyWeights } from './engine/policy.ts';

export interface ModelMetrics {
  model_id: string;
  version: number;
  created_at: number;
  job_id: string;
  /** Training mean squared error of Q(s, a_taken) against the return. */
  loss: number;
  heldout_loss: number;
  /** Held-out decisions the policy judges right (see engine/train.ts), and the fallback heuristic on the same decisions. */
  heldout_accuracy: number;
  fallback_accuracy: number;
  train_accuracy: number;
  games: number;
  samples: number;
  train_samples: number;
  heldout_samples: number;
  judged_heldout: number;
  epochs: number;
  loss_history: number[];
  actions: string[];
  active: boolean;
  hyperparameters: Record<string, unknown>;
  data_window: Record<string, unknown>;
}

export interface Model extends PolicyWeights {
  model_id: string;
  feature_names: string[];
}

export class Models {
  active: Model | null = null;

  constructor(private readonly store: DecisionStore) {
    const row = store.db.query<{ body: string }, []>('SELECT body FROM models WHERE active = 1 ORDER BY version DESC LIMIT 1').get();
    if (row) this.active = JSON.parse(row.body) as Model;
  }

  nextVersion(): number {
    return (this.store.db.query<{ v: number | null }, []>('SELECT max(version) AS v FROM models').get()?.v ?? 0) + 1;
  }

  save(model: Model, metrics: ModelMetrics, activate: boolean): void {
    this.store.transaction(() => {
      if (activate) this.store.db.exec('UPDATE models SET active = 0');
      this.store.db.prepare('INSERT INTO models VALUES ($model_id, $version, $created_at, $job_id, $active, $body, $metrics)').run({
        model_id: model.model_id, version: metrics.version, created_at: metrics.created_at, job_id: metrics.job_id, active: activate ? 1 : 0, body: JSON.stringify(model), metrics: JSON.stringify({ ...metrics, active: activate }),
      });
    });
    if (activate) this.active = model;
  }

  metrics(modelId: string): ModelMetrics | null {
    const id = modelId === 'active' ? (this.active?.model_id ?? '') : modelId;
    const row = this.store.db.query<{ metrics: string; active: number }, [string]>('SELECT metrics, active FROM models WHERE model_id = ?').get(id);
    return row ? { ...(JSON.parse(row.metrics) as ModelMetrics), active: row.active === 1 } : null;
  }

  list(): ModelMetrics[] {
    return this.store.db.query<{ metrics: string; active: number }, []>('SELECT metrics, active FROM models ORDER BY version DESC').all().map((r) => ({ ...(JSON.parse(r.metrics) as ModelMetrics), active: r.active === 1 }));
  }
}
