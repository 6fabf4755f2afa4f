import type { Placement } from "@coreflux/config";
import type { EnergyEngine, IngestOutcome, MeterHandle, NodeId } from "@coreflux/hierarchy";
import {
  createShellyParser,
  type ShellyMessage,
  type ShellyParser,
  shellyModelRating,
  shellyPowerByDirection,
} from "@coreflux/shelly-schema";
import type { Logger } from "pino";
import { DeviceMeters } from "./device-meters";
import { Counts } from "./metrics";
import { OUTPUT_SUFFIXES } from "./output/build-payload";

/**
 * A placed device: its meters by id (inherited), and its node once it has a meter. One object
 * per device, as few strings as can be: at 100,000 devices each object or string kept per device
 * is another 100,000 for every full collection to mark (see {@link Intake.device}).
 */
class PlacedDevice extends DeviceMeters {
  /** Its model's rating per meter, W, once a device id named a known model (see `rate`). */
  ratedPowerW: number | undefined = undefined;
  /** True once the device id its topic prefix names was looked up for a rating. */
  prefixIdLookedUp = false;
  /** The last Gen2+ `src` id looked up for a rating without one (each unknown id once). */
  srcLookedUp: string | undefined = undefined;

  constructor(
    /**
     * Where it was placed (company first, 4 segments), until it has a node: the engine's tree
     * holds the path from then on (see `Intake.pathOf`).
     */
    public placedPath: readonly string[] | undefined,
    public node: NodeId | undefined,
  ) {
    super();
  }
}

/**
 * A copy of `text` with storage of its own. A topic's prefix, as the parser gives it, is a slice
 * of the message's whole topic, and as a key kept for the life of the process it would keep that
 * topic too (two strings per device instead of one).
 */
function ownCopy(text: string): string {
  const copy = Buffer.from(text, "utf8").toString("utf8");
  // A lone surrogate does not survive the round trip: such a text stays as it came.
  return copy === text ? copy : text;
}

/** The device id a topic prefix names: its last segment (`shellies/shellyplug-s-7AD4B1`). */
function prefixId(prefix: string): string {
  return prefix.slice(prefix.lastIndexOf("/") + 1);
}

/**
 * Strings interned at most (path segments above devices, meter ids): beyond it, new ones are kept
 * as they come. Offices, rooms and meter ids of one company are far fewer.
 */
const MAX_INTERNED = 65_536;

/** Distinct unplaced prefixes remembered (and logged) at most; more are only counted. */
const MAX_UNPLACED_REPORTED = 100;
/** Names of the levels, by depth. */
const LEVEL_NAMES = ["company", "office", "room", "device"] as const;
/** Discovered nodes logged one by one per publish cycle; the rest are counted in one line. */
const MAX_DISCOVERIES_LOGGED_PER_CYCLE = 50;
/**
 * Counter events (restarts, new counter levels) logged one by one per publish cycle; the rest
 * are counted in one line. A fleet rebooting at once (a power cut) would otherwise write a
 * line per meter.
 */
const MAX_COUNTER_EVENTS_LOGGED_PER_CYCLE = 50;
/** The info line of a counter event worth logging, or undefined for ordinary outcomes. */
function counterEventMessage(outcome: IngestOutcome | "invalid"): string | undefined {
  switch (outcome) {
    case "reset":
      return "counter reset: new epoch, counting from zero";
    case "rebased":
      return "counter moved to a new level (a replaced device, a counter restored to an older value, or a jump beyond the meter's limit that persists): counting from there, the jump itself not counted";
    default:
      return undefined;
  }
}
/** Longest topic quoted in a log line. */
const MAX_LOGGED_TOPIC = 160;

/** Counts by reason since the last summary, for the per-cycle log line. */
export type ReasonCounts = Map<string, number>;

/**
 * Turns MQTT messages into engine calls: parse (shelly-schema), place the device in the tree,
 * apply each reading, and count everything. Never throws. Bad input is counted by reason and
 * logged once per reason (with one example), not once per message.
 */
