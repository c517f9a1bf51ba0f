// Session bookkeeping off the request path: last_seen times reach SQLite in slices.
import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { Sessions } from "../../../src/services/openkore/sessions.ts";
import { OpenkoreStore } from "../../../src/services/openkore/store.ts";
import { tempDir } from "../../helpers.ts";

describe("sessions", () => {
  test("last_seen times are written at most `max` rows at a time until none is pending", () => {
    const dir = tempDir();
    const store = new OpenkoreStore(dir);
    const db = new Database(join(dir, "openkore.sqlite"), { readonly: true });
    try {
      const sessions = new Sessions({ capacity: 500, ttlMs: 3_600_000 }, store, 1_000);
      const all = Array.from({ length: 300 }, () => sessions.create({ client: "ws", client_version: "1", pid: null, capabilities: [] }, 1_000));
      sessions.flush();
      for (const s of all) sessions.touch(s, 5_000);
      const seenAt5s = (): number => db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM sessions WHERE last_seen = 5000").get()!.n;
      expect(sessions.flush(128)).toBe(true);
      expect(seenAt5s()).toBe(128);
      expect(sessions.flush(128)).toBe(true);
      expect(seenAt5s()).toBe(256);
      expect(sessions.flush(128)).toBe(false);
      expect(seenAt5s()).toBe(300);
      expect(sessions.flush(128)).toBe(false);
    } finally {
      db.close();
      store.close();
    }
  });
});
