import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Integration tests talk to real databases (SQLite files, MariaDB); a hung one should fail.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
