import { readFileSync } from "node:fs";
import { checkZoneAlignment, HistoryError } from "@coreflux/history";
import { parse, TomlError } from "smol-toml";
import type { z } from "zod";
import { type AggregatorConfig, configSchema } from "./schema";
import { findKeyLine } from "./toml-lines";

/** One problem in a configuration file, located as precisely as the file allows. */
export interface ConfigProblem {
  file: string;
  /** 1-based line, when the key (or its table) is written in the file. */
  line: number | undefined;
  /** Dotted key, e.g. `mqtt.embedded.port` or `devices[1].path`; empty for the whole file. */
  key: string;
  message: string;
}

/** Result of {@link loadConfig}: the config, or every problem found (never throws). */
export type ConfigResult =
  | { ok: true; config: AggregatorConfig; warnings: string[] }
  | { ok: false; errors: ConfigProblem[] };

/** Environment variables that override the file: only URLs and secrets. */
export const ENV_OVERRIDES = {
  COREFLUX_MQTT_URL: "url",
  COREFLUX_MQTT_USERNAME: "username",
  COREFLUX_MQTT_PASSWORD: "password",
} as const;

/** `file:line: key: message`, as printed by `--check`. */
export function formatProblem(p: ConfigProblem): string {
  return `${p.file}${p.line ? `:${p.line}` : ""}: ${p.key ? `${p.key}: ` : ""}${p.message}`;
}

/** Reads, parses and validates a config file, then applies the environment overrides. */
export function loadConfig(
  file: string,
  env: Record<string, string | undefined> = {},
): ConfigResult {
  let source: string;
  try {
    source = readFileSync(file, "utf8");
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === "ENOENT"
        ? "file not found"
        : String((error as Error).message);
    return {
      ok: false,
      errors: [
        { file, line: undefined, key: "", message: `cannot read the configuration: ${reason}` },
      ],
    };
  }
  return parseConfig(source, file, env);
}

/** {@link loadConfig} on text already read. */
export function parseConfig(
  source: string,
  file: string,
  env: Record<string, string | undefined> = {},
): ConfigResult {
  let raw: Record<string, unknown>;
  try {
    raw = parse(source) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) {
      const message = error.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "");
      return {
        ok: false,
        errors: [{ file, line: error.line, key: "", message: `invalid TOML: ${message}` }],
      };
    }
    return {
      ok: false,
      errors: [{ file, line: undefined, key: "", message: `invalid TOML: ${String(error)}` }],
    };
  }
  // reportInput lets messages say what type was found; values themselves are never printed.
  const result = configSchema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    const errors = result.error.issues.flatMap((issue) => toProblems(issue, source, file));
    errors.sort(
      (a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER),
    );
    return { ok: false, errors };
  }
  const config = result.data;
  const warnings: string[] = [];
  for (const [name, key] of Object.entries(ENV_OVERRIDES)) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    if (key === "url" && !/^(mqtts?|wss?):\/\/./.test(value)) {
      return {
        ok: false,
        errors: [
          {
            file: `environment ${name}`,
            line: undefined,
            key: "mqtt.url",
            message: "must start with mqtt://, mqtts://, ws:// or wss://",
          },
        ],
      };
    }
    config.mqtt[key] = value;
    warnings.push(`mqtt.${key} is taken from ${name}`);
  }
  const historyPassword = env.COREFLUX_HISTORY_PASSWORD;
  if (config.history !== undefined && historyPassword !== undefined && historyPassword !== "") {
    config.history.password = historyPassword;
    warnings.push("history.password is taken from COREFLUX_HISTORY_PASSWORD");
  }
  if (config.history !== undefined) {
    const zone = config.accounting.time_zone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
    try {
      checkZoneAlignment(zone, config.history.period_minutes, Date.now());
    } catch (error) {
      if (!(error instanceof HistoryError)) throw error;
      const line = findKeyLine(source, ["history", "period_minutes"]);
      return {
        ok: false,
        errors: [{ file, line, key: "history.period_minutes", message: error.message }],
      };
    }
  }
  if (config.mqtt.cert_file && !config.mqtt.key_file) {
    const line = findKeyLine(source, ["mqtt", "cert_file"]);
    return {
      ok: false,
      errors: [{ file, line, key: "mqtt.cert_file", message: "needs mqtt.key_file as well" }],
    };
  }
  return { ok: true, config, warnings };
}

function toProblems(issue: z.core.$ZodIssue, source: string, file: string): ConfigProblem[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((k) => ({
      file,
      line: findKeyLine(source, [...path, k]),
      key: keyName([...path, k]),
      message: "unknown key",
    }));
  }
  return [{ file, line: findKeyLine(source, path), key: keyName(path), message: describe(issue) }];
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type") {
    return issue.input === undefined
      ? "is required"
      : `expected ${issue.expected}, got ${typeName(issue.input)}`;
  }
  return issue.message;
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (value instanceof Date) return "date";
  return typeof value === "object" && value !== null ? "table" : typeof value;
}

function keyName(path: readonly (string | number)[]): string {
  return path.reduce<string>(
    (out, p) => (typeof p === "number" ? `${out}[${p}]` : out ? `${out}.${p}` : p),
    "",
  );
}
