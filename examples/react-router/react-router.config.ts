import type { Config } from "@react-router/dev/config";

// Server rendering, with route middleware (the session's) enabled.
export default {
  ssr: true,
  future: { v8_middleware: true },
} satisfies Config;
