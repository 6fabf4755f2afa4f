import type { Channel } from "./channel";
import type { DeviceMailbox } from "./device-mailbox";
import type { DevicePlan } from "./fleet-layout";
import {
  emDataActiveCenti,
  emDataReturnedCenti,
  emDataStatus,
  emStatus,
  type Gen2Context,
  notifyEm,
  notifyEmData,
  notifyEnergy,
  notifyOutput,
  notifyPower,
  notifySys,
  pm1Status,
  switchStatus,
  sysStatus,
} from "./gen2-payloads";
import { clockText, MINUTE_MS } from "./local-clock";
import { MessageFault, variantOf } from "./message-fault";
import type { Prng } from "./prng";
import { gen2TotalMwh } from "./quantize";
import type { ScheduleStore } from "./schedule-store";
import { Down, type FleetContext, SimDevice } from "./sim-device";

/** Gen2 full status every minute (status_ntf on), at a per-device phase. */
export const GEN2_STATUS_PERIOD_MS = 60_000;

/**
 * A Gen2 (Plus/Pro) device publishing with `rpc_ntf` and `status_ntf` on: full component status on
 * `<prefix>/status/<component>` every minute and on a noticeable power change, NotifyStatus
 * deltas on `<prefix>/events/rpc` (only `apower` on a change, only `aenergy` at the minute
 * roll-over; a Pro 3EM saves `emdata` every minute).
 */
export class Gen2Device extends SimDevice implements Gen2Context {
  readonly index: number = 0;
  readonly id: string;
  readonly mac: string;
  readonly notifyHead: string;
  readonly baseVoltageV: number = 0;
  readonly baseTempC: number = 0;
  readonly showPf: boolean;
  minuteTsS = 0;
  /** The device's schedule jobs, created by the first `Schedule.*` call. */
  schedules: ScheduleStore | undefined = undefined;
  private nextMinuteMs = 0;
  /** Each device notices the minute roll-over a little after :00 (its own offset, ms). */
  private readonly minuteOffsetMs: number = 0;
  private readonly statusTopics: string[];
  private readonly emDataTopic: string;
  private readonly eventsTopic: string;
  private readonly sysTopic: string;
  protected readonly onlineTopic: string;

  constructor(
    plan: DevicePlan,
    channels: Channel[],
    rng: Prng,
    mailbox: DeviceMailbox,
    startMs: number,
    ctx: FleetContext,
  ) {
    super(plan, channels, rng, mailbox, startMs, GEN2_STATUS_PERIOD_MS, ctx);
    this.index = plan.index;
    this.id = plan.id;
    this.mac = plan.mac;
    const prefix = plan.prefix;
    this.notifyHead = `{"src":"${plan.id}","dst":"${prefix}/events","method":"NotifyStatus","params":{"ts":`;
    this.baseVoltageV = mailbox.rng.range(228, 234);
    this.baseTempC = mailbox.rng.range(30, 40);
    this.showPf = plan.model === "pro-4pm";
    this.minuteOffsetMs = 20 + Math.floor(mailbox.rng.next() * 1500);
    const minuteStart = Math.floor(startMs / MINUTE_MS) * MINUTE_MS;
    this.minuteTsS = minuteStart / 1000;
    this.nextMinuteMs = minuteStart + MINUTE_MS + this.minuteOffsetMs;
    this.statusTopics = channels.map((ch) => `${prefix}/status/${ch.meterId}`);
    this.emDataTopic = `${prefix}/status/emdata:0`;
    this.eventsTopic = `${prefix}/events/rpc`;
    this.sysTopic = `${prefix}/status/sys`;
    this.onlineTopic = `${prefix}/online`;
  }

  get scheduleRev(): number {
    return this.schedules?.rev ?? 0;
  }

  protected hello(tsMs: number, ctx: FleetContext): void {
    this.booted(tsMs, ctx);
    this.publishCounters(tsMs, ctx);
  }

  protected booted(tsMs: number, ctx: FleetContext): void {
    const uptimeS = Math.floor((tsMs - this.bootMs) / 1000);
    const local = clockText(ctx.clock.localMs(tsMs));
    ctx.outbox.plain(this.mailbox, this.sysTopic, sysStatus(this, tsMs, uptimeS, local), tsMs);
    if (tsMs - this.bootMs < MINUTE_MS) {
      ctx.outbox.plain(this.mailbox, this.eventsTopic, notifySys(this, tsMs, uptimeS), tsMs);
      for (const ch of this.channels) ch.source = "init";
    }
  }

  protected periodic(tsMs: number, ctx: FleetContext): void {
    for (const ch of this.channels) this.status(ch, tsMs, ctx, false);
  }

  protected publishCounters(tsMs: number, ctx: FleetContext): void {
    for (const ch of this.channels) {
      this.status(ch, tsMs, ctx, true);
      if (this.spec.kind === "em3") this.emData(ch, tsMs, ctx, true, false);
    }
  }

