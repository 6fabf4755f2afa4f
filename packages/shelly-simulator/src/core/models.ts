/** The Shelly models the simulator knows, by the name used in options and on the CLI. */
export const SHELLY_MODELS = [
  "plus-plug-s",
  "pro-4pm",
  "plus-pm-mini",
  "pro-3em",
  "gen1-plug-s",
  "gen1-em",
] as const;

/** One of {@link SHELLY_MODELS}. */
export type ShellyModel = (typeof SHELLY_MODELS)[number];

/** How a model meters and publishes (decides the payload builders). */
export type ModelKind = "switch" | "pm1" | "em3" | "gen1-relay" | "gen1-em";

/** What the simulator knows about one model. */
export interface ModelSpec {
  model: ShellyModel;
  /** Marketing name. */
  label: string;
  generation: 1 | 2;
  kind: ModelKind;
  /** Default device id prefix: `shellyplusplugs` (+ `-<12 hex>`), `shellyplug-s` (+ `-<6 HEX>`). */
  idPrefix: string;
  /** Metering channels: 4 for a Pro 4PM, 2 for a Gen1 EM, otherwise 1. */
  channels: number;
  /**
   * True when the energy counters live in RAM and restart from 0 on a reboot (Gen1 relays; Gen2
   * `aenergy` on firmware that does not persist). EM counters are persisted (REFERENCE §2.2, §3.6).
   */
  volatileCounters: boolean;
  /** Device name stem in a room (`Mains`, `Panel`); plugs and minis are named after their load. */
  nameStem: string | undefined;
}

/** The model table. */
export const MODEL_SPECS: Readonly<Record<ShellyModel, ModelSpec>> = {
  "plus-plug-s": {
    model: "plus-plug-s",
    label: "Shelly Plus Plug S",
    generation: 2,
    kind: "switch",
    idPrefix: "shellyplusplugs",
    channels: 1,
    volatileCounters: true,
    nameStem: undefined,
  },
  "pro-4pm": {
    model: "pro-4pm",
    label: "Shelly Pro 4PM",
    generation: 2,
    kind: "switch",
    idPrefix: "shellypro4pm",
    channels: 4,
    volatileCounters: true,
    nameStem: "Panel",
  },
  "plus-pm-mini": {
    model: "plus-pm-mini",
    label: "Shelly Plus PM Mini",
    generation: 2,
    kind: "pm1",
    idPrefix: "shellypmmini",
    channels: 1,
    volatileCounters: true,
    nameStem: undefined,
  },
  "pro-3em": {
    model: "pro-3em",
    label: "Shelly Pro 3EM",
    generation: 2,
    kind: "em3",
    idPrefix: "shellypro3em",
    channels: 1,
    volatileCounters: false,
    nameStem: "Mains",
  },
  "gen1-plug-s": {
    model: "gen1-plug-s",
    label: "Shelly Plug S (Gen1)",
    generation: 1,
    kind: "gen1-relay",
    idPrefix: "shellyplug-s",
    channels: 1,
    volatileCounters: true,
    nameStem: undefined,
  },
  "gen1-em": {
    model: "gen1-em",
    label: "Shelly EM (Gen1)",
    generation: 1,
    kind: "gen1-em",
    idPrefix: "shellyem",
    channels: 2,
    volatileCounters: false,
    nameStem: "Meter",
  },
};

/** The meter id a consumer (shelly-schema) gives channel `index` of a model: `switch:2`, `em:0`, `relay:0`, `emeter:1`. */
export function meterIdOf(kind: ModelKind, index: number): string {
  switch (kind) {
    case "switch":
      return `switch:${index}`;
    case "pm1":
      return `pm1:${index}`;
    case "em3":
      return `em:${index}`;
    case "gen1-relay":
      return `relay:${index}`;
    case "gen1-em":
      return `emeter:${index}`;
  }
}
