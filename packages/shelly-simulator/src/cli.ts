#!/usr/bin/env node
// The `shelly-sim` bin: wires the process (argv, streams, signals, clock) to runCli.
import { version } from "../package.json";
import { runCli } from "./cli/run-cli";

const controller = new AbortController();
let signals = 0;
const stop = (): void => {
  signals++;
  if (signals > 1) process.exit(130);
  process.stderr.write(
    "shelly-sim: stopping (publishing the final counters); press Ctrl-C again to quit now\n",
  );
  controller.abort();
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

runCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  nowMs: () => Date.now(),
  signal: controller.signal,
  version,
}).then(
  (code) => {
    process.exitCode = code;
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  },
  (error: unknown) => {
    process.stderr.write(
      `shelly-sim: unexpected error: ${(error as Error).stack ?? String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
