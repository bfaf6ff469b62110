// Cuts a version: folds the changesets (and CHANGELOG.md's hand-written "## Unreleased" section, if any) into
// a new CHANGELOG.md section, sets the version in package.json and jsr.json, and deletes the folded files.
//
//   npm run changeset:version                    today's date (UTC)
//   npm run changeset:version -- --dry-run       print the new section, change nothing
//   npm run changeset:version -- --date 2026-12-24
//
// The bump is the largest the changesets ask for; before 1.0 a breaking change ("major") bumps the minor
// and anything else the patch (docs/versioning.md).
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { BUMPS, readChangesets } from "./changesets.mjs";

const HEADINGS = { major: "Breaking changes", minor: "Features", patch: "Fixes" };
const UNRELEASED = /^## Unreleased[^\n]*\n([\s\S]*?)(?=^## |(?![\s\S]))/m;

/** The next version after `version` for the largest bump asked for. */
export function nextVersion(version, bump) {
  const [major, minor, patch] = version.split(".").map(Number);
  if ([major, minor, patch].some((n) => !Number.isInteger(n))) throw new Error(`not a release version: ${version}`);
  const effective = major === 0 ? (bump === "major" ? "minor" : "patch") : bump;
  if (effective === "major") return `${major + 1}.0.0`;
  if (effective === "minor") return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

function bullet(summary) {
  return `- ${summary.replace(/\n/g, "\n  ")}`;
}

/** The new CHANGELOG.md text and version for a checkout's changesets, or throws when nothing is to release. */
export function foldChangesets(root, date) {
  const changesets = readChangesets(root);
  const releasing = changesets.filter((c) => c.bump !== undefined);
  if (releasing.length === 0) throw new Error("no changeset asks for a release (.changeset/*.md with a bump)");
  const bump = BUMPS[Math.max(...releasing.map((c) => BUMPS.indexOf(c.bump)))];
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const version = nextVersion(pkg.version, bump);
  const changelog = readFileSync(join(root, "CHANGELOG.md"), "utf8");
  const unreleased = UNRELEASED.exec(changelog);
  const parts = [`## ${version} (${date})`];
  if (unreleased && unreleased[1].trim() !== "") parts.push(unreleased[1].trim());
  for (const kind of [...BUMPS].reverse()) {
    const entries = releasing.filter((c) => c.bump === kind).map((c) => bullet(c.summary));
    if (entries.length > 0) parts.push(`### ${HEADINGS[kind]}\n\n${entries.join("\n")}`);
  }
  const section = parts.join("\n\n") + "\n\n";
  // Newest first: in place of the Unreleased section, else above the last release, else at the end.
  const at = changelog.search(/^## /m);
  const text = unreleased
    ? changelog.replace(UNRELEASED, section)
    : at < 0
      ? `${changelog.trimEnd()}\n\n${section}`
      : changelog.slice(0, at) + section + changelog.slice(at);
  return { version, section, text, files: changesets.map((c) => c.file) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { "dry-run": { type: "boolean" }, date: { type: "string" } } });
  const root = fileURLToPath(new URL("..", import.meta.url));
  const date = values.date ?? new Date().toISOString().slice(0, 10);
  const { version, section, text, files } = foldChangesets(root, date);
  if (values["dry-run"]) {
    console.log(section);
  } else {
    writeFileSync(join(root, "CHANGELOG.md"), text);
    for (const name of ["package.json", "jsr.json"]) {
      const path = join(root, name);
      writeFileSync(path, readFileSync(path, "utf8").replace(/"version": "[^"]*"/, `"version": "${version}"`));
    }
    for (const file of files) rmSync(join(root, file));
    console.log(`edge-session ${version}: CHANGELOG.md, package.json and jsr.json written, ${files.length} changesets folded.`);
    console.log("Next: npm install --package-lock-only (the lockfile's version), review, commit, tag v" + version + ", push the tag.");
  }
}
