// esbuild settings of the bench's bundles (bench/run.mjs, bench/isolates.mjs): Node loads packages from
// node_modules as users would; the Worker gets everything bundled, with the Workers export conditions.
export function bundleOptions(platform) {
  return {
    bundle: true,
    format: "esm",
    platform,
    target: "es2022",
    ...(platform === "node"
      ? { packages: "external" }
      : { conditions: ["workerd", "worker", "browser"], external: ["cloudflare:workers"] }),
    logLevel: "warning",
  };
}
