import { createHash } from "node:crypto";
import { LEVELS, outputTopic } from "../output/build-payload";

/** A node as discovery announces it. */
export interface DiscoveryNode {
  /** Names from the company down: `["Coreflux", "Porto", "Kitchen"]`. */
  path: readonly string[];
  /** True when it has returned energy (the returned-energy entity is announced then). */
  hasReturned: boolean;
}

/** A retained discovery config: topic and JSON payload. */
export interface DiscoveryMessage {
  topic: string;
  payload: Record<string, unknown>;
}

/** Settings of the announcements. */
export interface DiscoverySettings {
  prefix: string;
  format: "device" | "per-component";
  /** `<Company>/aggregator/status`: `online` / `offline` (retained, last will). */
  availabilityTopic: string;
  /** The aggregator's version, for the origin block. */
  version: string;
}

/** One entity of a node: what it reads from the node's own output payload. */
interface Entity {
  key: string;
  name: string;
  options: Record<string, unknown>;
}

/**
 * A stable id for a node: readable (a slug of company and path) and unique (a hash of the exact
 * names, so `Meeting Room` and `Meeting_Room` stay apart). Only `[a-z0-9_]`, as discovery ids must be.
 */
export function nodeId(path: readonly string[]): string {
  const slug = path
    .join("_")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 48);
  const hash = createHash("sha256").update(path.join("\u0000")).digest("hex").slice(0, 10);
  return `coreflux_${slug}_${hash}`;
}

/** The entities of a node: energy, power, energy today, returned energy (if any), device state. */
function entities(node: DiscoveryNode): Entity[] {
  const isDevice = node.path.length >= 4;
  const total = isDevice ? "TotalEnergyConsumed" : "TotalEnergy";
  const kwh = (field: string) => `{{ (value_json.${field} / 1000) | round(6) }}`;
  const energy = {
    device_class: "energy",
    state_class: "total_increasing",
    unit_of_measurement: "kWh",
    suggested_display_precision: 3,
  };
  const list: Entity[] = [
    { key: "energy", name: "Energy", options: { ...energy, value_template: kwh(total) } },
    {
      key: "power",
      name: "Power",
      options: {
        device_class: "power",
        state_class: "measurement",
        unit_of_measurement: "W",
        value_template: "{{ value_json.PowerW }}",
      },
    },
    {
      key: "energy_today",
      name: "Energy today",
      options: { ...energy, value_template: kwh("EnergyTodayWh") },
    },
  ];
  if (node.hasReturned) {
    list.push({
      key: "returned_energy",
      name: "Returned energy",
      options: { ...energy, value_template: kwh("ReturnedEnergyWh") },
    });
  }
  if (isDevice) {
    list.push({
      key: "state",
      name: "State",
      options: {
        device_class: "enum",
        options: ["online", "stale", "offline"],
        value_template: "{{ value_json.State }}",
      },
    });
  }
  return list;
}

/** The fields every entity of a node reads: the JSON keys its templates use (for tests). */
export function templateFields(message: DiscoveryMessage): string[] {
  const templates: string[] = [];
  const collect = (o: Record<string, unknown>) => {
    if (typeof o.value_template === "string") templates.push(o.value_template);
  };
  const cmps = message.payload.components as Record<string, Record<string, unknown>> | undefined;
  if (cmps === undefined) collect(message.payload);
  else for (const c of Object.values(cmps)) collect(c);
  return templates.map((t) => /value_json\.([A-Za-z]+)/.exec(t)![1]!);
}

const LEVEL_MODEL: Record<(typeof LEVELS)[number], string> = {
  company: "Company energy (aggregate)",
  office: "Office energy (aggregate)",
  room: "Room energy (aggregate)",
  device: "Shelly device energy",
};

/** The discovery config(s) of `node`: one per node (device format) or one per entity. */
export function discoveryMessages(node: DiscoveryNode, s: DiscoverySettings): DiscoveryMessage[] {
  const id = nodeId(node.path);
  const level = LEVELS[Math.min(node.path.length - 1, 3)]!;
  const device = {
    identifiers: [id],
    name: node.path.length === 1 ? node.path[0]! : node.path.slice(1).join(" / "),
    manufacturer: "Coreflux",
    model: LEVEL_MODEL[level],
    ...(node.path.length > 1 ? { via_device: nodeId(node.path.slice(0, -1)) } : {}),
  };
  const origin = {
    name: "coreflux-aggregator",
    sw_version: s.version,
    support_url: "https://github.com/CorefluxCommunity/coreflux-energy-monitoring",
  };
  const availability = {
    availability_topic: s.availabilityTopic,
    payload_available: "online",
    payload_not_available: "offline",
  };
  const stateTopic = outputTopic(node.path);
  if (s.format === "device") {
    const cmps: Record<string, Record<string, unknown>> = {};
    for (const e of entities(node)) {
      cmps[e.key] = { platform: "sensor", name: e.name, unique_id: `${id}_${e.key}`, ...e.options };
    }
    return [
      {
        topic: `${s.prefix}/device/${id}/config`,
        payload: {
          device,
          origin,
          components: cmps,
          state_topic: stateTopic,
          qos: 1,
          ...availability,
        },
      },
    ];
  }
  return entities(node).map((e) => ({
    topic: `${s.prefix}/sensor/${id}/${e.key}/config`,
    payload: {
      name: e.name,
      unique_id: `${id}_${e.key}`,
      object_id: `${id}_${e.key}`,
      device,
      origin,
      state_topic: stateTopic,
      qos: 1,
      ...availability,
      ...e.options,
    },
  }));
}
