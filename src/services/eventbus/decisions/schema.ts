/** TypeBox schemas of the decision and training routes (documentation and shape; the decider checks actions itself). */
import { Type } from '@sinclair/typebox';

export const DecisionBody = Type.Object({
  request_id: Type.Optional(Type.String({ maxLength: 128 })),
  game_state: Type.Optional(Type.Unknown({ description: 'GameStateEvent (BalatroMCP payload or the spec fields)' })),
  available_actions: Type.Optional(Type.Array(Type.String(), { description: 'action names the game understands: play_hand, discard, buy_joker, select_card:2, ...' })),
  time_limit_ms: Type.Optional(Type.Number({ description: 'answer within this; the fallback heuristic answers when the model cannot (0 = default)' })),
  context: Type.Optional(Type.Unknown({ description: 'DecisionContext {recent_actions, current_score, target_score, strategy_hint}' })),
});

export const DecisionReply = Type.Object({
  request_id: Type.String(), selected_action: Type.String(), confidence: Type.Number(), action_values: Type.Record(Type.String(), Type.Number()),
  used_llm: Type.Boolean(), strategy_name: Type.String({ description: 'learned:<model_id>, or fallback_heuristic:<why>' }),
});

// Documentation only: the job spec is checked by parseSpec, which names every problem at once.
export const JobBody = Type.Object({
  data_window: Type.Optional(Type.Unknown({ description: '{from_ms, to_ms, from_sequence, to_sequence, max_samples}: which logged decisions to train on (default: the newest max_samples)' })),
  hyperparameters: Type.Optional(Type.Unknown({ description: '{epochs, learning_rate, l2, batch_size, holdout_fraction, horizon, gamma, score_scale, ante_weight, seed}' })),
  activate: Type.Optional(Type.Unknown({ description: '"if_better" (default: when it beats the fallback on held-out games), "always" or "never"' })),
});

export const JobReply = Type.Object({
  job_id: Type.String(), status: Type.String({ description: 'queued, running, done or failed' }), progress: Type.Number(), epochs_done: Type.Number(),
  created_at: Type.Number(), started_at: Type.Union([Type.Number(), Type.Null()]), finished_at: Type.Union([Type.Number(), Type.Null()]),
  spec: Type.Unknown(), links: Type.Unknown(),
}, { additionalProperties: true });
