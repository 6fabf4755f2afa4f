import { ShellySimulatorError } from "../errors";
import { createChannels } from "./device-loads";
import { DeviceMailbox } from "./device-mailbox";
import {
  type DeviceTruth,
  type EnergyTotals,
  type EnergyTruth,
  TRUTH_FORMAT,
} from "./energy-truth";
import { EventQueue } from "./event-queue";
import { type CommandStats, FleetCommands } from "./fleet-commands";
import { planFleet } from "./fleet-layout";
import { type FleetOptions, type ResolvedFleetOptions, resolveFleetOptions } from "./fleet-options";
import { Gen1Device } from "./gen1-device";
import { Gen2Device } from "./gen2-device";
import { HOUR_MS, LocalClock } from "./local-clock";
import { MODEL_SPECS, type ShellyModel } from "./models";
import { type FleetStats, Outbox } from "./outbox";
import type { PlacementRule } from "./placements";
import { Prng } from "./prng";
import type { FleetContext, SimDevice } from "./sim-device";
import type { SimMessage } from "./sim-message";

/** A simulated device as the outside sees it. */
export interface FleetDevice {
  model: ShellyModel;
  generation: 1 | 2;
  /** Shelly device id (`shellyplusplugs-c82e18a1b2c3`, `shellyplug-s-7AD4B1`). */
  id: string;
  /** Topic prefix. */
  prefix: string;
  /** `Company/Office/Room/Device`. */
  path: string;
  /** Meter ids as a consumer names them (`switch:0` … `switch:3`, `em:0`, `relay:0`, `emeter:1`). */
  meters: string[];
}

/** Counts of a fleet so far. */
export interface FleetRunStats extends FleetStats {
  /** Simulated device-hours: devices × simulated hours since the start. */
  deviceHours: number;
}

/** Streams of device-level randomness: one for loads, one for faults, per device. */
const LAYOUT_STREAM = 1;
const loadStream = (index: number): number => 2 + index * 2;
const faultStream = (index: number): number => 3 + index * 2;

/**
 * A simulated Shelly fleet: a pure, deterministic function of its options and the simulated time
 * it is advanced by. It does no I/O, reads no clock and starts no timer: {@link step} and
 * {@link next} return the messages to publish, {@link truth} the exact energy they carry.
 */
export class Fleet {
  readonly options: ResolvedFleetOptions;
  /** The devices, in layout order (office, room, device). */
  readonly devices: readonly FleetDevice[];
  private readonly sims: SimDevice[];
  private readonly queue: EventQueue;
  private readonly ctx: FleetContext;
  private readonly outbox: Outbox;
  private readonly commands: FleetCommands;
  private now = 0;
  private settled = false;
  private closed = false;

  /** Prefer {@link createFleet}. Throws {@link ShellySimulatorError} `INVALID_OPTIONS`. */
  constructor(options: FleetOptions = {}) {
    const resolved = resolveFleetOptions(options);
    if (!resolved.ok) {
      throw new ShellySimulatorError(
        "INVALID_OPTIONS",
        `invalid fleet options: ${resolved.errors.join("; ")}`,
      );
    }
    const o = resolved.options;
    this.options = o;
    this.now = o.startMs;
    this.outbox = new Outbox(o.faults);
    this.ctx = {
      clock: new LocalClock(o.timeZone),
      outbox: this.outbox,
      resetPerHour: o.faults.reset ?? 0,
      offlinePerHour: o.faults.offline ?? 0,
    };
    const plans = planFleet(
      new Prng(o.seed, LAYOUT_STREAM),
      o.company,
      o.offices,
      o.roomsPerOffice,
      o.devicesPerRoom,
      o.models,
      o.layout,
    );
    this.sims = plans.map((plan) => {
      const rng = new Prng(o.seed, loadStream(plan.index));
      const mailbox = new DeviceMailbox(new Prng(o.seed, faultStream(plan.index)));
      const channels = createChannels(plan, o.startMs, this.ctx.clock, rng);
      return MODEL_SPECS[plan.model].generation === 2
        ? new Gen2Device(plan, channels, rng, mailbox, o.startMs, this.ctx)
        : new Gen1Device(plan, channels, rng, mailbox, o.startMs, this.ctx);
    });
    this.devices = this.sims.map((d) => ({
      model: d.plan.model,
      generation: d.spec.generation,
      id: d.plan.id,
      prefix: d.plan.prefix,
      path: d.plan.path,
      meters: d.channels.map((ch) => ch.meterId),
    }));
    this.queue = new EventQueue(this.sims.map((d) => d.nextEventMs()));
    this.commands = new FleetCommands(this.sims, o);
  }

