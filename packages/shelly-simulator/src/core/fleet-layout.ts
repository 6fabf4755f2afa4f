import type { FleetLayout } from "./fleet-options";
import type { LoadRole } from "./load-profile";
import type { ModelMix } from "./model-mix";
import { MODEL_SPECS, SHELLY_MODELS, type ShellyModel } from "./models";
import type { Prng } from "./prng";

/** Where one device sits, what it is called and what it runs. */
export interface DevicePlan {
  index: number;
  model: ShellyModel;
  /** Shelly device id: `shellyplusplugs-c82e18a1b2c3`, `shellyplug-s-7AD4B1`. */
  id: string;
  /** MAC, 12 upper-case hex digits. */
  mac: string;
  /** Topic prefix: `Coreflux/Porto/Kitchen/Fridge`, `shellyplusplugs-…` or `shellies/shellyplug-s-…`. */
  prefix: string;
  /** `Company/Office/Room/Device`. */
  path: string;
  /** The main load of each channel (a Pro 3EM's and a Gen1 EM's channels are circuits). */
  roles: LoadRole[];
  /** A PV inverter on the last phase (Pro 3EM) or the second channel (Gen1 EM). */
  solar: boolean;
}

const OFFICE_NAMES = [
  "Porto",
  "Lisbon",
  "Braga",
  "Coimbra",
  "Aveiro",
  "Faro",
  "Madrid",
  "Paris",
  "Berlin",
  "London",
  "Milan",
  "Amsterdam",
];
const ROOM_NAMES = [
  "MeetingRoom",
  "Kitchen",
  "OpenSpace",
  "ServerRoom",
  "Reception",
  "Lab",
  "Workshop",
  "Warehouse",
  "Lounge",
  "Studio",
];
const ROLE_NAMES: Record<LoadRole, string> = {
  fridge: "Fridge",
  desk: "Desk",
  lights: "Lights",
  kettle: "Kettle",
  heater: "Heater",
  server: "Rack",
  mains: "Mains",
  solar: "Solar",
};

type Weighted<T> = ReadonlyArray<readonly [T, number]>;

/** Loads a plug or a PM Mini serves, and the loads of a Pro 4PM's channels. */
const PLUS_PLUG_ROLES: Weighted<LoadRole> = [
  ["fridge", 0.35],
  ["desk", 0.3],
  ["kettle", 0.2],
  ["server", 0.15],
];
const GEN1_PLUG_ROLES: Weighted<LoadRole> = [
  ["fridge", 0.4],
  ["desk", 0.3],
  ["kettle", 0.3],
];
const MINI_ROLES: Weighted<LoadRole> = [
  ["lights", 0.4],
  ["desk", 0.3],
  ["server", 0.3],
];
const PANEL_ROLES: Weighted<LoadRole> = [
  ["lights", 0.4],
  ["heater", 0.25],
  ["desk", 0.2],
  ["server", 0.15],
];

function pick<T>(rng: Prng, items: Weighted<T>): T {
  let total = 0;
  for (const [, w] of items) total += w;
  let u = rng.next() * total;
  for (const [item, w] of items) {
    u -= w;
    if (u < 0) return item;
  }
  return items[items.length - 1]![0];
}

function hex(rng: Prng, digits: number): string {
  let out = "";
  for (let i = 0; i < digits; i++) out += rng.int(16).toString(16);
  return out;
}

function nameOf(list: readonly string[], index: number, stem: string): string {
  return list[index] ?? `${stem}${index + 1}`;
}

function rolesOf(model: ShellyModel, rng: Prng, solar: boolean): LoadRole[] {
  switch (model) {
    case "plus-plug-s":
      return [pick(rng, PLUS_PLUG_ROLES)];
    case "gen1-plug-s":
      return [pick(rng, GEN1_PLUG_ROLES)];
    case "plus-pm-mini":
      return [pick(rng, MINI_ROLES)];
    case "pro-4pm":
      return [0, 1, 2, 3].map(() => pick(rng, PANEL_ROLES));
    case "pro-3em":
      return ["mains"];
    case "gen1-em":
      return ["mains", solar ? "solar" : "mains"];
  }
}

/** Lays out `offices × rooms × devices`: names, models, ids, topic prefixes and loads. */
export function planFleet(
  rng: Prng,
  company: string,
  offices: number,
  roomsPerOffice: number,
  devicesPerRoom: number,
  models: ModelMix,
  layout: FleetLayout,
): DevicePlan[] {
  const weighted: Array<readonly [ShellyModel, number]> = SHELLY_MODELS.filter(
    (m) => (models[m] ?? 0) > 0,
  ).map((m) => [m, models[m]!] as const);
  const usedIds = new Set<string>();
  const plans: DevicePlan[] = [];
  for (let o = 0; o < offices; o++) {
    const office = nameOf(OFFICE_NAMES, o, "Office");
    for (let r = 0; r < roomsPerOffice; r++) {
      const room = nameOf(ROOM_NAMES, r, "Room");
      const namesInRoom = new Map<string, number>();
      for (let d = 0; d < devicesPerRoom; d++) {
        const model = pick(rng, weighted);
        const spec = MODEL_SPECS[model];
        const solar = (model === "pro-3em" || model === "gen1-em") && rng.next() < 0.6;
        const roles = rolesOf(model, rng, solar);
        let mac: string;
        let id: string;
        do {
          mac = hex(rng, 12).toUpperCase();
          id =
            spec.generation === 2
              ? `${spec.idPrefix}-${mac.toLowerCase()}`
              : `${spec.idPrefix}-${mac.slice(6)}`;
        } while (usedIds.has(id));
        usedIds.add(id);
        const stem = spec.nameStem ?? ROLE_NAMES[roles[0]!];
        const seen = (namesInRoom.get(stem) ?? 0) + 1;
        namesInRoom.set(stem, seen);
        const name = seen === 1 ? stem : `${stem}${seen}`;
        const path = `${company}/${office}/${room}/${name}`;
        const prefix =
          spec.generation === 1 ? `shellies/${id}` : layout === "hierarchy" ? path : id;
        plans.push({ index: plans.length, model, id, mac, prefix, path, roles, solar });
      }
    }
  }
  return plans;
}
