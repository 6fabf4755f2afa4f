/** One problem in a configuration file, located as precisely as the file allows. */
export interface ConfigProblem {
  /** The file, or `environment <VARIABLE>` for a bad environment override. */
  file: string;
  /** 1-based line, when the key (or its table) is written in the file. */
  line: number | undefined;
  /** Dotted key, e.g. `mqtt.embedded.port` or `devices[1].path`; empty for the whole file. */
  key: string;
  /** What is wrong, for a person: never the value itself (it may be a secret). */
  message: string;
}

/**
 * Result of loading a configuration: the validated config with the notes worth logging
 * (`mqtt.url is taken from COREFLUX_MQTT_URL`), or every problem found, sorted by line.
 * Loading never throws on bad input.
 */
export type ConfigResult<T> =
  | { ok: true; config: T; warnings: string[] }
  | { ok: false; errors: ConfigProblem[] };

/** `file:line: key: message`, as `--check` prints it (line and key left out when unknown). */
export function formatProblem(problem: ConfigProblem): string {
  const line = problem.line ? `:${problem.line}` : "";
  const key = problem.key ? `${problem.key}: ` : "";
  return `${problem.file}${line}: ${key}${problem.message}`;
}

/** `["devices", 1, "path"]` → `devices[1].path`: the key as people read it. */
export function keyName(path: readonly (string | number)[]): string {
  return path.reduce<string>(
    (out, p) => (typeof p === "number" ? `${out}[${p}]` : out ? `${out}.${p}` : p),
    "",
  );
}
