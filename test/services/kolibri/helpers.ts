import { expect } from "bun:test";
import { createKolibriService } from "../../../src/services/kolibri/index.ts";
import { startTestService, type TestService, type TestServiceOptions } from "../../helpers.ts";

export type Json = Record<string, unknown>;

export const startKolibri = (o: TestServiceOptions = {}): Promise<TestService> => startTestService("kolibri", createKolibriService, o);

export async function json(res: Response): Promise<Json> {
  return (await res.json()) as Json;
}

/** Asserts the kolibri envelope `{error:{code,message,details}}` and returns the error. */
export async function expectError(res: Response, status: number, code: string): Promise<{ code: string; message: string; details: Json }> {
  expect(res.status).toBe(status);
  const body = await json(res);
  expect(Object.keys(body)).toEqual(["error"]);
  const err = body.error as { code: string; message: string; details: Json };
  expect(err.code).toBe(code);
  expect(typeof err.message).toBe("string");
  expect(err.message.length).toBeGreaterThan(0);
  expect(typeof err.details).toBe("object");
  return err;
}

/** Counts that must not move when a request is refused. */
export async function counts(svc: TestService): Promise<{ programs: number; fkv: number; blocks: number }> {
  const h = await json(await svc.call("GET", "/api/v1/health"));
  return { programs: h.programs as number, fkv: h.fkv_entries as number, blocks: h.blocks as number };
}
