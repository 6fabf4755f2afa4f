import type { ConfigProblem } from "./problem";

/**
 * One environment variable that overrides one key of the validated config. By house rule only
 * URLs and secrets are overridden this way, so they need not be written in the file.
 */
export interface EnvOverride {
  /** The variable, e.g. `COREFLUX_MQTT_URL`. Unset or empty: the file's value stays. */
  variable: string;
  /** Dotted key it replaces, e.g. `mqtt.url`. Ignored when the key's table is absent. */
  key: string;
  /** Checks the value: a message when it is unusable, undefined when it is fine. */
  validate?: (value: string) => string | undefined;
}

/** What applying the overrides gave: notes for the log, or the problems of bad values. */
export interface EnvOverrideResult {
  warnings: string[];
  errors: ConfigProblem[];
}

/**
 * Writes each set variable into `config` (mutated in place) at its key, when the key's table
 * exists, and says so in a warning (`mqtt.url is taken from COREFLUX_MQTT_URL`). Values are
 * never repeated in messages: they may be secrets.
 */
export function applyEnvOverrides(
  config: unknown,
  overrides: readonly EnvOverride[],
  env: Readonly<Record<string, string | undefined>>,
): EnvOverrideResult {
  const warnings: string[] = [];
  const errors: ConfigProblem[] = [];
  for (const { variable, key, validate } of overrides) {
    const value = env[variable];
    if (value === undefined || value === "") continue;
    const path = key.split(".");
    const leaf = path.pop()!;
    const table = path.reduce<unknown>(
      (node, name) => (isTable(node) ? node[name] : undefined),
      config,
    );
    if (!isTable(table)) continue;
    const problem = validate?.(value);
    if (problem !== undefined) {
      errors.push({ file: `environment ${variable}`, line: undefined, key, message: problem });
      continue;
    }
    table[leaf] = value;
    warnings.push(`${key} is taken from ${variable}`);
  }
  return { warnings, errors };
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
