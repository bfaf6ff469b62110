import { describe, expect, it } from "vitest";
import type { Envelope } from "../src/core/envelope.js";
import { rebase } from "../src/modes/rebase.js";
import { type Changes } from "../src/core/mode.js";

const meta = { id: "x".repeat(22), created: 1_000, lastUsed: 2_000, lifetime: 0 };
const env = (data: Record<string, unknown>, flash?: Record<string, unknown>): Envelope => ({ data, meta, flash });
const ours = (data: Record<string, unknown>, keys: string[], more: Partial<Changes> = {}): Changes => ({
  data,
  flash: undefined,
  lastUsed: 3_000,
  changedKeys: new Set(keys),
  cleared: false,
  ...more,
});

describe("rebase: re-applying one request's changes onto the version that won", () => {
  it("keeps both requests' changes to different keys", () => {
    const base = env({ a: 1 });
    const latest = env({ a: 1, theirs: "t" });
    const { envelope, conflicts } = rebase(base, latest, ours({ a: 1, mine: "m" }, ["mine"]));
    expect(envelope.data).toEqual({ a: 1, theirs: "t", mine: "m" });
    expect(conflicts).toEqual([]);
    expect(envelope.meta.lastUsed).toBe(3_000);
  });

  it("a key both changed keeps this request's value (last committed wins) and is reported", () => {
    const { envelope, conflicts } = rebase(env({ n: 1 }), env({ n: 2 }), ours({ n: 3 }, ["n"]));
    expect(envelope.data).toEqual({ n: 3 });
    expect(conflicts).toEqual(["n"]);
  });

  it("the same change made by both is no conflict; deletes are changes too", () => {
    expect(rebase(env({ n: 1 }), env({ n: 2 }), ours({ n: 2 }, ["n"])).conflicts).toEqual([]);
    const { envelope, conflicts } = rebase(env({ gone: 1, kept: 1 }), env({ gone: 1, kept: 2 }), ours({ kept: 1 }, ["gone"]));
    expect(envelope.data).toEqual({ kept: 2 });
    expect(conflicts).toEqual([]);
  });

  it("after clear() every key is this request's: keys the other request added go too, and are reported", () => {
    const { envelope, conflicts } = rebase(env({ a: 1 }), env({ a: 1, added: true }), ours({ fresh: 1 }, [], { cleared: true }));
    expect(envelope.data).toEqual({ fresh: 1 });
    expect(conflicts).toEqual(["added"]);
  });

  it("flash: values this request read are consumed, the other request's new ones stay, ours are added", () => {
    const base = env({}, { old: "read by both" });
    const latest = env({}, { old: "read by both", next: "theirs" });
    const { envelope } = rebase(base, latest, ours({}, [], { flash: { mine: 1 } }));
    expect(envelope.flash).toEqual({ next: "theirs", mine: 1 });
  });

  it("a key named __proto__ stays data", () => {
    const { envelope } = rebase(env({}), env({}), ours(JSON.parse('{"__proto__":{"polluted":true}}'), ["__proto__"]));
    expect(Object.getPrototypeOf(envelope.data)).toBe(Object.prototype);
    expect(Object.hasOwn(envelope.data, "__proto__")).toBe(true);
  });
});
