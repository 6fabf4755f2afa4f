import type { AggregatorProcess } from "./aggregator";

/** One memory sample of the aggregator. */
export interface RssSample {
  /** Milliseconds since the sampler started. */
  tMs: number;
  rssBytes: number;
}

/** Samples the aggregator's RSS from /proc/<pid>/status every `everyMs` until stopped. */
export class RssSampler {
  readonly samples: RssSample[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly started = Date.now();

  constructor(
    private readonly aggregator: AggregatorProcess,
    everyMs = 250,
  ) {
    this.take();
    this.timer = setInterval(() => this.take(), everyMs);
  }

  stop(): RssSample[] {
    clearInterval(this.timer);
    this.take();
    return this.samples;
  }

  /** Highest RSS seen, bytes. */
  get peak(): number {
    return Math.max(...this.samples.map((s) => s.rssBytes));
  }

  /** Median RSS within a fraction of the run (`from`, `to` in 0..1 of the samples), bytes. */
  medianBetween(from: number, to: number): number {
    const n = this.samples.length;
    const part = this.samples
      .slice(Math.floor(n * from), Math.max(Math.floor(n * to), 1))
      .map((s) => s.rssBytes)
      .sort((a, b) => a - b);
    return part[Math.floor(part.length / 2)]!;
  }

  private take(): void {
    if (!this.aggregator.running) return;
    try {
      this.samples.push({ tMs: Date.now() - this.started, rssBytes: this.aggregator.rssBytes() });
    } catch {
      // The process exited between the check and the read; the test notices that on its own.
    }
  }
}

/**
 * Fixed RSS ceiling of the aggregator during the first half of a flood of hostile or made-up
 * messages (before the first heap snapshot): the measured peaks (about 210–290 MiB,
 * RELIABILITY.md) plus headroom.
 */
export const RSS_CEILING_BYTES = 400 * 1024 * 1024;

/**
 * Allowed growth of the live heap ({@link AggregatorProcess.liveHeapBytes}) from the middle to
 * the end of a million-message flood: a leak of 17 bytes per message over those 500,000
 * messages would exceed it.
 */
export const LIVE_HEAP_GROWTH_BUDGET_BYTES = 8 * 1024 * 1024;

/** Bytes as MiB with one decimal, for messages and reports. */
export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