  /** Simulated time, Unix ms. */
  get nowMs(): number {
    return this.now;
  }

  /** When the next device event is due, Unix ms (Infinity after {@link shutdown}). */
  get nextEventMs(): number {
    return this.queue.topTime;
  }

  /**
   * Advances simulated time by `simulatedMs` (>= 0) and returns every message published
   * meanwhile, in order. The first call (even `step(0)`) includes every device's start-up:
   * `online` true and its full state.
   */
  step(simulatedMs: number): SimMessage[] {
    this.checkOpen();
    if (!(simulatedMs >= 0) || !Number.isFinite(simulatedMs)) {
      throw new ShellySimulatorError(
        "INVALID_OPTIONS",
        `step() needs a finite number of ms >= 0, got ${simulatedMs}`,
      );
    }
    const target = this.now + simulatedMs;
    while (this.queue.topTime <= target) this.runNextEvent();
    this.now = target;
    return this.take();
  }

  /**
   * Runs device events in time order until at least `minMessages` messages were published or the
   * next event is after `untilMs`, and returns them: the flood mode's batch, where simulated time
   * advances as fast as messages are consumed. A batch may exceed `minMessages` by the messages
   * of its last device event.
   */
  next(minMessages: number, untilMs = Number.POSITIVE_INFINITY): SimMessage[] {
    this.checkOpen();
    if (!(minMessages >= 1)) {
      throw new ShellySimulatorError(
        "INVALID_OPTIONS",
        `next() needs minMessages >= 1, got ${minMessages}`,
      );
    }
    while (this.outbox.out.length < minMessages) {
      const t = this.queue.topTime;
      if (t > untilMs || t === Number.POSITIVE_INFINITY) {
        if (untilMs !== Number.POSITIVE_INFINITY && untilMs > this.now) this.now = untilMs;
        break;
      }
      this.runNextEvent();
    }
    return this.take();
  }

  /**
   * Every channel publishes its current counter in a valid message (devices offline or rebooting
   * come back first), so {@link truth} covers all energy up to now. Call it at the end of a run.
   */
  settle(): SimMessage[] {
    this.checkOpen();
    for (const d of this.sims) d.settle(this.now, this.ctx);
    const out = this.outbox.take();
    this.settled = true;
    return out;
  }

  /**
   * Every device publishes `online` false, as its last will would (one MQTT connection carries
   * the whole fleet, so per-device wills are not possible). The fleet cannot be stepped after.
   */
  shutdown(): SimMessage[] {
    this.checkOpen();
    for (const d of this.sims) d.shutdown(this.now, this.ctx);
    this.closed = true;
    return this.outbox.take();
  }

  /**
   * A message on one of {@link commandTopics}, received at `tsMs` (default and minimum: now; a
   * later time first advances the fleet to it, as {@link step} would): the device carries it out
   * and the returned messages are what it publishes, in order (with the device events up to
   * `tsMs`). Never throws for a bad topic or payload: what a device would drop is counted as
   * ignored in {@link commandStats}.
   *
   * - Gen2 `<prefix>/command/switch:<n>`: `on`, `off`, `toggle`, `status_update`.
   * - Gen2 `<prefix>/rpc`: `Switch.Set`, `Switch.Toggle`, `Schedule.Create/Update/List/Delete/
   *   DeleteAll`; the response goes to `<src>/rpc`, with an `error` for what the device refuses.
   * - Gen1 `shellies/<id>/relay/<n>/command`: `on`, `off`, `toggle`.
   *
   * A switched channel publishes its status at once (Gen2 NotifyStatus + `status/switch:<n>` with
   * `source` `MQTT`; Gen1 `relay/<n>`, its power and energy). While off it draws nothing and its
   * counter stands still, so the truth, which counts published counters, has none of that energy.
   */
  handleCommand(topic: string, payload: string, tsMs: number = this.now): SimMessage[] {
    this.checkOpen();
    if (!Number.isFinite(tsMs)) {
      throw new ShellySimulatorError(
        "INVALID_OPTIONS",
        `handleCommand() needs a finite time in ms, got ${tsMs}`,
      );
    }
    if (tsMs > this.now) {
      while (this.queue.topTime <= tsMs) this.runNextEvent();
      this.now = tsMs;
    }
    const touched = this.commands.handle(topic, payload, this.now, this.ctx);
    if (touched >= 0) this.queue.update(touched, this.sims[touched]!.nextEventMs());
    return this.take();
  }

