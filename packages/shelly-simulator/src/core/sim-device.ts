import type { Channel } from "./channel";
import type { DeviceMailbox } from "./device-mailbox";
import type { DevicePlan } from "./fleet-layout";
import { HOUR_MS, type LocalClock } from "./local-clock";
import { MODEL_SPECS, type ModelSpec } from "./models";
import type { Outbox } from "./outbox";
import type { Prng } from "./prng";

/** What every device of a fleet shares. */
export interface FleetContext {
  readonly clock: LocalClock;
  readonly outbox: Outbox;
  /** Expected reboots per device-hour. */
  readonly resetPerHour: number;
  /** Expected offline periods per device-hour. */
  readonly offlinePerHour: number;
}

/** Why a device is not publishing. */
export const Down = { none: 0, offline: 1, reboot: 2, stopped: 3 } as const;
type DownCode = (typeof Down)[keyof typeof Down];

/**
 * A consumer tells a reset from a glitch when the counter drops and then grows from there, and
 * ignores drops of up to 1 Wh as jitter. `@coreflux/hierarchy` 0.1 also required the drop to be
 * below 10 % of the last value (0.2 asks only that the low value be what the meter could draw
 * since it was last seen, which this margin satisfies too). A volatile counter is therefore reset
 * only from 0 or from at least this many periods' worth of its maximum power (20 = 10 for the
 * 10 % rule × 2 for safety), and never from less than 2 Wh.
 */
const RESET_MARGIN_PERIODS = 20;
const MIN_RESET_COUNTER_MWH = 2000;

/**
 * One simulated device: its loads integrate into its registers, and at each of its events it
 * publishes what a real device of its model would. Subclasses know the wire format of their
 * generation; this class runs the clock, the availability and the device-level faults.
 */
export abstract class SimDevice {
  readonly spec: ModelSpec;
  /** Registers are integrated up to here, Unix ms. */
  protected lastMs = 0;
  protected nextPeriodicMs = 0;
  protected down: DownCode = Down.none;
  protected downUntilMs = Number.POSITIVE_INFINITY;
  /** Unix ms of the last boot (for `sys.uptime`). */
  protected bootMs = 0;
  private nextFaultMs = Number.POSITIVE_INFINITY;
  private greeted = false;
  /** Per channel: when a person switches it back on (Infinity: not planned); created on first use. */
  private personAtMs: number[] | undefined;
  private personSource = "";
  private nextPersonMs = Number.POSITIVE_INFINITY;
  /** Channels a person switched back on so far. */
  personSwitches = 0;

  constructor(
    readonly plan: DevicePlan,
    readonly channels: Channel[],
    /** The load generator: only load profiles draw from it. */
    protected readonly rng: Prng,
    protected readonly mailbox: DeviceMailbox,
    protected readonly startMs: number,
    private readonly periodMs: number,
    ctx: FleetContext,
  ) {
    this.spec = MODEL_SPECS[plan.model];
    this.lastMs = startMs;
    this.bootMs = startMs - Math.round(mailbox.rng.range(1, 30) * 86_400) * 1000;
    this.nextPeriodicMs = startMs + 1 + Math.floor(mailbox.rng.next() * periodMs);
    this.scheduleFault(startMs, ctx);
  }

  /** When this device does something next, Unix ms (Infinity once stopped). */
  nextEventMs(): number {
    if (!this.greeted) return this.startMs;
    if (this.down === Down.stopped) return Number.POSITIVE_INFINITY;
    let t = Math.min(
      this.nextPeriodicMs,
      this.nextFaultMs,
      this.downUntilMs,
      this.nextOwnEventMs(),
      this.nextPersonMs,
    );
    const channels = this.channels;
    for (let i = 0; i < channels.length; i++) {
      const c = channels[i]!.nextChangeMs;
      if (c < t) t = c;
    }
    return t;
  }

  /** Handles everything due at `tsMs` (its {@link nextEventMs}). */
  handleEvents(tsMs: number, ctx: FleetContext): void {
    this.integrateTo(tsMs);
    if (!this.greeted) {
      this.greeted = true;
      ctx.outbox.plain(this.mailbox, this.onlineTopic, "true", tsMs);
      this.hello(tsMs, ctx);
    }
    if (this.down !== Down.none && tsMs >= this.downUntilMs) this.comeBack(tsMs, ctx);
    for (const ch of this.channels) {
      if (ch.nextChangeMs <= tsMs) {
        ch.applyChanges(tsMs, ctx.clock, this.rng);
        if (this.down === Down.none) this.powerChanged(ch, tsMs, ctx);
      }
    }
    this.ownEvents(tsMs, ctx);
    if (tsMs >= this.nextPersonMs) this.personActs(tsMs, ctx);
    if (tsMs >= this.nextPeriodicMs) {
      if (this.down === Down.none) this.periodic(tsMs, ctx);
      this.nextPeriodicMs += this.periodMs;
    }
    if (tsMs >= this.nextFaultMs) this.deviceFault(tsMs, ctx);
  }

