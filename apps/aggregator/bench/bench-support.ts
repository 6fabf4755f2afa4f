/** What the aggregator's micro-benchmarks share: their arguments, fleet and GC watch. */
import { type PerformanceEntry, PerformanceObserver } from "node:perf_hooks";

const args = process.argv.slice(2);

/** The value after `--<name>` on the command line, `fallback` without one. */
export function benchArg(name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : args[i + 1]!;
}

/**
 * Device `d`'s paths in the benchmarks' fleet (20 offices, rooms of 100 devices), its own
 * first, up to the company.
 */
export function devicePaths(d: number): string[] {
  const office = d % 20;
  const room = Math.floor(d / 100);
  return [`O${office}/R${room}/D${d}`, `O${office}/R${room}`, `O${office}`, ""];
}

/** Garbage collection seen by a {@link watchGc}: total ms, collections, the longest ms. */
export interface GcSeen {
  ms: number;
  count: number;
  maxMs: number;
}

/** Starts counting garbage collections; `stop` resolves once the last ones are reported. */
export function watchGc(): { stop(): Promise<GcSeen> } {
  const seen: GcSeen = { ms: 0, count: 0, maxMs: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries() as PerformanceEntry[]) {
      seen.ms += e.duration;
      seen.count++;
      seen.maxMs = Math.max(seen.maxMs, e.duration);
    }
  });
  observer.observe({ entryTypes: ["gc"] });
  return {
    stop: async () => {
      await new Promise((resolve) => setTimeout(resolve, 50)); // the last collections' entries
      observer.disconnect();
      return seen;
    },
  };
}
