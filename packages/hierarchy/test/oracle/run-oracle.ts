/**
 * Runs one scenario through a fresh engine and compares it with the ideal accountant: per meter
 * and counter the difference must be 0 or within the allowed range of the provably unknowable
 * classes (K1 to K8, see `accountant.ts`). It also checks the engine's tree: every group equals
 * the sum of its children, lifetime totals never decrease between publish cycles, and the credit
 * pieces (when the scenario asks for them) add up to each device's lifetime totals on aligned slots.
 */
import {
  account,
  type CounterAccount,
  type MeterAccount,
  UNOBSERVABLE_CLASSES,
} from "./accountant";
import { createEnginePort, type EnginePort, type PortOptions } from "./engine-port";
import { wh } from "./format";
import { PUBLISH_EVERY_MS, simulate } from "./physical-model";
import type { ScenarioParams } from "./scenario";
import { emptyStats, type OracleStats } from "./stats";
import type { SimMessage, Simulation } from "./stream";
import { type MeterRecording, traceDivergence } from "./trace";

/** How to run the oracle. */
export interface OracleOptions {
  /**
   * Check the group sums at every n-th publish cycle that changed something (and at the end).
   * Default 30 (every 5 minutes of a busy stream).
   */
  checkEveryCycles?: number;
  /** Traces for at most this many failing counters per scenario (the others: one line). Default 2. */
  maxTraces?: number;
  /** Creates the engine under test (tests pass a broken one to show the oracle fails). */
  createPort?: (options: PortOptions) => EnginePort;
}

/** Something the engine got wrong. */
export interface OracleFailure {
  check: "meter-total" | "group-sum" | "decreased" | "credits";
  message: string;
  /** The disturbance nearest before the divergence (meter totals only). */
  suspect?: string;
  trace?: string;
}

/** What one scenario showed. */
export interface OracleResult {
  stats: OracleStats;
  failures: OracleFailure[];
}

/** Runs `params` through a fresh engine and the accountant. */
export function runOracle(params: ScenarioParams, options: OracleOptions = {}): OracleResult {
  const sim = simulate(params);
  const accounts = account(sim);
  const createPort = options.createPort ?? createEnginePort;
  const run = new EngineRun(sim, createPort, options.checkEveryCycles ?? 30);
  run.drive();
  const failures = [...run.failures];
  const stats = collectStats(sim, accounts);

  const toTrace: {
    meter: number;
    counter: "active" | "returned";
    allowed: { lowMwh: number; highMwh: number; finalDiffMwh: number };
    text: string;
  }[] = [];
  for (const acc of accounts) {
    const engine = run.port.meterEnergy(run.handles[acc.meter.index]!);
    stats.engineMwh += engine.energyMwh;
    for (const counter of ["active", "returned"] as const) {
      const a: CounterAccount = acc[counter];
      const engineMwh = counter === "active" ? engine.energyMwh : engine.returnedEnergyMwh;
      const diff = engineMwh - a.creditMwh;
      const low = a.ambiguities.reduce((s, x) => s + x.lowMwh, 0);
      const high = a.ambiguities.reduce((s, x) => s + x.highMwh, 0);
      if (diff >= low && diff <= high) {
        stats.explainedMwh += Math.abs(diff);
        continue;
      }
      toTrace.push({
        meter: acc.meter.index,
        counter,
        allowed: { lowMwh: low, highMwh: high, finalDiffMwh: diff },
        text:
          `${acc.meter.path.join("/")}/${acc.meter.meterId} ${counter}: engine ${wh(engineMwh)} Wh, ` +
          `accountant ${wh(a.creditMwh)} Wh, engine − accountant ${wh(diff)} Wh, allowed ` +
          `[${wh(low)}, ${wh(high)}]${a.ambiguities.length ? ` by ${a.ambiguities.map((x) => x.kind).join(",")}` : ""}; ` +
          describeMeter(acc) +
          `; scenario seed ${params.seed}, truth ${wh(a.truthMwh)} Wh`,
      });
    }
  }
  stats.mismatches = toTrace.length + failures.length;
  if (toTrace.length > 0) {
    // A second, recorded run finds where each failing counter diverged and what came before.
    const maxTraces = options.maxTraces ?? 2;
    const rerun = new EngineRun(sim, createPort, Number.POSITIVE_INFINITY);
    const recordings = new Map<number, MeterRecording>();
    for (const t of toTrace)
      if (!recordings.has(t.meter)) recordings.set(t.meter, rerun.record(t.meter));
    rerun.drive();
    toTrace.forEach((t, i) => {
      const acc = accounts[t.meter]!;
      const recording = recordings.get(t.meter)!;
      const d = traceDivergence(sim, acc.meter, t.counter, acc[t.counter], recording, t.allowed);
      stats.mismatchesBySuspect[d.suspect] = (stats.mismatchesBySuspect[d.suspect] ?? 0) + 1;
      failures.push({
        check: "meter-total",
        message:
          `${t.text}; diverged at #${d.messageIndex} after ${d.suspect}` +
          (d.segmentCause === "start" ? "" : ` (counter segment began with ${d.segmentCause})`),
        suspect: d.suspect,
        ...(i < maxTraces ? { trace: d.trace } : {}),
      });
    });
  }
  return { stats, failures };
}

