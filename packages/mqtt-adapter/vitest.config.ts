import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Integration tests talk to real brokers; a hung one should fail, not stall the suite.
    testTimeout: 15_000,
    hookTimeout: 15_000,
  },
});
