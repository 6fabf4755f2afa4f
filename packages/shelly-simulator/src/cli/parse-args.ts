import { parseArgs } from "node:util";
import type { PersonOptions } from "../core/command-options";
import { parseFaultRates } from "../core/faults";
import { resolveFleetOptions } from "../core/fleet-options";
import { parseModelMix } from "../core/model-mix";
import { checkRunOptions, fleetOptionsOf, type RunSimulatorOptions } from "../io/run-options";

/** What the command line asks for. */
export type CliCommand =
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "run"; options: RunSimulatorOptions; placementsOnly: boolean; quiet: boolean };

/** The parsed command, or every problem found (each names the option). */
export type CliParseResult = { ok: true; command: CliCommand } | { ok: false; errors: string[] };

const SPEC = {
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
  url: { type: "string" },
  company: { type: "string" },
  offices: { type: "string" },
  rooms: { type: "string" },
  devices: { type: "string" },
  models: { type: "string" },
  layout: { type: "string" },
  speed: { type: "string" },
  flood: { type: "boolean" },
  duration: { type: "string" },
  "max-messages": { type: "string" },
  seed: { type: "string" },
  qos: { type: "string" },
  faults: { type: "string" },
  "truth-file": { type: "string" },
  "truth-topic": { type: "string" },
  "placements-file": { type: "string" },
  "placements-only": { type: "boolean" },
  start: { type: "string" },
  timezone: { type: "string" },
  quiet: { type: "boolean" },
  commands: { type: "boolean" },
  "ignore-commands": { type: "string" },
  person: { type: "string" },
  "person-probability": { type: "string" },
  "person-source": { type: "string" },
} as const;

/** Parses `argv` (without `node` and the script). `nowMs` is the default `--start`. */
export function parseCliArgs(argv: readonly string[], nowMs: number): CliParseResult {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: SPEC,
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return { ok: false, errors: [(error as Error).message] };
  }
  if (values.help === true) return { ok: true, command: { kind: "help" } };
  if (values.version === true) return { ok: true, command: { kind: "version" } };

  const errors: string[] = [];
  const str = (name: string): string | undefined => values[name] as string | undefined;
  const integer = (name: string): number | undefined => {
    const text = str(name);
    if (text === undefined) return undefined;
    if (!/^\d+$/.test(text)) {
      errors.push(`--${name} must be a whole number, got ${JSON.stringify(text)}`);
      return undefined;
    }
    return Number(text);
  };
  const positive = (name: string): number | undefined => {
    const text = str(name);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value) || value <= 0) {
      errors.push(`--${name} must be a number > 0, got ${JSON.stringify(text)}`);
      return undefined;
    }
    return value;
  };

  const options: RunSimulatorOptions = {
    url: str("url"),
    company: str("company"),
    offices: integer("offices"),
    roomsPerOffice: integer("rooms"),
    devicesPerRoom: integer("devices"),
    seed: integer("seed"),
    speed: positive("speed"),
    durationS: positive("duration"),
    maxMessages: integer("max-messages"),
    flood: values.flood === true ? true : undefined,
    truthFile: str("truth-file"),
    truthTopic: str("truth-topic"),
    placementsFile: str("placements-file"),
    timeZone: str("timezone"),
  };
  const layout = str("layout");
  if (layout !== undefined) {
    if (layout === "hierarchy" || layout === "ids") options.layout = layout;
    else errors.push(`--layout must be hierarchy or ids, got ${JSON.stringify(layout)}`);
  }
  const qos = str("qos");
  if (qos !== undefined) {
    if (qos === "0" || qos === "1") options.qos = qos === "0" ? 0 : 1;
    else errors.push(`--qos must be 0 or 1, got ${JSON.stringify(qos)}`);
  }
  const models = str("models");
  if (models !== undefined) {
    const mix = parseModelMix(models);
    if (mix.ok) options.models = mix.value;
    else errors.push(cliName(mix.error));
  }
  const faults = str("faults");
  if (faults !== undefined) {
    const rates = parseFaultRates(faults);
    if (rates.ok) options.faults = rates.value;
    else errors.push(cliName(rates.error));
  }
  const start = str("start");
  if (start === undefined) options.startMs = Math.floor(nowMs / 1000) * 1000;
  else {
    const ms = /^-?\d+$/.test(start) ? Number(start) : Date.parse(start);
    if (Number.isFinite(ms)) options.startMs = ms;
    else errors.push(`--start must be an ISO 8601 time or Unix ms, got ${JSON.stringify(start)}`);
  }
  if (values.commands === true) options.commands = true;
  const ignore = str("ignore-commands");
  if (ignore !== undefined) {
    const fraction = Number(ignore);
    options.ignoreCommands =
      ignore.trim() !== "" && Number.isFinite(fraction)
        ? fraction
        : ignore
            .split(",")
            .map((name) => name.trim())
            .filter((name) => name !== "");
  }
  const person = personOf(str("person"), str("person-probability"), str("person-source"), errors);
  if (person !== undefined) options.person = person;
  if (
    (options.ignoreCommands !== undefined || options.person !== undefined) &&
    options.commands !== true
  ) {
    errors.push("--ignore-commands and --person need --commands");
  }
  if (options.speed !== undefined && options.flood === true) {
    errors.push("--speed and --flood exclude each other");
  }
  const placementsOnly = values["placements-only"] === true;
  for (const e of checkRunOptions(options)) errors.push(cliName(e));
  const fleet = resolveFleetOptions(fleetOptionsOf(options));
  if (!fleet.ok) for (const e of fleet.errors) errors.push(cliName(e));
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    command: { kind: "run", options, placementsOnly, quiet: values.quiet === true },
  };
}

