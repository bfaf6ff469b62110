// The programs the test suites need beyond npm packages (Debian packages; `npm run setup:test-deps` installs
// them). Read by vitest.config.ts and vitest.e2e.config.ts, in Node, before any test runs.
//
// The rule: a suite that needs a missing program is skipped with one line saying what was skipped and how to
// run it, so `npm install && npm test` passes on a machine with Node and npm only. Under CI (the `CI`
// variable set, as CI services set it, to anything but "false" or "0") a missing program fails the run
// instead: CI never passes on a suite it did not run.
import { accessSync, constants, readdirSync } from "node:fs";
import { delimiter, join } from "node:path";

const INSTALL = "npm run setup:test-deps";

/** Whether this run is CI, where nothing may be skipped. */
export function isCI(env = process.env) {
  return env.CI !== undefined && env.CI !== "" && env.CI !== "false" && env.CI !== "0";
}

/** Whether `file` is an executable file. */
export function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Whether `command` is an executable in a folder of PATH, as a shell would find it. */
export function onPath(command, env = process.env) {
  return (env.PATH ?? "").split(delimiter).some((dir) => dir !== "" && isExecutable(join(dir, command)));
}

/** The names of the files of folder `dir` (a URL) that match `pattern`. */
export function filesMatching(dir, pattern) {
  return readdirSync(dir).filter((name) => pattern.test(name));
}

/**
 * Whether the suites needing `program` run: true when it is there; false, after one line on stderr, when it
 * is missing outside CI; under CI a missing program throws, naming it.
 * @param {{ program: string, found: boolean, package: string, skips: string, env?: NodeJS.ProcessEnv }} need
 */
export function requireProgram({ program, found, package: debianPackage, skips, env = process.env }) {
  if (found) return true;
  const how = `apt-get install ${debianPackage}, or ${INSTALL}`;
  if (isCI(env))
    throw new Error(
      `edge-session tests: ${program} not found, and CI is set, so nothing may be skipped (${skips} need it). Install it: ${how}.`,
    );
  console.warn(`edge-session tests: skipped ${skips}: ${program} not found. To run them: ${how}; CI=true makes this an error.`);
  return false;
}
