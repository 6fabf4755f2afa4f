import { defineConfig } from "vitest/config";

/** The oracle's long run (`bench/oracle.mjs`): millions of readings, not part of `pnpm test`. */
export default defineConfig({
  test: {
    include: ["bench/oracle-long.test.ts"],
    testTimeout: 4 * 3_600_000,
  },
});
