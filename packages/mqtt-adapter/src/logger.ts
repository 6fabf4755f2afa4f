/**
 * The small structured logger the package writes to: pino satisfies it, and so does a
 * four-function object. The package never imports a logging library and is silent by default.
 * Nothing the package logs contains a password, a private key or a passphrase.
 */
export interface Logger {
  debug(obj: Record<string, unknown>, msg?: string): void;
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
  error(obj: Record<string, unknown>, msg?: string): void;
}

const noop = (): void => {};

/** A logger that discards everything: the default, so that libraries stay quiet. */
export const silentLogger: Logger = Object.freeze({
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
});