export class Intake {
  private readonly parse: ShellyParser;
  /**
   * Placed devices by topic prefix, each key a copy of its own (see {@link ownCopy}). (A second
   * map by full topic, kept as a shortcut until 2026-12, was 1.75 MB at 10,000 devices for no
   * gain.)
   */
  private readonly devices = new Map<string, PlacedDevice>();
  /**
   * One string per distinct office, room (of devices placed by their topic) and meter id, shared
   * by every device that names it: without it, each device kept copies of its own
   * (`relay:0` 18,000 times at 100,000 devices).
   */
  private readonly interned = new Map<string, string>();
  private readonly unplaced = new Set<string>();
  private readonly loggedReasons = new Set<string>();
  private readonly statusTopic: string;
  /** `<Company>/aggregator/`: where every instance's status topic is. */
  private readonly instancesPrefix: string;
  private deviceLimitWarned = false;
  /** Devices placed by their topic (not by a `[[devices]]` rule). */
  private topicPlaced = 0;
  private unplacedOverflowWarned = false;
  /** Rejections since the last {@link takeRejections}. */
  private rejections: ReasonCounts = new Map();
  /** False once stopped: later messages are dropped (counters are cumulative: nothing is lost). */
  running = true;
  /** Messages applied since the last {@link takeApplied}. */
  private applied = 0;
  /** Nodes discovered, and logged one by one, since the last {@link takeDiscoveries}. */
  private discoveries = 0;
  private discoveriesLogged = 0;
  /** Counter events of this cycle not logged one by one, by outcome. */
  private unloggedCounterEvents: ReasonCounts = new Map();
  private counterEventsLogged = 0;
  /** Meters already reported as drawing more than their limit (reported once each). */
  private readonly overLimitReported = new Set<MeterHandle>();

  constructor(
    private readonly engine: EnergyEngine,
    private readonly placement: Placement,
    private readonly counts: Counts,
    private readonly log: Logger,
    private readonly options: { maxDevices: number; maxPayloadBytes: number },
  ) {
    this.parse = createShellyParser({ maxPayloadBytes: options.maxPayloadBytes });
    this.statusTopic = `${placement.company}/aggregator/status`;
    this.instancesPrefix = `${placement.company}/aggregator/`;
  }

  /** Devices placed so far (including ones still without a reading). */
  get deviceCount(): number {
    return this.devices.size;
  }

  /**
   * Handles one message that arrived at `nowMs` (Unix ms): live messages, and the replay of the
   * state journal with their original arrival times. True if it changed the accounting
   * (a reading, an uptime or an availability applied), which is what the journal must keep.
   */
  handleAt(topic: string, payload: Uint8Array, nowMs: number): boolean {
    this.counts.received++;
    if (!this.running) return false;
    if (this.isOwnOutput(topic)) {
      Counts.bump(this.counts.ignored, "own-output");
      return false;
    }
    const result = this.parse(topic, payload);
    if (!result.ok) {
      this.reject(result.error.code, topic, result.error.message);
      return false;
    }
    const appliedBefore = this.applied;
    this.apply(result.message, topic, nowMs);
    return this.applied !== appliedBefore;
  }

  /** Rejections by reason since the previous call. */
  takeRejections(): ReasonCounts {
    const out = this.rejections;
    this.rejections = new Map();
    return out;
  }

  /** Nodes discovered since the previous call (all of them, logged one by one or not). */
  takeDiscoveries(): number {
    const out = this.discoveries;
    if (out > this.discoveriesLogged) {
      this.log.info(
        { discovered: out, listed: this.discoveriesLogged },
        `discovered ${out - this.discoveriesLogged} more offices, rooms and devices (not listed one by one)`,
      );
    }
    this.discoveries = 0;
    this.discoveriesLogged = 0;
    return out;
  }

  /**
   * Ends the cycle's counter-event logging: one line for the events beyond the per-cycle limit
   * (the metrics count every one of them).
   */
  takeCounterEvents(): void {
    if (this.unloggedCounterEvents.size > 0) {
      this.log.info(
        { notListed: Object.fromEntries(this.unloggedCounterEvents) },
        "more counter events this cycle (not listed one by one; coreflux_readings_total counts them)",
      );
      this.unloggedCounterEvents = new Map();
    }
    this.counterEventsLogged = 0;
  }

