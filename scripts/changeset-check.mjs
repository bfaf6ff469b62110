// npm test: a change to src/ comes with a changeset (a new .changeset/*.md; an empty one says "releases
// nothing"), and every changeset parses.
//
// Compared against (first that applies):
// - CHANGESET_BASE, a commit or branch (CI sets the pull request's base branch): its merge base with HEAD;
// - else the last commit that changed package.json's version: the release commit, where
//   scripts/changeset-version.mjs folded the changesets into CHANGELOG.md, so what changed in src/ since
//   then is unreleased and needs a note. (Not the last CHANGELOG.md change: editing its Unreleased section
//   by hand would hide the changesets added before.)
// That fallback is what a fresh clone with no remote and no base branch (.ci/run) uses. The working tree
// counts, uncommitted and untracked files included, so the rule bites before the commit too.
//
//   node scripts/changeset-check.mjs                       this checkout
//   CHANGESET_BASE=origin/main node scripts/changeset-check.mjs
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { DIRECTORY, readChangesets } from "./changesets.mjs";

function git(cwd, args) {
  return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

function lines(text) {
  return text === "" ? [] : text.split("\n");
}

/** The commit this checkout's changes are counted from, and how it was chosen. */
export function changesetBase(cwd, env = process.env) {
  if (env.CHANGESET_BASE) {
    return { commit: git(cwd, ["merge-base", "HEAD", env.CHANGESET_BASE]), from: `merge base with ${env.CHANGESET_BASE}` };
  }
  const commit = git(cwd, ["log", "-1", "--format=%H", "-G", '^  "version": ', "--", "package.json"]);
  if (commit === "") {
    throw new Error("no commit set package.json's version (a shallow clone?): set CHANGESET_BASE, or fetch the history (fetch-depth: 0)");
  }
  return { commit, from: "the last commit that changed package.json's version" };
}

/**
 * Checks a git checkout: `{ ok, base, sources, changesets, problems }`. `sources` are the src/ files changed
 * since the base, `changesets` the changeset files added since; `problems` says why it fails.
 */
export function checkChangesets(cwd, env = process.env) {
  const base = changesetBase(cwd, env);
  const changed = (path, filter) => [
    ...lines(git(cwd, ["diff", "--name-only", `--diff-filter=${filter}`, base.commit, "--", path])),
    ...lines(git(cwd, ["ls-files", "--others", "--exclude-standard", "--", path])),
  ];
  const sources = changed("src/", "ACDMRT");
  const changesets = changed(DIRECTORY + "/", "A").filter((file) => file.endsWith(".md") && !file.endsWith("/README.md"));
  const problems = [];
  try {
    readChangesets(cwd);
  } catch (error) {
    problems.push(error.message);
  }
  if (sources.length > 0 && changesets.length === 0) {
    problems.push(
      `src/ changed since ${base.commit.slice(0, 12)} (${base.from}) with no new changeset: ` +
        `add .changeset/<name>.md (see .changeset/README.md; an empty front matter for a change that releases nothing). ` +
        `Changed: ${sources.slice(0, 5).join(", ")}${sources.length > 5 ? ", ..." : ""}`,
    );
  }
  return { ok: problems.length === 0, base, sources, changesets, problems };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const cwd = fileURLToPath(new URL("..", import.meta.url));
  let inGit = true;
  try {
    git(cwd, ["rev-parse", "--git-dir"]);
  } catch {
    inGit = false;
  }
  if (!inGit) {
    console.log("changesets: skipped: not a git checkout");
  } else {
    let result;
    try {
      result = checkChangesets(cwd);
    } catch (error) {
      console.error(`changesets: ${error.message}`);
      process.exit(1);
    }
    if (!result.ok) {
      for (const problem of result.problems) console.error(`changesets: ${problem}`);
      process.exit(1);
    }
    console.log(
      `changesets: ok (${result.sources.length} src/ files and ${result.changesets.length} new changesets since ` +
        `${result.base.commit.slice(0, 12)}, ${result.base.from})`,
    );
  }
}
