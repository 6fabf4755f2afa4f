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
 * resolve, by class (K1 to K8 below), with their bounds.
 */
import { JITTER_MWH, plausibleMaxMwh } from "./plausibility";

/** Readings of one meter arriving closer together than this (ms) are copies to the engine. */
const COPY_WINDOW_MS = 2000;
/**
 * "Near the old level" (K8): at most this fraction of the jump from the level the counter
 * showed last.
 */
const OLD_LEVEL_CLOSENESS = 0.1;

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
export const AMBIGUITY_CLASSES = ["K1", "K2", "K3", "K4", "K5", "K6", "K7", "K8"] as const;
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
 *
 *   Both are judged, too, against the level the engine still holds when the segment before this
 *   one was never confirmed (its jump or drop came only as copies or in a burst: see K7), or
 *   ended with a rise the engine held (K5), over the time since that level was read.
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
 *   zero on a counter that was still at zero) between the last genuine value (or the value a
 *   rise just before started from, which the engine may still hold) and the true one (it looks like no change, or growth that is credited; it
 *   moves the time the counter was last seen there), after which the true
 *   counter is more than the meter's rating allows above it. From the readings alone that is a new
 *   counter level (a replaced device), so the engine may not credit the rest of the rise:
 *   `[−(true − corrupted), 0]`.
 *
 * - K7 "a drop nothing confirmed": a segment began below the previous reading R (a restart, a
 *   restored or replaced counter) at a new base B (0 for a restart, else its first value), and
 *   no reading of it confirmed the drop as far as the engine can tell: each later reading was a
 *   copy (on arrival times within the copy window of the one before, by the device's clock not
 *   later) or grew more than the meter's limit allows over the time between the two (on arrival
 *   times: a burst after a receiver outage squeezes them together). The same readings arise from
 *   late copies of the counter's past (re-delivered in a burst) or from low outliers, where
 *   nothing is to be credited for the drop. Then either
 *   - a reading of the segment is back at or above `R − 1 Wh`: the low values were outliers to
 *     the engine, which may credit from R instead of from B: `[−(R − B), 0]` (unless K3 already
 *     covers the segment); or
 *   - the next segment starts back at or above R (`100 → 0 → 100.4`, class 2 of issue #12):
 *     `[−(R + low), 0]`; or below it: the unconfirmed segment may not be credited at all,
 *     `[−(its credit), 0]`.
 *
 * - K8 "a restart confirmed by one reading, then a counter near the old level": a segment began
 *   with a drop below R0 and showed at most two values, the last R (segments that start where
 *   the last one stood do not count), and a new value L (the next segment's first, or the
 *   doubted segment's own next) is at or above
 *   `R0 − 1 Wh`, near it (`L − R0 ≤ 0.1 × (L − R) + 1 Wh`) and no more above it than the meter
 *   could use since R0 was read. The same readings arise from two low outliers in a row and the
 *   old counter going on (class 4 of issue #12): the engine may credit the growth from R0 for
 *   the doubted segment and this start together, `L − R0`, instead of what the accountant
 *   credited for them, A (L for a restart from zero, the doubted segment's growth for a
 *   replaced device): the range spans 0 and `L − R0 − A`, widened by 1 Wh.
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
  /** The reading the last rise started from. */
  let lastRiseBase: SimMessage | undefined;
  /**
   * A drop at a segment start (from `r` to `v`, a new base `b`) that no later reading of its
   * segment confirmed yet (K7), and the credit before the segment began.
   */
  let unconfirmedDrop:
    | {
        r: number;
        v: number;
        b: number;
        creditBeforeMwh: number;
        /** The reading of the last level the engine confirmed (`r`). */
        from: SimMessage;
      }
    | undefined;
  /**
   * The current segment as the engine may doubt it (K8): the level before it (`r0`, seen at
   * `r0At`), whether it began with a drop, and how many distinct values it showed.
   */
  let doubted:
    | {
        r0: number;
        r0At: SimMessage;
        dropped: boolean;
        values: Set<number>;
        creditBeforeMwh: number;
      }
    | undefined;
  /**
   * A jump at a segment start (from `r`, read by `from`) that no later reading of its segment
   * confirmed yet: the engine holds it, and judges the next segment against `r`.
   */
  let unconfirmedJump: { r: number; from: SimMessage } | undefined;
  /** Segments whose start is already covered by K3. */
  const k3Segments = new Set<number>();
  /**
   * The time the engine sees between `from` and `cur`: by the device's clock, or, without it,
   * the larger of the production and arrival gaps (the engine only knows arrival times then).
   */
  const gapSince = (from: SimMessage, cur: SimMessage): number =>
    hasDeviceTime
      ? cur.productionMs - from.productionMs
      : Math.max(cur.productionMs - from.productionMs, cur.arrivalMs - from.arrivalMs);
  /**
   * Does `cur` confirm, as far as the engine can tell, that the counter runs on from `prev`
   * (both of one segment; a drop or a jump at the segment's start is then real)? It is a later
   * reading (by the device's clock, or by arrival beyond the copy window) that grew no more than
   * the meter's limit allows over that time.
   */
  const confirmsDrop = (prev: SimMessage, cur: SimMessage): boolean => {
    const gapMs = hasDeviceTime
      ? cur.productionMs - prev.productionMs
      : cur.arrivalMs - prev.arrivalMs;
    if (hasDeviceTime ? gapMs <= 0 : gapMs < COPY_WINDOW_MS) return false;
    return value(cur) - value(prev) <= Math.ceil((ratingEffW * gapMs) / 3600) + JITTER_MWH;
  };
  /**
   * K8: a reading `v` (after `r`, crediting `credit`) back near the level R0 before a drop
   * that one reading confirmed, at a segment start or inside the doubted segment.
   */
  const doubtedReturn = (cur: SimMessage, v: number, r: number, credit: number): void => {
    if (!doubted?.dropped || doubted.values.size > 2 || doubted.values.has(v)) return;
    if (v < doubted.r0 - JITTER_MWH) return;
    if (v - doubted.r0 > (v - r) * OLD_LEVEL_CLOSENESS + JITTER_MWH) return;
    if (v - doubted.r0 > plausibleMaxMwh(ratingEffW, gapSince(doubted.r0At, cur))) return;
    // The engine credits the growth from R0 over the doubted segment and this reading; the
    // accountant credited them as they were.
    const engineMwh = Math.max(0, v - doubted.r0);
    const accountantMwh = result.creditMwh - doubted.creditBeforeMwh + credit;
    const diffMwh = engineMwh - accountantMwh;
    result.ambiguities.push({
      kind: "K8",
      messageIndex: cur.index,
      lowMwh: Math.min(0, diffMwh) - JITTER_MWH,
      highMwh: Math.max(0, diffMwh) + JITTER_MWH,
      detail: `${v} mWh, near ${doubted.r0} mWh before a drop confirmed by one reading`,
    });
  };
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
        let gapMs = gapSince(prev, cur);
        // After a rise it held (K5 below), the engine measures from the reading before the rise.
        const heldRiseBase = lastRiseWithinLimit && lastRiseMwh > 0 ? lastRiseBase : undefined;
        if (heldRiseBase) gapMs = Math.max(gapMs, gapSince(heldRiseBase, cur));
        // After a segment nothing confirmed, the engine still measures from the level before it.
        if (unconfirmedDrop) gapMs = Math.max(gapMs, gapSince(unconfirmedDrop.from, cur));
        const bound = plausibleMaxMwh(ratingEffW, gapMs);
        // One entry per class and segment start: the same doubt judged against several levels
        // the engine may hold is one range, the widest.
        const add = (kind: AmbiguityClass, lowMwh: number, highMwh: number, detail: string) => {
          const same = result.ambiguities.find(
            (a) => a.kind === kind && a.messageIndex === cur.index,
          );
          if (same) {
            same.lowMwh = Math.min(same.lowMwh, lowMwh);
            same.highMwh = Math.max(same.highMwh, highMwh);
          } else {
            result.ambiguities.push({ kind, messageIndex: cur.index, lowMwh, highMwh, detail });
          }
          if (kind === "K3") k3Segments.add(cur.segment);
        };
        const engineLevels = [
          unconfirmedJump ?? unconfirmedDrop,
          heldRiseBase && { r: value(heldRiseBase), from: heldRiseBase },
        ];
        for (const unconfirmed of engineLevels) {
          if (!unconfirmed) continue;
          // The engine never took the last segment's jump or drop, or the rise that ended it:
          // to it, this counter follows the level before (K1 and K2 against that level, over
          // the time since it was read).
          const engineR = unconfirmed.r;
          const engineGapMs = gapSince(unconfirmed.from, cur);
          const engineBound = plausibleMaxMwh(ratingEffW, engineGapMs);
          const text = `after an unconfirmed segment from ${engineR}: L ${v}, gap ${engineGapMs} ms, bound ${engineBound} mWh`;
          if (v > engineR + JITTER_MWH && v - engineR <= engineBound)
            add("K2", 0, v - engineR, `jump or consumption? ${text}`);
          else if (v < engineR - JITTER_MWH && v <= engineBound)
            add("K1", 0, v, `new level or restart? ${text}`);
        }
        {
          const engineR = unconfirmedJump ? unconfirmedJump.r : r;
          unconfirmedJump =
            v > engineR + JITTER_MWH
              ? { r: engineR, from: unconfirmedJump?.from ?? prev }
              : undefined;
        }
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
        // The level the engine may still hold: the reading before, or, if that one was a rise
        // it held, the reading the rise started from (give or take its jitter).
        const engineLevel =
          lastRiseBase && lastRiseMwh > 0
            ? Math.min(value(prev), value(lastRiseBase) - JITTER_MWH)
            : value(prev);
        for (const c of corrupted) {
          if (c.arrivalMs < prev.arrivalMs || c.arrivalMs > cur.arrivalMs) continue;
          const cv = value(c);
          if (!(cv >= engineLevel && cv < v)) continue;
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
        if (unconfirmedDrop) {
          const back = v >= unconfirmedDrop.r - JITTER_MWH;
          // Back above the old level: the low values were one outlier as far as the engine can
          // tell. Below it: they may have been copies, and their segment's credit is lost.
          const segmentCreditMwh = result.creditMwh - unconfirmedDrop.creditBeforeMwh;
          result.ambiguities.push({
            kind: "K7",
            messageIndex: cur.index,
            lowMwh: back ? -(unconfirmedDrop.r + unconfirmedDrop.v) : -segmentCreditMwh,
            highMwh: 0,
            detail: back
              ? `back above ${unconfirmedDrop.r} mWh after an unconfirmed drop to ${unconfirmedDrop.v} mWh`
              : `another counter after an unconfirmed drop to ${unconfirmedDrop.v} mWh (its segment credited ${segmentCreditMwh} mWh)`,
          });
        }
        doubtedReturn(cur, v, r, credit);
        // A counter that starts where the last one stood (a reset at zero) is no change to see.
        if (doubted && Math.abs(v - r) <= JITTER_MWH) doubted.values.add(v);
        else
          doubted = {
            r0: r,
            r0At: prev,
            dropped: v < r - JITTER_MWH,
            values: new Set([v]),
            creditBeforeMwh: result.creditMwh,
          };
        // The engine still holds the level before an unconfirmed segment: a drop from it.
        const engineR = unconfirmedDrop ? unconfirmedDrop.r : r;
        unconfirmedDrop =
          v < engineR - JITTER_MWH
            ? {
                r: engineR,
                v,
                b: meter.segments[cur.segment]!.start === "zero" ? 0 : v,
                creditBeforeMwh: result.creditMwh,
                from: unconfirmedDrop?.from ?? prev,
              }
            : undefined;
      } else {
        doubtedReturn(cur, v, value(prev), credit);
        doubted?.values.add(v);
        if (unconfirmedJump && confirmsDrop(prev, cur)) unconfirmedJump = undefined;
      }
      if (!segmentStart && unconfirmedDrop) {
        if (v >= unconfirmedDrop.r - JITTER_MWH) {
          // The counter grew back above the old level before any reading confirmed the drop:
          // the engine may take the low values for outliers or copies, and credit from the old
          // level instead of from the new base (K3 covers this on the segment's first two).
          if (!k3Segments.has(cur.segment))
            result.ambiguities.push({
              kind: "K7",
              messageIndex: cur.index,
              lowMwh: -(unconfirmedDrop.r - unconfirmedDrop.b),
              highMwh: 0,
              detail: `back above ${unconfirmedDrop.r} mWh before a drop to ${unconfirmedDrop.v} mWh was confirmed`,
            });
          unconfirmedDrop = undefined;
        } else if (confirmsDrop(prev, cur)) {
          unconfirmedDrop = undefined;
        }
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
        lastRiseBase = prev;
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
