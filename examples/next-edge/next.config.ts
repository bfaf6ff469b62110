import type { NextConfig } from "next";

const config: NextConfig = {
  // This folder is the app's root (the repository above it has a lockfile of its own).
  outputFileTracingRoot: import.meta.dirname,
};

export default config;
