import { isVersion, type SessionData } from "./envelope.js";
import { SessionConfigError, SessionSchemaError } from "./errors.js";

/**
 * The Standard Schema interface (https://standardschema.dev), copied as its spec recommends so that any
 * validator implementing it (zod 3.24+/4, valibot, arktype, effect schema...) plugs in without a dependency.
 *
 * @example
 * ```ts
 * import * as v from "valibot";
 * const schema: StandardSchemaV1<unknown, { user?: string }> = v.object({ user: v.optional(v.string()) });
 * ```
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The Standard Schema properties. */
  readonly "~standard": StandardSchemaV1.Props<Input, Output>;
}

export declare namespace StandardSchemaV1 {
  /** The Standard Schema properties interface. */
  export interface Props<Input = unknown, Output = Input> {
    /** The version number of the standard. */
    readonly version: 1;
    /** The vendor name of the schema library. */
    readonly vendor: string;
    /** Validates unknown input values. */
    readonly validate: (value: unknown) => Result<Output> | Promise<Result<Output>>;
    /** Inferred types associated with the schema. */
    readonly types?: Types<Input, Output> | undefined;
  }

  /** The result interface of the validate function. */
  export type Result<Output> = SuccessResult<Output> | FailureResult;

  /** The result interface if validation succeeds. */
  export interface SuccessResult<Output> {
    /** The typed output value. */
    readonly value: Output;
    /** The non-existent issues. */
    readonly issues?: undefined;
  }

  /** The result interface if validation fails. */
  export interface FailureResult {
    /** The issues of failed validation. */
    readonly issues: ReadonlyArray<Issue>;
  }

  /** The issue interface of the failure output. */
  export interface Issue {
    /** The error message of the issue. */
    readonly message: string;
    /** The path of the issue, if any. */
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined;
  }

  /** The path segment interface of the issue. */
  export interface PathSegment {
    /** The key representing a path segment. */
    readonly key: PropertyKey;
  }

  /** The Standard Schema types interface. */
  export interface Types<Input = unknown, Output = Input> {
    /** The input type of the schema. */
    readonly input: Input;
    /** The output type of the schema. */
    readonly output: Output;
  }

  /** Infers the input type of a Standard Schema. */
  export type InferInput<Schema extends StandardSchemaV1> = NonNullable<Schema["~standard"]["types"]>["input"];

  /** Infers the output type of a Standard Schema. */
  export type InferOutput<Schema extends StandardSchemaV1> = NonNullable<Schema["~standard"]["types"]>["output"];
}

/**
 * A Standard Schema validator of session data: its output is an object (the data the app reads). Give it as
 * the `schema` option; the session's data type is then its output type.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * const schema = z.object({ user: z.string().optional(), cart: z.array(z.string()).optional() }) satisfies SessionSchema;
 * ```
 */
export type SessionSchema = StandardSchemaV1<unknown, SessionData>;

/**
 * The session data type a schema describes (its output), or `Fallback` without a schema: what
 * `session({ schema })` and `sessionEngine({ schema })` type the session with.
 *
 * @example
 * ```ts
 * import * as v from "valibot";
 * const schema = v.object({ user: v.optional(v.string()) });
 * type Data = SchemaData<typeof schema>; // { user?: string | undefined }
 * ```
 */
export type SchemaData<S, Fallback extends SessionData = SessionData> = S extends SessionSchema
  ? StandardSchemaV1.InferOutput<S> extends SessionData
    ? StandardSchemaV1.InferOutput<S>
    : Fallback
  : Fallback;

/**
 * Upgrades data sealed at `fromVersion` (lower than the engine's `version`) to the current shape; it is then
 * validated by the schema. May be async; what it throws refuses the session, as invalid data does.
 */
export type Migrate = (data: SessionData, fromVersion: number) => unknown;

