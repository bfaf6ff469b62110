/** Why an old cookie was not imported. */
export type ImportRefusal = "invalid" | "expired" | "unknown-password" | "too-large";

/** What an importer made of the old cookie: its data, or why not. */
export type ImportRead = { ok: true; data: Record<string, unknown> } | { ok: false; reason: Exclude<ImportRefusal, "too-large"> };

/**
 * A library's cookie format, opened with its secret: what {@link migrateSession} asks. Build one with
 * `ironSession()`, `honoSession()` or `honoSessions()`.
 */
export interface SessionImporter {
  /** The library, for logs: `"iron-session"`. */
  readonly from: string;
  /** The cookie names it reads, in order; every one the request sends is expired in the response. */
  readonly cookieNames: readonly string[];
  /** `Path` (default `/`) and `Domain` of the old cookie: its expiry must name them to reach it. */
  readonly path: string;
  readonly domain: string | undefined;
  /** Opens the old cookie, from the request's cookies of `cookieNames` (at least one is there), at `now` (ms). */
  read(cookies: ReadonlyMap<string, string>, now: number): Promise<ImportRead>;
}

/** The cookie attributes importers share. */
export interface ImporterCookieOptions {
  /** The old cookie's `Path`. Default `/`. */
  path?: string | undefined;
  /** The old cookie's `Domain`, when it was set with one. */
  domain?: string | undefined;
}

/** Plain JSON objects only: the data of a session. */
export function isPlainData(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
