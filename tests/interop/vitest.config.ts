import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["*.test.ts"],
    // Real brokers and the built aggregator on a shared 2-vCPU machine: one file, one broker at
    // a time (the scenario's timings assume the machine is not busy with another case).
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 90_000,
    teardownTimeout: 30_000,
  },
});
