import { closeSync, openSync, readSync } from "node:fs";

/**
 * A clock of the calling thread's time on a CPU, ms, from Linux's `/proc/thread-self/schedstat`
 * (its first field, ns): a task's share of it is what the thread itself ran, garbage collection
 * on the thread included, without the time it waited for a CPU on a busy machine. The kernel
 * adds a running thread's time at its ticks and context switches, so a reading can lag by up
 * to a tick (1-10 ms). Undefined where there is no such file (not Linux), and the clock gives
 * up (returns undefined from then on) should a read fail.
 */
export function threadRunningClock(): (() => number | undefined) | undefined {
  let fd: number | undefined;
  try {
    fd = openSync("/proc/thread-self/schedstat", "r");
  } catch {
    return undefined;
  }
  const buffer = Buffer.alloc(96);
  return () => {
    if (fd === undefined) return undefined;
    try {
      const n = readSync(fd, buffer, 0, buffer.length, 0);
      const text = buffer.toString("latin1", 0, n);
      const runNs = Number(text.slice(0, text.indexOf(" ")));
      if (Number.isFinite(runNs)) return runNs / 1e6;
    } catch {
      // Given up below.
    }
    closeSync(fd);
    fd = undefined;
    return undefined;
  };
}
