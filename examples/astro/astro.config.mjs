import node from "@astrojs/node";
import { defineConfig, envField } from "astro/config";

export default defineConfig({
  output: "server",
  adapter: node({ mode: "standalone" }),
  env: {
    schema: {
      SESSION_SECRET: envField.string({ context: "server", access: "secret" }),
      EXAMPLE_TEST_CLOCK: envField.string({ context: "server", access: "secret", optional: true }),
    },
  },
  integrations: [
    {
      // The tests' clock route. Injected because Astro leaves files whose name starts with "_" out of src/pages/.
      name: "test-clock",
      hooks: {
        "astro:config:setup": ({ injectRoute }) => injectRoute({ pattern: "/__clock", entrypoint: "./src/test-clock.ts" }),
      },
    },
  ],
});