  protected powerChanged(ch: Channel, tsMs: number, ctx: FleetContext): void {
    const p = ch.powerW;
    const output = ch.output;
    const switched = this.spec.kind === "switch" && output !== ch.reportedOutput;
    if (!switched && Math.abs(p - ch.reportedW) <= Math.max(2, 0.05 * Math.abs(ch.reportedW)))
      return;
    if (switched) ch.source = "WS_in";
    const box = this.mailbox;
    const outbox = ctx.outbox;
    const fault = outbox.decide(box, undefined, undefined);
    const variant = variantOf(fault);
    const payload =
      this.spec.kind === "em3"
        ? notifyEm(this, ch, tsMs, variant)
        : notifyPower(this, ch, tsMs, variant, switched);
    outbox.metering(box, this.eventsTopic, payload, tsMs, fault, undefined, 0, undefined, 0);
    this.status(ch, tsMs, ctx, false);
  }

  /** Publishes a channel's full status now (the `status_update` command), always valid. */
  publishStatus(ch: Channel, tsMs: number, ctx: FleetContext): void {
    this.integrateTo(tsMs);
    this.status(ch, tsMs, ctx, true);
  }

  /** A NotifyStatus with the new output and its source (when it changed), then the full status. */
  protected outputSet(ch: Channel, changed: boolean, tsMs: number, ctx: FleetContext): void {
    if (changed) {
      ctx.outbox.metering(
        this.mailbox,
        this.eventsTopic,
        notifyOutput(this, ch, tsMs),
        tsMs,
        MessageFault.none,
        undefined,
        0,
        undefined,
        0,
      );
    }
    this.status(ch, tsMs, ctx, true);
  }

  protected nextOwnEventMs(): number {
    return this.nextMinuteMs;
  }

  protected ownEvents(tsMs: number, ctx: FleetContext): void {
    if (tsMs < this.nextMinuteMs) return;
    this.minuteTsS = (this.nextMinuteMs - this.minuteOffsetMs) / 1000;
    this.nextMinuteMs += MINUTE_MS;
    const up = this.down === Down.none;
    for (const ch of this.channels) {
      ch.rollMinute();
      if (!up) continue;
      if (this.spec.kind === "em3") {
        this.emData(ch, tsMs, ctx, false, true);
      } else {
        const fault = ctx.outbox.decide(this.mailbox, ch.active, undefined);
        const payload = notifyEnergy(this, ch, tsMs, variantOf(fault));
        ctx.outbox.metering(
          this.mailbox,
          this.eventsTopic,
          payload,
          tsMs,
          fault,
          ch.active,
          gen2TotalMwh(ch.activeMwh),
          undefined,
          0,
        );
      }
    }
  }

  protected publishedActiveMwh(ch: Channel): number {
    return this.spec.kind === "em3" ? emDataActiveCenti(ch) * 10 : gen2TotalMwh(ch.activeMwh);
  }

  /** `status/<component>`: switch and pm1 carry their counters (pm1 also `ret_aenergy`), em:0 only power. */
  private status(ch: Channel, tsMs: number, ctx: FleetContext, forced: boolean): void {
    const box = this.mailbox;
    const outbox = ctx.outbox;
    const topic = this.statusTopics[ch.index]!;
    ch.reportedW = ch.powerW;
    ch.reportedOutput = ch.output;
    const kind = this.spec.kind;
    if (kind === "em3") {
      const fault = forced ? MessageFault.none : outbox.decide(box, undefined, undefined);
      const payload = emStatus(this, ch, tsMs, variantOf(fault));
      outbox.metering(box, topic, payload, tsMs, fault, undefined, 0, undefined, 0);
      return;
    }
    const returned = kind === "pm1" ? ch.returned : undefined;
    const fault = forced ? MessageFault.none : outbox.decide(box, ch.active, returned);
    const variant = variantOf(fault);
    const payload =
      kind === "pm1" ? pm1Status(this, ch, tsMs, variant) : switchStatus(this, ch, tsMs, variant);
    const returnedMwh = returned === undefined ? 0 : gen2TotalMwh(ch.returnedMwh);
    outbox.metering(
      box,
      topic,
      payload,
      tsMs,
      fault,
      ch.active,
      gen2TotalMwh(ch.activeMwh),
      returned,
      returnedMwh,
    );
  }

  /** Pro 3EM counters: `status/emdata:0`, and at the roll-over also a NotifyStatus with them. */
  private emData(
    ch: Channel,
    tsMs: number,
    ctx: FleetContext,
    forced: boolean,
    withNotify: boolean,
  ): void {
    const box = this.mailbox;
    const outbox = ctx.outbox;
    const returned = ch.returned!;
    const act = emDataActiveCenti(ch) * 10;
    const ret = emDataReturnedCenti(ch) * 10;
    let fault = forced ? MessageFault.none : outbox.decide(box, ch.active, returned);
    outbox.metering(
      box,
      this.emDataTopic,
      emDataStatus(ch, variantOf(fault)),
      tsMs,
      fault,
      ch.active,
      act,
      returned,
      ret,
    );
    if (!withNotify) return;
    fault = outbox.decide(box, ch.active, returned);
    outbox.metering(
      box,
      this.eventsTopic,
      notifyEmData(this, ch, tsMs, variantOf(fault)),
      tsMs,
      fault,
      ch.active,
      act,
      returned,
      ret,
    );
  }
}
