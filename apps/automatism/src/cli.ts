import { parseArgs } from "node:util";
import { AutomationEngine, AutomationError } from "@coreflux/automation";
import {
  brokerTopicAdvisory,
  embeddedBrokerProtocol,
  formatProblem,
  loadTomlConfig,
  MQTT_ENV_OVERRIDES,
  systemConfigSchema,
} from "@coreflux/config";
import pino from "pino";
import pretty from "pino-pretty";
import pkg from "../package.json";
import { type AutomatismService, AutomatismStartError, startAutomatism } from "./service";
import { automationOptions } from "./settings";

const HELP = `coreflux-automatism ${pkg.version}
Switches Shelly channels off after hours ([automatism] in the system's config.toml), confirms
it, retries, and leaves alone what a person switched back on.

Usage: coreflux-automatism [--config <file>] [--check]

Options:
  -c, --config <file>  configuration file (default ./config.toml)
      --check          validate the configuration and exit: 0 valid, 2 invalid
  -h, --help           show this help
  -v, --version        print the version

Environment: COREFLUX_MQTT_URL, COREFLUX_MQTT_USERNAME, COREFLUX_MQTT_PASSWORD override the file.
Exit codes: 0 stopped cleanly, 1 runtime failure, 2 configuration error.
`;

const STOP_DEADLINE_MS = 5_000;

async function main(argv: string[]): Promise<number> {
  let values: { config?: string; check?: boolean; help?: boolean; version?: boolean };
  try {
    values = parseArgs({
      args: argv,
      options: {
        config: { type: "string", short: "c" },
        check: { type: "boolean" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "v" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    process.stderr.write(`coreflux-automatism: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const file = values.config ?? "./config.toml";
  const loaded = loadTomlConfig(file, systemConfigSchema, {
    env: process.env,
    overrides: MQTT_ENV_OVERRIDES,
    checks: [embeddedBrokerProtocol],
    advisories: [brokerTopicAdvisory],
  });
  if (!loaded.ok) {
    for (const problem of loaded.errors) process.stderr.write(`${formatProblem(problem)}\n`);
    process.stderr.write(
      `coreflux-automatism: ${loaded.errors.length} configuration error(s) in ${file}\n`,
    );
    return 2;
  }
  try {
    // What the schema accepts but the engine refuses (for instance a zone Intl does not know).
    new AutomationEngine(automationOptions(loaded.config));
  } catch (error) {
    if (!(error instanceof AutomationError)) throw error;
    process.stderr.write(`${file}: automatism: ${error.message}\n`);
    return 2;
  }
  if (values.check) {
    process.stdout.write(`${file}: configuration is valid\n`);
    return 0;
  }
  const config = loaded.config;
  const log = pino(
    {
      level: config.log.level,
      base: { service: "coreflux-automatism" },
      redact: { paths: ["password", "*.password"], censor: "[redacted]" },
    },
    config.log.format === "pretty" || (config.log.format === "auto" && process.stdout.isTTY)
      ? pretty({ sync: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname,service" })
      : pino.destination({ sync: true }),
  );
  for (const warning of loaded.warnings) log.info(warning);
  let service: AutomatismService;
  try {
    service = await startAutomatism(config, log);
  } catch (error) {
    if (error instanceof AutomatismStartError) log.fatal(error.message);
    else log.fatal({ err: error }, "the automatism could not start");
    return 1;
  }
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, "stopping");
      const deadline = setTimeout(() => {
        log.error({ deadlineMs: STOP_DEADLINE_MS }, "graceful stop took too long; exiting");
        resolve(1);
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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    setTimeout(() => process.exit(code), 1000).unref();
  },
  (error: unknown) => {
    process.stderr.write(`coreflux-automatism: unexpected failure: ${String(error)}\n`);
    process.exit(1);
  },
);
