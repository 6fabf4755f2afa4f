import { type AddressInfo, connect, createServer } from "node:net";

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A TCP port of `host` that was free a moment ago (the OS picks it). Tests never use a fixed
 * port: two runs on one machine, or a service already there, would collide.
 */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** True if something accepts a TCP connection on `host:port` now. */
export function canConnect(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Options of {@link waitUntil}. */
export interface WaitOptions {
  /** Poll period, ms. Default 50. */
  everyMs?: number;
  /** Appended to the timeout error: the state that would explain it (last value, a log tail). */
  describe?: () => string;
}

/**
 * Polls `condition` (sync or async) every `everyMs` until it returns true. Throws
 * `timed out after <timeoutMs> ms waiting for <what>` (plus `describe()`) when time is up; an
 * error thrown by `condition` ends the wait at once with that error.
 */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs: number,
  options: WaitOptions = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) {
      const detail = options.describe ? `; ${options.describe()}` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await sleep(options.everyMs ?? 50);
  }
}
