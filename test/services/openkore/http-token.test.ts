// A token generated on first start goes to a 0600 file; the log stream (stdout) gets a
// JSON line saying where, never the token itself.
import { describe, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createOpenkoreService } from "../../../src/services/openkore/index.ts";
import { startTestService } from "../../helpers.ts";
import { SHIPPED_CONFIG } from "./http-helpers.ts";

describe("generated token", () => {
  test("is written to <dataDir>/openkore/token (0600) and only its location is logged, as JSON", async () => {
    const lines: string[] = [];
    const writeOut = process.stdout.write.bind(process.stdout);
    const writeErr = process.stderr.write.bind(process.stderr);
    const logOut = console.log;
    const capture = (chunk: unknown): boolean => { lines.push(String(chunk)); return true; };
    process.stdout.write = capture as typeof process.stdout.write;
    process.stderr.write = capture as typeof process.stderr.write;
    console.log = (...args: unknown[]) => { lines.push(args.join(" ")); };
    let svc;
    try {
      svc = await startTestService("openkore", createOpenkoreService, { options: { config_dir: SHIPPED_CONFIG }, env: {}, logLevel: "info" });
    } finally {
      process.stdout.write = writeOut;
      process.stderr.write = writeErr;
      console.log = logOut;
    }
    try {
      const file = join(svc.dataDir, "openkore", "token");
      const token = readFileSync(file, "utf8").trim();
      expect(token.length).toBeGreaterThanOrEqual(32);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const out = lines.join("").split("\n").filter((l) => l !== "");
      expect(out.length).toBeGreaterThan(0);
      for (const l of out) {
        expect(() => JSON.parse(l)).not.toThrow();
        expect(l).not.toContain(token);
      }
      const note = out.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.token_file === file);
      expect(note).toMatchObject({ level: "warn", component: "test.openkore" });
      // The file's token is the one the service accepts.
      expect((await svc.call("GET", "/api/v1/metrics", undefined, { Authorization: `Bearer ${token}` })).status).toBe(200);
    } finally {
      await svc.stop();
    }
  });
});