  /** Publishes every counter validly (first ending an offline period or a boot), so all is observable. */
  settle(tsMs: number, ctx: FleetContext): void {
    if (this.down === Down.stopped) return;
    this.integrateTo(tsMs);
    ctx.outbox.flush(this.mailbox, tsMs);
    if (!this.greeted) {
      this.greeted = true;
      ctx.outbox.plain(this.mailbox, this.onlineTopic, "true", tsMs);
      this.hello(tsMs, ctx);
      return;
    }
    if (this.down !== Down.none) this.comeBack(tsMs, ctx);
    this.publishCounters(tsMs, ctx);
  }

  /** Says `online` false and stops (the last will a fleet on one connection cannot register). */
  shutdown(tsMs: number, ctx: FleetContext): void {
    if (this.down === Down.stopped) return;
    this.integrateTo(tsMs);
    ctx.outbox.flush(this.mailbox, tsMs);
    if (this.greeted) ctx.outbox.plain(this.mailbox, this.onlineTopic, "false", tsMs);
    this.down = Down.stopped;
    this.downUntilMs = Number.POSITIVE_INFINITY;
  }

  /** True while the device is connected and would receive a command (started, not offline or rebooting). */
  get listening(): boolean {
    return this.greeted && this.down === Down.none;
  }

  /**
   * Sets a channel's relay at `tsMs` (a command or a person, named by `source`) and publishes the
   * status at once; returns the output before. Only for switch channels of a listening device.
   */
  setOutput(ch: Channel, on: boolean, source: string, tsMs: number, ctx: FleetContext): boolean {
    this.integrateTo(tsMs);
    const wasOn = ch.output;
    ch.setRelay(on);
    ch.source = source;
    this.outputSet(ch, wasOn !== on, tsMs, ctx);
    return wasOn;
  }

  /** Publishes a message that carries no reading for this device (an RPC response), in its order. */
  reply(topic: string, payload: string, tsMs: number, ctx: FleetContext): void {
    ctx.outbox.plain(this.mailbox, topic, payload, tsMs);
  }

  /** A person will switch channel `index` back on at `atMs` (replacing what was planned for it). */
  planPerson(index: number, atMs: number, source: string): void {
    this.personAtMs ??= this.channels.map(() => Number.POSITIVE_INFINITY);
    this.personAtMs[index] = atMs;
    this.personSource = source;
    this.nextPersonMs = Math.min(...this.personAtMs);
  }

  /** Forgets a person's plan for channel `index` (a newer command decides its state). */
  cancelPerson(index: number): void {
    if (this.personAtMs === undefined) return;
    this.personAtMs[index] = Number.POSITIVE_INFINITY;
    this.nextPersonMs = Math.min(...this.personAtMs);
  }

  /** Integrates the loads up to `tsMs` (nothing is drawn while the device reboots). */
  integrateTo(tsMs: number): void {
    const dt = tsMs - this.lastMs;
    if (dt <= 0) return;
    const factor = this.down === Down.reboot ? 0 : 1;
    const channels = this.channels;
    for (let i = 0; i < channels.length; i++) channels[i]!.integrate(dt, factor);
    this.lastMs = tsMs;
  }

  /** `<prefix>/online` (Gen1: `shellies/<id>/online`). */
  protected abstract get onlineTopic(): string;
  /** First publish after the start: full state. `online` true is already out. */
  protected abstract hello(tsMs: number, ctx: FleetContext): void;
  /** The regular publish (Gen2 every 60 s, Gen1 every 30 s). */
  protected abstract periodic(tsMs: number, ctx: FleetContext): void;
  /** Every counter, each in a valid message. */
  protected abstract publishCounters(tsMs: number, ctx: FleetContext): void;
  /** A channel's load changed (Gen2 reports noticeable changes at once). */
  protected abstract powerChanged(ch: Channel, tsMs: number, ctx: FleetContext): void;
  /** Right after a boot, before the counters: Gen2 announces its small uptime. */
  protected abstract booted(tsMs: number, ctx: FleetContext): void;
  /** Generation-specific timed events (Gen2 minute roll-over). */
  protected abstract nextOwnEventMs(): number;
  protected abstract ownEvents(tsMs: number, ctx: FleetContext): void;
  /** The value (integer mWh) a consumer would read now from a channel's active counter. */
  protected abstract publishedActiveMwh(ch: Channel): number;
  /** A command or a person set a channel's relay (`changed`: its output differs): publish the status. */
  protected abstract outputSet(
    ch: Channel,
    changed: boolean,
    tsMs: number,
    ctx: FleetContext,
  ): void;

