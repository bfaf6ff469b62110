import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import {
  SessionConfigError,
  SessionConflictError,
  SessionError,
  SessionLockTimeoutError,
  SessionStoreError,
  SessionTooLargeError,
} from "../src/index.js";

describe("errors", () => {
  it.each([
    [new SessionConfigError("bad option"), "CONFIG", 500],
    [new SessionTooLargeError(5000, 4096), "TOO_LARGE", 500],
    [new SessionStoreError("get"), "STORE_UNAVAILABLE", 503],
    [new SessionConflictError(), "CONFLICT", 409],
    [new SessionLockTimeoutError(250), "LOCK_TIMEOUT", 503],
  ])("%s has a stable code and a safe default response through Hono", async (error, code, status) => {
    expect(error).toBeInstanceOf(SessionError);
    expect(error.code).toBe(code);
    expect(error.name).toBe(error.constructor.name);
    const app = new Hono().get("/", () => {
      throw error;
    });
    const res = await app.request("/");
    expect(res.status).toBe(status);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(await res.text()).not.toMatch(/session store|sealed|bytes/);
  });

  it("keeps the cause of a store failure for logs without putting it in the message", () => {
    const cause = new Error("KV GET failed: 10.0.0.1 timeout");
    const error = new SessionStoreError("get", { cause });
    expect(error.cause).toBe(cause);
    expect(error.message).toBe("session store get failed");
  });
});