/** One line about a meter's nature, for failure messages. */
function describeMeter(acc: MeterAccount): string {
  const p = acc.meter.params;
  const d = acc.meter.deviceParams;
  return [
    p.counterKind,
    `rating ${p.ratingW} W${p.peakW > p.ratingW ? ` (draws up to ${p.peakW} W)` : ""}`,
    d.hasDeviceTime ? "device clock" : "no device clock",
    d.hasUptime ? "uptime" : "no uptime",
    p.hasPower ? "power" : "no power",
    `every ${p.reportEverySec} s`,
    p.profile,
  ].join(", ");
}

/** Counts of what a simulation contained and what the accountant concluded. */
function collectStats(sim: Simulation, accounts: MeterAccount[]): OracleStats {
  const stats = emptyStats();
  stats.scenarios = 1;
  for (const m of sim.messages) {
    if (m.fault) stats.faults[m.fault]++;
    if (!m.delivered) continue;
    stats.messages++;
    if (m.kind === "reading") stats.readings++;
  }
  for (const e of sim.events) stats.events[e.kind]++;
  for (const acc of accounts) {
    for (const a of [acc.active, acc.returned]) {
      for (const x of a.ambiguities) {
        stats.ambiguities[x.kind].count++;
        stats.ambiguities[x.kind].boundMwh += x.highMwh - x.lowMwh;
      }
      for (const k of UNOBSERVABLE_CLASSES) {
        stats.unobservableMwh[k] += a.unobservableMwh[k];
        stats.unobservableBoundMwh[k] += a.unobservableBoundMwh[k];
      }
    }
    stats.truthMwh += acc.active.truthMwh;
    stats.accountantMwh += acc.active.creditMwh;
  }
  return stats;
}

/** One pass of a simulation's messages through a fresh engine, with the tree checks. */
class EngineRun {
  readonly port: EnginePort;
  readonly handles: number[];
  readonly failures: OracleFailure[] = [];
  private readonly deviceNodes: number[];
  private readonly lastEnergy = new Map<number, [number, number]>();
  private readonly creditSums = new Map<number, [number, number]>();
  private readonly recordings = new Map<number, MeterRecording>();
  private cycles = 0;
  private usedCredits = false;
  private readonly slotMs: number;

  constructor(
    private readonly sim: Simulation,
    createPort: (options: PortOptions) => EnginePort,
    private readonly checkEveryCycles: number,
  ) {
    const params = sim.params;
    this.port = createPort({
      timeZone: params.timeZone,
      creditSlotMinutes: params.creditSlotMinutes,
    });
    this.slotMs = (params.creditSlotMinutes ?? 0) * 60_000;
    this.handles = sim.meters.map((m) => {
      const h = this.port.meter(m.path, m.meterId);
      this.port.setRatedPower(h, m.params.ratingW);
      return h;
    });
    this.deviceNodes = sim.devicePaths.map((_, d) => {
      const first = sim.meters.find((m) => m.device === d)!;
      return this.port.deviceOf(this.handles[first.index]!);
    });
  }

  /** Records the engine's totals and outcomes for `meter` during {@link drive}. */
  record(meter: number): MeterRecording {
    const r: MeterRecording = { energyMwh: new Map(), returnedMwh: new Map(), outcome: new Map() };
    this.recordings.set(meter, r);
    return r;
  }

  drive(): void {
    const messages = this.sim.messages;
    const first = messages.find((m) => m.delivered);
    if (!first) return;
    let nextCycleMs = Math.ceil(first.arrivalMs / PUBLISH_EVERY_MS) * PUBLISH_EVERY_MS;
    for (const m of messages) {
      if (!m.delivered) continue;
      while (nextCycleMs <= m.arrivalMs) {
        this.cycle(nextCycleMs, false);
        nextCycleMs += PUBLISH_EVERY_MS;
      }
      this.apply(m);
    }
    this.cycle(nextCycleMs, false);
    this.cycle(nextCycleMs + PUBLISH_EVERY_MS, true);
  }

