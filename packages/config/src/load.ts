import { readFileSync } from "node:fs";
import { parse, TomlError } from "smol-toml";
import type { z } from "zod";
import { applyEnvOverrides, type EnvOverride } from "./env-overrides";
import { type ConfigProblem, type ConfigResult, keyName } from "./problem";
import { findKeyLine } from "./toml-lines";
import { issueToProblems } from "./zod-issues";

/** A problem found by a {@link ConfigCheck}, at a key path such as `["history", "period_minutes"]`. */
export interface ConfigIssue {
  path: readonly (string | number)[];
  message: string;
}

/**
 * A rule the schema cannot express (it needs another library or the clock), run on the
 * validated config after the environment overrides. The loader finds the line of each issue.
 */
export type ConfigCheck<T> = (config: T) => readonly ConfigIssue[];

/** How to load: the environment, which variables override which keys, and extra checks. */
export interface LoadOptions<T> {
  /** Usually `process.env`; default none. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Applied in order after validation; default none. */
  overrides?: readonly EnvOverride[];
  /** Run after the overrides when the schema accepted the file; default none. */
  checks?: readonly ConfigCheck<T>[];
  /**
   * Like `checks`, but what they find is a warning (`file:line: key: message`), not an error:
   * the config works here and may not elsewhere (a topic some brokers refuse). Default none.
   */
  advisories?: readonly ConfigCheck<T>[];
}

/**
 * Reads a TOML file and validates it with `schema` (see {@link parseTomlConfig}). A missing or
 * unreadable file is a problem, not an exception.
 */
export function loadTomlConfig<S extends z.ZodType>(
  file: string,
  schema: S,
  options: LoadOptions<z.output<S>> = {},
): ConfigResult<z.output<S>> {
  let source: string;
  try {
    source = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as { code?: unknown } | undefined)?.code;
    const reason =
      code === "ENOENT" ? "file not found" : error instanceof Error ? error.message : String(error);
    return wholeFile(file, `cannot read the configuration: ${reason}`);
  }
  return parseTomlConfig(source, file, schema, options);
}

/**
 * Parses TOML text already read, validates it with `schema` (defaults applied), applies the
 * environment overrides, then runs the checks. Every problem names `file`, the line in `source`
 * and the dotted key, unknown keys included. Never throws on bad input.
 */
export function parseTomlConfig<S extends z.ZodType>(
  source: string,
  file: string,
  schema: S,
  options: LoadOptions<z.output<S>> = {},
): ConfigResult<z.output<S>> {
  let raw: unknown;
  try {
    raw = parse(source);
  } catch (error) {
    if (error instanceof TomlError) {
      const message = error.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "");
      return {
        ok: false,
        errors: [{ file, line: error.line, key: "", message: `invalid TOML: ${message}` }],
      };
    }
    return wholeFile(file, `invalid TOML: ${String(error)}`);
  }
  // reportInput lets messages say what type was found; values themselves are never printed.
  const result = schema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    const errors = result.error.issues.flatMap((issue) => issueToProblems(issue, source, file));
    return { ok: false, errors: byLine(errors) };
  }
  const config = result.data;
  const { warnings, errors } = applyEnvOverrides(
    config,
    options.overrides ?? [],
    options.env ?? {},
  );
  if (errors.length > 0) return { ok: false, errors };
  const found = (options.checks ?? []).flatMap((check) =>
    check(config).map(({ path, message }) => ({
      file,
      line: findKeyLine(source, path),
      key: keyName(path),
      message,
    })),
  );
  if (found.length > 0) return { ok: false, errors: byLine(found) };
  for (const advise of options.advisories ?? []) {
    for (const { path, message } of advise(config)) {
      const line = findKeyLine(source, path);
      warnings.push(`${file}${line === undefined ? "" : `:${line}`}: ${keyName(path)}: ${message}`);
    }
  }
  return { ok: true, config, warnings };
}

function wholeFile(file: string, message: string): { ok: false; errors: ConfigProblem[] } {
  return { ok: false, errors: [{ file, line: undefined, key: "", message }] };
}

/** Problems in the order of the file; those without a line last. Stable for equal lines. */
function byLine(problems: ConfigProblem[]): ConfigProblem[] {
  return problems.sort(
    (a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER),
  );
}
