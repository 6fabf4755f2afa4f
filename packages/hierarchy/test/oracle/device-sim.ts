/**
 * One device over a run: its meters report, reboot, go offline, get replaced or reset, and their
 * messages meet faults on the way, all under the guard described in `physical-model.ts`.
 */

import { formatDuration, wh } from "./format";
import { MeterSim } from "./meter-sim";
import { JITTER_MWH, plausibleMaxMwh } from "./plausibility";
import { Prng } from "./prng";
import type { ReceiverOutages } from "./receiver-outages";
import {
  type DeviceParams,
  type EventKind,
  FAULT_KINDS,
  type FaultKind,
  HOUR_MS,
  MINUTE_MS,
  type ScenarioParams,
  SECOND_MS,
} from "./scenario";
import type { CounterSegment, MessageKind, SimEvent, SimMessage, SimMeter } from "./stream";

/** A silent device's broker publishes its LWT (`online: false`) this long after it went quiet. */
const LWT_AFTER_MS = 90 * SECOND_MS;
/** `sys.uptime` is reported after each (re)connection and this often. */
const UPTIME_EVERY_MS = 10 * MINUTE_MS;
/** Normal network latency of a message, ms: shorter than the shortest report spacing. */
const LATENCY_MIN_MS = 5;
const LATENCY_MAX_MS = 150;
/** Readings each meter produces in the quiet tail while importing (and again while exporting). */
const TAIL_READINGS = 3;

/** A device event waiting for its time and for the guard to allow it. */
interface PendingEvent {
  kind: "reboot" | "network-offline" | "replaced" | "reset-counters";
  atMs: number;
  /** For `reset-counters`: index into the device's meters. */
  meter: number;
}

/** Simulates one device, its meters and everything that happens to them. */
export class DeviceSim {
  readonly messages: SimMessage[] = [];
  readonly events: SimEvent[] = [];
  private readonly meters: MeterSim[];
  private readonly pending: PendingEvent[] = [];
  private phase: "main" | "ending" | "tail" = "main";
  private up = true;
  private downUntilMs = Number.POSITIVE_INFINITY;
  /** What the device does when it comes up again. */
  private onBoot: ((tMs: number) => void) | undefined;
  private connected = true;
  private offlineUntilMs = Number.POSITIVE_INFINITY;
  private bootMs: number;
  private lwtAtMs = Number.NaN;
  private lwtSent = false;
  private nextUptimeMs = Number.POSITIVE_INFINITY;
  private seq = 0;

  constructor(
    private readonly device: number,
    private readonly params: DeviceParams,
    simMeters: SimMeter[],
    private readonly scenario: ScenarioParams,
    private readonly rng: Prng,
    private readonly receiver: ReceiverOutages,
    private readonly startMs: number,
    private readonly mainEndMs: number,
  ) {
    this.meters = simMeters.map(
      (m, k) => new MeterSim(m, new Prng(scenario.seed, 1000 * (device + 1) + k), startMs),
    );
    this.bootMs = startMs - Math.round(rng.logUniform(HOUR_MS, 30 * 24 * HOUR_MS));
    this.schedule(startMs, mainEndMs);
  }

  /** Places the device's events at uniform times of the main part. */
  private schedule(startMs: number, endMs: number): void {
    const rng = this.rng;
    const rates = this.scenario.eventsPer1000Reports;
    const reportsOf = (m: MeterSim) => (endMs - startMs) / (m.params.reportEverySec * 1000);
    const deviceReports = this.meters.reduce((sum, m) => sum + reportsOf(m), 0);
    const add = (kind: PendingEvent["kind"], per1000: number, reports: number, meter = -1) => {
      for (let i = rng.poisson((per1000 * reports) / 1000); i > 0; i--)
        this.pending.push({ kind, atMs: rng.int(startMs, endMs), meter });
    };
    add("reboot", rates.reboot, deviceReports);
    add("network-offline", rates.networkOffline, deviceReports);
    add("replaced", rates.replaced, deviceReports);
    this.meters.forEach((m, k) => {
      add("reset-counters", rates.resetCounters, reportsOf(m), k);
    });
    this.pending.sort((a, b) => a.atMs - b.atMs);
  }

