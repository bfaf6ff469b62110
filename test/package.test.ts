/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import * as root from "../src/index.js";
import * as durableObject from "../src/durable-object/index.js";

// Vite resolves these files inside workerd; the static check below guards the other runtimes.
const sources = import.meta.glob("../src/**/*.ts", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const manifest = JSON.parse(
  Object.values(import.meta.glob("../package.json", { query: "?raw", import: "default", eager: true }) as Record<string, string>)[0]!,
) as { peerDependencies: Record<string, string>; peerDependenciesMeta?: Record<string, { optional?: boolean }> };

describe("package entry points", () => {
  it("keeps the root free of Workers-only imports, so Node, Deno and Bun can import it", () => {
    const workersOnly = Object.entries(sources)
      .filter(([, text]) => /from\s+["']cloudflare:/.test(text))
      .map(([file]) => file);
    expect(workersOnly).toEqual(["../src/durable-object/object.ts"]);
    expect(Object.keys(root)).not.toContain("SessionObject");
  });

  it("exports the Durable Object class from edge-session/durable-object", () => {
    expect(typeof durableObject.SessionObject).toBe("function");
    expect(typeof root.DurableObjectStore).toBe("function");
    expect(typeof root.session).toBe("function");
  });

  it("imports hono for its types only, so apps without it (sessionEngine, withSession) need not install it", () => {
    const importsHono = Object.entries(sources).filter(([, text]) => /from\s+["']hono(\/[^"']*)?["']/.test(text));
    expect(importsHono.map(([file]) => file).sort()).toEqual([
      "../src/dbsc/hono.ts",
      "../src/hono/adapter.ts",
      "../src/hono/csrf.ts",
      "../src/hono/require-session.ts",
      "../src/hono/responses.ts",
      "../src/hono/step-up.ts",
      "../src/idle-warning/status.ts",
    ]);
    for (const [, text] of importsHono) {
      for (const statement of text.match(/^(?:import|export)\b[^;]*from\s+["']hono(?:\/[^"']*)?["']/gm) ?? []) {
        expect(statement).toMatch(/^(?:import|export) type\b/);
      }
    }
    expect(manifest.peerDependencies.hono).toBeDefined();
    expect(manifest.peerDependenciesMeta?.hono?.optional).toBe(true);
  });
});
