import { Hono } from "hono";
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  SessionClosedError,
  SessionConfigError,
  SessionConflictError,
  SessionError,
  SessionLockTimeoutError,
  SessionStoreError,
  SessionNotLoadedError,
  SessionTooLargeError,
  SessionStepUpRequiredError,
  SessionDeviceLimitError,
  type SessionErrorCode,
  type SessionErrors,
} from "../src/index.js";

describe("errors", () => {
  it.each([
    [new SessionConfigError("bad option"), "CONFIG", 500],
    [new SessionTooLargeError(5000, 4096), "TOO_LARGE", 500],
    [new SessionStoreError("get"), "STORE_UNAVAILABLE", 503],
    [new SessionConflictError(), "CONFLICT", 409],
    [new SessionLockTimeoutError(250), "LOCK_TIMEOUT", 503],
    [new SessionNotLoadedError("id"), "NOT_LOADED", 500],
    [new SessionClosedError("set"), "CLOSED", 500],
    [new SessionStepUpRequiredError(300, 900), "STEP_UP_REQUIRED", 401],
    [new SessionDeviceLimitError(3), "DEVICE_LIMIT", 409],
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

describe("error types (checked by tsc)", () => {
  it("each class has its literal code, and the union of classes covers every code", () => {
    expectTypeOf<SessionConfigError["code"]>().toEqualTypeOf<"CONFIG">();
    expectTypeOf<SessionStoreError["code"]>().toEqualTypeOf<"STORE_UNAVAILABLE">();
    expectTypeOf<SessionErrors["code"]>().toEqualTypeOf<SessionErrorCode>();
    const narrow = (error: SessionErrors) =>
      error.code === "TOO_LARGE" ? error.limit : error.code === "STORE_UNAVAILABLE" ? error.operation : null;
    expectTypeOf(narrow).returns.toEqualTypeOf<number | "get" | "set" | "delete" | "list" | null>();
    expect(narrow(new SessionTooLargeError(5000, 4096))).toBe(4096);
  });
});