  private apply(m: SimMessage): void {
    const port = this.port;
    switch (m.kind) {
      case "reading":
      case "power": {
        const h = this.handles[m.meter]!;
        const outcome = port.ingest(
          h,
          m.arrivalMs,
          m.energyMwh / 1000,
          m.powerDw / 10,
          m.returnedMwh / 1000,
          m.deviceTsMs,
        );
        const r = this.recordings.get(m.meter);
        if (r) {
          const e = port.meterEnergy(h);
          r.energyMwh.set(m.index, e.energyMwh);
          r.returnedMwh.set(m.index, e.returnedEnergyMwh);
          r.outcome.set(m.index, String(outcome));
        }
        break;
      }
      case "uptime":
        port.noteUptime(this.deviceNodes[m.device]!, m.uptimeS, m.arrivalMs, m.deviceTsMs);
        break;
      case "online":
      case "offline":
        port.setAvailability(this.deviceNodes[m.device]!, m.kind === "online", m.arrivalMs);
        break;
    }
  }

  /** One publish cycle at `nowMs`, with the checks. */
  private cycle(nowMs: number, last: boolean): void {
    const port = this.port;
    const changed = port.takeChanges(nowMs);
    for (const id of changed) this.checkNotDecreased(id, nowMs);
    const credits = port.takeCredits();
    if (credits) {
      this.usedCredits = true;
      for (const c of credits) {
        if (c.slotStartMs % this.slotMs !== 0)
          this.fail(
            "credits",
            `credit piece at ${c.slotStartMs} is not on a ${this.slotMs} ms slot`,
          );
        const sum = this.creditSums.get(c.device) ?? [0, 0];
        sum[0] += c.energyMwh;
        sum[1] += c.returnedEnergyMwh;
        this.creditSums.set(c.device, sum);
      }
    }
    if (changed.length > 0) this.cycles++;
    if (last || (changed.length > 0 && this.cycles % this.checkEveryCycles === 0))
      this.checkSums(nowMs);
    if (last) {
      for (let id = 0; id < port.nodeCount; id++) this.checkNotDecreased(id, nowMs);
      if (this.usedCredits) this.checkCredits(nowMs);
    }
  }

  private checkNotDecreased(id: number, nowMs: number): void {
    const v = this.port.view(id, nowMs);
    const before = this.lastEnergy.get(id);
    if (before && (v.energyMwh < before[0] || v.returnedEnergyMwh < before[1]))
      this.fail(
        "decreased",
        `${v.path.join("/")} went from ${wh(before[0])} / ${wh(before[1])} Wh to ` +
          `${wh(v.energyMwh)} / ${wh(v.returnedEnergyMwh)} Wh at ${nowMs}`,
      );
    this.lastEnergy.set(id, [v.energyMwh, v.returnedEnergyMwh]);
  }

  private checkSums(nowMs: number): void {
    const port = this.port;
    const visit = (id: number): void => {
      const children = port.children(id);
      if (children.length === 0) return;
      const v = port.view(id, nowMs);
      let energy = 0;
      let returned = 0;
      for (const c of children) {
        const cv = port.view(c, nowMs);
        energy += cv.energyMwh;
        returned += cv.returnedEnergyMwh;
        visit(c);
      }
      if (energy !== v.energyMwh || returned !== v.returnedEnergyMwh)
        this.fail(
          "group-sum",
          `${v.path.join("/")}: ${wh(v.energyMwh)} / ${wh(v.returnedEnergyMwh)} Wh, children ` +
            `sum to ${wh(energy)} / ${wh(returned)} Wh at ${nowMs}`,
        );
    };
    for (const root of port.roots()) visit(root);
  }

  private checkCredits(nowMs: number): void {
    this.deviceNodes.forEach((node) => {
      const v = this.port.view(node, nowMs);
      const [energy, returned] = this.creditSums.get(node) ?? [0, 0];
      if (energy !== v.energyMwh || returned !== v.returnedEnergyMwh)
        this.fail(
          "credits",
          `${v.path.join("/")}: credit pieces sum to ${wh(energy)} / ${wh(returned)} Wh, ` +
            `lifetime ${wh(v.energyMwh)} / ${wh(v.returnedEnergyMwh)} Wh`,
        );
    });
  }

  /** Records a failed tree check (the first few of each kind). */
  private fail(check: OracleFailure["check"], message: string): void {
    if (this.failures.filter((f) => f.check === check).length < 3)
      this.failures.push({ check, message });
  }
}
