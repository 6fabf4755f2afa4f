import type { Channel } from "./channel";
import type { DeviceMailbox } from "./device-mailbox";
import type { DevicePlan } from "./fleet-layout";
import { gen1Energy, gen1Power, gen1Total } from "./gen1-payloads";
import { MessageFault, variantOf } from "./message-fault";
import type { Prng } from "./prng";
import { deciWh, wattMinutes, wattMinutesToMwh } from "./quantize";
import { type FleetContext, SimDevice } from "./sim-device";

/** Gen1 publishes its whole state every `mqtt_update_period` (default 30 s). */
export const GEN1_PERIOD_MS = 30_000;

/** Topics of one Gen1 channel. */
interface Gen1Topics {
  state: string | undefined;
  power: string;
  counter: string;
  returned: string | undefined;
}

/**
 * A Gen1 device (`shellies/<id>/…`, one scalar per topic): a Plug S publishes `relay/0` (on/off),
 * `relay/0/power` (W) and `relay/0/energy` (watt-minutes since boot); an EM publishes
 * `emeter/<i>/power`, `total` and `total_returned` (Wh, persisted). All every 30 s.
 */
export class Gen1Device extends SimDevice {
  protected readonly onlineTopic: string;
  private readonly topics: Gen1Topics[];

  constructor(
    plan: DevicePlan,
    channels: Channel[],
    rng: Prng,
    mailbox: DeviceMailbox,
    startMs: number,
    ctx: FleetContext,
  ) {
    super(plan, channels, rng, mailbox, startMs, GEN1_PERIOD_MS, ctx);
    const base = plan.prefix;
    this.onlineTopic = `${base}/online`;
    this.topics = channels.map((ch) =>
      this.spec.kind === "gen1-em"
        ? {
            state: undefined,
            power: `${base}/emeter/${ch.index}/power`,
            counter: `${base}/emeter/${ch.index}/total`,
            returned: `${base}/emeter/${ch.index}/total_returned`,
          }
        : {
            state: `${base}/relay/${ch.index}`,
            power: `${base}/relay/${ch.index}/power`,
            counter: `${base}/relay/${ch.index}/energy`,
            returned: undefined,
          },
    );
  }

  protected hello(tsMs: number, ctx: FleetContext): void {
    this.publishAll(tsMs, ctx, true);
  }

  protected booted(): void {
    // Gen1 has no uptime on MQTT; the counters restarting at 0 are all a consumer sees.
  }

  protected periodic(tsMs: number, ctx: FleetContext): void {
    this.publishAll(tsMs, ctx, false);
  }

  protected publishCounters(tsMs: number, ctx: FleetContext): void {
    this.publishAll(tsMs, ctx, true);
  }

  protected powerChanged(): void {
    // Gen1 reports power with its periodic update only.
  }

  protected nextOwnEventMs(): number {
    return Number.POSITIVE_INFINITY;
  }

  protected ownEvents(): void {}

  protected publishedActiveMwh(ch: Channel): number {
    return wattMinutesToMwh(wattMinutes(ch.phases[0]!.activeMwh));
  }

  /** A relay set by a command or a person reports at once: `relay/<n>` (on/off), its power and energy. */
  protected outputSet(ch: Channel, _changed: boolean, tsMs: number, ctx: FleetContext): void {
    this.publishChannel(ch, tsMs, ctx, true);
  }

  private publishAll(tsMs: number, ctx: FleetContext, forced: boolean): void {
    for (const ch of this.channels) this.publishChannel(ch, tsMs, ctx, forced);
  }

  private publishChannel(ch: Channel, tsMs: number, ctx: FleetContext, forced: boolean): void {
    const box = this.mailbox;
    const outbox = ctx.outbox;
    const topics = this.topics[ch.index]!;
    const phase = ch.phases[0]!;
    const p = phase.powerW;
    if (topics.state !== undefined) outbox.plain(box, topics.state, ch.output ? "on" : "off", tsMs);

    let fault = forced ? MessageFault.none : outbox.decide(box, undefined, undefined);
    outbox.metering(
      box,
      topics.power,
      gen1Power(p, variantOf(fault)),
      tsMs,
      fault,
      undefined,
      0,
      undefined,
      0,
    );

    fault = forced ? MessageFault.none : outbox.decide(box, ch.active, undefined);
    if (topics.returned === undefined) {
      const value = wattMinutesToMwh(wattMinutes(phase.activeMwh));
      outbox.metering(
        box,
        topics.counter,
        gen1Energy(phase, variantOf(fault)),
        tsMs,
        fault,
        ch.active,
        value,
        undefined,
        0,
      );
      return;
    }
    const active = deciWh(phase.activeMwh) * 100;
    outbox.metering(
      box,
      topics.counter,
      gen1Total(phase.activeMwh, variantOf(fault)),
      tsMs,
      fault,
      ch.active,
      active,
      undefined,
      0,
    );

    const returned = ch.returned!;
    fault = forced ? MessageFault.none : outbox.decide(box, returned, undefined);
    const returnedMwh = deciWh(phase.returnedMwh) * 100;
    outbox.metering(
      box,
      topics.returned,
      gen1Total(phase.returnedMwh, variantOf(fault)),
      tsMs,
      fault,
      returned,
      returnedMwh,
      undefined,
      0,
    );
  }
}
