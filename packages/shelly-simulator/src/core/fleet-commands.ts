import { ShellySimulatorError } from "../errors";
import type { Channel } from "./channel";
import type { ResolvedPersonOptions } from "./command-options";
import { parseCommandTopic, parseSimpleCommand } from "./command-topics";
import type { ResolvedFleetOptions } from "./fleet-options";
import { Gen2Device } from "./gen2-device";
import { Prng } from "./prng";
import {
  isObject,
  parseRpcRequest,
  RPC_ERRORS,
  type RpcOutcome,
  type RpcRequest,
  rpcError,
  rpcResponse,
} from "./rpc-frame";
import { ScheduleStore } from "./schedule-store";
import type { FleetContext, SimDevice } from "./sim-device";

/** What the fleet made of the commands it was given. */
export interface CommandStats {
  /** Messages given to `handleCommand`. */
  received: number;
  /** Commands a device carried out (switched, reported, or answered with a result). */
  applied: number;
  /** RPC requests answered with an error (unknown method, bad id, bad params, limit). */
  rejected: number;
  /**
   * Messages no device acted on: not a command topic of the fleet, a payload a device drops (not
   * a command, not a request), a meter's channel, a device offline, rebooting or ignoring commands.
   */
  ignored: number;
  /** Channels a person switched back on. */
  personSwitches: number;
}

/**
 * Streams 1 and up are the fleet's (layout, then loads and faults per device): the choice of the
 * devices that ignore commands draws from stream 0, a device's person from its own stream
 * (2^31 + index), so commands never move a load curve or a fault.
 */
const IGNORE_STREAM = 0;
const personStream = (index: number): number => 0x8000_0000 + index;

/** The `source` a Gen2 switch reports for a command received over MQTT (simple topic or RPC). */
export const MQTT_SOURCE = "MQTT";

/**
 * Routes command messages to the fleet's devices and carries them out as real devices do: the
 * simple topics, JSON-RPC (`Switch.*`, `Schedule.*`) with its responses, Gen1 relay commands, the
 * devices that ignore commands and the person who switches back on.
 */
export class FleetCommands {
  private readonly stats = { received: 0, applied: 0, rejected: 0, ignored: 0 };
  private prefixes: Map<string, number> | undefined;
  private readonly ignoring: Uint8Array | undefined;
  private readonly person: ResolvedPersonOptions | undefined;
  private readonly rngs = new Map<number, Prng>();
  private readonly seed: number;

  /** Throws {@link ShellySimulatorError} `INVALID_OPTIONS` for an `ignoreCommands` name no device has. */
  constructor(
    private readonly sims: readonly SimDevice[],
    options: ResolvedFleetOptions,
  ) {
    this.seed = options.seed;
    this.person = options.person;
    this.ignoring = ignoringDevices(sims, options);
  }

  /** True when device `index` ignores every command. */
  ignores(index: number): boolean {
    return this.ignoring !== undefined && this.ignoring[index] === 1;
  }

  /** Every topic the devices listen on: Gen2 `<prefix>/rpc` and `command/switch:<n>`, Gen1 `relay/<n>/command`. */
  topics(): string[] {
    const topics: string[] = [];
    for (const d of this.sims) {
      const prefix = d.plan.prefix;
      if (d.spec.generation === 2) topics.push(`${prefix}/rpc`);
      if (d.spec.kind === "switch") {
        for (const ch of d.channels) topics.push(`${prefix}/command/switch:${ch.index}`);
      } else if (d.spec.kind === "gen1-relay") {
        for (const ch of d.channels) topics.push(`${prefix}/relay/${ch.index}/command`);
      }
    }
    return topics;
  }

  /**
   * Handles one message at `tsMs`: what the device publishes goes to the outbox. Returns the index
   * of the device whose own events may have changed (a person planned), or -1.
   */
  handle(topic: string, payload: string, tsMs: number, ctx: FleetContext): number {
    this.stats.received++;
    const target = parseCommandTopic(topic);
    const index = target === undefined ? undefined : this.prefixIndex().get(target.prefix);
    const device = index === undefined ? undefined : this.sims[index];
    if (target === undefined || index === undefined || device === undefined) return this.ignore();
    if (!device.listening || this.ignores(index)) return this.ignore();
    if (target.kind === "rpc") {
      if (!(device instanceof Gen2Device)) return this.ignore();
      const request = parseRpcRequest(payload);
      if (request === undefined) return this.ignore();
      const outcome = this.call(device, index, request, tsMs, ctx);
      if (outcome.ok) this.stats.applied++;
      else this.stats.rejected++;
      if (request.id !== undefined) {
        device.reply(
          `${request.src}/rpc`,
          rpcResponse(request, device.plan.id, outcome),
          tsMs,
          ctx,
        );
      }
      return index;
    }
    const wanted = target.kind === "switch" ? "switch" : "gen1-relay";
    const ch = device.channels[target.channel];
    const command = parseSimpleCommand(payload);
    if (device.spec.kind !== wanted || ch === undefined || command === undefined) {
      return this.ignore();
    }
    if (command === "status_update") {
      if (!(device instanceof Gen2Device)) return this.ignore();
      device.publishStatus(ch, tsMs, ctx);
    } else {
      this.switchTo(
        device,
        index,
        ch,
        command === "toggle" ? !ch.output : command === "on",
        tsMs,
        ctx,
      );
    }
    this.stats.applied++;
    return index;
  }

  /** The counts so far (person switches are kept per device, where they happen). */
  snapshot(): CommandStats {
    let personSwitches = 0;
    for (const d of this.sims) personSwitches += d.personSwitches;
    return { ...this.stats, personSwitches };
  }

