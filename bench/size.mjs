// `npm run size`: what an app bundles of edge-session. Each app in bench/size/ is bundled as wrangler would
// (esbuild, minified, Workers conditions); the metafile says how many output bytes each source file takes.
// Prints a Markdown table and writes bench/SIZE.md (`npm run bench` copies it into RESULTS.md).
//
//   npm run size
import { build } from "esbuild";
import { writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { region, stamp } from "./regions.mjs";

/** `cookieOnly`: an app built on edge-session/cookie alone, whose bundle must hold none of NOT_FOR_COOKIES. */
const APPS = [
  ["cookie-only.ts", "cookie only, from edge-session/cookie (README's ten lines)", { cookieOnly: true }],
  ["cookie-only.ts", "the same app importing edge-session (the root: every mode)", { rootEntry: true }],
  ["overflow-kv.ts", "cookie + overflow to KV"],
  ["durable-object.ts", "server-side in Durable Objects + device list"],
  ["dbsc.ts", "cookie + DBSC device binding (edge-session/dbsc)"],
  ["migrate.ts", "iron-session importer on the engine, no Hono (edge-session/migrate)"],
  ["react-router.ts", "React Router v7 middleware (edge-session/react-router)"],
  ["react-router-cookie.ts", "the same over a cookie-only engine (sessionMiddlewareOver + edge-session/cookie)", { cookieOnly: true }],
  ["next.ts", "Next.js route handler (edge-session/next)"],
  ["next-cookie.ts", "the same over a cookie-only engine (nextSessionsOver + edge-session/cookie)", { cookieOnly: true }],
  ["sveltekit.ts", "SvelteKit handle hook (edge-session/sveltekit)"],
  ["sveltekit-cookie.ts", "the same over a cookie-only engine (sessionHandleOver + edge-session/cookie)", { cookieOnly: true }],
  ["astro.ts", "Astro middleware (edge-session/astro)"],
  ["astro-cookie.ts", "the same over a cookie-only engine (sessionMiddlewareOver + edge-session/cookie)", { cookieOnly: true }],
];
/**
 * The frameworks of the adapters' apps stay out of their bundles, as the framework's own build brings them:
 * the rows measure what edge-session adds (the adapters import only the frameworks' types anyway).
 */
const FRAMEWORKS = ["react-router", "next", "next/*", "@sveltejs/kit", "astro", "astro:*"];
/** Code a cookie-only app never runs: its bytes in that bundle are what the engine redesign targets. */
const NOT_FOR_COOKIES = [
  /^src\/durable-object\//,
  /^src\/kv\//,
  /^src\/modes\/(overflow|versioned|rebase|server-side)\.ts$/,
  /^src\/stores\//,
  /^src\/admin\//,
];

/** Bundles an app written against edge-session/cookie as if it imported the root entry instead. */
const rootInsteadOfCookieEntry = {
  name: "root-instead-of-cookie-entry",
  setup(build) {
    build.onResolve({ filter: /\/src\/cookie\/index\.js$/ }, () => ({ path: new URL("../src/index.ts", import.meta.url).pathname }));
  },
};

export async function measureSizes() {
  const rows = [];
  for (const [file, label, { rootEntry = false, cookieOnly = false } = {}] of APPS) {
    const result = await build({
      plugins: rootEntry ? [rootInsteadOfCookieEntry] : [],
      entryPoints: [new URL(`size/${file}`, import.meta.url).pathname],
      bundle: true,
      minify: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      conditions: ["workerd", "worker", "browser"],
      external: ["cloudflare:workers", ...FRAMEWORKS],
      metafile: true,
      write: false,
      logLevel: "warning",
    });
    const output = Object.values(result.metafile.outputs)[0];
    const by = { ours: 0, jose: 0, hono: 0, other: 0 };
    const modules = {};
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const path = input.replace(/^(\.\.\/)+/, "");
      const kind = path.startsWith("src/")
        ? "ours"
        : path.includes("node_modules/jose/")
          ? "jose"
          : path.includes("node_modules/hono/")
            ? "hono"
            : "other";
      by[kind] += bytesInOutput;
      if (kind === "ours") modules[path] = bytesInOutput;
    }
    const unused = Object.entries(modules).filter(([path]) => NOT_FOR_COOKIES.some((re) => re.test(path)));
    rows.push({ label, cookieOnly, total: output.bytes, gzip: gzipSync(result.outputFiles[0].contents).length, ...by, modules, unused });
  }
  return rows;
}

export function renderSizes(rows, date = new Date()) {
  const kb = (n) => (n / 1024).toFixed(1);
  const lines = [
    "## Bundle size",
    "",
    `Measured ${date.toISOString().slice(0, 16).replace("T", " ")} UTC with \`npm run size\` (esbuild, minified, Workers conditions).`,
    "",
    "| app | bundle KB (gzip) | edge-session's own KB | jose KB | hono KB | store/Durable Object code in it (KB) |",
    "|---|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.label} | ${kb(r.total)} (${kb(r.gzip)}) | ${kb(r.ours)} | ${kb(r.jose)} | ${kb(r.hono)} | ${kb(r.unused.reduce((a, [, b]) => a + b, 0))} |`,
    ),
    "",
    `The cookie-only app's own code by module (bytes): ${Object.entries(rows[0].modules)
      .sort((a, b) => b[1] - a[1])
      .map(([path, bytes]) => `${path.replace(/^src\//, "")} ${bytes}`)
      .join(", ")}.`,
  ];
  return lines.join("\n");
}

/** Writes bench/SIZE.md: the table in a stamped region (bench/regions.mjs), as `npm test` checks it. */
export function writeSizeFile(rows, command = "size") {
  const markdown = region("size", `\n${renderSizes(rows)}\n\nStamp: ${stamp(command)}.\n`);
  writeFileSync(new URL("SIZE.md", import.meta.url), markdown + "\n");
  return markdown;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await measureSizes();
  console.log(writeSizeFile(rows));
  // edge-session/cookie promises a bundle without the other modes' code (with the adapters' forms over an
  // engine too): a stray import breaks that silently.
  for (const row of rows.filter((r) => r.cookieOnly && r.unused.length)) {
    console.error(`size: "${row.label}" bundles ${row.unused.map(([path]) => path).join(", ")}`);
    process.exitCode = 1;
  }
}
