import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Property tests and hostile-input tests run long on a loaded CI machine.
    testTimeout: 60_000,
  },
});
