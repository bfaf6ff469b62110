// The changeset rule and the changelog fold, on throwaway git repositories (node --test, run by npm test:
// they need git and a file system, not workerd).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { checkChangesets } from "../../scripts/changeset-check.mjs";
import { foldChangesets, nextVersion } from "../../scripts/changeset-version.mjs";
import { parseChangeset } from "../../scripts/changesets.mjs";

const roots = [];
after(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

function repo() {
  const root = mkdtempSync(join(tmpdir(), "changesets-"));
  roots.push(root);
  git(root, "init", "-q", "-b", "main");
  write(root, "package.json", version("0.1.0"));
  write(root, "CHANGELOG.md", "# Changelog\n\n## 0.1.0\n\n- First.\n");
  write(root, "src/index.ts", "export const a = 1;\n");
  write(root, ".changeset/README.md", "How to write one.\n");
  commit(root, "release 0.1.0");
  return root;
}

function git(root, ...args) {
  return execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function write(root, file, text) {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), text);
}

function commit(root, message) {
  git(root, "add", "-A");
  git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", "commit", "-q", "-m", message);
}

// As npm writes it: the version line two spaces in.
const version = (v) => JSON.stringify({ name: "edge-session", version: v }, null, 2) + "\n";
const note = (bump, text) => `---\n"edge-session": ${bump}\n---\n\n${text}\n`;
const noEnv = {};

describe("changeset check", () => {
  it("passes on a clean checkout: nothing in src/ since the last version change", () => {
    const root = repo();
    write(root, "README.md", "docs only\n");
    commit(root, "docs");
    const result = checkChangesets(root, noEnv);
    assert.equal(result.ok, true, result.problems.join("\n"));
    assert.deepEqual(result.sources, []);
  });

  it("fails for a committed src/ change without a changeset, naming the file", () => {
    const root = repo();
    write(root, "src/index.ts", "export const a = 2;\n");
    commit(root, "change");
    const result = checkChangesets(root, noEnv);
    assert.equal(result.ok, false);
    assert.match(result.problems.join("\n"), /no new changeset.*src\/index\.ts/);
  });

  it("fails for an uncommitted new src/ file, and passes once a changeset is added (even uncommitted)", () => {
    const root = repo();
    write(root, "src/new.ts", "export const b = 1;\n");
    assert.equal(checkChangesets(root, noEnv).ok, false);
    write(root, ".changeset/new-b.md", note("minor", "Adds `b`."));
    const result = checkChangesets(root, noEnv);
    assert.equal(result.ok, true, result.problems.join("\n"));
    assert.deepEqual(result.changesets, [".changeset/new-b.md"]);
  });

  it("takes an empty changeset for a change that releases nothing", () => {
    const root = repo();
    write(root, "src/index.ts", "// why\nexport const a = 1;\n");
    write(root, ".changeset/comment.md", "---\n---\n\nA comment.\n");
    commit(root, "comment");
    assert.equal(checkChangesets(root, noEnv).ok, true);
  });

  it("counts from the last version change: changesets folded by a release no longer cover later changes", () => {
    const root = repo();
    write(root, "src/index.ts", "export const a = 2;\n");
    write(root, ".changeset/a.md", note("patch", "a is 2."));
    commit(root, "a is 2");
    write(root, "CHANGELOG.md", "# Changelog\n\n## Unreleased\n\nBy hand.\n\n## 0.1.0\n\n- First.\n");
    write(root, "package.json", version("0.1.0").replace("}", '  "description": "x"\n}'));
    commit(root, "a hand edit of the changelog, another field of package.json");
    assert.equal(checkChangesets(root, noEnv).ok, true, "the changeset before them still counts");
    rmSync(join(root, ".changeset/a.md"));
    write(root, "CHANGELOG.md", "# Changelog\n\n## 0.1.1\n\n- a is 2.\n\n## 0.1.0\n\n- First.\n");
    write(root, "package.json", version("0.1.1"));
    commit(root, "release 0.1.1");
    assert.equal(checkChangesets(root, noEnv).ok, true);
    write(root, "src/index.ts", "export const a = 3;\n");
    commit(root, "a is 3");
    assert.equal(checkChangesets(root, noEnv).ok, false);
  });

  it("with CHANGESET_BASE, counts from the merge base with that branch (a changeset already there does not count)", () => {
    const root = repo();
    write(root, ".changeset/old.md", note("patch", "Old."));
    commit(root, "old changeset on main");
    git(root, "checkout", "-q", "-b", "feature");
    write(root, "src/index.ts", "export const a = 2;\n");
    commit(root, "feature");
    git(root, "checkout", "-q", "main");
    write(root, "README.md", "main moved on\n");
    commit(root, "main moves");
    git(root, "checkout", "-q", "feature");
    const env = { CHANGESET_BASE: "main" };
    assert.equal(checkChangesets(root, env).ok, false);
    write(root, ".changeset/feature.md", note("patch", "a is 2."));
    commit(root, "its changeset");
    const result = checkChangesets(root, env);
    assert.equal(result.ok, true, result.problems.join("\n"));
    assert.match(result.base.from, /merge base with main/);
  });

  it("fails for a changeset that does not parse, even without a src/ change", () => {
    const root = repo();
    write(root, ".changeset/bad.md", '---\n"edge-session": huge\n---\n\nText.\n');
    const result = checkChangesets(root, noEnv);
    assert.equal(result.ok, false);
    assert.match(result.problems.join("\n"), /bad\.md.*"edge-session": patch \| minor \| major/);
  });
});

