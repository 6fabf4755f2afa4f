import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Pure modules only (format, tree, time, chart data), plus a check of the built output.
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    environment: "node",
  },
});
