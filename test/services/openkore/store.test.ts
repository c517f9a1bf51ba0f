// Storage bounds: old outcomes and finished tasks are pruned, task numbers never repeat.
import { describe, expect, test } from "bun:test";
import { OpenkoreStore, type TaskRow } from "../../../src/services/openkore/store.ts";
import { tempDir } from "../../helpers.ts";

const task = (id: string, completed_at: number | null): TaskRow => ({
  id, kind: "macro", session_id: "s", status: completed_at === null ? "processing" : "completed", created_at: 0, completed_at, estimated_seconds: 60, result: null,
});

describe("openkore store", () => {
  test("pruning outcomes keeps the newest N, which are what training reads", () => {
    const store = new OpenkoreStore(tempDir());
    try {
      for (let i = 0; i < 30; i++) store.logOutcome({ session_id: "s", decision_tier: "ml", action_type: "move", success: i % 2 === 0, outcome: { i }, features: [i] }, i);
      store.pruneOutcomes(10);
      expect(store.outcomeCount()).toBe(10);
      expect(store.samples(100).map((s) => s.features[0])).toEqual([29, 28, 27, 26, 25, 24, 23, 22, 21, 20]);
    } finally {
      store.close();
    }
  });

  test("finished tasks older than the cut-off are pruned, running ones never; the task counter survives pruning and restarts", () => {
    const dir = tempDir();
    const store = new OpenkoreStore(dir);
    store.putTask(task("macro-gen-1", 100));
    store.putTask(task("macro-gen-2", 200));
    store.putTask(task("macro-gen-3", null));
    store.setTaskSeq(3);
    store.pruneTasks(150);
    expect(store.task("macro-gen-1")).toBeNull();
    expect(store.task("macro-gen-2")?.status).toBe("completed");
    expect(store.task("macro-gen-3")?.status).toBe("processing");
    store.pruneTasks(10_000);
    expect(store.taskCount()).toBe(1);
    store.setTaskSeq(2); // never goes back
    expect(store.maxTaskSeq()).toBe(3);
    store.close();
    const again = new OpenkoreStore(dir);
    try {
      expect(again.maxTaskSeq()).toBe(3);
    } finally {
      again.close();
    }
  });
});