/** `--person <s|min-max>` with its probability and source, or undefined without `--person`. */
function personOf(
  after: string | undefined,
  probability: string | undefined,
  source: string | undefined,
  errors: string[],
): PersonOptions | undefined {
  if (after === undefined) {
    if (probability !== undefined || source !== undefined) {
      errors.push("--person-probability and --person-source need --person");
    }
    return undefined;
  }
  const person: PersonOptions = {};
  const range = /^\s*(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?)\s*)?$/.exec(after);
  if (range === null) {
    errors.push(`--person must be seconds or min-max seconds, got ${JSON.stringify(after)}`);
  } else {
    person.afterS =
      range[2] === undefined ? Number(range[1]) : [Number(range[1]), Number(range[2])];
  }
  if (probability !== undefined) {
    const p = Number(probability);
    if (probability.trim() === "" || !Number.isFinite(p)) {
      errors.push(
        `--person-probability must be a number from 0 to 1, got ${JSON.stringify(probability)}`,
      );
    } else person.probability = p;
  }
  if (source !== undefined) person.source = source;
  return person;
}

const CLI_NAMES: Record<string, string> = {
  url: "--url",
  durationS: "--duration",
  maxMessages: "--max-messages",
  flood: "--flood",
  truthTopic: "--truth-topic",
  truthFile: "--truth-file",
  placementsFile: "--placements-file",
  company: "--company",
  offices: "--offices",
  roomsPerOffice: "--rooms",
  devicesPerRoom: "--devices",
  timeZone: "--timezone",
  startMs: "--start",
  seed: "--seed",
  faults: "--faults",
  models: "--models",
  layout: "--layout",
  qos: "--qos",
  speed: "--speed",
  commands: "--commands",
  ignoreCommands: "--ignore-commands",
  "person.probability": "--person-probability",
  "person.afterS": "--person",
  "person.source": "--person-source",
};

const NAME_PATTERN = new RegExp(
  `(?<![-\\w])(${Object.keys(CLI_NAMES)
    .map((name) => name.replace(".", "\\."))
    .join("|")})\\b`,
  "g",
);

/** Renames library option names in a message to their CLI flags. */
function cliName(message: string): string {
  return message.replace(NAME_PATTERN, (name) => CLI_NAMES[name] ?? name);
}
