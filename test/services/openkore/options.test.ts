// Service options: defaults, and exact messages for every bad value that would leave
// a bound meaningless.
import { describe, expect, test } from "bun:test";
import { DEFAULT_OPTIONS, readOptions } from "../../../src/services/openkore/options.ts";
import { startOpenkore } from "./http-helpers.ts";

describe("openkore options", () => {
  test("defaults bound sessions, tasks, outcomes and chat senders", () => {
    expect(readOptions({})).toMatchObject({
      max_sessions: 4096, session_ttl_seconds: 3600, max_running_tasks: 64, task_ttl_seconds: 86_400,
      outcome_log_max_rows: 100_000, max_chat_senders: 10_000, ai_probe_timeout_ms: 1000,
    });
    expect(readOptions({ session_ttl_seconds: 60, max_sessions: 2 })).toEqual({ ...DEFAULT_OPTIONS, session_ttl_seconds: 60, max_sessions: 2 });
  });

  test("bad values are refused naming the option", () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ max_sessions: 0 }, "max_sessions", "must be an integer of at least 1"],
      [{ max_sessions: 2.5 }, "max_sessions", "must be an integer of at least 1"],
      [{ session_ttl_seconds: 0 }, "session_ttl_seconds", "must be positive"],
      [{ task_ttl_seconds: 0 }, "task_ttl_seconds", "must be positive"],
      [{ max_running_tasks: 0 }, "max_running_tasks", "must be an integer of at least 1"],
      [{ outcome_log_max_rows: 100, training_window: 5000 }, "outcome_log_max_rows", "must be at least training_window (5000)"],
      [{ session_ttl_seconds: "1h" }, "session_ttl_seconds", "must be a non-negative number"],
      [{ session_ttl: 60 }, "session_ttl", "unknown option"],
    ];
    for (const [raw, key, message] of cases) {
      expect(() => readOptions(raw)).toThrow(`services.openkore.options.${key}`);
      expect(() => readOptions(raw)).toThrow(message);
    }
  });
});

describe("AI_SERVICE_URL", () => {
  test("a value that is not an http(s) URL stops startup naming it", async () => {
    await expect(startOpenkore({ env: { AI_SERVICE_URL: "localhost:9902" } })).rejects.toThrow("AI_SERVICE_URL");
    await expect(startOpenkore({ env: { AI_SERVICE_URL: "localhost:9902" } })).rejects.toThrow('must be an http(s) URL such as http://127.0.0.1:9902, got "localhost:9902"');
  });
});