  /** Messages applied since the previous call. */
  takeApplied(): number {
    const out = this.applied;
    this.applied = 0;
    return out;
  }

  /**
   * The aggregates of this or another instance (by suffix), and every instance's status
   * (`<Company>/aggregator/status`, `<Company>/aggregator/<instance>/status`): dropped before
   * any parsing. No device topic looks like these: a device's topics have at least 5 segments.
   */
  private isOwnOutput(topic: string): boolean {
    if (topic === this.statusTopic) return true;
    if (
      topic.startsWith(this.instancesPrefix) &&
      topic.endsWith("/status") &&
      topic.indexOf("/", this.instancesPrefix.length) === topic.length - "/status".length
    ) {
      return true;
    }
    for (const suffix of OUTPUT_SUFFIXES) if (topic.endsWith(suffix)) return true;
    return false;
  }

  private apply(message: ShellyMessage, topic: string, nowMs: number): void {
    switch (message.kind) {
      case "status":
      case "notification":
      case "gen1-value":
      case "online":
        break;
      case "ignored":
        Counts.bump(this.counts.ignored, message.reason);
        return;
      default:
        Counts.bump(this.counts.ignored, message.kind);
        return;
    }
    const device = this.device(message.prefix, "src" in message ? message.src : undefined, topic);
    if (device === undefined) return;

    if (message.kind === "online") {
      if (device.node !== undefined)
        this.engine.setAvailability(device.node, message.online, nowMs);
      this.accept();
      return;
    }
    this.rate(device, message);
    // The device's own time of the message (NotifyStatus `ts`): the engine trusts it when sane.
    const messageTsMs = message.kind === "notification" ? message.deviceTsMs : undefined;
    let applied = false;
    let invalid = false;
    for (const reading of message.readings) {
      const hasEnergy = reading.energyWh !== undefined || reading.returnedEnergyWh !== undefined;
      if (!hasEnergy && reading.powerW === undefined) continue;
      const meter = this.meter(device, reading.meter);
      if (meter === undefined) return;
      // A meter that sums phases (Pro 3EM) can import and export at once: its power by direction.
      const split = reading.powerW === undefined ? undefined : shellyPowerByDirection(reading);
      const outcome = this.engine.ingestValues(
        meter,
        nowMs,
        reading.energyWh ?? Number.NaN,
        reading.powerW ?? Number.NaN,
        reading.returnedEnergyWh ?? Number.NaN,
        reading.deviceTsMs ?? messageTsMs ?? Number.NaN,
        split?.importW ?? Number.NaN,
        split?.exportW ?? Number.NaN,
      );
      if (outcome === "over-limit") this.reportOverLimit(meter, device, reading.meter);
      this.count(outcome, device, reading.meter, reading.energyWh);
      if (outcome === "invalid") invalid = true;
      else applied = true;
    }
    if (
      message.kind !== "gen1-value" &&
      message.uptimeS !== undefined &&
      device.node !== undefined
    ) {
      if (this.engine.noteUptime(device.node, message.uptimeS, nowMs, messageTsMs ?? Number.NaN)) {
        this.log.info(
          { device: this.pathOf(device).join("/"), uptimeS: message.uptimeS },
          "device rebooted",
        );
      }
      applied = true;
    }
    // A message is counted once: accepted if any of it was used, rejected if all it carried was
    // invalid (a counter beyond what the engine can add exactly, such as 1e300 Wh), else ignored.
    if (applied) this.accept();
    else if (invalid)
      this.reject(
        "invalid-reading",
        topic,
        "no reading the accounting can use (e.g. a counter beyond 9e12 Wh)",
      );
    else Counts.bump(this.counts.ignored, "no-metering");
  }

  private accept(): void {
    this.counts.accepted++;
    this.applied++;
  }

