/**
 * The ideal accountant: what a perfect accounting of the reported counters credits. It sees only
 * what reached the engine, but it knows which messages are genuine, in which order they were
 * produced, and where each counter segment begins and how (see `SegmentStart`).
 *
 * Per meter and per counter (active, returned) it walks the genuine delivered readings in
 * production order:
 * - the meter's first reading ever: 0 (the counter's past is not ours);
 * - same segment as the previous reading: the increase;
 * - a segment that started from 0 (volatile restart, intentional reset): its whole first value;
 * - a segment that started at an unknown level (a replaced device): 0;
 * - a restored older value `S` (at most what the counter had): `max(0, L − R)`, where R is the
 *   last reading before and L the first after. When the counter came back at or above R the
 *   counter never went below anything reported, and every value between R and L was really
 *   consumed; when it came back below R, L is a new base.
 *
 * Next to the credit it computes the truth (physical consumption up to the meter's last reading)
 * and what no accounting can see (truth − credit) by class, and the ambiguities the engine cannot
 * resolve, by class (K1 to K7 below), with their bounds.
 */
import { JITTER_MWH, plausibleMaxMwh } from "./plausibility";

/** Readings of one meter arriving closer together than this (ms) are copies to the engine. */
const COPY_WINDOW_MS = 2000;

import type { SimMessage, SimMeter, Simulation } from "./stream";

/** Where energy that no accounting can see went. */
export const UNOBSERVABLE_CLASSES = [
  /** Consumed before the meter's first reading. */
  "before-first",
  /** Consumed between the last reading and a restart from 0 (volatile counter rebooted). */
  "before-restart",
  /** Consumed between the last reading and an intentional reset. */
  "before-reset",
  /** Lost by a counter that restored an older value, plus what it gained before its first report. */
  "restored-older",
  /** Between the old device's last reading and the new device's first. */
  "replaced",
] as const;
/** One of {@link UNOBSERVABLE_CLASSES}. */
export type UnobservableClass = (typeof UNOBSERVABLE_CLASSES)[number];

/** The provably unknowable classes: differences the engine may show, and in which range. */
export const AMBIGUITY_CLASSES = ["K1", "K2", "K3", "K4", "K5", "K6", "K7"] as const;
/** One of {@link AMBIGUITY_CLASSES}. */
export type AmbiguityClass = (typeof AMBIGUITY_CLASSES)[number];

/**
 * One ambiguous segment start. The engine's total may differ from the accountant's by a value
 * in `[lowMwh, highMwh]` for it (`lowMwh <= 0 <= highMwh`).
 *
 * - K1 "new level or restart?": a segment that began at an unknown level (restored-older or
 *   replaced) below the previous reading, whose first value L is small enough to be energy
 *   consumed since a restart from zero: `L ≤ ratingEff × max(gap, 60 s) + 1 Wh`. The engine may
 *   credit L: `[0, L]`.
 * - K2 "consumption during the silence or a replaced device?": a replacement with a higher
 *   counter whose jump `J = L − R ≤ ratingEff × max(gap, 60 s) + 1 Wh`. `[0, J]`.
 * - K3 "a drop and back above the old level: a glitch, or a new counter that grew past it?": a
 *   segment (restart from 0, restored below R, replaced below R) whose first or second reading is
 *   back at or above `R − 1 Wh`. The same readings arise from a corrupted low value (or a
 *   re-delivered one) followed by genuine readings, where nothing is to be credited for the drop:
 *   the engine may credit from R instead of from the new base B (0 or L): `[−(R − B), 0]`.
 *
 * - K4 "arrival times only": a meter without a device clock, and a reading that arrived sooner
 *   after the previous one than it was produced (the previous one was delivered late, or both
 *   came in a burst after a receiver outage). The engine only knows arrival times: the same
 *   arrivals come from readings produced that close together, where the growth would be beyond
 *   the meter's limit (a new counter level, not consumption), or from late copies of earlier
 *   readings (the same for a new counter's first reading: what it shows had longer to grow than
 *   the arrivals say). The engine may not credit what this reading adds: `[−credit, 0]`.
 * - K5 "an unexplained rise, then another counter": a genuine rise within the meter's limit
 *   (power reports can miss a short load) as the last reading before a new segment (a restored
 *   or replaced counter). The same readings arise from a corrupted high value followed by the new
 *   counter (`100 → 900 → 100.1`, issue #12 class 3, with a new counter instead of `100.1`): a
 *   rise the power does not explain waits for the next reading to confirm it, and no next
 *   reading of that counter comes. The engine may not credit it: `[−rise, 0]`.
 *
 * - K6 "a corrupted value the counter could have shown": a corrupted reading (or a transient
 *   zero on a counter that was still at zero) between the last
 *   genuine value and the true one (it looks like no change, or growth that is credited; it
 *   moves the time the counter was last seen there), after which the true
 *   counter is more than the meter's rating allows above it. From the readings alone that is a new
 *   counter level (a replaced device), so the engine may not credit the rest of the rise:
 *   `[−(true − corrupted), 0]`.
 *
 * - K7 "an unconfirmed drop, then a new counter back above the old level": a segment began
 *   below the previous reading R (a restart, a restored or replaced counter), and every reading
 *   of it was a copy as far as the engine can tell (on arrival times, all within the copy window
 *   of its first; by the device's clock, none later); the next segment's first reading is back
 *   at or above R. From the readings alone the low values were one outlier (the same as class 2
 *   of issue #12, `100 → 0 → 100.4`), so the engine may credit from R instead of from the low
 *   value: `[−(R + low), 0]`.
 *
 * `ratingEff = max(ratingW, 1.25 × highest power the meter reported)`; `gap` is the production
 * time between R and L for a meter with a device clock, and the larger of production and arrival
 * gaps for one without (the engine only knows arrival times then).
 */
