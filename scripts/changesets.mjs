// The release notes of unreleased changes: one markdown file per change under .changeset/, in the format of
// @changesets/cli (front matter `"edge-session": patch | minor | major`, or empty for a change that releases
// nothing), read here without that dependency. scripts/changeset-check.mjs and scripts/changeset-version.mjs
// use it.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const PACKAGE = "edge-session";
export const DIRECTORY = ".changeset";
export const BUMPS = ["patch", "minor", "major"];

/**
 * Parses one changeset file: `{ bump, summary }`, bump undefined for an empty one. Throws an Error naming
 * the file for anything else (no front matter, another package, an unknown bump, no summary).
 */
export function parseChangeset(file, text) {
  const match = /^---\r?\n([\s\S]*?)^---\r?\n([\s\S]*)$/m.exec(text);
  if (!match || !text.startsWith("---")) throw new Error(`${file}: starts with a front matter block (---), see .changeset/README.md`);
  const [, header, body] = match;
  let bump;
  for (const line of header.split(/\r?\n/).filter((l) => l.trim() !== "")) {
    const entry = /^\s*["']?([^"':]+)["']?\s*:\s*(\w+)\s*$/.exec(line);
    if (!entry || entry[1] !== PACKAGE || !BUMPS.includes(entry[2])) {
      throw new Error(`${file}: front matter line ${JSON.stringify(line)} is not "${PACKAGE}": ${BUMPS.join(" | ")}`);
    }
    if (bump !== undefined) throw new Error(`${file}: names ${PACKAGE} twice`);
    bump = entry[2];
  }
  const summary = body.trim();
  if (bump !== undefined && summary === "") throw new Error(`${file}: a release needs a summary under the front matter`);
  return { bump, summary };
}

/** The changeset files of a checkout (README.md is the folder's own documentation), by name. */
export function changesetFiles(root) {
  let names;
  try {
    names = readdirSync(join(root, DIRECTORY));
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith(".md") && name !== "README.md")
    .sort()
    .map((name) => join(DIRECTORY, name));
}

/** Every changeset of a checkout, parsed: `[{ file, bump, summary }]`. */
export function readChangesets(root) {
  return changesetFiles(root).map((file) => ({ file, ...parseChangeset(file, readFileSync(join(root, file), "utf8")) }));
}
