import { describe, expect, it } from "vitest";
import { freshId, sessionStub, storageOf, userStub } from "./do-helpers.js";

/**
 * The object checks its arguments again behind the store and the per-user helpers (which throw typed errors
 * first): a call that reaches it with bad ones gets a TypeError across RPC, and nothing is written.
 */
describe("SessionObject's argument errors are TypeErrors across RPC", () => {
  const bad = (what: unknown) => what as never;

  it.each([
    ["read with a lock lease over the bound", (id: string) => sessionStub(id).read({ token: "t", leaseMs: 10 ** 9, waitMs: 0 })],
    ["write with a number as value", (id: string) => sessionStub(id).write({ value: bad(1), ttl: 60 })],
    ["write with a ttl over ten years", (id: string) => sessionStub(id).write({ value: "v", ttl: 10 * 365 * 24 * 3600 + 1 })],
    ["revoke with a negative ttl", (id: string) => sessionStub(id).revoke(-1)],
    ["info with keptUntil that is no time", (id: string) => sessionStub(id).info(bad("soon"))],
    ["a user method of a session object", (id: string) => sessionStub(id).sessions()],
  ])("session object: %s", async (_name, call) => {
    const id = freshId();
    const error = await call(id).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(await storageOf(sessionStub(id))).toEqual({});
  });

  it.each([
    ["addSession with a ttl of 0", (user: string) => userStub(user).addSession("s", 0)],
    ["addSession with a limit of 0", (user: string) => userStub(user).addSession("s", 60, { max: 0, policy: "refuse" })],
    ["revokeAll with a number in except", (user: string) => userStub(user).revokeAll(bad([1]))],
    ["checkSession with a negative generation", (user: string) => userStub(user).checkSession("s", -1, { lastUsed: 0, until: 0 })],
    ["checkSession with a use that is no time", (user: string) => userStub(user).checkSession("s", 0, bad({ lastUsed: "x", until: 0 }))],
    ["checkSession without a use", (user: string) => userStub(user).checkSession("s", 0, bad(undefined))],
    ["lapse with an entry number that is not whole", (user: string) => userStub(user).lapse("s", 1.5, 0)],
    ["a session method of a user object", (user: string) => userStub(user).check()],
  ])("user object: %s", async (_name, call) => {
    const user = `input-${freshId()}`;
    const error = await call(user).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(await storageOf(userStub(user))).toEqual({});
  });
});
