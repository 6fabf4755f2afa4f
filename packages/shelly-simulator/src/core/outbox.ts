import type { CounterTruth } from "./counter-truth";
import type { DeviceMailbox } from "./device-mailbox";
import { FAULT_KINDS, type FaultKind, type FaultRates } from "./faults";
import { corrupt } from "./malformed-payload";
import { MessageFault, type MessageFaultCode } from "./message-fault";
import type { SimMessage } from "./sim-message";

/** Counts of what a fleet published and injected. */
export interface FleetStats {
  /** Messages published. */
  messages: number;
  /** Metering messages (power or counters) published: the ones a per-message fault can hit. */
  meteringMessages: number;
  /** Faults injected, by kind. */
  faults: Record<FaultKind, number>;
  /**
   * Faults drawn but not injected because they would have made the truth unobservable (a counter
   * still recovering from the previous fault or reset, a reboot while a counter is low, ...).
   */
  suppressed: Record<FaultKind, number>;
}

function zeroCounts(): Record<FaultKind, number> {
  const counts = {} as Record<FaultKind, number>;
  for (const kind of FAULT_KINDS) counts[kind] = 0;
  return counts;
}

/**
 * Collects a fleet's messages in publishing order and applies the message-level faults, keeping
 * the truth in step: a valid message's counter values are observed when it is published, a
 * faulty one's never (a late or re-sent copy is observed as what it is, an older value).
 */
export class Outbox {
  out: SimMessage[] = [];
  readonly stats: FleetStats = {
    messages: 0,
    meteringMessages: 0,
    faults: zeroCounts(),
    suppressed: zeroCounts(),
  };
  private readonly thresholds: number[];
  private readonly messageFaults: boolean;
  /**
   * Keep every n-th valid counter message for re-sends (0: none). Keeping them all would hold a
   * payload per device across garbage collections; a re-sent message is older either way.
   */
  private readonly keepEvery: number;

  constructor(rates: FaultRates) {
    let sum = 0;
    this.thresholds = [
      rates.zero,
      rates.spike,
      rates.duplicate,
      rates.reorder,
      rates.malformed,
    ].map((rate) => {
      sum += rate ?? 0;
      return sum;
    });
    this.messageFaults = sum > 0;
    const reorder = rates.reorder ?? 0;
    this.keepEvery = reorder > 0 ? Math.max(1, Math.min(50, Math.round(0.2 / reorder))) : 0;
  }

