// @ts-check
/**
 * `npm run test:consumer`: a user's first hour, checked. The package as a user gets it (`npm pack`, and a
 * git install of a clean clone of HEAD), in a new project made of the README's own code blocks (each found
 * by the `<!-- consumer:... -->` comment before it, so the README cannot drift from what is tested),
 * installed with the versions the README's table names, for each row of that table on a Node of that row.
 * Each project runs under `wrangler dev` and on Node with `@hono/node-server`, and is checked over real HTTP
 * on 127.0.0.1 (scripts/consumer-checks.mjs). A row with no Node of its version here is skipped with a line,
 * or fails the run under CI (test/system-deps.mjs). Run by .ci/run; prints how long it took.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { checkMissingSecret, checkSessions } from "./consumer-checks.mjs";
import { serve, stop } from "./serve.mjs";
import { OFFLINE_ENV, ROOT } from "./start.mjs";
import { isCI } from "../test/system-deps.mjs";

const started = performance.now();
const work = mkdtempSync(path.join(tmpdir(), "edge-session-consumer-"));
// scripts/serve.mjs ends the servers on exit (a signal included).
process.on("exit", () => rmSync(work, { recursive: true, force: true }));

const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");

/** The code block right after `<!-- consumer:name -->` in the README. */
function block(name) {
  const at = readme.indexOf(`<!-- consumer:${name} -->`);
  const fence = at < 0 ? null : /^```\w*\n([\s\S]*?)^```$/m.exec(readme.slice(at));
  if (!fence) throw new Error(`README.md has no code block marked <!-- consumer:${name} -->`);
  return fence[1];
}

/** The rows of the README's version table: the Node a row is for, its wrangler and compatibility_date. */
function versionRows() {
  const table = readme.slice(readme.indexOf("<!-- consumer:versions -->")).split("\n\n")[1] ?? "";
  return table
    .split("\n")
    .slice(2)
    .map((line) => line.split("|").map((cell) => cell.trim()))
    .map(([, node = "", wrangler = "", date = ""]) => ({
      node,
      minMajor: parseInt(node, 10),
      orLater: /or later/.test(node),
      wrangler,
      date,
    }));
}

/** Runs a command, its output shown; throws when it fails. */
function run(command, args, options = {}) {
  execFileSync(command, args, { stdio: ["ignore", "inherit", "inherit"], ...options });
}

/** PATH without this repository's node_modules/.bin (whose `node` is the dev dependency's), `bin` first. */
function userPath(bin) {
  const own = (process.env.PATH ?? "").split(path.delimiter).filter((dir) => !dir.startsWith(ROOT));
  return [bin, ...own].join(path.delimiter);
}

/** A Node binary for a version-table row: the system's, or this repository's `node` dev dependency (npm). */
function nodeFor(row) {
  const candidates = [
    ...userPath("")
      .split(path.delimiter)
      .filter(Boolean)
      .map((dir) => path.join(dir, "node")),
    path.join(ROOT, "node_modules", "node", "bin", "node"),
    process.execPath,
  ];
  for (const binary of candidates) {
    let major;
    try {
      major = parseInt(execFileSync(binary, ["-p", "process.versions.node"], { encoding: "utf8" }), 10);
    } catch {
      continue;
    }
    if (major === row.minMajor || (row.orLater && major > row.minMajor)) return binary;
  }
  return undefined;
}

