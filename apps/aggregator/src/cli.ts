import { parseArgs } from "node:util";
import pkg from "../package.json";
import { formatProblem, loadConfig } from "./config/load";
import { tuneHeap } from "./heap-tuning";
import { createLogger } from "./logger";
import { type Service, StartupError, startService } from "./service";
import { HELPER_NICE_STEPS, lowerOtherThreads, lowersHelperThreads } from "./thread-priority";

const HELP = `coreflux-aggregator ${pkg.version}
Shelly energy readings in over MQTT, exact device/room/office/company totals out.

Usage: coreflux-aggregator [--config <file>] [--check] [--demo]
       coreflux-aggregator report --from <date> --to <date> [--level ...] [--by ...] [--format ...]

Options:
  -c, --config <file>  configuration file (default ./config.toml)
      --check          validate the configuration and exit: 0 valid, 2 invalid
      --demo           run an embedded broker, a simulated Shelly fleet and the aggregator
  -h, --help           show this help
  -v, --version        print the version

With a [rollup] table it runs as the roll-up of other aggregator instances' published totals.

Commands:
  report               energy per node by hour, day or month from [history] (report --help)

Environment: COREFLUX_MQTT_URL, COREFLUX_MQTT_USERNAME, COREFLUX_MQTT_PASSWORD and
COREFLUX_HISTORY_PASSWORD override the file.
Exit codes: 0 stopped cleanly, 1 runtime failure, 2 configuration error.
`;

/** How long a graceful stop may take before the process exits anyway. */
const STOP_DEADLINE_MS = 5_000;

async function main(argv: string[]): Promise<number> {
  if (argv[0] === "report") {
    const { runReport } = await import("./report/run-report");
    return runReport(
      argv.slice(1),
      (text) => process.stdout.write(text),
      (text) => process.stderr.write(text),
      process.env,
    );
  }
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (error) {
    process.stderr.write(`coreflux-aggregator: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (args.values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (args.values.version) {
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  // A service from here on (the demo too): its heap stays near its live objects.
  const heapFlag = tuneHeap();
  // Before any other thread starts: V8's helpers yield the CPUs to the event loop (unless they
  // do not mark beside it: then the event loop only ever waits for them).
  const lowersHelpers = lowersHelperThreads();
  const helperThreads = lowersHelpers ? lowerOtherThreads() : [];
  if (args.values.demo) {
    const { runDemo } = await import("./demo/run-demo");
    return runDemo();
  }

  const file = args.values.config ?? "./config.toml";
  const loaded = loadConfig(file, process.env);
  if (!loaded.ok) {
    for (const problem of loaded.errors) process.stderr.write(`${formatProblem(problem)}\n`);
    process.stderr.write(
      `coreflux-aggregator: ${loaded.errors.length} configuration error(s) in ${file}\n`,
    );
    return 2;
  }
  if (args.values.check) {
    process.stdout.write(`${file}: configuration is valid\n`);
    for (const warning of loaded.warnings) process.stdout.write(`note: ${warning}\n`);
    return 0;
  }

  const log = createLogger({ level: loaded.config.log.level, format: loaded.config.log.format });
  for (const warning of loaded.warnings) log.info(warning);
  log.debug(
    { v8: heapFlag ?? "the operator's (NODE_OPTIONS or the command line)" },
    "heap growth between full collections",
  );
  if (helperThreads.length > 0) {
    log.debug(
      { threads: helperThreads.length, niceSteps: HELPER_NICE_STEPS },
      "V8's helper threads and libuv's pool run at a lower priority than the event loop",
    );
  } else {
    log.debug(
      { concurrentMarking: lowersHelpers ? "on" : "off (--no-concurrent-marking)" },
      "V8's helper threads and libuv's pool run at the event loop's priority",
    );
  }
  let service: Pick<Service, "stop" | "finalStateWritten" | "unconfirmedPublishes">;
  try {
    // With [rollup]: the roll-up of other aggregator instances' totals instead of devices.
    service = loaded.config.rollup
      ? await (await import("./rollup/rollup-service")).startRollupService(loaded.config, log)
      : await startService(loaded.config, log);
  } catch (error) {
    if (error instanceof StartupError) log.fatal(error.message);
    else log.fatal({ err: error }, "the aggregator could not start");
    log.flush?.();
    return 1;
  }
  // Bad input is handled where it arrives; anything that still escapes is a bug. Exit so that
  // systemd restarts the service from its last state file rather than run in an unknown state.
  process.on("uncaughtException", (error) => {
    log.fatal({ err: error }, "uncaught exception: exiting (the last state file is kept)");
    log.flush?.();
    process.exit(1);
  });
  process.on("unhandledRejection", (reason) => {
    log.fatal(
      { err: reason },
      "unhandled promise rejection: exiting (the last state file is kept)",
    );
    log.flush?.();
    process.exit(1);
  });
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, "stopping");
      const deadline = setTimeout(() => {
        // A slow broker (or database) while closing loses nothing once the final state is
        // written: that is a clean stop for systemd. Without the final state it is a failure.
        if (service.finalStateWritten) {
          log.warn(
            { deadlineMs: STOP_DEADLINE_MS, unconfirmedPublishes: service.unconfirmedPublishes },
            "graceful stop took too long closing the connections; the final state is written, exiting 0 (unconfirmed aggregates are published again from the state at the next start)",
          );
          resolve(0);
        } else {
          log.error({ deadlineMs: STOP_DEADLINE_MS }, "graceful stop took too long; exiting");
          resolve(1);
        }
      }, STOP_DEADLINE_MS);
      deadline.unref();
      service.stop().then(
        () => {
          clearTimeout(deadline);
          resolve(0);
        },
        (error: unknown) => {
          clearTimeout(deadline);
          log.error({ err: error }, "error while stopping");
          resolve(1);
        },
      );
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      config: { type: "string", short: "c" },
      check: { type: "boolean" },
      demo: { type: "boolean" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
    },
    strict: true,
    allowPositionals: false,
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Anything still holding the event loop open after a stop is a bug; do not hang on it.
    setTimeout(() => process.exit(code), 1000).unref();
  },
  (error: unknown) => {
    process.stderr.write(`coreflux-aggregator: unexpected failure: ${String(error)}\n`);
    process.exit(1);
  },
);
