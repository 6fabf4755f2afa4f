import { setFlagsFromString } from "node:v8";

/**
 * How much V8 lets the service's heap grow past what survived its last full collection, in
 * percent, unless told otherwise. Left to itself, a Node process on a machine with 16 GB or more
 * gets a 4 GB heap limit, and with it leave to grow up to four times its live objects between
 * full collections: in the 10,000-device benchmark the main heap climbed to 100-160 MB, mostly
 * garbage, in some runs and not in others (peak RSS 219-277 MB on 2026-12-06, 213-293 before).
 * 50 keeps it near 1.5 times: peak RSS 195-203 MB in the same benchmark and sitting, at a few
 * more full collections (CPU per message within the run-to-run spread). See BENCHMARKS.md.
 */
export const HEAP_GROWING_PERCENT = 50;

/** V8 options that already decide how the heap grows: when one is given, nothing is set. */
const HEAP_OPTIONS = /^--(heap[-_]growing[-_]percent|max[-_]old[-_]space[-_]size)(=|$)/;

/**
 * The V8 option {@link tuneHeap} sets, or undefined when the process was started with one of
 * its own (`--heap-growing-percent`, `--max-old-space-size`) on the command line or in
 * `NODE_OPTIONS`: the operator's choice wins.
 */
export function heapTuningFlag(
  execArgv: readonly string[],
  nodeOptions?: string,
): string | undefined {
  const given = [...execArgv, ...(nodeOptions ?? "").split(/\s+/)];
  if (given.some((option) => HEAP_OPTIONS.test(option))) return undefined;
  return `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

/**
 * Sets {@link HEAP_GROWING_PERCENT} for this process's heaps, once, first thing in the service
 * (V8 reads it each time it sizes the heap after a full collection, so a running process takes
 * it). Returns the option set, or undefined when the operator gave their own.
 */
export function tuneHeap(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string | undefined = process.env.NODE_OPTIONS,
): string | undefined {
  const flag = heapTuningFlag(execArgv, nodeOptions);
  if (flag !== undefined) setFlagsFromString(flag);
  return flag;
}
