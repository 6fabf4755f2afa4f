import { readFileSync } from "node:fs";
import { type AddressInfo, connect, createServer } from "node:net";

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Where {@link freePort} looks first: from here up to the ephemeral range. */
const LISTEN_PORTS_FROM = 20_000;
/** Ports this process handed out: never twice (two servers of one test could not both bind). */
const handedOut = new Set<number>();

/**
 * The kernel's range of ephemeral ports (Linux: `/proc/sys/net/ipv4/ip_local_port_range`; the
 * IANA range elsewhere): every outgoing connection takes its local port from it.
 */
export function ephemeralPortRange(): readonly [number, number] {
  try {
    const [low, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8")
      .trim()
      .split(/\s+/)
      .map(Number);
    if (Number.isInteger(low) && Number.isInteger(high)) return [low!, high!];
  } catch {
    // Not Linux: the IANA range below.
  }
  return [49_152, 65_535];
}

/** True if a server can listen on `host:port` now (it is closed again at once). */
function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * A TCP port of `host` that was free a moment ago. Tests never use a fixed port: two runs on one
 * machine, or a service already there, would collide. It is taken below the kernel's ephemeral
 * range when there is room (from 20,000): a port the OS picks for `listen(0)` comes from that
 * range, and so does the local port of every outgoing connection, so a server started a moment
 * later on such a port could find it taken by a client (a NATS cluster node found its route
 * port taken so, by another node's outgoing route: "bind: address already in use"). Falls back
 * to the OS's pick.
 */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  const high = ephemeralPortRange()[0] - 1;
  if (high - LISTEN_PORTS_FROM >= 1000) {
    for (let attempt = 0; attempt < 100; attempt++) {
      const port = LISTEN_PORTS_FROM + Math.floor(Math.random() * (high - LISTEN_PORTS_FROM + 1));
      if (handedOut.has(port)) continue;
      if (await canListen(port, host)) {
        handedOut.add(port);
        return port;
      }
    }
  }
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  handedOut.add(port);
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