export interface Ambiguity {
  kind: AmbiguityClass;
  /** The first reading of the new segment (its stream index). */
  messageIndex: number;
  lowMwh: number;
  highMwh: number;
  detail: string;
}

/** What the accountant concludes about one counter of one meter. */
export interface CounterAccount {
  /** The ideal total, integer mWh. */
  creditMwh: number;
  /** Physical energy up to the meter's last genuine delivered reading, integer mWh. */
  truthMwh: number;
  unobservableMwh: Record<UnobservableClass, number>;
  /**
   * The bound of each class: what the meter could have consumed at its peak over the silences
   * concerned (`peak × max(gap, 60 s) + 1 Wh` per gap between the readings around a
   * discontinuity; from the start to the first reading for `before-first`).
   */
  unobservableBoundMwh: Record<UnobservableClass, number>;
  ambiguities: Ambiguity[];
  /** The credit up to and including each genuine delivered reading, in production order. */
  cumulativeByMessage: Map<number, number>;
}

/** Both counters of one meter. */
export interface MeterAccount {
  meter: SimMeter;
  /** `max(ratingW, 1.25 × highest |power| reported)`, W. */
  ratingEffW: number;
  active: CounterAccount;
  returned: CounterAccount;
}

/** Accounts every meter of a simulation. */
export function account(sim: Simulation): MeterAccount[] {
  const readings: SimMessage[][] = sim.meters.map(() => []);
  const corrupted: SimMessage[][] = sim.meters.map(() => []);
  const maxPowerDw = sim.meters.map(() => 0);
  for (const msg of sim.messages) {
    if (msg.meter < 0 || !msg.delivered) continue;
    if (!Number.isNaN(msg.powerDw))
      maxPowerDw[msg.meter] = Math.max(maxPowerDw[msg.meter]!, Math.abs(msg.powerDw));
    if (msg.kind === "reading" && msg.genuine) readings[msg.meter]!.push(msg);
    else if (
      msg.kind === "reading" &&
      (msg.fault?.startsWith("corrupt") || msg.fault === "transient-zero")
    )
      corrupted[msg.meter]!.push(msg);
  }
  return sim.meters.map((meter) => {
    const own = readings[meter.index]!.sort((a, b) => a.productionMs - b.productionMs);
    const ratingEffW = Math.max(meter.params.ratingW, (1.25 * maxPowerDw[meter.index]!) / 10);
    return {
      meter,
      ratingEffW,
      active: accountCounter(meter, own, corrupted[meter.index]!, ratingEffW, "active"),
      returned: meter.params.hasReturned
        ? accountCounter(meter, own, corrupted[meter.index]!, ratingEffW, "returned")
        : emptyAccount(),
    };
  });
}

function emptyAccount(): CounterAccount {
  return {
    creditMwh: 0,
    truthMwh: 0,
    unobservableMwh: zeroUnobservable(),
    unobservableBoundMwh: zeroUnobservable(),
    ambiguities: [],
    cumulativeByMessage: new Map(),
  };
}

/** A record with 0 mWh for every unobservable class. */
export function zeroUnobservable(): Record<UnobservableClass, number> {
  return Object.fromEntries(UNOBSERVABLE_CLASSES.map((c) => [c, 0])) as Record<
    UnobservableClass,
    number
  >;
}

