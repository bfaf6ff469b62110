/// <reference types="vite/client" />
/** `edge-session/cookie`: the cookie-only entry point, which must stay free of store and Durable Object code. */
import { Hono } from "hono";
import { describe, expect, expectTypeOf, it } from "vitest";
import * as cookieEntry from "../src/cookie/index.js";
import { session, sessionEngine, SessionConfigError, type SessionOptions, type SessionVariables } from "../src/cookie/index.js";
import * as root from "../src/index.js";
import { jar, SECRET, testClock } from "./helpers.js";

const sources = import.meta.glob("../src/**/*.ts", { query: "?raw", import: "default", eager: true }) as Record<string, string>;

/** The modules `entry` loads at run time: imports and re-exports that are not type-only, followed transitively. */
function runtimeGraph(entry: string): string[] {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  while (queue.length) {
    const file = queue.shift()!;
    const text = sources[file];
    if (text === undefined) throw new Error(`no source for ${file}`);
    for (const [, kind, target] of text.matchAll(/^(?:import|export)(\s+type)?\b[^;]*?from\s+["'](\.[^"']+)["']/gm)) {
      if (kind) continue; // erased by the compiler
      const resolved = new URL(target!.replace(/\.js$/, ".ts"), `file:///x/${file.slice(3)}`).pathname.replace(/^\/x\//, "../");
      if (!seen.has(resolved)) {
        seen.add(resolved);
        queue.push(resolved);
      }
    }
  }
  return [...seen].sort();
}

describe("edge-session/cookie", () => {
  it("loads no store, overflow, rebase, revocation, KV or Durable Object module (what a cookie-only app bundles)", () => {
    const graph = runtimeGraph("../src/cookie/index.ts");
    expect(graph).toContain("../src/core/engine.ts");
    expect(graph).toContain("../src/modes/mode.ts");
    expect(
      graph.filter((file) => /\/(stores|kv|durable-object|d1|redis|admin|testing)\/|modes\/(?!mode\.ts)|src\/engine\.ts/.test(file)),
    ).toEqual([]);
    // The root entry, by contrast, carries every mode (the check above would see them).
    expect(runtimeGraph("../src/index.ts")).toEqual(expect.arrayContaining(["../src/modes/overflow.ts", "../src/durable-object/store.ts"]));
  });

  it("serves cookie sessions with the same Session and errors as the root entry", async () => {
    const clock = testClock();
    const app = new Hono<{ Variables: SessionVariables<{ visits: number }> }>();
    app.use(session({ secret: SECRET, idleTimeout: 300, now: clock.now }));
    app.get("/", async (c) => {
      const visits = ((await c.var.session.get("visits")) ?? 0) + 1;
      c.var.session.set("visits", visits);
      return c.text(String(visits));
    });
    const j = jar();
    for (const expected of ["1", "2", "3"]) {
      const res = await app.request("/", { headers: j.header() });
      j.take(res);
      expect(await res.text()).toBe(expected);
    }
    expect(cookieEntry.Session).toBe(root.Session);
    expect(cookieEntry.SessionError).toBe(root.SessionError);
  });

  it("refuses the options of other modes, given from JavaScript, with a SessionConfigError naming the option and the entry that has it", () => {
    for (const name of ["store", "overflow", "revocation", "storeTimeout"]) {
      const options = { secret: SECRET, [name]: name === "storeTimeout" ? 100 : {} } as unknown as SessionOptions;
      expect(() => session(options)).toThrow(SessionConfigError);
      expect(() => sessionEngine(options)).toThrow(new RegExp(`^${name} needs session\\(\\)/sessionEngine\\(\\) from "edge-session"`));
    }
  });

  it("has no store options in its types", () => {
    expectTypeOf<SessionOptions>().not.toHaveProperty("store");
    expectTypeOf<SessionOptions>().not.toHaveProperty("overflow");
    expectTypeOf<SessionOptions>().not.toHaveProperty("revocation");
    expectTypeOf<SessionOptions>().toHaveProperty("idleTimeout");
  });
});