const timed = async (label, body) => {
  const t0 = performance.now();
  await body();
  console.log(`consumer: ${label}: ok (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
};

// The package as `npm pack` makes it (prepare builds dist/).
const pack = JSON.parse(
  execFileSync("npm", ["pack", "--json", "--pack-destination", work], {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }),
)[0];
if (!pack.files.some((file) => file.path === "dist/index.js")) throw new Error("npm pack: the tarball has no dist/index.js");
const tarball = path.join(work, pack.filename);
console.log(`consumer: npm pack -> ${pack.filename} (${pack.files.length} files)`);

const rows = versionRows();
const packageJson = JSON.parse(block("package.json"));
const wranglerToml = block("wrangler.toml");
if (rows.length === 0) throw new Error("README.md: the version table (<!-- consumer:versions -->) has no rows");
// The project as shown is the first row's: the blocks and the table must agree.
if (packageJson.devDependencies.wrangler !== rows[0]?.wrangler)
  throw new Error("README.md: package.json's wrangler is not the version table's first row");
if (!wranglerToml.includes(`compatibility_date = "${rows[0]?.date}"`))
  throw new Error("README.md: wrangler.toml's compatibility_date is not the version table's first row");

for (const row of rows) {
  const node = nodeFor(row);
  if (!node) {
    const message = `consumer: no Node ${row.node} here for the README's row "Node ${row.node}, wrangler ${row.wrangler}"`;
    if (isCI()) throw new Error(message);
    console.warn(`${message}: skipped`);
    continue;
  }
  const version = execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
  const project = path.join(work, `node-${row.minMajor}`);
  const env = { ...process.env, ...OFFLINE_ENV, PATH: userPath(path.dirname(node)), NO_COLOR: "1", FORCE_COLOR: "0" };
  await timed(`a new project, Node ${version}, wrangler ${row.wrangler}, compatibility_date ${row.date}`, async () => {
    mkdirSync(path.join(project, "src"), { recursive: true });
    const manifest = { ...packageJson, dependencies: { ...packageJson.dependencies, "edge-session": `file:${tarball}` } };
    manifest.devDependencies = { ...packageJson.devDependencies, wrangler: row.wrangler };
    writeFileSync(path.join(project, "package.json"), JSON.stringify(manifest, null, 2));
    writeFileSync(
      path.join(project, "wrangler.toml"),
      wranglerToml.replace(/^compatibility_date = .*$/m, `compatibility_date = "${row.date}"`),
    );
    writeFileSync(path.join(project, "src", "index.ts"), block("src/index.ts"));
    writeFileSync(path.join(project, "src", "node.ts"), block("src/node.ts"));
    run("sh", ["-ec", block(".dev.vars")], { cwd: project, env });
    run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: project, env });
  });
  const secret = readFileSync(path.join(project, ".dev.vars"), "utf8")
    .replace(/^SESSION_SECRET=/, "")
    .trim();
  const wrangler = (port) => ({
    args: [path.join(project, "node_modules", "wrangler", "bin", "wrangler.js"), "dev", "--ip", "127.0.0.1", "--port", String(port)],
    env,
  });
  const tsx = path.join(project, "node_modules", "tsx", "dist", "cli.mjs");
  const { SESSION_SECRET: _, ...noSecret } = env;
  const onNode = (secretEnv) => (port) => ({ args: [tsx, "src/node.ts"], env: { ...noSecret, ...secretEnv, PORT: String(port) } });

  await timed(`wrangler dev ${row.wrangler} on Node ${version}: visits, cookie attributes, a tampered cookie`, async () => {
    const server = await serve(node, project, wrangler);
    await checkSessions(server.base);
    stop(server.child);
  });
  await timed(`wrangler dev ${row.wrangler} on Node ${version} without .dev.vars: a 500 and a log line about the secret`, async () => {
    rmSync(path.join(project, ".dev.vars"));
    const server = await serve(node, project, wrangler);
    await checkMissingSecret(server.base, server.output, secret);
    stop(server.child);
  });
  await timed(`the same app on Node ${version} with @hono/node-server`, async () => {
    for (const line of block("node-install")
      .split("\n")
      .filter((l) => l.startsWith("npm install ")))
      run("sh", ["-ec", `${line} --no-audit --no-fund --loglevel=error`], { cwd: project, env });
    const withSecret = await serve(node, project, onNode({ SESSION_SECRET: secret }));
    await checkSessions(withSecret.base);
    stop(withSecret.child);
    const without = await serve(node, project, onNode({}));
    await checkMissingSecret(without.base, without.output, secret);
    stop(without.child);
  });
}

// A git install of a clean clone of HEAD: npm clones it, installs its devDependencies and runs prepare.
await timed("npm install git+file://<a clone of HEAD>, every entry point there, the root and /cookie imported on Node", async () => {
  const clone = path.join(work, "clone");
  run("git", ["clone", "--quiet", "--depth", "1", `file://${ROOT}`, clone]);
  const project = path.join(work, "git-install");
  mkdirSync(project);
  writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "git-install", private: true, type: "module" }));
  // On the oldest Node of the table (the user's npm and Node, not this repository's dev dependency).
  const node = rows.map(nodeFor).findLast(Boolean) ?? process.execPath;
  const env = { ...process.env, PATH: userPath(path.dirname(node)) };
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", `git+file://${clone}`], { cwd: project, env });
  // Every entry point's files are there; the runtime-neutral ones load on Node (the others import cloudflare:).
  const installed = path.join(project, "node_modules", "edge-session");
  const { exports } = JSON.parse(readFileSync(path.join(installed, "package.json"), "utf8"));
  for (const target of Object.values(exports).flatMap((entry) => (typeof entry === "string" ? [entry] : Object.values(entry))))
    if (!existsSync(path.join(installed, target))) throw new Error(`the git install has no ${target}`);
  const check = `for (const entry of ["edge-session", "edge-session/cookie"]) if (typeof (await import(entry)).session !== "function") throw new Error(entry);`;
  run(node, ["--input-type=module", "-e", check], { cwd: project, env });
});

console.log(`consumer: all checks passed in ${((performance.now() - started) / 1000).toFixed(0)} s`);
