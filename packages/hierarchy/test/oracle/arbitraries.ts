/**
 * fast-check arbitraries of oracle scenarios. They generate the PARAMETERS only (meters, counter
 * kinds, rates, a seed); `physical-model.ts` expands them, so shrinking stays fast and a shrunk
 * scenario is still a whole, physically consistent run.
 */
import fc from "fast-check";
import {
  DAY_MS,
  type DeviceParams,
  FAULT_KINDS,
  type FaultKind,
  HOUR_MS,
  type MeterParams,
  MINUTE_MS,
  type ScenarioParams,
} from "./scenario";

/** Zones of the engine's periods: plain, DST, half-hour DST, 45-minute offset. */
export const TIME_ZONES = ["UTC", "Europe/Lisbon", "Australia/Lord_Howe", "Asia/Kathmandu"];

/** A meter of an ordinary model (1840–3680 W plugs and relays, a 60 kW Pro 3EM). */
const meterArb: fc.Arbitrary<MeterParams> = fc
  .record({
    ratingW: fc.constantFrom(1840, 2500, 3680, 60_000),
    counterKind: fc.constantFrom("volatile", "persistent", "restores-older"),
    saveEveryMin: fc.integer({ min: 1, max: 30 }),
    largeCounter: fc.boolean(),
    hasPower: fc.oneof(fc.constant(true), fc.boolean()),
    hasReturned: fc.boolean(),
    reportEverySec: fc.oneof(fc.integer({ min: 1, max: 60 }), fc.constantFrom(10, 30, 60)),
    powerOnlyReports: fc.boolean(),
    profile: fc.constantFrom("office", "kettle", "cycling", "night-idle"),
  })
  .map((m) => ({ ...m, peakW: m.ratingW }));

/** A large site: a meter rated 60 kW on a building that draws up to 80 kW, and reports it. */
const largeSiteArb: fc.Arbitrary<MeterParams> = fc.record({
  ratingW: fc.constant(60_000),
  peakW: fc.integer({ min: 70_000, max: 100_000 }),
  counterKind: fc.constantFrom("persistent", "restores-older"),
  saveEveryMin: fc.integer({ min: 1, max: 30 }),
  largeCounter: fc.constant(true),
  hasPower: fc.constant(true),
  hasReturned: fc.boolean(),
  reportEverySec: fc.integer({ min: 1, max: 60 }),
  powerOnlyReports: fc.boolean(),
  profile: fc.constant("office"),
});

const deviceArb: fc.Arbitrary<DeviceParams> = fc.record({
  hasDeviceTime: fc.boolean(),
  hasUptime: fc.boolean(),
  meters: fc.array(meterArb, { minLength: 1, maxLength: 3 }),
});

const largeSiteDeviceArb: fc.Arbitrary<DeviceParams> = fc.record({
  hasDeviceTime: fc.boolean(),
  hasUptime: fc.boolean(),
  meters: largeSiteArb.map((m) => [m]),
});

/** Per-mille fault rates: each kind 0–30 ‰ (shrinks towards no faults). */
const faultsArb: fc.Arbitrary<Record<FaultKind, number>> = fc.record(
  Object.fromEntries(FAULT_KINDS.map((k) => [k, fc.integer({ min: 0, max: 30 })])) as Record<
    FaultKind,
    fc.Arbitrary<number>
  >,
);

/** 0 to `max` tenths (an event rate; fast-check's doubles crowd near 0). */
const tenths = (max: number) => fc.integer({ min: 0, max }).map((n) => n / 10);

/** Scenario parameters; `readingsTarget` sets the size of each run. */
export function scenarioArb(sizes: { minReadings: number; maxReadings: number }) {
  return fc.record<ScenarioParams>({
    seed: fc.integer(),
    timeZone: fc.constantFrom(...TIME_ZONES),
    creditSlotMinutes: fc.constantFrom(undefined, 15),
    devices: fc
      .tuple(
        fc.array(deviceArb, { minLength: 1, maxLength: 5 }),
        fc.oneof(
          { arbitrary: fc.constant(undefined), weight: 2 },
          { arbitrary: largeSiteDeviceArb, weight: 1 },
        ),
      )
      .map(([devices, site]) => (site ? [...devices, site] : devices)),
    readingsTarget: fc.integer({ min: sizes.minReadings, max: sizes.maxReadings }),
    eventsPer1000Reports: fc.record({
      reboot: tenths(60),
      networkOffline: tenths(30),
      replaced: tenths(20),
      resetCounters: tenths(20),
      receiverOutage: tenths(20),
    }),
    faultsPerMille: faultsArb,
    maxOfflineMs: fc.constantFrom(10 * MINUTE_MS, 6 * HOUR_MS, 3 * DAY_MS, 30 * DAY_MS),
  });
}