  /** Runs the device from the start to the end of its quiet tail, filling messages and events. */
  run(): void {
    let t = this.startMs;
    for (const m of this.meters) {
      m.nextProfileSegment(t);
      if (m.params.counterKind === "restores-older")
        m.nextSaveMs = t + this.rng.int(1, m.params.saveEveryMin * MINUTE_MS);
    }
    this.onConnect(t);
    for (let guard = 0; !this.meters.every((m) => m.done); guard++) {
      const next = this.nextTimeAfter(t);
      if (!(next > t) || guard > 50_000_000) throw new Error(`model stuck at ${t}`);
      for (const m of this.meters) m.accrue(next - t, this.up);
      t = next;
      this.handle(t);
    }
  }

  private nextTimeAfter(t: number): number {
    let next = Number.POSITIVE_INFINITY;
    const consider = (x: number) => {
      if (x > t && x < next) next = x;
    };
    const talking = this.up && this.connected;
    for (const m of this.meters) {
      consider(m.profileUntilMs);
      if (talking && !m.done) consider(m.nextReportMs);
      if (this.up) consider(m.nextSaveMs);
    }
    if (!this.up) consider(this.downUntilMs);
    if (!this.connected) consider(this.offlineUntilMs);
    consider(this.lwtAtMs);
    if (talking) consider(this.nextUptimeMs);
    if (this.phase === "main") {
      consider(this.mainEndMs);
      for (const p of this.pending) consider(p.atMs);
    }
    return next;
  }

  private handle(t: number): void {
    const talking = () => this.up && this.connected;
    for (const m of this.meters) {
      if (m.profileUntilMs <= t) {
        m.nextProfileSegment(t);
        if (talking() && this.phase === "main" && m.params.powerOnlyReports && m.params.hasPower) {
          this.emit(this.message("power", m, t));
        }
      }
      if (this.up && m.nextSaveMs <= t) {
        m.savedMwh = m.counterMwh;
        m.savedReturnedMwh = m.returnedMwh;
        m.nextSaveMs = t + m.params.saveEveryMin * MINUTE_MS;
      }
    }
    if (!this.up && this.downUntilMs <= t) {
      this.up = true;
      this.downUntilMs = Number.POSITIVE_INFINITY;
      this.bootMs = t;
      this.onBoot?.(t);
      this.onBoot = undefined;
      for (const m of this.meters) {
        if (m.params.counterKind === "restores-older")
          m.nextSaveMs = t + m.params.saveEveryMin * MINUTE_MS;
      }
      if (this.connected) this.onConnect(t);
    }
    if (!this.connected && this.offlineUntilMs <= t) {
      this.connected = true;
      this.offlineUntilMs = Number.POSITIVE_INFINITY;
      if (this.up) this.onConnect(t);
    }
    if (this.lwtAtMs <= t) {
      this.lwtAtMs = Number.NaN;
      if (!talking()) {
        this.lwtSent = true;
        this.emitDevice("offline", t);
      }
    }
    if (talking() && this.nextUptimeMs <= t) {
      this.emitUptime(t);
    }
    if (talking()) {
      for (const m of this.meters) if (!m.done && m.nextReportMs <= t) this.report(m, t);
    }
    if (this.phase === "main") {
      if (t >= this.mainEndMs) {
        this.phase = "ending";
        this.pending.length = 0;
      } else {
        this.fireDueEvent(t);
      }
    }
    if (this.phase === "ending" && talking()) this.startTail(t);
  }

  /** The device (re)connected at `tMs`: availability, uptime, reports resume. */
  private onConnect(tMs: number): void {
    this.lwtAtMs = Number.NaN;
    if (this.lwtSent) {
      this.lwtSent = false;
      this.emitDevice("online", tMs);
    }
    if (this.params.hasUptime) this.emitUptime(tMs);
    for (const m of this.meters) {
      if (!m.done) m.nextReportMs = tMs + this.rng.int(300, m.params.reportEverySec * 1000);
    }
  }

  /** The device went quiet at `tMs` (down or disconnected). */
  private onSilence(tMs: number): void {
    if (Number.isNaN(this.lwtAtMs) && !this.lwtSent) this.lwtAtMs = tMs + LWT_AFTER_MS;
  }

  private startTail(tMs: number): void {
    this.phase = "tail";
    for (const m of this.meters) {
      m.tailReadings = 0;
      m.powerDw = Math.max(10, Math.round(m.params.peakW * 10 * (0.05 + 0.55 * this.rng.next())));
      m.profileUntilMs = Number.POSITIVE_INFINITY;
      m.nextReportMs = tMs + this.rng.int(60, 90) * SECOND_MS;
    }
  }

