// @ts-check
/**
 * `npm run test:frameworks`: every framework example (examples/<fw>/ whose package.json has
 * `"edgeSessionExample": true`), built and served the way its framework's docs say, checked over real HTTP.
 * The library is built once; each example gets it as a user does (`"edge-session": "file:../.."`, copied by
 * `npm ci`), then `npm run build` (and `npm run typecheck` where it has one) and `npm start` on a free
 * 127.0.0.1 port with SESSION_SECRET and EXAMPLE_TEST_CLOCK=1, and the one scenario of
 * test/frameworks-http/scenario.mjs runs against it; started again without EXAMPLE_TEST_CLOCK, its clock route
 * must be a 404. Prints a line per example with its timings; exits non-zero when any example fails.
 * `npm run test:frameworks -- next` runs only the named examples. Run by .ci/run.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { serve, stop } from "./serve.mjs";
import { ROOT } from "./start.mjs";
import { checkClockClosed, runScenario } from "../test/frameworks-http/scenario.mjs";

const started = performance.now();
const seconds = (/** @type {number} */ ms) => `${(ms / 1000).toFixed(1)} s`;

// The examples run on the system's Node and npm, as a user's would: not this repository's `node` dev
// dependency (node_modules/.bin under `npm run`), and none of the npm_* settings of the npm that runs this.
/** @type {NodeJS.ProcessEnv} */
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("npm_")));
env.PATH = (process.env.PATH ?? "")
  .split(path.delimiter)
  .filter((dir) => !dir.startsWith(ROOT))
  .join(path.delimiter);
Object.assign(env, { NEXT_TELEMETRY_DISABLED: "1", ASTRO_TELEMETRY_DISABLED: "1", NO_COLOR: "1", FORCE_COLOR: "0" });

/**
 * Runs `npm ...args` in `cwd`, its output kept (shown only when it fails); resolves with the time it took.
 * @param {string} cwd
 * @param {string[]} args
 */
function npm(cwd, args) {
  const t0 = performance.now();
  const result = spawnSync("npm", args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0)
    throw new Error(`npm ${args.join(" ")} in ${path.relative(ROOT, cwd)} failed (${result.status}):\n${result.stdout}${result.stderr}`);
  return performance.now() - t0;
}

const wanted = process.argv.slice(2);
const examples = readdirSync(path.join(ROOT, "examples"))
  .sort()
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .map((name) => {
    const manifest = path.join(ROOT, "examples", name, "package.json");
    return { name, manifest: existsSync(manifest) ? JSON.parse(readFileSync(manifest, "utf8")) : {} };
  })
  .filter(({ manifest }) => manifest.edgeSessionExample === true);
if (examples.length === 0) throw new Error(`no framework example under examples/${wanted.length ? ` named ${wanted.join(", ")}` : ""}`);

console.log(`frameworks: the library built (${seconds(npm(ROOT, ["run", "build"]))})`);
const secret = randomBytes(32).toString("base64url");
/**
 * `npm start` in `cwd` on a free port, with the secret and `extra` in its environment; once it answers.
 * @param {string} cwd
 * @param {NodeJS.ProcessEnv} [extra]
 */
const start = (cwd, extra = {}) =>
  serve("npm", cwd, (port) => ({
    args: ["start"],
    env: { ...env, PORT: String(port), HOST: "127.0.0.1", SESSION_SECRET: secret, ...extra },
  }));
const failed = [];
for (const { name, manifest } of examples) {
  const cwd = path.join(ROOT, "examples", name);
  const times = [];
  let server;
  try {
    times.push(`npm ci ${seconds(npm(cwd, ["ci", "--no-audit", "--no-fund", "--loglevel=error"]))}`);
    times.push(`build ${seconds(npm(cwd, ["run", "build"]))}`);
    // The example's code type-checks against the library's published types, where it has a typecheck script.
    if (manifest.scripts?.typecheck) times.push(`typecheck ${seconds(npm(cwd, ["run", "typecheck"]))}`);
    const t0 = performance.now();
    server = await start(cwd, { EXAMPLE_TEST_CLOCK: "1" });
    times.push(`start ${seconds(performance.now() - t0)}`);
    const steps = await runScenario(server.base);
    // What only this example's framework does, where it has checks of its own (examples/<fw>/scenario.mjs).
    const own = path.join(cwd, "scenario.mjs");
    if (existsSync(own)) steps.push(...(await (await import(pathToFileURL(own).href)).runScenario(server.base)));
    times.push(`scenario ${seconds(steps.reduce((sum, { ms }) => sum + ms, 0))}`);
    stop(server.child);
    // Again as in production, without the test clock: its route is not there.
    server = await start(cwd);
    await checkClockClosed(server.base);
    console.log(`frameworks: ${name}: ok (${times.join(", ")}; no clock route without EXAMPLE_TEST_CLOCK)`);
  } catch (error) {
    failed.push(name);
    console.error(`frameworks: ${name}: FAILED (${times.join(", ")})\n${error instanceof Error ? error.message : error}`);
    if (server) console.error(`--- the server's output:\n${server.output()}`);
  } finally {
    if (server) stop(server.child);
  }
}
console.log(`frameworks: ${examples.length - failed.length} of ${examples.length} passed in ${seconds(performance.now() - started)}`);
if (failed.length > 0) process.exit(1);
