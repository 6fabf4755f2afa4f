import { inspect } from "node:util";
import type { Logger } from "../../src/index";

/** A logger that records every call as text, to assert on what (and what not) was logged. */
export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const record =
    (level: string) =>
    (obj: Record<string, unknown>, msg?: string): void => {
      lines.push(`${level} ${msg ?? ""} ${inspect(obj, { depth: 10 })}`);
    };
  return {
    lines,
    logger: {
      debug: record("debug"),
      info: record("info"),
      warn: record("warn"),
      error: record("error"),
    },
  };
}

/** Everything an error exposes: message, JSON, inspect (with the cause chain) and toString. */
export function everythingAbout(error: unknown): string {
  return [
    String(error),
    JSON.stringify(error),
    inspect(error, { depth: 10, showHidden: true }),
  ].join("\n");
}
