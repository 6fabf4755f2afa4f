import { HierarchyError } from "@coreflux/hierarchy";
import { MqttAdapterError } from "@coreflux/mqtt-adapter";
import { ShellySchemaError } from "@coreflux/shelly-schema";
import pkg from "../package.json";

const HELP = `coreflux-aggregator ${pkg.version}

Usage: coreflux-aggregator [--config <file>] [--check] [--demo]

Options:
  --config <file>  configuration file (default ./config.toml)
  --check          validate the configuration and exit (0 valid, 2 invalid)
  --demo           start an embedded broker, a simulated Shelly fleet and the aggregator
  --help           show this help
  --version        print the version
`;

function main(argv: readonly string[]): number {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(HELP);
    return 0;
  }
  if (argv.includes("--version") || argv.includes("-v")) {
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const composed = [ShellySchemaError, HierarchyError, MqttAdapterError].map((c) => c.name);
  process.stderr.write(
    `coreflux-aggregator: stub service (composes ${composed.join(", ")}); ` +
      "the aggregator itself is not implemented yet.\n",
  );
  return 1;
}

process.exitCode = main(process.argv.slice(2));
