import type { AutomationEvent } from "@coreflux/automation";
import type { Logger } from "pino";

/** Events logged one by one per second at most; the rest are counted in one line. */
const LOG_PER_SECOND = 50;

/**
 * Reports each decision twice: as one JSON message on `<Company>/automatism/events` (not
 * retained) and as one log line — past 50 a second, summarised in one line per second.
 */
export class EventReporter {
  private secondMs = -1;
  private loggedThisSecond = 0;
  private summarised = new Map<string, number>();

  constructor(
    private readonly publish: (topic: string, payload: string) => void,
    readonly topic: string,
    private readonly log: Logger,
  ) {}

  /** Publishes and logs `events` (decided at `nowMs`). */
  report(
    events: readonly AutomationEvent[],
    nowMs: number,
    dryRun: (rule: string) => boolean,
  ): void {
    const second = Math.floor(nowMs / 1000);
    if (second !== this.secondMs) this.flush(second);
    for (const e of events) {
      this.publish(this.topic, JSON.stringify({ ...e, dryRun: dryRun(e.rule) }));
      if (this.loggedThisSecond < LOG_PER_SECOND) {
        this.loggedThisSecond++;
        const level = e.event === "failed" ? "warn" : "info";
        this.log[level](
          e,
          `${e.event}: ${e.path} switch:${e.channel} (rule ${e.rule}${e.attempt > 0 ? `, attempt ${e.attempt}` : ""})${e.reason ? `: ${e.reason}` : ""}`,
        );
      } else {
        this.summarised.set(e.event, (this.summarised.get(e.event) ?? 0) + 1);
      }
    }
  }

  /** Logs what the last second summarised, and starts a new second. */
  flush(second = -1): void {
    if (this.summarised.size > 0) {
      this.log.info(
        { events: Object.fromEntries(this.summarised) },
        "more automatism events than are logged one by one",
      );
      this.summarised = new Map();
    }
    this.secondMs = second;
    this.loggedThisSecond = 0;
  }
}
