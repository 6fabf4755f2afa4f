import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Integration tests talk to a real broker; a hung one should fail, not stall the suite.
    testTimeout: 30_000,
    hookTimeout: 15_000,
  },
});