function accountCounter(
  meter: SimMeter,
  readings: readonly SimMessage[],
  corrupted: readonly SimMessage[],
  ratingEffW: number,
  counter: "active" | "returned",
): CounterAccount {
  const result = emptyAccount();
  const value =
    counter === "active" ? (m: SimMessage) => m.energyMwh : (m: SimMessage) => m.returnedMwh;
  const physical =
    counter === "active"
      ? (m: SimMessage) => m.physicalMwh
      : (m: SimMessage) => m.physicalReturnedMwh;
  const hasDeviceTime = meter.deviceParams.hasDeviceTime;
  const peakW = Math.max(ratingEffW, meter.params.peakW);
  /** Books energy no accounting could see, checking it against its bound. */
  const unobservable = (kind: UnobservableClass, mwh: number, overMs: number) => {
    const bound = plausibleMaxMwh(peakW, overMs);
    if (mwh < 0 || mwh > bound)
      throw new Error(`model bug: ${meter.meterId} ${kind} of ${mwh} mWh outside [0, ${bound}]`);
    result.unobservableMwh[kind] += mwh;
    result.unobservableBoundMwh[kind] += bound;
  };
  let lastRiseMwh = 0;
  let lastRiseWithinLimit = false;
  /** A drop at a segment start that no later reading of its segment confirmed yet (K7). */
  let unconfirmedDrop: { r: number; v: number; at: SimMessage } | undefined;
  for (let i = 0; i < readings.length; i++) {
    const cur = readings[i]!;
    const v = value(cur);
    let credit: number;
    let segmentStart = false;
    if (i === 0) {
      credit = 0;
      unobservable("before-first", physical(cur), cur.productionMs - meter.segments[0]!.atMs);
    } else {
      const prev = readings[i - 1]!;
      const r = value(prev);
      if (cur.segment === prev.segment) {
        credit = v - r;
        if (credit < 0)
          throw new Error(`model bug: ${meter.meterId} counter fell within a segment`);
      } else {
        segmentStart = true;
        if (cur.segment !== prev.segment + 1)
          throw new Error(`model bug: ${meter.meterId} has a segment without readings (guard)`);
        const segment = meter.segments[cur.segment]!;
        const next = readings[i + 1];
        const m = next && next.segment === cur.segment ? value(next) : Number.NaN;
        let gapMs = cur.productionMs - prev.productionMs;
        if (!hasDeviceTime) gapMs = Math.max(gapMs, cur.arrivalMs - prev.arrivalMs);
        const bound = plausibleMaxMwh(ratingEffW, gapMs);
        const add = (kind: AmbiguityClass, lowMwh: number, highMwh: number, detail: string) =>
          result.ambiguities.push({ kind, messageIndex: cur.index, lowMwh, highMwh, detail });
        const backAbove = v >= r - JITTER_MWH || m >= r - JITTER_MWH;
        const gapText = `R ${r}, L ${v}, next ${m}, gap ${gapMs} ms, bound ${bound} mWh`;
        switch (segment.start) {
          case "zero":
            credit = v;
            if (backAbove && r > 0)
              add("K3", -r, 0, `restart back above the old level: ${gapText}`);
            unobservable(
              segment.cause === "reset-counters" ? "before-reset" : "before-restart",
              physical(cur) - physical(prev) - credit,
              cur.productionMs - prev.productionMs,
            );
            break;
          case "restored":
          case "unknown": {
            const restored = segment.start === "restored";
            credit = restored ? Math.max(0, v - r) : 0;
            if (v < r) {
              if (v <= bound) add("K1", 0, v, `new level or restart? ${gapText}`);
              if (backAbove) add("K3", -(r - v), 0, `dropped and back above: ${gapText}`);
            } else if (!restored && v - r <= bound) {
              add("K2", 0, v - r, `jump or consumption? ${gapText}`);
            }
            unobservable(
              restored ? "restored-older" : "replaced",
              physical(cur) - physical(prev) - credit,
              cur.productionMs - prev.productionMs,
            );
            break;
          }
          default:
            throw new Error(`model bug: segment ${cur.segment} starts as "first"`);
        }
      }
    }
    if (i > 0) {
      const prev = readings[i - 1]!;
      // What the engine compares this reading with: the genuine reading of the same segment that
      // arrived last before it (on arrival times a late one may come after a newer one).
      const seen = lastArrivedBefore(readings, i);
      const seenValue = seen === undefined ? Number.NaN : value(seen);
      if (
        !hasDeviceTime &&
        seen !== undefined &&
        v > seenValue &&
        cur.arrivalMs - seen.arrivalMs < Math.abs(cur.productionMs - seen.productionMs) - 1000
      ) {
        result.ambiguities.push({
          kind: "K4",
          messageIndex: cur.index,
          lowMwh: -(v - seenValue),
          highMwh: 0,
          detail: `arrived ${cur.arrivalMs - seen.arrivalMs} ms after the reading before it, produced ${cur.productionMs - seen.productionMs} ms after it`,
        });
      }
      if (
        !hasDeviceTime &&
        segmentStart &&
        credit > 0 &&
        cur.arrivalMs - prev.arrivalMs < cur.productionMs - prev.productionMs - 1000
      ) {
        // The same for the first reading of a new counter: what it shows had longer to grow
        // than its arrival says.
        result.ambiguities.push({
          kind: "K4",
          messageIndex: cur.index,
          lowMwh: -credit,
          highMwh: 0,
          detail: `a new counter's first reading arrived ${cur.arrivalMs - prev.arrivalMs} ms after the reading before it, produced ${cur.productionMs - prev.productionMs} ms after it`,
        });
      }
      if (!segmentStart) {
        for (const c of corrupted) {
          if (c.arrivalMs < prev.arrivalMs || c.arrivalMs > cur.arrivalMs) continue;
          const cv = value(c);
          if (!(cv >= value(prev) && cv < v)) continue;
          // The engine's limit is the rating until the meter sustains more: beyond the rating
          // may already look like a new level.
          const limitMwh = plausibleMaxMwh(meter.params.ratingW, cur.productionMs - c.productionMs);
          if (v - cv <= limitMwh) continue;
          result.ambiguities.push({
            kind: "K6",
            messageIndex: cur.index,
            lowMwh: -(v - cv),
            highMwh: 0,
            detail: `a corrupted ${cv} mWh between ${value(prev)} and ${v}`,
          });
        }
      }
      if (segmentStart) {
        const r = value(prev);
        if (unconfirmedDrop && v >= unconfirmedDrop.r - JITTER_MWH) {
          result.ambiguities.push({
            kind: "K7",
            messageIndex: cur.index,
            lowMwh: -(unconfirmedDrop.r + unconfirmedDrop.v),
            highMwh: 0,
            detail: `back above ${unconfirmedDrop.r} mWh after an unconfirmed drop to ${unconfirmedDrop.v} mWh`,
          });
        }
        unconfirmedDrop = v < r - JITTER_MWH ? { r, v, at: cur } : undefined;
      } else if (unconfirmedDrop) {
        const low = unconfirmedDrop.at;
        const later = hasDeviceTime
          ? cur.productionMs > low.productionMs
          : cur.arrivalMs - low.arrivalMs >= COPY_WINDOW_MS;
        if (later) unconfirmedDrop = undefined;
      }
      if (segmentStart && lastRiseWithinLimit && lastRiseMwh > 0) {
        result.ambiguities.push({
          kind: "K5",
          messageIndex: cur.index,
          lowMwh: -lastRiseMwh,
          highMwh: 0,
          detail: `a rise of ${lastRiseMwh} mWh, then a new segment`,
        });
      }
      const gapMs = cur.productionMs - prev.productionMs;
      // An unchanged reading the engine takes for a copy (on arrival times, within the copy
      // window of the one before) does not confirm the rise before it.
      const copyOfPrev =
        !segmentStart &&
        credit === 0 &&
        (hasDeviceTime
          ? cur.productionMs <= prev.productionMs
          : cur.arrivalMs - prev.arrivalMs < COPY_WINDOW_MS);
      if (!copyOfPrev) {
        lastRiseMwh = credit;
        lastRiseWithinLimit = credit <= plausibleMaxMwh(ratingEffW, gapMs);
      }
    }
    result.creditMwh += credit;
    result.cumulativeByMessage.set(cur.index, result.creditMwh);
  }
  const last = readings[readings.length - 1];
  result.truthMwh = last ? physical(last) : 0;
  const unseen = Object.values(result.unobservableMwh).reduce((a, b) => a + b, 0);
  if (result.truthMwh - result.creditMwh !== unseen)
    throw new Error(`model bug: ${meter.meterId} truth − credit is not what was unobservable`);
  return result;
}

/**
 * The genuine reading of the same segment as `readings[i]` that arrived last before it, if any
 * (`readings` is in production order).
 */
function lastArrivedBefore(readings: readonly SimMessage[], i: number): SimMessage | undefined {
  const cur = readings[i]!;
  let best: SimMessage | undefined;
  for (let k = i - 1; k >= 0 && k >= i - 50; k--) {
    const r = readings[k]!;
    if (r.segment !== cur.segment) break;
    if (r.arrivalMs <= cur.arrivalMs && (best === undefined || r.arrivalMs > best.arrivalMs))
      best = r;
  }
  for (let k = i + 1; k < readings.length && k <= i + 50; k++) {
    const r = readings[k]!;
    if (r.segment !== cur.segment) break;
    if (r.arrivalMs < cur.arrivalMs && (best === undefined || r.arrivalMs > best.arrivalMs))
      best = r;
  }
  return best;
}