  /**
   * The placed device for a prefix; undefined (counted and reported) when it cannot be placed.
   * Devices placed by a `[[devices]]` rule always get in: the limit keeps room for every rule,
   * so a flood of made-up topics can never lock out a configured device.
   */
  private device(prefix: string, src: string | undefined, topic: string): PlacedDevice | undefined {
    const known = this.devices.get(prefix);
    if (known !== undefined) return known;
    const byRule = this.placement.placeByRule(prefix, src);
    const path = byRule ?? this.placement.placeByTopic(prefix);
    if (path === undefined) {
      this.reportUnplaced(prefix, topic);
      return undefined;
    }
    if (!this.placement.owns(path)) {
      // Another partition's device (a [[devices]] rule elsewhere in the company): not ours.
      Counts.bump(this.counts.ignored, "outside-partition");
      return undefined;
    }
    if (
      byRule === undefined &&
      this.topicPlaced >= this.options.maxDevices - this.placement.ruleCount
    ) {
      if (!this.deviceLimitWarned) {
        this.deviceLimitWarned = true;
        this.log.warn(
          { maxDevices: this.options.maxDevices, example: clip(prefix) },
          "device limit reached: further new devices are refused and counted as rejected (reason device-limit); raise [limits] max_devices if they are real",
        );
      }
      this.countRejection("device-limit");
      return undefined;
    }
    const node = this.engine.findNode(path);
    // Kept until the device has a node; a topic's path without its topic.
    const entry = new PlacedDevice(
      node !== undefined ? undefined : (byRule ?? this.keptPath(path)),
      node,
    );
    this.devices.set(ownCopy(prefix), entry);
    if (byRule === undefined) this.topicPlaced++;
    return entry;
  }

  private meter(device: PlacedDevice, meterId: string): MeterHandle | undefined {
    const known = device.get(meterId);
    if (known !== undefined) return known;
    // The engine keeps the id it is given: the shared one when this id was seen before.
    const id = this.interned.get(meterId) ?? ownCopy(meterId);
    const path = this.pathOf(device);
    const found = this.engine.meter(path, id);
    if (!found.ok) {
      if (found.reason === "limit") this.countRejection("device-limit");
      else this.reject(`meter-${found.reason}`, path.join("/"), `cannot track meter ${meterId}`);
      return undefined;
    }
    this.intern(id);
    device.set(id, found.meter);
    device.node ??= this.engine.deviceOf(found.meter);
    device.placedPath = undefined;
    if (device.ratedPowerW !== undefined)
      this.engine.setRatedPower(found.meter, device.ratedPowerW);
    // The discovered nodes are the last ones of the device's path, top-down.
    const first = path.length - found.discovered.length;
    for (let depth = first; depth < path.length; depth++) {
      const level = LEVEL_NAMES[depth] ?? "node";
      this.discoveries++;
      if (this.discoveriesLogged < MAX_DISCOVERIES_LOGGED_PER_CYCLE) {
        this.discoveriesLogged++;
        this.log.info(
          { [level]: path.slice(0, depth + 1).join("/") },
          `discovered ${level} ${path[depth]}`,
        );
      }
    }
    return found.meter;
  }

  /**
   * Learns the device's model from the Shelly id a message names (the JSON `src` of Gen2+
   * frames, else the last segment of the topic prefix: `shellies/shellyplug-s-7AD4B1`,
   * `shellyplusplugs-a8032ab12345`) and gives its rating to the device's meters. An id is looked
   * up once; a configured `max_power_w` still wins (the engine keeps overrides).
   */
  private rate(device: PlacedDevice, message: ShellyMessage): void {
    if (device.ratedPowerW !== undefined) return;
    const src = "src" in message ? message.src : undefined;
    let id: string;
    if (src === undefined) {
      if (device.prefixIdLookedUp) return;
      device.prefixIdLookedUp = true;
      id = prefixId(message.prefix);
    } else {
      if (src === device.srcLookedUp) return;
      device.srcLookedUp = src;
      id = src;
    }
    const rating = shellyModelRating(id);
    if (rating === undefined) return;
    device.srcLookedUp = undefined;
    device.ratedPowerW = rating.maxPowerW;
    device.forEach((meter) => {
      this.engine.setRatedPower(meter, rating.maxPowerW);
    });
    this.log.debug(
      { device: this.pathOf(device).join("/"), model: rating.label, maxPowerW: rating.maxPowerW },
      "device model known: its rating bounds its counters",
    );
  }

  /** `text`, or the equal string interned before (see {@link interned}). */
  private intern(text: string): string {
    const known = this.interned.get(text);
    if (known !== undefined) return known;
    if (this.interned.size >= MAX_INTERNED) return text;
    this.interned.set(text, text);
    return text;
  }