/** The schema options, validated: what every request that reads a session uses. */
export interface DataShape {
  schema: SessionSchema;
  /** The version sessions are sealed with, at least 1. */
  version: number;
  migrate: Migrate | undefined;
}

/** The options `schemaOf` reads (part of the engine's options). */
export interface ShapeOptions {
  schema?: SessionSchema | undefined;
  version?: number | undefined;
  migrate?: Migrate | undefined;
}

/** Validates `schema`, `version` and `migrate` (throwing `SessionConfigError`); undefined without a schema. */
export function schemaOf(options: ShapeOptions): DataShape | undefined {
  const { schema, version, migrate } = options;
  if (schema === undefined) {
    if (version !== undefined || migrate !== undefined) throw new SessionConfigError("version and migrate need a schema");
    return undefined;
  }
  const standard = (schema as Partial<SessionSchema> | null)?.["~standard"];
  if (typeof standard !== "object" || standard === null || standard.version !== 1 || typeof standard.validate !== "function") {
    throw new SessionConfigError("schema must be a Standard Schema (v1) validator, e.g. a zod, valibot or arktype object schema");
  }
  if (version !== undefined && !isVersion(version)) throw new SessionConfigError("version must be a whole number, at least 1");
  if (migrate !== undefined && typeof migrate !== "function")
    throw new SessionConfigError("migrate must be a function (data, fromVersion)");
  return { schema, version: version ?? 1, migrate };
}

/** What a validation found: the data the schema outputs, or the paths of what failed (never values or messages). */
export type Checked = { ok: true; data: SessionData } | { ok: false; paths: string[] };

/**
 * Runs the schema on `data`. Paths only are kept from the issues: a validator's message may quote the value,
 * and the value may be anything the session held.
 */
export async function validate(schema: SessionSchema, data: unknown): Promise<Checked> {
  const [appData, ownData] = splitOwn(data);
  const result = await schema["~standard"].validate(appData);
  if (result.issues) return { ok: false, paths: pathsOf(result.issues) };
  const { value } = result;
  // A schema whose output is not an object (a transform) cannot be session data.
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, paths: [""] };
  return { ok: true, data: ownData ? { ...value, ...ownData } : value };
}

/**
 * The data key under which `edge-session/dbsc` keeps a session's device binding, sealed with the app's data.
 * The app's schema describes the app's data only: it neither sees this key (a strict schema would refuse the
 * session) nor strips it (a stripping one would unbind it).
 */
export const BINDING_KEY = "$dbsc";

/** The app's part of the data, and the library's own keys apart (undefined when there are none). */
function splitOwn(data: unknown): [unknown, SessionData | undefined] {
  if (typeof data !== "object" || data === null || !Object.hasOwn(data, BINDING_KEY)) return [data, undefined];
  const { [BINDING_KEY]: binding, ...appData } = data as SessionData;
  return [appData, { [BINDING_KEY]: binding }];
}

/** At most this many paths are reported: an event must stay small whatever the data held. */
const MAX_PATHS = 10;

/** Each issue's path as dotted keys (`cart.0.sku`; `""` for the data as a whole), without duplicates. */
export function pathsOf(issues: ReadonlyArray<StandardSchemaV1.Issue>): string[] {
  const paths = new Set<string>();
  for (const issue of issues) {
    if (paths.size === MAX_PATHS) break;
    const keys = (issue.path ?? []).map((segment) => String(typeof segment === "object" && segment !== null ? segment.key : segment));
    paths.add(keys.join("."));
  }
  return [...paths];
}

/**
 * Checks the data a request is about to write: a `set()` of the wrong shape (from JavaScript, or a cast) is
 * refused with `SessionSchemaError` before anything is sealed, never written for the next request to refuse.
 */
export async function checkWrite(shape: DataShape, data: SessionData): Promise<void> {
  const checked = await validate(shape.schema, data);
  if (!checked.ok) throw new SessionSchemaError(checked.paths);
}
