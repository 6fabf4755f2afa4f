import type { CounterTruth } from "./counter-truth";
import type { Prng } from "./prng";

/** A valid metering message a device published, kept to re-send or delay it. */
export interface Recent {
  topic: string;
  payload: string;
  c1: CounterTruth | undefined;
  v1: number;
  c2: CounterTruth | undefined;
  v2: number;
}

/** Valid metering messages kept per device for `reorder` re-sends. */
const HISTORY = 2;

/** Per-device state of the message-level faults: its generator, a delayed message, recent messages. */
export class DeviceMailbox {
  held: Recent | undefined = undefined;
  readonly history: Recent[] = [];
  private historyNext = 0;
  /** Valid counter messages since one was last kept (only every `keepEvery`-th is kept). */
  sinceKept = 0;

  constructor(
    /** The device's fault generator (separate from its load generator). */
    readonly rng: Prng,
  ) {}

  remember(entry: Recent): void {
    if (this.history.length < HISTORY) this.history.push(entry);
    else this.history[this.historyNext] = entry;
    this.historyNext = (this.historyNext + 1) % HISTORY;
  }

  /** Forgets everything older than a reboot (its counters belonged to the previous epoch). */
  forget(): void {
    this.history.length = 0;
    this.historyNext = 0;
  }
}