describe("changeset files", () => {
  it("parses a bump and its summary, and an empty front matter as no release", () => {
    assert.deepEqual(parseChangeset("a.md", note("minor", "Adds `b`.\n\nMore.")), { bump: "minor", summary: "Adds `b`.\n\nMore." });
    assert.deepEqual(parseChangeset("b.md", "---\n---\n"), { bump: undefined, summary: "" });
  });

  it("refuses another package, a missing front matter and a release without a summary", () => {
    assert.throws(() => parseChangeset("a.md", note("minor", "x").replace("edge-session", "other")), /a\.md: front matter line/);
    assert.throws(() => parseChangeset("b.md", "Just text.\n"), /b\.md: starts with a front matter block/);
    assert.throws(() => parseChangeset("c.md", note("patch", "")), /c\.md: a release needs a summary/);
  });
});

describe("changelog fold", () => {
  it("bumps the minor for a breaking change and the patch otherwise before 1.0; semver from 1.0", () => {
    assert.equal(nextVersion("0.1.0", "major"), "0.2.0");
    assert.equal(nextVersion("0.1.3", "minor"), "0.1.4");
    assert.equal(nextVersion("0.1.3", "patch"), "0.1.4");
    assert.equal(nextVersion("1.2.3", "major"), "2.0.0");
    assert.equal(nextVersion("1.2.3", "minor"), "1.3.0");
    assert.equal(nextVersion("1.2.3", "patch"), "1.2.4");
  });

  it("folds the Unreleased section and the changesets, grouped by kind, into a new version section", () => {
    const root = repo();
    write(root, "CHANGELOG.md", "# Changelog\n\nIntro.\n\n## Unreleased\n\nSince 0.1.\n\n## 0.1.0\n\n- First.\n");
    write(root, ".changeset/a.md", note("patch", "Fixed a."));
    write(root, ".changeset/b.md", note("major", "Renamed b.\nMigration: use c."));
    write(root, ".changeset/c.md", "---\n---\n\nInternal.\n");
    const { version, text, files } = foldChangesets(root, "2026-12-24");
    assert.equal(version, "0.2.0");
    assert.deepEqual(files, [".changeset/a.md", ".changeset/b.md", ".changeset/c.md"]);
    assert.equal(
      text,
      "# Changelog\n\nIntro.\n\n## 0.2.0 (2026-12-24)\n\nSince 0.1.\n\n### Breaking changes\n\n- Renamed b.\n  Migration: use c.\n\n" +
        "### Fixes\n\n- Fixed a.\n\n## 0.1.0\n\n- First.\n",
    );
    assert.equal(readFileSync(join(root, "CHANGELOG.md"), "utf8").includes("## Unreleased"), true, "the fold itself writes nothing");
  });

  it("refuses to cut a version when no changeset asks for a release", () => {
    const root = repo();
    write(root, ".changeset/c.md", "---\n---\n\nInternal.\n");
    assert.throws(() => foldChangesets(root, "2026-12-24"), /no changeset asks for a release/);
  });
});