  /**
   * The path to keep for a device placed by its topic: the levels above it interned, its own
   * name copied (a long segment of a split is a slice of the topic, which it would keep).
   */
  private keptPath(path: readonly string[]): string[] {
    return path.map((segment, depth) =>
      depth < path.length - 1 ? this.intern(segment) : ownCopy(segment),
    );
  }

  /** A device's path, company first: where it was placed, or its node's path in the tree. */
  private pathOf(device: PlacedDevice): readonly string[] {
    if (device.placedPath !== undefined) return device.placedPath;
    return device.node === undefined ? [] : this.engine.pathOf(device.node);
  }

  /** Once per meter: it drew more than its limit allows, and its own power reports confirm it. */
  private reportOverLimit(meter: MeterHandle, device: PlacedDevice, meterId: string): void {
    if (this.overLimitReported.has(meter)) return;
    this.overLimitReported.add(meter);
    const view = this.engine.meterView(meter);
    this.log.warn(
      {
        device: this.pathOf(device).join("/"),
        meter: meterId,
        maxPowerW: view.maxPowerW,
        maxPowerSource: view.maxPowerSource,
        powerW: view.powerW,
      },
      "meter draws more than its limit, as its own power reports confirm: counted in full; raise [accounting] max_power_w or add an [[accounting.overrides]] entry if this installation is larger (reported once per meter)",
    );
  }

  private count(
    outcome: IngestOutcome | "invalid",
    device: PlacedDevice,
    meterId: string,
    energyWh: number | undefined,
  ): void {
    Counts.bump(this.counts.readings, outcome);
    const message = counterEventMessage(outcome);
    if (message !== undefined) {
      if (this.counterEventsLogged < MAX_COUNTER_EVENTS_LOGGED_PER_CYCLE) {
        this.counterEventsLogged++;
        this.log.info(
          { device: this.pathOf(device).join("/"), meter: meterId, counterWh: energyWh },
          message,
        );
      } else {
        Counts.bump(this.unloggedCounterEvents, outcome);
      }
    } else if (outcome === "glitch") {
      this.log.debug(
        { device: this.pathOf(device).join("/"), meter: meterId },
        "outlier discarded as a glitch",
      );
    } else if (outcome === "spike-rejected") {
      // Usually settled by the next reading (credited, or discarded as a glitch): not news.
      this.log.debug(
        { device: this.pathOf(device).join("/"), meter: meterId, counterWh: energyWh },
        "counter rise the meter's power does not explain: held for the next reading",
      );
    }
  }

  private reportUnplaced(prefix: string, topic: string): void {
    this.countRejection("unplaced");
    if (this.unplaced.has(prefix)) return;
    if (this.unplaced.size >= MAX_UNPLACED_REPORTED) {
      if (!this.unplacedOverflowWarned) {
        this.unplacedOverflowWarned = true;
        this.log.warn(
          { reported: MAX_UNPLACED_REPORTED },
          'more unplaced devices: no longer logged one by one, still counted (coreflux_messages_rejected_total{reason="unplaced"})',
        );
      }
      return;
    }
    this.unplaced.add(prefix);
    this.log.info(
      { prefix: clip(prefix), topic: clip(topic) },
      'device not placed in the tree: its topic is not <Company>/<Office>/<Room>/<Device>; add a [[devices]] entry (match = prefix or Shelly id, path = "Office/Room/Device")',
    );
  }

  private reject(reason: string, topic: string, detail: string): void {
    this.countRejection(reason);
    if (this.loggedReasons.has(reason)) return;
    this.loggedReasons.add(reason);
    this.log.warn(
      { reason, topic: clip(topic), detail: clip(detail) },
      "message rejected (logged once per reason; counted in coreflux_messages_rejected_total)",
    );
  }

  private countRejection(reason: string): void {
    Counts.bump(this.counts.rejected, reason);
    this.rejections.set(reason, (this.rejections.get(reason) ?? 0) + 1);
  }
}

function clip(text: string): string {
  return text.length > MAX_LOGGED_TOPIC ? `${text.slice(0, MAX_LOGGED_TOPIC)}…` : text;
}