  private fireDueEvent(t: number): void {
    for (let i = 0; i < this.pending.length; i++) {
      const p = this.pending[i]!;
      if (p.atMs > t) break;
      if (this.tryFire(p, t)) {
        this.pending.splice(i, 1);
        return; // one at a time: the guard must see the next readings first
      }
    }
  }

  /** Fires `p` at `t` if the device's state and the guard allow it. */
  private tryFire(p: PendingEvent, t: number): boolean {
    const allSettled = this.meters.every((m) => m.settled(t));
    switch (p.kind) {
      case "reboot":
        if (!this.up || !allSettled) return false;
        this.reboot(t);
        return true;
      case "network-offline":
        if (!this.up || !this.connected || !allSettled) return false;
        this.goOffline(t);
        return true;
      case "replaced":
        if (!this.up || !this.connected || !allSettled) return false;
        this.replace(t);
        return true;
      case "reset-counters": {
        const m = this.meters[p.meter]!;
        if (!this.up || !this.connected || !m.settled(t)) return false;
        this.resetCounters(m, t);
        return true;
      }
    }
  }

  private reboot(t: number): void {
    const downMs = Math.round(this.rng.logUniform(2 * SECOND_MS, 5 * MINUTE_MS));
    this.goDown(t, downMs);
    const details: string[] = [];
    for (const m of this.meters) {
      m.unsettle(t);
      details.push(`${m.sim.meterId} ${m.params.counterKind} at ${wh(m.counterMwh)} Wh`);
    }
    this.onBoot = () => {
      for (const m of this.meters) {
        const kind = m.params.counterKind;
        if (kind === "volatile") {
          m.counterMwh = 0;
          m.returnedMwh = 0;
          this.newSegment(m, { start: "zero", cause: "reboot", atMs: t });
        } else if (kind === "restores-older") {
          m.counterMwh = m.savedMwh;
          m.returnedMwh = m.savedReturnedMwh;
          this.newSegment(m, { start: "restored", cause: "reboot", atMs: t });
        }
      }
    };
    this.event("reboot", -1, t, t + downMs, details.join("; "));
  }

  private goOffline(t: number): void {
    const durationMs = Math.round(
      this.rng.logUniform(MINUTE_MS, Math.max(MINUTE_MS + 1, this.scenario.maxOfflineMs)),
    );
    this.connected = false;
    this.offlineUntilMs = t + durationMs;
    this.onSilence(t);
    this.event("network-offline", -1, t, t + durationMs, `offline ${formatDuration(durationMs)}`);
  }

  private replace(t: number): void {
    const downMs = Math.round(this.rng.logUniform(MINUTE_MS, 30 * MINUTE_MS));
    this.goDown(t, downMs);
    const plans = this.meters.map((m) => {
      m.unsettle(t);
      const newMwh = this.replacementCounter(m.counterMwh);
      const newReturnedMwh = m.params.hasReturned ? this.replacementCounter(m.returnedMwh) : 0;
      const kind: EventKind = newMwh < m.counterMwh ? "replaced-lower" : "replaced-higher";
      this.event(
        kind,
        m.sim.index,
        t,
        t + downMs,
        `${wh(m.counterMwh)} → ${wh(newMwh)} Wh` +
          (m.params.hasReturned
            ? `, returned ${wh(m.returnedMwh)} → ${wh(newReturnedMwh)} Wh`
            : ""),
      );
      return { m, newMwh, newReturnedMwh, kind };
    });
    this.onBoot = () => {
      for (const { m, newMwh, newReturnedMwh, kind } of plans) {
        m.counterMwh = newMwh;
        m.returnedMwh = newReturnedMwh;
        m.savedMwh = newMwh;
        m.savedReturnedMwh = newReturnedMwh;
        this.newSegment(m, { start: "unknown", cause: kind, atMs: t });
      }
    };
  }

  /** The counter of a replacement device, given the old one's. */
  private replacementCounter(oldMwh: number): number {
    const rng = this.rng;
    switch (rng.int(0, 4)) {
      case 0:
        return rng.int(0, 100_000); // a new device: 0–100 Wh
      case 1:
        return Math.floor(oldMwh * rng.next());
      case 2:
        return Math.max(0, oldMwh - rng.int(0, 5000)); // a few Wh lower
      case 3:
        return oldMwh + rng.int(0, 50_000); // a few Wh higher
      default:
        return oldMwh + Math.round(rng.logUniform(1e5, 1e9));
    }
  }

