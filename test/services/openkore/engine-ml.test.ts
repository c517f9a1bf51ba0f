import { describe, expect, test } from "bun:test";
import { DEFAULT_ENGINE_CONFIG as cfg } from "../../../src/services/openkore/engine/config.ts";
import { mlFeatures } from "../../../src/services/openkore/engine/features.ts";
import { emptyModel, mlDecide, predict, toSample, trainModel, type Sample } from "../../../src/services/openkore/engine/ml.ts";
import { seededRng } from "../../../src/services/openkore/engine/rng.ts";
import { specState, withHp } from "./fixtures.ts";

// Attacks succeed when HP is high and fail when it is low.
function attackSamples(n: number): Sample[] {
  const out: Sample[] = [];
  for (let i = 0; i < n; i++) {
    const hp = (i % 10) / 10 + 0.05;
    const f = [...mlFeatures(withHp(specState(), hp), cfg)];
    out.push({ features: f, action_type: "attack", success: hp > 0.5 });
  }
  return out;
}

describe("ml tier", () => {
  test("training learns that attacks succeed at high HP and fail at low HP", () => {
    const m = trainModel(attackSamples(100), cfg.ml, 1);
    const hi = predict(m, "attack", mlFeatures(withHp(specState(), 0.95), cfg)) ?? 0;
    const lo = predict(m, "attack", mlFeatures(withHp(specState(), 0.1), cfg)) ?? 1;
    expect(hi).toBeGreaterThan(0.7);
    expect(lo).toBeLessThan(0.3);
    expect(m.actions.attack?.samples).toBe(100);
    expect(m.actions.attack?.positives).toBe(50);
  });

  test("training is deterministic", () => {
    expect(trainModel(attackSamples(50), cfg.ml, 1)).toEqual(trainModel(attackSamples(50), cfg.ml, 1));
  });

  test("a confident model decides with its probability as confidence", () => {
    const m = trainModel(attackSamples(100), cfg.ml, 1);
    const d = mlDecide(m, withHp(specState(), 0.95), cfg, seededRng(1));
    expect(d?.tier).toBe("ml");
    expect(d?.action.type).toBe("attack");
    expect(d?.action.target_id).toBe(200001);
    expect(d?.action.confidence).toBeGreaterThanOrEqual(cfg.ml.confidence_floor);
  });

  test("below the confidence floor the ml tier abstains", () => {
    const m = trainModel(attackSamples(100), cfg.ml, 1);
    expect(mlDecide(m, withHp(specState(), 0.1), cfg, seededRng(1))).toBeNull();
  });

  test("a model with fewer samples than the minimum abstains", () => {
    const m = trainModel(attackSamples(cfg.ml.min_samples - 1), cfg.ml, 1);
    expect(mlDecide(m, withHp(specState(), 0.95), cfg, seededRng(1))).toBeNull();
    expect(mlDecide(emptyModel(), specState(), cfg, seededRng(1))).toBeNull();
  });

  test("outcomes for unknown action types or malformed features are not samples", () => {
    expect(toSample([1, 2], "attack", true)).toBeNull();
    expect(toSample(new Array(11).fill(0), "dance", true)).toBeNull();
    expect(toSample(new Array(11).fill(0), "move", false)?.action_type).toBe("move");
  });

  test("a confident move model sends the player to the nearest passive monster", () => {
    const samples: Sample[] = [];
    for (let i = 0; i < 40; i++) samples.push({ features: [...mlFeatures(specState(), cfg)], action_type: "move", success: true });
    const m = trainModel(samples, cfg.ml, 1);
    const d = mlDecide(m, specState(), cfg, seededRng(1));
    expect(d?.action).toMatchObject({ type: "move", target_position: { x: 155, y: 205 } });
  });
});