  /** Due person plans: a channel still off is switched on (a device that is down misses its chance). */
  private personActs(tsMs: number, ctx: FleetContext): void {
    const plans = this.personAtMs!;
    for (let i = 0; i < plans.length; i++) {
      if (plans[i]! > tsMs) continue;
      plans[i] = Number.POSITIVE_INFINITY;
      const ch = this.channels[i]!;
      if (this.down === Down.none && !ch.output) {
        this.setOutput(ch, true, this.personSource, tsMs, ctx);
        this.personSwitches++;
      }
    }
    this.nextPersonMs = Math.min(...plans);
  }

  private comeBack(tsMs: number, ctx: FleetContext): void {
    const rebooted = this.down === Down.reboot;
    this.down = Down.none;
    this.downUntilMs = Number.POSITIVE_INFINITY;
    ctx.outbox.plain(this.mailbox, this.onlineTopic, "true", tsMs);
    if (rebooted) this.booted(tsMs, ctx);
    this.publishCounters(tsMs, ctx);
  }

  private scheduleFault(fromMs: number, ctx: FleetContext): void {
    const perHour = ctx.resetPerHour + ctx.offlinePerHour;
    this.nextFaultMs =
      perHour > 0
        ? fromMs + Math.max(1, Math.round(this.mailbox.rng.exponential(HOUR_MS / perHour)))
        : Number.POSITIVE_INFINITY;
  }

  private deviceFault(tsMs: number, ctx: FleetContext): void {
    const box = this.mailbox;
    const kind =
      box.rng.next() * (ctx.resetPerHour + ctx.offlinePerHour) < ctx.resetPerHour
        ? "reset"
        : "offline";
    this.scheduleFault(tsMs, ctx);
    if (
      this.down !== Down.none ||
      box.held !== undefined ||
      !this.allClean() ||
      (kind === "reset" && !this.resettable())
    ) {
      ctx.outbox.count(kind, false);
      return;
    }
    ctx.outbox.count(kind, true);
    if (kind === "reset") {
      // Publish the counters first: consumption after the last reading would be lost in the reset.
      this.publishCounters(tsMs, ctx);
      ctx.outbox.plain(box, this.onlineTopic, "false", tsMs, "reset");
      for (const ch of this.channels) {
        if (this.spec.volatileCounters) {
          ch.clearRegisters();
          ch.active.reset();
          ch.returned?.reset();
        } else {
          ch.active.faulted();
          ch.returned?.faulted();
        }
      }
      box.forget();
      this.down = Down.reboot;
      this.bootMs = tsMs;
      this.downUntilMs = tsMs + Math.round(box.rng.range(2000, 4000));
    } else {
      ctx.outbox.plain(box, this.onlineTopic, "false", tsMs, "offline");
      this.down = Down.offline;
      this.downUntilMs = tsMs + Math.round(box.rng.range(60, 300)) * 1000;
    }
  }

  private allClean(): boolean {
    for (const ch of this.channels) {
      if (!ch.active.clean || (ch.returned !== undefined && !ch.returned.clean)) return false;
    }
    return true;
  }

  /**
   * A reset is observable only if a consumer sees the counter drop to 0 and then grow while still
   * below 10 % of its old value. After a boot the counter reads 0, and the first reading above 0
   * comes at most one period after the load starts (a Gen2 status or roll-over every 60 s, Gen1
   * every 30 s), so it shows at most `maxW × period` of growth: the old value must be 0 or at
   * least {@link RESET_MARGIN_PERIODS} times that. Volatile models never export, so their
   * returned counters (pm1 `ret_aenergy`) stay 0.
   */
  private resettable(): boolean {
    if (!this.spec.volatileCounters) return true;
    for (const ch of this.channels) {
      const v = this.publishedActiveMwh(ch);
      const min = Math.max(
        MIN_RESET_COUNTER_MWH,
        (RESET_MARGIN_PERIODS * ch.maxW * this.periodMs) / 3600,
      );
      if (v !== 0 && v < min) return false;
    }
    return true;
  }
}
