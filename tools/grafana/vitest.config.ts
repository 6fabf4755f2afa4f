import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // The SQL test talks to the shared MariaDB; a hung query should fail, not hang.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
