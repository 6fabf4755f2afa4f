import { createHook } from "node:async_hooks";

const WATCHED = new Set([
  "TCPWRAP",
  "TCPSERVERWRAP",
  "TLSWRAP",
  "PIPEWRAP",
  "Timeout",
  "Immediate",
]);

/** Timers of the test's own polling (`sleep`, `waitFor`) are not the code under test. */
const OWN_TIMERS = ["/test/helpers/net.ts", "/test-support/"];

/**
 * Records every socket, server and timer created from now on and forgets it when Node destroys
 * it (closed socket, cleared or fired timer). What `alive()` still lists after a teardown was
 * leaked by the code under test, unlike a before/after count that the runner's own timers blur.
 */
export function trackResources(): { alive(): string[]; stop(): void } {
  const live = new Map<number, string>();
  const hook = createHook({
    init(asyncId, type) {
      if (!WATCHED.has(type)) return;
      if (type === "Timeout" || type === "Immediate") {
        const stack = new Error().stack ?? "";
        if (OWN_TIMERS.some((path) => stack.includes(path))) return;
      }
      live.set(asyncId, type);
    },
    destroy(asyncId) {
      live.delete(asyncId);
    },
  });
  hook.enable();
  return {
    alive: () => [...live.values()].sort(),
    stop: () => hook.disable(),
  };
}