  private resetCounters(m: MeterSim, t: number): void {
    m.unsettle(t);
    this.event(
      "reset-counters",
      m.sim.index,
      t,
      t,
      `Switch.ResetCounters at ${wh(m.counterMwh)} Wh` +
        (m.params.hasReturned ? `, returned ${wh(m.returnedMwh)} Wh` : ""),
    );
    m.counterMwh = 0;
    m.returnedMwh = 0;
    m.savedMwh = 0;
    m.savedReturnedMwh = 0;
    this.newSegment(m, { start: "zero", cause: "reset-counters", atMs: t });
  }

  private goDown(t: number, downMs: number): void {
    if (this.connected) this.onSilence(t);
    this.up = false;
    this.downUntilMs = t + downMs;
  }

  private newSegment(m: MeterSim, segment: CounterSegment): void {
    m.sim.segments.push(segment);
    m.segment = m.sim.segments.length - 1;
  }

  private event(
    kind: EventKind,
    meter: number,
    startMs: number,
    endMs: number,
    detail: string,
  ): void {
    this.events.push({ kind, device: this.device, meter, startMs, endMs, detail });
  }

  /** One counter report of meter `m` at `t`, with whatever fault the dice choose. */
  private report(m: MeterSim, t: number): void {
    const p = m.params;
    const msg = this.message("reading", m, t);
    const tail = this.phase !== "main";
    const fault = !tail && m.settled(t) ? this.rollFault() : undefined;
    if (fault === undefined || !this.applyFault(m, msg, fault)) {
      this.emit(msg);
      this.delivered(m, msg);
    }
    if (tail) {
      m.tailReadings++;
      if (m.tailReadings === TAIL_READINGS && p.hasReturned) {
        m.powerDw = -Math.max(10, Math.round(p.ratingW * 10 * (0.05 + 0.55 * this.rng.next())));
      }
      if (m.tailReadings >= (p.hasReturned ? 2 * TAIL_READINGS : TAIL_READINGS)) {
        m.done = true;
        m.powerDw = 0;
      }
      m.nextReportMs = t + this.rng.int(60, 90) * SECOND_MS;
    } else {
      const cadenceMs = p.reportEverySec * 1000;
      m.nextReportMs = t + Math.max(900, Math.round(cadenceMs * (0.95 + 0.1 * this.rng.next())));
    }
  }

  private rollFault(): FaultKind | undefined {
    let r = this.rng.next() * 1000;
    for (const kind of FAULT_KINDS) {
      r -= this.scenario.faultsPerMille[kind];
      if (r < 0) return kind;
    }
    return undefined;
  }

  /**
   * Applies `fault` to the genuine reading `msg` (and emits what reaches the network). Returns
   * false when the fault does not apply here (the reading then goes out as produced).
   */
  private applyFault(m: MeterSim, msg: SimMessage, fault: FaultKind): boolean {
    const rng = this.rng;
    const p = m.params;
    switch (fault) {
      case "lost":
        msg.delivered = false;
        msg.fault = "lost";
        msg.genuine = false;
        this.emit(msg);
        m.unsettle(msg.networkMs);
        return true;
      case "duplicate": {
        this.emit(msg);
        this.delivered(m, msg);
        const copy = { ...msg, fault, genuine: false, networkMs: msg.networkMs + rng.int(0, 50) };
        this.emit(copy);
        m.unsettle(copy.networkMs);
        return true;
      }
      case "delayed": {
        const cadenceMs = p.reportEverySec * 1000;
        msg.networkMs += rng.int(1, 4) * cadenceMs + rng.int(0, cadenceMs >> 1);
        msg.fault = fault;
        this.emit(msg);
        m.history.push(msg);
        m.unsettle(msg.networkMs);
        return true;
      }
      case "redelivered": {
        // Without the device's clock an old value from before a restart would be
        // indistinguishable from consumption followed by another restart: such copies come
        // only from the current counter segment. With it, from anywhere in the past.
        const candidates = this.params.hasDeviceTime
          ? m.history
          : m.history.filter((h) => h.segment === m.segment);
        if (candidates.length < 2) return false;
        const old = candidates[rng.int(0, candidates.length - 2)]!;
        this.emit(msg);
        this.delivered(m, msg);
        const copy = {
          ...old,
          fault,
          genuine: false,
          delivered: true,
          networkMs: msg.networkMs + rng.int(1, 20),
        };
        this.emit(copy);
        m.unsettle(copy.networkMs);
        return true;
      }
      default:
        return this.corrupt(m, msg, fault);
    }
  }

