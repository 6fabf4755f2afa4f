/**
 * Failure traces: where a meter's engine total left the accountant's, and the messages and
 * events around that point, compact enough to read in a test log.
 */
import type { CounterAccount } from "./accountant";
import { formatDuration, wh } from "./format";
import type { SimEvent, SimMessage, SimMeter, Simulation } from "./stream";

/** What the engine did with each delivered message of one meter, recorded by a second run. */
export interface MeterRecording {
  /** Engine totals of the meter after each of its messages, by stream index. */
  energyMwh: Map<number, number>;
  returnedMwh: Map<number, number>;
  /** The engine's outcome, by stream index. */
  outcome: Map<number, string>;
}

/** Where a counter diverged and what probably caused it. */
export interface Divergence {
  /** Stream index of the first message after which the engine never came back. */
  messageIndex: number;
  /** The fault or event nearest before it ("corrupt-high", "reboot volatile", …). */
  suspect: string;
  /** How the counter segment of that message began ("start", "replaced-lower", …). */
  segmentCause: string;
  trace: string;
}

/** Lines shown before and after the divergence (a run of alike readings is one line). */
const BEFORE = Number(process.env.TRACE_BEFORE ?? 30);
const AFTER = Number(process.env.TRACE_AFTER ?? 10);

/**
 * Finds where the engine's running total of `counter` left the accountant's for good (the last
 * point where their difference was still within the allowed `[lowMwh, highMwh]`, plus one) and
 * formats the trace around it.
 */
export function traceDivergence(
  sim: Simulation,
  meter: SimMeter,
  counter: "active" | "returned",
  acc: CounterAccount,
  recording: MeterRecording,
  allowed: { lowMwh: number; highMwh: number; finalDiffMwh: number },
): Divergence {
  const engineMwh = counter === "active" ? recording.energyMwh : recording.returnedMwh;
  const own = sim.messages.filter(
    (m) => m.meter === meter.index || (m.meter < 0 && m.device === meter.device),
  );
  // The accountant's running total at each arrival: its total up to the latest-produced genuine
  // reading received so far (a delayed reading arrives after the engine credited what follows).
  const accountant: number[] = [];
  const engine: number[] = [];
  let accCum = 0;
  let engCum = 0;
  for (const m of own) {
    if (m.delivered && m.meter === meter.index) {
      accCum = Math.max(accCum, acc.cumulativeByMessage.get(m.index) ?? 0);
      engCum = engineMwh.get(m.index) ?? engCum;
    }
    accountant.push(accCum);
    engine.push(engCum);
  }
  let at = 0;
  for (let i = own.length - 1; i >= 0; i--) {
    const d = engine[i]! - accountant[i]!;
    if (allowed.finalDiffMwh > 0 ? d <= allowed.highMwh : d >= allowed.lowMwh) {
      at = Math.min(i + 1, own.length - 1);
      break;
    }
  }
  const pivot = own[at]!;
  const segment = pivot.segment >= 0 ? meter.segments[pivot.segment] : undefined;
  const t0 = sim.startMs;
  const rel = (ms: number) => `+${((ms - t0) / 1000).toFixed(3)}s`;
  const segmentCause = segment ? segment.cause : "start";

  // One line per message, except that a run of readings alike (same counters, same outcome, no
  // fault, engine and accountant unchanged) shows its first one and a count.
  const lines: { text: string; pivot: boolean; atMs: number }[] = [];
  let run = 0;
  for (let i = 0; i < own.length; i++) {
    const m = own[i]!;
    const mine = m.meter === meter.index && m.delivered;
    const prev = own[i - 1];
    const alike =
      mine &&
      i !== at &&
      prev !== undefined &&
      prev.meter === meter.index &&
      prev.delivered &&
      !m.fault &&
      !prev.fault &&
      m.kind === prev.kind &&
      sameValue(m.energyMwh, prev.energyMwh) &&
      sameValue(m.returnedMwh, prev.returnedMwh) &&
      recording.outcome.get(m.index) === recording.outcome.get(prev.index) &&
      engine[i] === engine[i - 1] &&
      accountant[i] === accountant[i - 1];
    if (alike) {
      run++;
      continue;
    }
    if (run > 0) lines.push({ text: `   … ${run} more alike`, pivot: false, atMs: m.productionMs });
    run = 0;
    lines.push({
      text:
        `${i === at ? ">>" : "  "} ${formatMessage(m, rel)}` +
        (mine
          ? ` → ${recording.outcome.get(m.index) ?? "?"} eng ${wh(engine[i]!)} acc ${wh(accountant[i]!)}`
          : ""),
      pivot: i === at,
      atMs: m.productionMs,
    });
  }
  if (run > 0) lines.push({ text: `   … ${run} more alike`, pivot: false, atMs: Number.NaN });
  const p = lines.findIndex((l) => l.pivot);
  const shown = lines.slice(Math.max(0, p - BEFORE), p + AFTER);
  const events = sim.events.filter(
    (e) => (e.device === meter.device && (e.meter < 0 || e.meter === meter.index)) || e.device < 0,
  );
  const firstMs = shown.find((l) => !Number.isNaN(l.atMs))?.atMs ?? pivot.productionMs;
  const out: string[] = [];
  if (segment && segment.atMs < firstMs && segment.cause !== "start")
    out.push(
      `   (this counter segment began with ${segment.cause} at ${rel(segment.atMs)}: ` +
        `${eventText(events, segment.atMs)})`,
    );
  let e = events.findIndex((ev) => ev.endMs >= firstMs);
  for (const l of shown) {
    while (e >= 0 && e < events.length && events[e]!.startMs <= l.atMs) {
      const ev = events[e++]!;
      out.push(
        `   -- ${ev.kind} ${rel(ev.startMs)} for ${formatDuration(ev.endMs - ev.startMs)}: ${ev.detail}`,
      );
    }
    out.push(l.text);
  }
  return {
    messageIndex: pivot.index,
    suspect: suspectAt(sim, meter, own, at),
    segmentCause,
    trace: out.join("\n"),
  };
}

