import { CounterTruth } from "./counter-truth";
import type { LoadProfile } from "./load-profile";
import type { LocalClock } from "./local-clock";
import type { Prng } from "./prng";

/** One phase (line) of a channel: its loads and its energy registers. */
export class Phase {
  /** Active (imported) energy register, mWh, fractional. */
  activeMwh = 0;
  /** Returned (exported) energy register, mWh, fractional. */
  returnedMwh = 0;
  /** Current power, W (signed sum of the loads; kept up to date by {@link refresh}). */
  powerW = 0;
  /** False while the channel's relay is open: the loads keep their curves but draw nothing. */
  enabled = true;

  constructor(
    /** The loads on this phase; their levels add up (a PV inverter is negative). */
    readonly loads: LoadProfile[],
    /** Power factor of the phase's load, 0..1. */
    readonly pf: number,
    activeMwh: number,
    returnedMwh: number,
  ) {
    this.activeMwh = activeMwh;
    this.returnedMwh = returnedMwh;
    this.refresh();
  }

  /** Recomputes {@link powerW} after a load changed. */
  refresh(): void {
    let sum = 0;
    for (let i = 0; i < this.loads.length; i++) sum += this.loads[i]!.levelW;
    this.powerW = this.enabled ? sum : 0;
  }
}

/**
 * One metering channel of a device: `switch:2` of a Pro 4PM, `pm1:0`, the three phases of a Pro
 * 3EM (`em:0` + `emdata:0`), Gen1 `relay/0` or `emeter/1`.
 */
export class Channel {
  /** Truth of the active-energy counter. */
  readonly active = new CounterTruth();
  /** Truth of the returned-energy counter, for channels that publish one. */
  readonly returned: CounterTruth | undefined;
  /** Gen2 minute buckets (mWh): register values at the last minute roll-over. */
  markActiveMwh = 0;
  markReturnedMwh = 0;
  /** Gen2 `aenergy.by_minute` / `ret_aenergy.by_minute`, mWh: the last three complete minutes. */
  readonly byMinute = [0, 0, 0];
  readonly retByMinute = [0, 0, 0];
  /** Power last announced (status or NotifyStatus), W. */
  reportedW = 0;
  /** Gen2 `source` of the last output change. */
  source = "init";
  /** Gen2 `output` last announced. */
  reportedOutput = false;
  /**
   * The relay as a command (or a person) last set it; undefined until then, while the output
   * follows the load (a light off at night reports `output` false, as the loads switch themselves).
   */
  relay: boolean | undefined = undefined;
  /** Current power, W (signed sum of the phases). */
  powerW = 0;
  /** Earliest load change of the channel, Unix ms. */
  nextChangeMs = Number.POSITIVE_INFINITY;

  constructor(
    /** Channel number: the `id` of the component. */
    readonly index: number,
    /** The meter id a consumer derives: `switch:2`, `em:0`, `relay:0`, `emeter:1`. */
    readonly meterId: string,
    readonly phases: Phase[],
    hasReturned: boolean,
  ) {
    this.returned = hasReturned ? new CounterTruth() : undefined;
    this.markActiveMwh = this.activeMwh;
    this.markReturnedMwh = this.returnedMwh;
    this.refresh();
  }

  /** The `output` a switch reports: the relay once set, else whether the loads draw power. */
  get output(): boolean {
    return this.relay ?? this.powerW > 0;
  }

  /**
   * Closes (`on`) or opens the relay: while open the power is 0 and the registers stop; the loads
   * keep drawing their curves (from the same generator), so closing it resumes them where they are.
   * Integrate up to now first.
   */
  setRelay(on: boolean): void {
    this.relay = on;
    for (const phase of this.phases) {
      phase.enabled = on;
      phase.refresh();
    }
    this.refresh();
  }

  /** Highest power the channel's loads can draw together, W. */
  get maxW(): number {
    let sum = 0;
    for (const phase of this.phases) for (const load of phase.loads) sum += Math.max(0, load.maxW);
    return sum;
  }

  /** Active register, mWh (sum of the phases). */
  get activeMwh(): number {
    let sum = 0;
    for (const phase of this.phases) sum += phase.activeMwh;
    return sum;
  }

  /** Returned register, mWh (sum of the phases). */
  get returnedMwh(): number {
    let sum = 0;
    for (const phase of this.phases) sum += phase.returnedMwh;
    return sum;
  }

  /** Integrates `dtMs` of the current levels (times `factor`: 0 while the device reboots). */
  integrate(dtMs: number, factor: number): void {
    const k = (dtMs * factor) / 3600; // W × ms / 3600 = mWh
    const phases = this.phases;
    for (let i = 0; i < phases.length; i++) {
      const phase = phases[i]!;
      const p = phase.powerW;
      if (p >= 0) phase.activeMwh += p * k;
      else phase.returnedMwh -= p * k;
    }
  }

  /** Applies every load change due at `tsMs` (there is at least one when `nextChangeMs <= tsMs`). */
  applyChanges(tsMs: number, clock: LocalClock, rng: Prng): void {
    for (const phase of this.phases) {
      for (const load of phase.loads) if (load.nextChangeMs <= tsMs) load.step(tsMs, clock, rng);
      phase.refresh();
    }
    this.refresh();
  }

  /** Recomputes {@link powerW} and {@link nextChangeMs} from the phases. */
  private refresh(): void {
    let power = 0;
    let next = Number.POSITIVE_INFINITY;
    for (const phase of this.phases) {
      power += phase.powerW;
      for (const load of phase.loads) if (load.nextChangeMs < next) next = load.nextChangeMs;
    }
    this.powerW = power;
    this.nextChangeMs = next;
  }

  /** Gen2 minute roll-over: shifts the completed minute into the buckets. */
  rollMinute(): void {
    const active = this.activeMwh;
    const returned = this.returnedMwh;
    this.byMinute[2] = this.byMinute[1]!;
    this.byMinute[1] = this.byMinute[0]!;
    this.byMinute[0] = active - this.markActiveMwh;
    this.retByMinute[2] = this.retByMinute[1]!;
    this.retByMinute[1] = this.retByMinute[0]!;
    this.retByMinute[0] = returned - this.markReturnedMwh;
    this.markActiveMwh = active;
    this.markReturnedMwh = returned;
  }

  /** A reboot of a device whose counters live in RAM: registers and buckets restart at 0. */
  clearRegisters(): void {
    for (const phase of this.phases) {
      phase.activeMwh = 0;
      phase.returnedMwh = 0;
    }
    this.markActiveMwh = 0;
    this.markReturnedMwh = 0;
    this.byMinute.fill(0);
    this.retByMinute.fill(0);
  }
}
