import pino, { type Logger } from "pino";
import pretty from "pino-pretty";

/** Paths pino redacts wherever they appear in a log object. */
export const REDACTED_PATHS = [
  "password",
  "*.password",
  "*.*.password",
  "username",
  "*.username",
  "*.*.username",
  "key",
  "*.key",
  "passphrase",
  "*.passphrase",
  "authorization",
  "*.authorization",
];

/**
 * The service logger: JSON lines on stdout, or pretty lines when `format` says so (`auto`:
 * when stdout is a terminal). Credentials are redacted by key; URLs are logged only through
 * {@link redactUrl}.
 */
export function createLogger(options: {
  level: string;
  format: "auto" | "json" | "pretty";
  destination?: NodeJS.WritableStream;
}): Logger {
  const destination = options.destination ?? process.stdout;
  const isTty = (destination as NodeJS.WriteStream).isTTY === true;
  const prettyOutput = options.format === "pretty" || (options.format === "auto" && isTty);
  const base = {
    level: options.level,
    base: { service: "coreflux-aggregator" },
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
  };
  if (prettyOutput) {
    return pino(
      base,
      pretty({
        destination,
        sync: true,
        colorize: isTty,
        translateTime: "SYS:HH:MM:ss.l",
        ignore: "pid,hostname,service",
      }),
    );
  }
  return pino(base, destination as pino.DestinationStream);
}

/** A URL with any user name and password removed, safe to log. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = "";
      parsed.password = "";
    }
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return "[unparsable url]";
  }
}

/** Items a log line lists one by one at most (see {@link listed}). */
export const MAX_LISTED_IN_LOG = 20;

/**
 * A list for a log line: the first {@link MAX_LISTED_IN_LOG} items, and how many more there are
 * (0 when all are listed). With a `[[devices]]` rule per Gen1 device, the aggregator's start-up
 * line listed every topic filter: 27,000 of them, 476 KB in one line, at 100,000 devices.
 */
export function listed<T>(items: readonly T[]): { items: T[]; notListed: number } {
  return {
    items: items.slice(0, MAX_LISTED_IN_LOG),
    notListed: Math.max(0, items.length - MAX_LISTED_IN_LOG),
  };
}