function sameValue(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

function eventText(events: readonly SimEvent[], atMs: number): string {
  return events.find((e) => e.startMs === atMs)?.detail ?? "";
}

/** One message in a few columns. */
function formatMessage(m: SimMessage, rel: (ms: number) => string): string {
  const parts = [`#${m.index}`, `arr ${rel(m.arrivalMs)}`, `prod ${rel(m.productionMs)}`];
  if (!Number.isNaN(m.deviceTsMs)) parts.push("dts");
  parts.push(m.kind);
  if (!Number.isNaN(m.energyMwh)) parts.push(`E ${wh(m.energyMwh)}`);
  if (!Number.isNaN(m.returnedMwh)) parts.push(`R ${wh(m.returnedMwh)}`);
  if (!Number.isNaN(m.powerDw)) parts.push(`P ${(m.powerDw / 10).toFixed(1)}`);
  if (!Number.isNaN(m.uptimeS)) parts.push(`up ${m.uptimeS}s`);
  if (m.kind === "reading") parts.push(`seg ${m.segment}`);
  if (m.fault) {
    let f = `[${m.fault}`;
    if (m.fault.startsWith("corrupt") || m.fault === "transient-zero")
      f += ` true E ${wh(m.trueEnergyMwh)} R ${wh(m.trueReturnedMwh)}`;
    parts.push(`${f}]`);
  }
  return parts.join(" ");
}

/** The fault or event nearest before position `at` of the meter's messages. */
function suspectAt(sim: Simulation, meter: SimMeter, own: SimMessage[], at: number): string {
  const pivot = own[at]!;
  let best = "none";
  let bestMs = Number.NEGATIVE_INFINITY;
  for (let i = at; i >= 0 && i >= at - 60; i--) {
    const m = own[i]!;
    if (m.meter === meter.index && m.fault) {
      best = m.fault;
      bestMs = m.productionMs;
      break;
    }
  }
  for (const e of sim.events) {
    if (e.startMs > pivot.productionMs) break;
    const mine = e.device === meter.device && (e.meter < 0 || e.meter === meter.index);
    if (!mine || e.startMs <= bestMs) continue;
    best = e.kind === "reboot" ? `reboot ${meter.params.counterKind}` : e.kind;
    bestMs = e.startMs;
  }
  return best;
}
