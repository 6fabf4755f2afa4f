import { Gauge, Histogram, type Registry } from "prom-client";
import { threadRunningClock } from "./thread-clock";

const LOOP_TASKS = [
  "publish_cycle",
  "publish_slice",
  "state_capture",
  "settle",
  "history_slice",
  "history_cut",
  "history_spill",
  "history_write",
] as const;

/** The service's own turns of the event loop whose duration is measured. */
export type LoopTask = (typeof LOOP_TASKS)[number];

/** Runs `work` as one measured task (see {@link LoopTasks.time}). */
export type TimeTask = <T>(task: LoopTask, work: () => T) => T;

/**
 * How long each of the service's own synchronous tasks held the event loop: a publish cycle's
 * turn (collecting changes, the first publisher slice, the outputs), each later publisher
 * slice, a state write's capture, a settle turn, a slice of the history's observations (in the
 * turns after a cycle's), a history batch cut in the turn before a capture, a step of a history
 * spill, a piece of a history batch's write (rows made and handed to the database: a SQLite
 * history runs the statements on a thread of its own, MariaDB's client parses its replies on
 * this one, untimed). Readings wait while one runs, so these say which part of the service
 * delays intake, apart from garbage collection and a busy machine (`coreflux_nodejs_eventloop_lag_*`
 * sees all of those together). Exposed as
 * `coreflux_event_loop_task_seconds{task}` (a histogram) and
 * `coreflux_event_loop_task_max_seconds{task}` (the longest since the previous scrape). On Linux
 * also `coreflux_event_loop_task_running_max_seconds{task}`: the longest time the thread was on
 * a CPU during one task since the previous scrape (see `threadRunningClock`), which tells the
 * task's own work (garbage collection included) from waits for a CPU on a busy machine.
 */
export class LoopTasks {
  private readonly histogram: Histogram<"task">;
  private readonly longest = new Map<LoopTask, number>();
  private readonly longestRunning = new Map<LoopTask, number>();

  /**
   * @param runningMs the thread's time on a CPU, ms (null: not measured); by default Linux's,
   *   for the thread that makes this object (the one whose tasks it times)
   */
  constructor(
    registry: Registry,
    private readonly runningMs: (() => number | undefined) | null = threadRunningClock() ?? null,
  ) {
    this.histogram = new Histogram({
      name: "coreflux_event_loop_task_seconds",
      help: "Time one of the service's own tasks held the event loop (publish cycle, publisher slice, state capture, settle, history slice, history cut, history spill, history write piece)",
      labelNames: ["task"],
      buckets: [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1],
      registers: [registry],
    });
    const longest = this.longest;
    new Gauge({
      name: "coreflux_event_loop_task_max_seconds",
      help: "Longest time one of the service's own tasks held the event loop since the previous scrape",
      labelNames: ["task"],
      registers: [registry],
      collect() {
        for (const task of LOOP_TASKS) this.set({ task }, longest.get(task) ?? 0);
        longest.clear();
      },
    });
    if (runningMs !== null) {
      const longestRunning = this.longestRunning;
      new Gauge({
        name: "coreflux_event_loop_task_running_max_seconds",
        help: "Longest time the thread was on a CPU during one of the service's own tasks since the previous scrape (its own work, without waits for a CPU)",
        labelNames: ["task"],
        registers: [registry],
        collect() {
          for (const task of LOOP_TASKS) this.set({ task }, longestRunning.get(task) ?? 0);
          longestRunning.clear();
        },
      });
    }
  }

  /** Runs `work` now and records how long it took as one `task`; returns what it returns. */
  readonly time: TimeTask = (task, work) => {
    const startedMs = performance.now();
    const ranMs = this.runningMs?.();
    try {
      return work();
    } finally {
      this.observe(task, (performance.now() - startedMs) / 1000);
      const endRanMs = ranMs === undefined ? undefined : this.runningMs?.();
      if (ranMs !== undefined && endRanMs !== undefined) {
        const seconds = (endRanMs - ranMs) / 1000;
        if (seconds > (this.longestRunning.get(task) ?? 0)) this.longestRunning.set(task, seconds);
      }
    }
  };

  /** Records one run of `task` that took `seconds`. */
  observe(task: LoopTask, seconds: number): void {
    this.histogram.observe({ task }, seconds);
    if (seconds > (this.longest.get(task) ?? 0)) this.longest.set(task, seconds);
  }
}
