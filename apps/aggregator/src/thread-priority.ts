import { readdirSync, readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";

/**
 * How many nice steps below the thread that takes in readings the service's other busy threads
 * run: V8's helper threads (concurrent garbage collection, compilation), libuv's pool and the
 * state writer's.
 * At +10 such a thread gets about a tenth of a CPU that the intake also wants, and all of one
 * that nobody else wants (Linux's scheduler weighs threads, it does not starve them).
 */
export const HELPER_NICE_STEPS = 10;

/** The highest nice value Linux has (the lowest priority). */
const NICE_MAX = 19;

/**
 * The kernel's id of the calling thread (Linux: `/proc/thread-self`), or undefined elsewhere.
 * On Linux each thread has its own priority, addressed by this id.
 */
export function currentThreadId(): number | undefined {
  try {
    const id = Number(readlinkSync("/proc/thread-self").split("/").pop());
    return Number.isSafeInteger(id) && id > 0 ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Lowers one thread's priority by `steps` nice steps from what it is now (at most to 19).
 * Best effort: false when the thread is gone or the system does not allow it (not Linux, a
 * sandbox without `setpriority`); the thread then runs as it was.
 */
export function lowerThreadPriority(threadId: number, steps = HELPER_NICE_STEPS): boolean {
  try {
    const nice = getPriority(threadId);
    setPriority(threadId, Math.min(NICE_MAX, nice + steps));
    return true;
  } catch {
    return false;
  }
}

/**
 * V8 options on the command line that turn concurrent marking off (V8 then marks on the thread
 * that owns the heap, and its helpers work only in the parallel phases of a collection, which
 * that thread waits for).
 */
const MARKING_OFF = /^--no[-_]concurrent[-_]marking$/;

/**
 * Whether the service lowers V8's helper threads (see {@link lowerOtherThreads}): yes, unless
 * the process was started with `--no-concurrent-marking`. Lowering them keeps their concurrent
 * marking from taking the CPUs the event loop wants; with that marking off, their only work is
 * the parallel phases of a collection, which the event loop joins, and then lowered helpers only
 * make it wait: V8 hands each parallel job to them through a condition variable whose signal
 * (glibc's) can block until the helpers woken before it have run, and at 100,000 devices on 2
 * busy CPUs the event loop slept 10-31 ms at a time in that signal (BENCHMARKS.md, stall notes).
 */
export function lowersHelperThreads(execArgv: readonly string[] = process.execArgv): boolean {
  return !execArgv.some((option) => MARKING_OFF.test(option));
}

/**
 * Lowers the priority of every thread of this process but the calling one, by `steps`, and
 * returns the ids it lowered (empty where threads cannot be listed: not Linux). Called first
 * thing on the main thread, this catches V8's helper threads, which Node starts with the
 * process (four of them, whatever the number of CPUs), and libuv's pool (started while Node
 * loads the modules; it does the service's asynchronous file work, such as a history spill,
 * never the journal's writes, which are the event loop's own). Concurrent marking of a large
 * heap keeps the four helpers busy for tens of milliseconds at a time, and at the same priority
 * they took the CPUs from the event loop (at 100,000 devices on 2 CPUs, the longest stalls were
 * the main thread waiting 20-50 ms while they marked; see BENCHMARKS.md). Threads started later
 * (worker threads) take the priority of the thread that starts them: the main thread's.
 */
export function lowerOtherThreads(steps = HELPER_NICE_STEPS): number[] {
  const self = currentThreadId();
  if (self === undefined) return [];
  let ids: string[];
  try {
    ids = readdirSync("/proc/self/task");
  } catch {
    return [];
  }
  const lowered: number[] = [];
  for (const name of ids) {
    const id = Number(name);
    if (id !== self && lowerThreadPriority(id, steps)) lowered.push(id);
  }
  return lowered;
}
