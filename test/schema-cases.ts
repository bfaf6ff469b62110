import { type } from "arktype";
import * as v from "valibot";
import { z } from "zod";
import type { SessionData, SessionSchema } from "../src/index.js";

/**
 * One app's data across three deploys, in each validator library: deploy 1 keeps `{ name }`, deploy 2 moves
 * it to `{ user: { name } }`, deploy 3 adds a role and an optional cart. `extraKept`: the library's object
 * schema keeps keys it does not declare (arktype) rather than stripping them (zod, valibot).
 */
export interface Library {
  library: string;
  v1: SessionSchema;
  v2: SessionSchema;
  v3: SessionSchema;
  extraKept: boolean;
}

export const LIBRARIES: Library[] = [
  {
    library: "zod 4",
    v1: z.object({ name: z.string() }),
    v2: z.object({ user: z.object({ name: z.string() }) }),
    v3: z.object({ user: z.object({ name: z.string(), role: z.enum(["user", "admin"]) }), cart: z.array(z.string()).optional() }),
    extraKept: false,
  },
  {
    library: "valibot",
    v1: v.object({ name: v.string() }),
    v2: v.object({ user: v.object({ name: v.string() }) }),
    v3: v.object({ user: v.object({ name: v.string(), role: v.picklist(["user", "admin"]) }), cart: v.optional(v.array(v.string())) }),
    extraKept: false,
  },
  {
    library: "arktype",
    v1: type({ name: "string" }),
    v2: type({ user: { name: "string" } }),
    v3: type({ user: { name: "string", role: "'user' | 'admin'" }, "cart?": "string[]" }),
    extraKept: true,
  },
];

/** The migration chain of deploy 3 (from 1 or 2), with a count of its calls. */
export function migrations() {
  const calls: number[] = [];
  const toV2 = (data: SessionData) => ({ user: { name: data["name"] } });
  const toV3 = (data: SessionData) => ({ user: { ...(data["user"] as object), role: "user" } });
  return {
    calls,
    /** Deploy 2's: from 1 only. */
    toV2: (data: SessionData, from: number) => (calls.push(from), toV2(data)),
    /** Deploy 3's: 1 -> 2 -> 3, or 2 -> 3; async, as a migration that looks something up may be. */
    toV3: async (data: SessionData, from: number) => {
      calls.push(from);
      await Promise.resolve();
      return toV3(from < 2 ? toV2(data) : data);
    },
  };
}

/** The same schema behind an async `validate` (as a validator with an async refinement is), counting its calls. */
export function counted(schema: SessionSchema): SessionSchema & { calls: number } {
  const wrapped = {
    calls: 0,
    "~standard": {
      ...schema["~standard"],
      validate: async (value: unknown) => {
        wrapped.calls++;
        await Promise.resolve();
        return schema["~standard"].validate(value);
      },
    },
  };
  return wrapped;
}
