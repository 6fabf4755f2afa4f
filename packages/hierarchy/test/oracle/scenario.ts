/**
 * The parameters of one oracle scenario: which meters exist, how they behave, how often things
 * go wrong. fast-check generates these (see `arbitraries.ts`); the physical model expands them
 * into a message stream with a seeded PRNG, so shrinking acts on this small description.
 */

/** What a meter's counter does when its device reboots. */
export type CounterKind =
  /** Restarts at 0 on every reboot (Gen1 plugs, Gen2 before firmware 1.1). */
  | "volatile"
  /** Survives reboots unchanged (Pro 3EM perpetual counters, Gen2 from 1.1). */
  | "persistent"
  /**
   * On reboot restores the value it saved at its last save point (it saves every few minutes), so
   * it comes back slightly lower than the last value it reported.
   */
  | "restores-older";

/** The shape of a meter's true power over time. */
export type PowerProfile =
  /** Standby, steady loads of varying size, an occasional kettle. */
  | "office"
  /** Mostly off; short full-power bursts (a 2 kW kettle for 20 s between two reports). */
  | "kettle"
  /** On for minutes, off for minutes (a fridge, a heater). */
  | "cycling"
  /** Hours of exactly 0 W (nights), then hours of load. */
  | "night-idle";

/** One metering channel (a plug's `switch:0`, a Pro 3EM's `em:0`). */
export interface MeterParams {
  /** The model's rating, W; the engine is told it with `setRatedPower`. */
  ratingW: number;
  /**
   * The highest true power, W: the rating, or more for a large site that draws beyond its
   * meter's rating (and reports that power).
   */
  peakW: number;
  counterKind: CounterKind;
  /** `restores-older`: minutes between two saves of the counter. */
  saveEveryMin: number;
  /** Start counter: 1e3–1e8 Wh when true, 0–100 Wh when false. */
  largeCounter: boolean;
  /** Reports `apower` with each counter (most meters). */
  hasPower: boolean;
  /** Exports at times (negative power) into a second, returned-energy counter. */
  hasReturned: boolean;
  /** Seconds between two counter reports (1–60, jittered by a few %). */
  reportEverySec: number;
  /** Also sends power-only reports when the power changes (Gen2 NotifyStatus). */
  powerOnlyReports: boolean;
  profile: PowerProfile;
}

/** One device: its meters share reboots, network, clock and uptime. */
export interface DeviceParams {
  /** Gen2-like: each message carries the device's own clock (NotifyStatus `ts`). */
  hasDeviceTime: boolean;
  /** Reports `sys.uptime` after each (re)connection and every 10 minutes. */
  hasUptime: boolean;
  meters: MeterParams[];
}

/** How a message went wrong on its way (or in the device) before reaching the engine. */
export const FAULT_KINDS = [
  "lost",
  "duplicate",
  "delayed",
  "redelivered",
  "corrupt-high",
  "corrupt-low",
  "corrupt-zero",
  "transient-zero",
] as const;
/** One of {@link FAULT_KINDS}. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** What can happen to a device or a meter (or to the receiver, for `receiver-outage`). */
export const EVENT_KINDS = [
  "reboot",
  "network-offline",
  "replaced-lower",
  "replaced-higher",
  "reset-counters",
  "receiver-outage",
] as const;
/** One of {@link EVENT_KINDS}. */
export type EventKind = (typeof EVENT_KINDS)[number];

/**
 * Expected number of each event per 1,000 counter reports of a device (of a meter for
 * `resetCounters`, of the whole scenario for `receiverOutage`), so that a run of any size sees
 * events in the same proportion.
 */
export interface EventRates {
  reboot: number;
  networkOffline: number;
  replaced: number;
  resetCounters: number;
  receiverOutage: number;
}

/** Everything one scenario is made of. */
export interface ScenarioParams {
  /** Expands everything the parameters leave open (power profiles, timings, fault placement). */
  seed: number;
  /** IANA zone of the engine's periods. */
  timeZone: string;
  /** Width of the engine's credit slots, minutes; undefined: the engine is not asked for credits. */
  creditSlotMinutes: number | undefined;
  devices: DeviceParams[];
  /** About how many counter reports the main part of the run produces (the tail adds a few). */
  readingsTarget: number;
  eventsPer1000Reports: EventRates;
  /** Chance of each fault per counter report, per mille. */
  faultsPerMille: Record<FaultKind, number>;
  /** Longest network outage of a device, ms (outages are log-uniform from 1 minute up to it). */
  maxOfflineMs: number;
}

export const SECOND_MS = 1000;
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** 2026-03-28 22:00 UTC: three hours before Europe/Lisbon moves its clocks forward. */
export const SCENARIO_START_MS = Date.UTC(2026, 2, 28, 22, 0, 0);
