import { Channel, Phase } from "./channel";
import type { DevicePlan } from "./fleet-layout";
import { LoadProfile, type LoadRole, type LoadSize } from "./load-profile";
import type { LocalClock } from "./local-clock";
import { MODEL_SPECS, meterIdOf } from "./models";
import type { OfficeHours } from "./office-hours";
import type { Prng } from "./prng";

/** Power factor of each kind of load. */
const POWER_FACTOR: Record<LoadRole, number> = {
  fridge: 0.85,
  desk: 0.95,
  lights: 0.92,
  kettle: 0.99,
  heater: 0.99,
  server: 0.97,
  mains: 0.93,
  solar: 0.98,
};

/** A load of `role` with its size drawn; `big` for a Pro 4PM circuit (lights of a whole room). */
function sizeOf(role: LoadRole, rng: Prng, big: boolean): LoadSize {
  switch (role) {
    case "fridge":
      return { mainW: rng.range(80, 140), baseW: rng.range(2, 5) };
    case "desk":
      return { mainW: rng.range(60, 200), baseW: rng.range(1, 4) };
    case "lights":
      return { mainW: big ? rng.range(100, 800) : rng.range(20, 150), baseW: 0 };
    case "kettle":
      return { mainW: rng.range(1800, 2200), baseW: rng.range(0.5, 1.5) };
    case "heater":
      return { mainW: rng.range(800, 2000), baseW: 0 };
    case "server":
      return { mainW: rng.range(40, 300), baseW: 0 };
    case "mains":
      return { mainW: rng.range(600, 2500), baseW: rng.range(100, 300) };
    case "solar":
      return { mainW: rng.range(800, 3000), baseW: 0 };
  }
}

function load(
  role: LoadRole,
  size: LoadSize,
  hours: OfficeHours,
  tsMs: number,
  clock: LocalClock,
  rng: Prng,
): LoadProfile {
  const profile = new LoadProfile(role, size, hours);
  profile.start(tsMs, clock, rng);
  return profile;
}

/**
 * The channels of a planned device with their loads started at `startMs` and their registers at
 * plausible lifetime values (a Gen2 plug that ran for months, a Gen1 plug since its last boot,
 * an EM that has metered a building for years).
 */
export function createChannels(
  plan: DevicePlan,
  startMs: number,
  clock: LocalClock,
  rng: Prng,
): Channel[] {
  const spec = MODEL_SPECS[plan.model];
  const hours: OfficeHours = {
    startMin: Math.round(8 * 60 + rng.range(-45, 45)),
    endMin: Math.round(18 * 60 + rng.range(-60, 60)),
  };
  const channels: Channel[] = [];
  switch (spec.kind) {
    case "switch":
    case "pm1":
    case "gen1-relay": {
      const big = plan.model === "pro-4pm";
      const lifetimeMwh = spec.generation === 2 ? 5e8 : 3e7; // 500 kWh / 30 kWh since boot
      plan.roles.forEach((role, i) => {
        const profile = load(role, sizeOf(role, rng, big), hours, startMs, clock, rng);
        const phase = new Phase([profile], POWER_FACTOR[role], rng.next() * lifetimeMwh, 0);
        channels.push(new Channel(i, meterIdOf(spec.kind, i), [phase], spec.kind === "pm1"));
      });
      break;
    }
    case "em3": {
      const phases: Phase[] = [];
      for (let p = 0; p < 3; p++) {
        const loads = [load("mains", sizeOf("mains", rng, false), hours, startMs, clock, rng)];
        const pv = plan.solar && p === 2;
        if (pv) loads.push(load("solar", sizeOf("solar", rng, false), hours, startMs, clock, rng));
        phases.push(
          new Phase(loads, POWER_FACTOR.mains, rng.next() * 3e9, pv ? rng.next() * 2e9 : 0),
        );
      }
      channels.push(new Channel(0, meterIdOf("em3", 0), phases, true));
      break;
    }
    case "gen1-em": {
      const mainsSize: LoadSize = { mainW: rng.range(1500, 5000), baseW: rng.range(200, 800) };
      const mains = new Phase(
        [load("mains", mainsSize, hours, startMs, clock, rng)],
        POWER_FACTOR.mains,
        rng.next() * 5e9,
        0,
      );
      channels.push(new Channel(0, meterIdOf("gen1-em", 0), [mains], true));
      const second = plan.solar
        ? new Phase(
            [load("solar", { mainW: rng.range(800, 4000), baseW: 0 }, hours, startMs, clock, rng)],
            POWER_FACTOR.solar,
            rng.next() * 1e7,
            rng.next() * 2e9,
          )
        : new Phase(
            [
              load(
                "mains",
                { mainW: rng.range(300, 1500), baseW: rng.range(50, 200) },
                hours,
                startMs,
                clock,
                rng,
              ),
            ],
            POWER_FACTOR.mains,
            rng.next() * 2e9,
            0,
          );
      channels.push(new Channel(1, meterIdOf("gen1-em", 1), [second], true));
      break;
    }
  }
  return channels;
}
