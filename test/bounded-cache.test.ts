import { afterEach, describe, expect, it, vi } from "vitest";
import { boundedCache } from "../src/core/bounded-cache.js";

const kept = (cache: ReturnType<typeof boundedCache<string, number>>, keys: string[]) => keys.filter((key) => cache.get(key) !== undefined);

describe("boundedCache", () => {
  afterEach(() => vi.restoreAllMocks());

  it("forgets the least recently used entry first: a get makes an entry the newest", async () => {
    const cache = boundedCache<string, number>(3);
    for (const key of ["a", "b", "c"]) cache.set(key, Promise.resolve(key.length));
    expect(cache.get("a")).toBeDefined(); // now b, c, a
    cache.set("d", Promise.resolve(1)); // b goes
    expect(kept(cache, ["a", "b", "c", "d"])).toEqual(["a", "c", "d"]);
  });

  it("a key set again is the newest, not left where it was", () => {
    const cache = boundedCache<string, number>(2);
    cache.set("a", Promise.resolve(1));
    cache.set("b", Promise.resolve(2));
    cache.set("a", Promise.resolve(3)); // now b, a
    cache.set("c", Promise.resolve(4)); // b goes
    expect(kept(cache, ["a", "b", "c"])).toEqual(["a", "c"]);
  });

  it("a get of the newest entry (a user's requests in a row) moves nothing in the Map", () => {
    const cache = boundedCache<string, number>(8);
    cache.set("a", Promise.resolve(1));
    cache.set("b", Promise.resolve(2));
    const remove = vi.spyOn(Map.prototype, "delete");
    for (let i = 0; i < 10; i++) expect(cache.get("b")).toBeDefined();
    expect(remove).not.toHaveBeenCalled();
    expect(cache.get("a")).toBeDefined(); // an older one moves, once
    expect(cache.get("a")).toBeDefined();
    expect(remove).toHaveBeenCalledTimes(1);
  });

  it("forgets a promise that rejects, so the work is tried again", async () => {
    const cache = boundedCache<string, number>(2);
    const failed = cache.set("a", Promise.reject(new Error("down")));
    await expect(failed).rejects.toThrow("down");
    expect(cache.get("a")).toBeUndefined();
  });

  it("settled() hands over a fulfilled promise's value at once: not while pending, not after a rejection", async () => {
    const cache = boundedCache<string, number>(4);
    let resolve!: (value: number) => void;
    const pending = cache.set("a", new Promise<number>((r) => (resolve = r)));
    expect(cache.settled("a")).toBeUndefined();
    resolve(7);
    await pending;
    expect(cache.settled("a")).toBe(7);
    expect(cache.settled("b")).toBeUndefined();
    await cache.set("b", Promise.reject(new Error("down"))).catch(() => undefined);
    expect(cache.settled("b")).toBeUndefined();
  });

  it("settled() is a use too: the entry it reads becomes the newest", async () => {
    const cache = boundedCache<string, number>(2);
    await cache.set("a", Promise.resolve(1));
    await cache.set("b", Promise.resolve(2));
    expect(cache.settled("a")).toBe(1); // now b, a
    cache.set("c", Promise.resolve(3)); // b goes
    expect(kept(cache, ["a", "b", "c"])).toEqual(["a", "c"]);
  });
});