  /** Takes the messages collected so far. */
  take(): SimMessage[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  /** Counts a device-level fault (reset, offline) as injected or suppressed. */
  count(kind: FaultKind, injected: boolean): void {
    if (injected) this.stats.faults[kind]++;
    else this.stats.suppressed[kind]++;
  }

  /**
   * Draws the fault of one metering message carrying the counters `c1` / `c2` (either may be
   * undefined). A fault that would hit a counter still in its cooldown is suppressed.
   */
  decide(
    box: DeviceMailbox,
    c1: CounterTruth | undefined,
    c2: CounterTruth | undefined,
  ): MessageFaultCode {
    this.stats.meteringMessages++;
    if (!this.messageFaults) return MessageFault.none;
    const u = box.rng.next();
    const t = this.thresholds;
    let kind: FaultKind;
    if (u < t[0]!) kind = "zero";
    else if (u < t[1]!) kind = "spike";
    else if (u < t[2]!) kind = "duplicate";
    else if (u < t[3]!) kind = "reorder";
    else if (u < t[4]!) kind = "malformed";
    else return MessageFault.none;
    if ((c1 !== undefined && !c1.clean) || (c2 !== undefined && !c2.clean)) {
      this.stats.suppressed[kind]++;
      return MessageFault.none;
    }
    switch (kind) {
      case "zero":
        return MessageFault.zero;
      case "spike":
        return MessageFault.spike;
      case "duplicate":
        return MessageFault.duplicate;
      case "reorder":
        return MessageFault.reorder;
      default: {
        const pick = box.rng.int(3);
        return pick === 0
          ? MessageFault.truncated
          : pick === 1
            ? MessageFault.wrongType
            : MessageFault.garbage;
      }
    }
  }

  /**
   * Publishes a metering message built for `fault` (from {@link decide}, or `none` for a message
   * that must be valid), with the counter values (integer mWh as a consumer reads them) it carries.
   */
  metering(
    box: DeviceMailbox,
    topic: string,
    payload: string,
    tsMs: number,
    fault: MessageFaultCode,
    c1: CounterTruth | undefined,
    v1: number,
    c2: CounterTruth | undefined,
    v2: number,
  ): void {
    switch (fault) {
      case MessageFault.none:
        this.valid(box, topic, payload, tsMs, c1, v1, c2, v2);
        break;
      case MessageFault.duplicate:
        this.valid(box, topic, payload, tsMs, c1, v1, c2, v2);
        this.push(topic, payload, tsMs, "duplicate");
        this.hit("duplicate", c1, c2);
        break;
      case MessageFault.reorder:
        this.reorder(box, topic, payload, tsMs, c1, v1, c2, v2);
        return; // releases what it must itself
      default: {
        this.push(topic, corrupt(payload, fault, box.rng), tsMs, faultKindOf(fault));
        this.hit(faultKindOf(fault), c1, c2);
      }
    }
    this.release(box, tsMs);
  }

  /** Publishes a message that carries no reading (online, sys, relay state). */
  plain(box: DeviceMailbox, topic: string, payload: string, tsMs: number, fault?: FaultKind): void {
    this.push(topic, payload, tsMs, fault);
    this.release(box, tsMs);
  }

  /** Publishes a delayed message now, in order (before the device goes offline or reboots). */
  flush(box: DeviceMailbox, tsMs: number): void {
    const held = box.held;
    if (held === undefined) return;
    box.held = undefined;
    this.push(held.topic, held.payload, tsMs, undefined);
    if (held.c1 !== undefined) held.c1.observe(held.v1, true);
    if (held.c2 !== undefined) held.c2.observe(held.v2, true);
  }

  private valid(
    box: DeviceMailbox,
    topic: string,
    payload: string,
    tsMs: number,
    c1: CounterTruth | undefined,
    v1: number,
    c2: CounterTruth | undefined,
    v2: number,
  ): void {
    this.push(topic, payload, tsMs, undefined);
    if (c1 !== undefined) c1.observe(v1, true);
    if (c2 !== undefined) c2.observe(v2, true);
    if (
      this.keepEvery > 0 &&
      (c1 !== undefined || c2 !== undefined) &&
      ++box.sinceKept >= this.keepEvery
    ) {
      box.sinceKept = 0;
      box.remember({ topic, payload, c1, v1, c2, v2 });
    }
  }

  private reorder(
    box: DeviceMailbox,
    topic: string,
    payload: string,
    tsMs: number,
    c1: CounterTruth | undefined,
    v1: number,
    c2: CounterTruth | undefined,
    v2: number,
  ): void {
    const old = box.history.length > 0 ? box.history[box.rng.int(box.history.length)]! : undefined;
    const oldClean =
      old !== undefined &&
      (old.c1 === undefined || old.c1.clean) &&
      (old.c2 === undefined || old.c2.clean);
    if (box.held === undefined && (!oldClean || box.rng.next() < 0.5)) {
      // Delay this message until after the device's next one.
      box.held = { topic, payload, c1, v1, c2, v2 };
      c1?.faulted();
      c2?.faulted();
      return;
    }
    this.valid(box, topic, payload, tsMs, c1, v1, c2, v2);
    if (!oldClean) this.stats.suppressed.reorder++;
    if (old !== undefined && oldClean) {
      // Deliver an older message again, after a newer one.
      this.push(old.topic, old.payload, tsMs, "reorder");
      if (old.c1 !== undefined) old.c1.observe(old.v1, false);
      if (old.c2 !== undefined) old.c2.observe(old.v2, false);
      this.hit("reorder", old.c1, old.c2);
    }
    this.release(box, tsMs);
  }

  /** After a device's message: a delayed message of the device now arrives late. */
  private release(box: DeviceMailbox, tsMs: number): void {
    const held = box.held;
    if (held === undefined) return;
    box.held = undefined;
    this.push(held.topic, held.payload, tsMs, "reorder");
    if (held.c1 !== undefined) held.c1.observe(held.v1, false);
    if (held.c2 !== undefined) held.c2.observe(held.v2, false);
    this.hit("reorder", held.c1, held.c2);
  }

  private hit(kind: FaultKind, c1: CounterTruth | undefined, c2: CounterTruth | undefined): void {
    this.stats.faults[kind]++;
    c1?.faulted();
    c2?.faulted();
  }

  private push(
    topic: string,
    payload: string | Uint8Array,
    tsMs: number,
    fault: FaultKind | undefined,
  ): void {
    this.stats.messages++;
    this.out.push({ topic, payload, tsMs, fault });
  }
}

function faultKindOf(fault: MessageFaultCode): FaultKind {
  switch (fault) {
    case MessageFault.zero:
      return "zero";
    case MessageFault.spike:
      return "spike";
    default:
      return "malformed";
  }
}
