import { isVersion, type Envelope, type SessionData } from "./envelope.js";
import { validate, type DataShape } from "./schema.js";

/**
 * What the schema made of an opened session's data: the data to hand the app (the schema's output, after
 * `migrate` when it was sealed at an earlier version), or why it was refused.
 */
export type Shaped =
  | {
      ok: true;
      data: SessionData;
      /** Sealed at an earlier version and upgraded: the session must be sealed (and stored) again, once. */
      migrated: boolean;
    }
  | {
      ok: false;
      /** The failing paths (dotted keys), never values; empty when the version alone refused it. */
      paths: string[];
      /** The version the session was sealed with, when it is newer than the code's (a rollback). */
      version?: number | undefined;
    };

/**
 * Brings an opened session's data to the current shape: version check, `migrate` from an earlier version,
 * then the schema. Runs on the session's first read only (the engine's `open`), so an untouched route pays
 * nothing, and once per request. A session sealed by newer code (a rollback) is refused: this code cannot know
 * its shape, and a read-only pass-through would hand the app data its types do not describe.
 *
 * @example
 * ```ts
 * const shaped = await shapeOpened(shape, envelope);
 * if (!shaped.ok) return { opened, invalid: "schema" };
 * ```
 */
export async function shapeOpened(shape: DataShape, envelope: Envelope): Promise<Shaped> {
  const sealed: unknown = envelope.meta.version ?? 1;
  if (!isVersion(sealed)) return { ok: false, paths: [] };
  if (sealed > shape.version) return { ok: false, paths: [], version: sealed };
  const migrated = sealed < shape.version;
  try {
    const data = migrated && shape.migrate ? await shape.migrate(envelope.data, sealed) : envelope.data;
    const checked = await validate(shape.schema, data);
    return checked.ok ? { ok: true, data: checked.data, migrated } : { ok: false, paths: checked.paths };
  } catch {
    // A migrate or validator that throws on this data refuses the session like data that fails: a fresh
    // session, never a 500 for every request that carries it. What it threw may quote the data: not kept.
    return { ok: false, paths: [""] };
  }
}