  /** A corrupted counter (or an all-zero message) instead of the genuine reading. */
  private corrupt(m: MeterSim, msg: SimMessage, fault: FaultKind): boolean {
    const rng = this.rng;
    const p = m.params;
    const onReturned = p.hasReturned && rng.chance(0.3);
    const trueMwh = onReturned ? msg.returnedMwh : msg.energyMwh;
    let value: number;
    switch (fault) {
      case "corrupt-high": {
        // Much higher than anything the meter could have consumed since its last reading as
        // the engine can see it (device clock, or arrival times for a device without one).
        const prev = m.lastGenuine;
        if (!prev) return false;
        let gapMs = msg.productionMs - prev.productionMs;
        if (!this.params.hasDeviceTime) gapMs = Math.max(gapMs, msg.arrivalMs - prev.arrivalMs);
        const boundMwh = plausibleMaxMwh(Math.max(p.ratingW, 1.25 * p.peakW), gapMs);
        value = trueMwh + Math.round(boundMwh * rng.logUniform(3, 100));
        break;
      }
      case "corrupt-low":
        if (trueMwh <= 2 * JITTER_MWH) return false;
        value = Math.floor(trueMwh * 0.9 * rng.next());
        break;
      case "corrupt-zero":
        value = 0;
        break;
      default: // transient-zero: counters and power all 0
        msg.energyMwh = 0;
        if (p.hasReturned) msg.returnedMwh = 0;
        if (p.hasPower) msg.powerDw = 0;
        value = Number.NaN;
    }
    if (!Number.isNaN(value)) {
      if (onReturned) msg.returnedMwh = value;
      else msg.energyMwh = value;
    }
    msg.fault = fault;
    msg.genuine = false;
    this.emit(msg);
    m.unsettle(msg.networkMs);
    return true;
  }

  /** Bookkeeping for a genuine reading delivered in order. */
  private delivered(m: MeterSim, msg: SimMessage): void {
    m.lastGenuine = msg;
    m.history.push(msg);
    if (m.history.length > 400) m.history.splice(0, 200);
    if (m.needGenuine > 0 && msg.productionMs >= m.blockedUntilMs) m.needGenuine--;
  }

  private message(kind: MessageKind, m: MeterSim | undefined, t: number): SimMessage {
    const p = m?.params;
    const networkMs = t + this.rng.int(LATENCY_MIN_MS, LATENCY_MAX_MS);
    const reading = kind === "reading";
    return {
      index: this.seq++,
      kind,
      device: this.device,
      meter: m ? m.sim.index : -1,
      productionMs: t,
      networkMs,
      arrivalMs: this.receiver.arrival(networkMs),
      delivered: true,
      deviceTsMs: this.params.hasDeviceTime ? Math.round(t / 10) * 10 : Number.NaN,
      energyMwh: reading && m ? m.counterMwh : Number.NaN,
      returnedMwh: reading && m && p?.hasReturned ? m.returnedMwh : Number.NaN,
      powerDw: m && p?.hasPower && (reading || kind === "power") ? m.powerDw : Number.NaN,
      uptimeS: Number.NaN,
      fault: undefined,
      genuine: reading,
      segment: m ? m.segment : -1,
      trueEnergyMwh: m ? m.counterMwh : Number.NaN,
      trueReturnedMwh: m ? m.returnedMwh : Number.NaN,
      physicalMwh: m ? m.physicalMwh : Number.NaN,
      physicalReturnedMwh: m ? m.physicalReturnedMwh : Number.NaN,
    };
  }

  private emit(msg: SimMessage): void {
    msg.arrivalMs = this.receiver.arrival(msg.networkMs);
    this.messages.push(msg);
  }

  private emitDevice(kind: "online" | "offline", t: number): void {
    this.emit(this.message(kind, undefined, t));
  }

  private emitUptime(t: number): void {
    const msg = this.message("uptime", undefined, t);
    msg.uptimeS = Math.floor((t - this.bootMs) / 1000);
    this.emit(msg);
    this.nextUptimeMs = t + UPTIME_EVERY_MS;
  }
}