  private ignore(): number {
    this.stats.ignored++;
    return -1;
  }

  /** Runs one RPC method. */
  private call(
    device: Gen2Device,
    index: number,
    request: RpcRequest,
    tsMs: number,
    ctx: FleetContext,
  ): RpcOutcome {
    const params = request.params ?? {};
    if (!isObject(params)) return rpcError(RPC_ERRORS.invalidArgument, "Invalid params");
    const method = request.method.toLowerCase();
    if (method.startsWith("schedule.")) {
      const store = device.schedules ?? new ScheduleStore();
      let outcome: RpcOutcome | undefined;
      if (method === "schedule.create") outcome = store.create(params);
      else if (method === "schedule.update") outcome = store.update(params);
      else if (method === "schedule.list") outcome = store.list();
      else if (method === "schedule.delete") outcome = store.delete(params);
      else if (method === "schedule.deleteall") outcome = store.deleteAll();
      if (outcome !== undefined) {
        device.schedules = store;
        return outcome;
      }
    } else if (
      device.spec.kind === "switch" &&
      (method === "switch.set" || method === "switch.toggle")
    ) {
      const ch = switchOf(device, params);
      if (!("index" in ch)) return ch;
      const target = device.channels[ch.index]!;
      let on: boolean;
      if (method === "switch.toggle") on = !target.output;
      else if (params.on === undefined) {
        return rpcError(RPC_ERRORS.invalidArgument, "Missing required 'on'");
      } else if (typeof params.on !== "boolean") {
        return rpcError(RPC_ERRORS.invalidArgument, "Invalid argument 'on'");
      } else on = params.on;
      return { ok: true, result: { was_on: this.switchTo(device, index, target, on, tsMs, ctx) } };
    }
    return rpcError(RPC_ERRORS.noHandler, `No handler for ${request.method}`);
  }

  /** Sets a relay for a command (source MQTT); returns the output before. Plans the person after an on → off. */
  private switchTo(
    device: SimDevice,
    index: number,
    ch: Channel,
    on: boolean,
    tsMs: number,
    ctx: FleetContext,
  ): boolean {
    // Switching on settles what a person would do; an `off` to a channel already off (a retry)
    // leaves the person's plan as it was.
    if (on) device.cancelPerson(ch.index);
    const wasOn = device.setOutput(ch, on, MQTT_SOURCE, tsMs, ctx);
    const person = this.person;
    if (person !== undefined && wasOn && !on) {
      let rng = this.rngs.get(index);
      if (rng === undefined) {
        rng = new Prng(this.seed, personStream(index));
        this.rngs.set(index, rng);
      }
      const acts = rng.next() < person.probability;
      const afterS = rng.range(person.minAfterS, person.maxAfterS);
      if (acts)
        device.planPerson(ch.index, tsMs + Math.max(1, Math.round(afterS * 1000)), person.source);
    }
    return wasOn;
  }

  private prefixIndex(): Map<string, number> {
    if (this.prefixes === undefined) {
      const prefixes = new Map<string, number>();
      for (let i = 0; i < this.sims.length; i++) prefixes.set(this.sims[i]!.plan.prefix, i);
      this.prefixes = prefixes;
    }
    return this.prefixes;
  }
}

/** `params.id` of a `Switch.*` call as a channel index, or the error Shelly gives. */
function switchOf(
  device: SimDevice,
  params: Record<string, unknown>,
): { index: number } | RpcOutcome {
  const id = params.id;
  if (id === undefined) return rpcError(RPC_ERRORS.invalidArgument, "Missing required 'id'");
  if (typeof id !== "number" || !Number.isInteger(id)) {
    return rpcError(RPC_ERRORS.invalidArgument, "Invalid argument 'id'");
  }
  if (id < 0 || id >= device.channels.length) return rpcError(RPC_ERRORS.notFound, `Bad id=${id}`);
  return { index: id };
}

/** Marks the devices that ignore commands (undefined: none). */
function ignoringDevices(
  sims: readonly SimDevice[],
  options: ResolvedFleetOptions,
): Uint8Array | undefined {
  const spec = options.ignoreCommands;
  if (typeof spec === "number") {
    const count = Math.round(spec * sims.length);
    if (count === 0) return undefined;
    // A partial Fisher-Yates shuffle of the device indices: `count` distinct devices.
    const rng = new Prng(options.seed, IGNORE_STREAM);
    const order = Array.from(sims, (_, i) => i);
    const marks = new Uint8Array(sims.length);
    for (let k = 0; k < count; k++) {
      const j = k + rng.int(order.length - k);
      const picked = order[j]!;
      order[j] = order[k]!;
      order[k] = picked;
      marks[picked] = 1;
    }
    return marks;
  }
  if (spec.length === 0) return undefined;
  const company = `${options.company}/`;
  const byName = new Map<string, number>();
  for (let i = 0; i < sims.length; i++) {
    const plan = sims[i]!.plan;
    byName.set(plan.id, i);
    byName.set(plan.prefix, i);
    byName.set(plan.path, i);
    byName.set(plan.path.slice(company.length), i);
  }
  const marks = new Uint8Array(sims.length);
  const unknown: string[] = [];
  for (const name of spec) {
    const i = byName.get(name);
    if (i === undefined) unknown.push(name);
    else marks[i] = 1;
  }
  if (unknown.length > 0) {
    throw new ShellySimulatorError(
      "INVALID_OPTIONS",
      `invalid fleet options: ignoreCommands names no device of the fleet: ${unknown.join(", ")}`,
    );
  }
  return marks;
}
