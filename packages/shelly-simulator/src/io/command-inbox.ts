/** A command message as it arrived from the broker. */
export interface InboxMessage {
  topic: string;
  /** The payload as UTF-8 text. */
  payload: string;
}

/** Most messages waiting; beyond, new ones are dropped (a flood of commands must not exhaust memory). */
const MAX_WAITING = 10_000;

/**
 * Command messages received between two publishing steps of a run. The run takes them in
 * order and hands them to the fleet between batches, so a device's answer is published after
 * every message it published before (a consumer never sees a counter go back).
 */
export class CommandInbox {
  /** Messages dropped because {@link MAX_WAITING} were waiting. */
  dropped = 0;
  private waiting: InboxMessage[] = [];
  private wake: (() => void) | undefined;

  /** Queues a message (mqtt.js `message` listener) and wakes a waiting run. */
  readonly push = (topic: string, payload: Uint8Array): void => {
    if (this.waiting.length >= MAX_WAITING) {
      this.dropped++;
      return;
    }
    this.waiting.push({ topic, payload: Buffer.from(payload).toString("utf8") });
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  };

  /** Takes every waiting message, oldest first. */
  take(): InboxMessage[] {
    const out = this.waiting;
    this.waiting = [];
    return out;
  }

  /**
   * Waits `ms`, or less when a message arrives or `signal` aborts; resolves to false when aborted.
   * Leaves no timer or listener behind.
   */
  wait(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (this.waiting.length > 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (result: boolean): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.wake = undefined;
        resolve(result);
      };
      const onAbort = (): void => done(false);
      const timer = setTimeout(() => done(true), ms);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.wake = () => done(true);
    });
  }
}