  /**
   * The topics the devices listen on, to subscribe to: Gen2 `<prefix>/rpc` (every model: schedules)
   * and `<prefix>/command/switch:<n>` (switches), Gen1 `shellies/<id>/relay/<n>/command` (relays).
   * Meters (Pro 3EM, PM Mini, Gen1 EM) have no switch to command.
   */
  commandTopics(): string[] {
    return this.commands.topics();
  }

  /** What became of the commands so far (received, applied, rejected, ignored, person switches). */
  commandStats(): CommandStats {
    return this.commands.snapshot();
  }

  /** True when the device (id, prefix or path) ignores every command (option `ignoreCommands`). */
  ignoresCommands(device: string): boolean {
    const index = this.sims.findIndex(
      (d) => d.plan.id === device || d.plan.prefix === device || d.plan.path === device,
    );
    return index >= 0 && this.commands.ignores(index);
  }

  /** Rules that place devices whose topic prefix is not `Company/Office/Room/Device`. */
  placements(): PlacementRule[] {
    const company = `${this.options.company}/`;
    return this.devices
      .filter((d) => d.prefix !== d.path)
      .map((d) => ({ match: d.prefix, path: d.path.slice(company.length) }));
  }

  /** What was published and injected so far. */
  stats(): FleetRunStats {
    const s = this.outbox.stats;
    return {
      messages: s.messages,
      meteringMessages: s.meteringMessages,
      faults: { ...s.faults },
      suppressed: { ...s.suppressed },
      deviceHours: (this.sims.length * (this.now - this.options.startMs)) / HOUR_MS,
    };
  }

  /** The exact energy published so far, per device, room, office and company (see {@link EnergyTruth}). */
  truth(): EnergyTruth {
    const o = this.options;
    const offices: Record<string, EnergyTotals> = {};
    const rooms: Record<string, EnergyTotals> = {};
    const devices: Record<string, DeviceTruth> = {};
    let energyMwh = 0;
    let returnedEnergyMwh = 0;
    for (const d of this.sims) {
      const meters: Record<string, EnergyTotals> = {};
      let e = 0;
      let r = 0;
      for (const ch of d.channels) {
        const me = ch.active.totalMwh;
        const mr = ch.returned?.totalMwh ?? 0;
        meters[ch.meterId] = { energyMwh: me, returnedEnergyMwh: mr };
        e += me;
        r += mr;
      }
      const path = d.plan.path;
      devices[path] = {
        model: d.plan.model,
        id: d.plan.id,
        prefix: d.plan.prefix,
        energyMwh: e,
        returnedEnergyMwh: r,
        meters,
      };
      const roomPath = path.slice(0, path.lastIndexOf("/"));
      const officePath = roomPath.slice(0, roomPath.lastIndexOf("/"));
      add(rooms, roomPath, e, r);
      add(offices, officePath, e, r);
      energyMwh += e;
      returnedEnergyMwh += r;
    }
    const stats = this.outbox.stats;
    return {
      format: TRUTH_FORMAT,
      version: 1,
      seed: o.seed,
      company: o.company,
      startTsMs: o.startMs,
      tsMs: this.now,
      settled: this.settled,
      messages: stats.messages,
      faults: { ...stats.faults },
      energyMwh,
      returnedEnergyMwh,
      offices,
      rooms,
      devices,
    };
  }

  private runNextEvent(): void {
    const id = this.queue.topId;
    const t = this.queue.topTime;
    const device = this.sims[id]!;
    device.handleEvents(t, this.ctx);
    this.queue.replaceTop(device.nextEventMs());
    if (t > this.now) this.now = t;
    this.settled = false;
  }

  private take(): SimMessage[] {
    const out = this.outbox.take();
    if (out.length > 0) this.settled = false;
    return out;
  }

  private checkOpen(): void {
    if (this.closed) throw new ShellySimulatorError("FLEET_CLOSED", "the fleet was shut down");
  }
}

function add(into: Record<string, EnergyTotals>, key: string, e: number, r: number): void {
  const totals = into[key];
  if (totals === undefined) into[key] = { energyMwh: e, returnedEnergyMwh: r };
  else {
    totals.energyMwh += e;
    totals.returnedEnergyMwh += r;
  }
}

/** Creates a fleet (see {@link Fleet}). Throws {@link ShellySimulatorError} `INVALID_OPTIONS` for bad options. */
export function createFleet(options: FleetOptions = {}): Fleet {
  return new Fleet(options);
}
