/**
 * What the physical model produces: the message stream as the engine receives it, with the
 * ground truth attached to every message (which the engine never sees), the counter segments of
 * each meter and the events that happened.
 */
import type { DeviceParams, EventKind, FaultKind, MeterParams, ScenarioParams } from "./scenario";

/** What a message carries. */
export type MessageKind =
  /** A counter report (with power when the meter has it). */
  | "reading"
  /** Power only (Gen2 NotifyStatus on a power change). */
  | "power"
  /** `sys.uptime` of the device. */
  | "uptime"
  /** The device's availability (LWT `online` true / false). */
  | "online"
  | "offline";

/** One message, as produced and as delivered. */
export interface SimMessage {
  /** Position in the stream, in arrival order (lost messages keep the place they would have had). */
  index: number;
  kind: MessageKind;
  device: number;
  /** Index into {@link Simulation.meters}; -1 for a device-level message. */
  meter: number;
  /** When the device produced it, true time, Unix ms. */
  productionMs: number;
  /** When it left the network towards the receiver (before receiver outages), Unix ms. */
  networkMs: number;
  /** When the engine receives it (the host clock), Unix ms. */
  arrivalMs: number;
  /** False for a lost message: the engine never receives it. */
  delivered: boolean;
  /** The device's clock of the reading (NotifyStatus `ts`, 10 ms resolution); NaN without one. */
  deviceTsMs: number;
  /** Reported counter, integer mWh (the report's Wh with 3 decimals); NaN when absent. */
  energyMwh: number;
  /** Reported returned-energy counter, integer mWh; NaN when absent. */
  returnedMwh: number;
  /** Reported power, integer dW (0.1 W; negative while exporting); NaN when absent. */
  powerDw: number;
  /** Reported uptime, s; NaN when absent. */
  uptimeS: number;
  /** What went wrong with it; undefined for a message delivered as produced. */
  fault: FaultKind | undefined;
  /**
   * A genuine reading: the device produced these counter values, and this is their first
   * delivery (a delayed message is genuine; copies and corrupted messages are not).
   */
  genuine: boolean;
  /** The meter's counter segment when produced. */
  segment: number;
  /** The counters the device really had when it produced the message, integer mWh. */
  trueEnergyMwh: number;
  trueReturnedMwh: number;
  /** Energy the meter had truly consumed (returned) since the start of the run, integer mWh. */
  physicalMwh: number;
  physicalReturnedMwh: number;
}

/** How a counter segment began. */
export type SegmentStart =
  /** The meter's first segment: the counter's history before the run is not ours. */
  | "first"
  /** The counter restarted from 0 (volatile counter rebooted, or an intentional reset). */
  | "zero"
  /** The counter restored the value of its last save point (at most what it had). */
  | "restored"
  /** A counter of unknown level took over (the device was replaced). */
  | "unknown";

/** A stretch of a counter's life without a discontinuity. */
export interface CounterSegment {
  start: SegmentStart;
  /** What started it. */
  cause: EventKind | "start";
  /** When the discontinuity happened (device shutdown, reset, replacement), Unix ms. */
  atMs: number;
}

/** Something that happened to a device (or one of its meters, or the receiver). */
export interface SimEvent {
  kind: EventKind;
  /** -1 for a receiver outage. */
  device: number;
  /** The meter it concerns; -1 for the whole device. */
  meter: number;
  startMs: number;
  endMs: number;
  /** Free text for traces (counter before / after). */
  detail: string;
}

/** One meter of the scenario, with its identity in the engine's tree. */
export interface SimMeter {
  index: number;
  device: number;
  path: string[];
  meterId: string;
  params: MeterParams;
  deviceParams: DeviceParams;
  segments: CounterSegment[];
}

/** A scenario expanded into messages. */
export interface Simulation {
  params: ScenarioParams;
  meters: SimMeter[];
  /** Device paths, by device index. */
  devicePaths: string[][];
  /** Every message in arrival order, lost ones included (`delivered` false). */
  messages: SimMessage[];
  events: SimEvent[];
  startMs: number;
  /** When the main part ended and the quiet tail began, Unix ms. */
  mainEndMs: number;
}
