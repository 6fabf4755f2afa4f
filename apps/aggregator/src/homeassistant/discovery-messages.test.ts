import { EnergyEngine } from "@coreflux/hierarchy";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { buildMessage } from "../output/build-payload";
import {
  type DiscoveryMessage,
  discoveryMessages,
  nodeId,
  templateFields,
} from "./discovery-messages";

/**
 * What Home Assistant's MQTT discovery accepts, written from its documentation (MQTT integration,
 * "Discovery messages", "Device discovery payload", the sensor platform): ids and topic parts of
 * `[a-zA-Z0-9_-]`, a device with identifiers, an origin with a name, each sensor's device class,
 * state class and unit agreeing.
 */
const ID = /^[a-zA-Z0-9_-]+$/;
const device = z.object({
  identifiers: z.array(z.string().regex(ID)).min(1),
  name: z.string().min(1),
  manufacturer: z.string().min(1),
  model: z.string().min(1),
  via_device: z.string().regex(ID).optional(),
});
const origin = z.object({
  name: z.string().min(1),
  sw_version: z.string().optional(),
  support_url: z.string().url().optional(),
});
const sensor = z
  .object({
    name: z.string().min(1),
    unique_id: z.string().regex(ID),
    value_template: z.string().regex(/^\{\{ .* \}\}$/),
    device_class: z.enum(["energy", "power", "enum"]),
    state_class: z.enum(["total_increasing", "measurement"]).optional(),
    unit_of_measurement: z.string().optional(),
    suggested_display_precision: z.number().int().min(0).optional(),
    options: z.array(z.string()).optional(),
  })
  .refine(
    (s) =>
      (s.device_class === "energy" &&
        s.state_class === "total_increasing" &&
        s.unit_of_measurement === "kWh") ||
      (s.device_class === "power" &&
        s.state_class === "measurement" &&
        s.unit_of_measurement === "W") ||
      (s.device_class === "enum" && s.options !== undefined && s.unit_of_measurement === undefined),
    "device class, state class and unit must agree",
  );
const availability = {
  availability_topic: z.string().regex(/^[^#+]+\/aggregator\/status$/),
  payload_available: z.literal("online"),
  payload_not_available: z.literal("offline"),
};
const deviceConfig = z.object({
  device,
  origin,
  components: z.record(
    z.string().regex(ID),
    z.intersection(z.object({ platform: z.literal("sensor") }), sensor),
  ),
  state_topic: z.string().min(1),
  qos: z.literal(1),
  ...availability,
});
const componentConfig = z.intersection(
  z.object({
    device,
    origin,
    state_topic: z.string().min(1),
    object_id: z.string().regex(ID),
    qos: z.literal(1),
    ...availability,
  }),
  sensor,
);

/** A small tree with a device of every kind of name. */
const PATHS = [
  ["Coreflux"],
  ["Coreflux", "Porto"],
  ["Coreflux", "Porto", "Meeting Room"],
  ["Coreflux", "Porto", "Meeting_Room"],
  ["Coreflux", "Porto", "Meeting Room", "Projector"],
  ["Coreflux", "Porto", "Meeting_Room", "Projector"],
  ["Coreflux", "Lisboa", "Laboratório", "Forno"],
];
const settings = (format: "device" | "per-component") => ({
  prefix: "homeassistant",
  format,
  availabilityTopic: "Coreflux/aggregator/status",
  version: "1.2.3",
});

describe("Home Assistant discovery configs", () => {
  it("device format: one valid config per node, the hierarchy through via_device", () => {
    const messages = PATHS.map((path) =>
      discoveryMessages({ path, hasReturned: path.length === 4 }, settings("device")),
    );
    for (const [m] of messages) {
      expect(m!.topic).toMatch(/^homeassistant\/device\/[a-zA-Z0-9_-]+\/config$/);
      expect(() => deviceConfig.parse(m!.payload)).not.toThrow();
      expect(Buffer.byteLength(m!.topic)).toBeLessThan(256);
    }
    const room = messages[2]![0]!.payload as z.infer<typeof deviceConfig>;
    expect(room.device.via_device).toBe(nodeId(["Coreflux", "Porto"]));
    expect(Object.keys(room.components)).toEqual(["energy", "power", "energy_today"]);
    const projector = messages[4]![0]!.payload as z.infer<typeof deviceConfig>;
    expect(Object.keys(projector.components)).toEqual([
      "energy",
      "power",
      "energy_today",
      "returned_energy",
      "state",
    ]);
    expect(projector.state_topic).toBe(
      "Coreflux/Porto/Meeting Room/Projector/status/EnergyConsumed",
    );
  });

  it("per-component format: one valid config per entity at <prefix>/sensor/<node>/<entity>/config", () => {
    for (const path of PATHS) {
      for (const m of discoveryMessages({ path, hasReturned: true }, settings("per-component"))) {
        expect(m.topic).toMatch(/^homeassistant\/sensor\/[a-zA-Z0-9_-]+\/[a-zA-Z0-9_-]+\/config$/);
        expect(() => componentConfig.parse(m.payload)).not.toThrow();
      }
    }
  });

  it("ids are stable and unique across the fleet, names that slug alike included", () => {
    const ids = PATHS.map(nodeId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(nodeId(["Coreflux", "Porto"])).toBe(nodeId(["Coreflux", "Porto"]));
    const uniqueIds = PATHS.flatMap((path) =>
      discoveryMessages({ path, hasReturned: true }, settings("per-component")).map(
        (m) => m.payload.unique_id,
      ),
    );
    expect(new Set(uniqueIds).size).toBe(uniqueIds.length);
  });

  it("every template reads a field the node's own output payload has", () => {
    const engine = new EnergyEngine({ timeZone: "Europe/Lisbon" });
    const t = Date.UTC(2026, 11, 5, 9);
    const meter = engine.meter(["Coreflux", "Porto", "Meeting Room", "Projector"], "switch:0");
    if (!meter.ok) throw new Error("meter refused");
    engine.ingest(meter.meter, { tsMs: t, energyWh: 100, powerW: 50 });
    engine.ingest(meter.meter, { tsMs: t + 60_000, energyWh: 100.5, powerW: 50 });
    for (let id = 0; id < engine.nodeCount; id++) {
      for (const format of ["device", "per-component"] as const) {
        for (const nested of [true, false]) {
          const { topic, payload } = buildMessage(engine, id, t + 60_000, nested);
          const path = engine.view(id, t).path;
          const messages: DiscoveryMessage[] = discoveryMessages(
            { path, hasReturned: true },
            settings(format),
          );
          for (const m of messages) {
            const stateTopic = (m.payload.state_topic as string) ?? "";
            expect(stateTopic).toBe(topic);
            for (const field of templateFields(m))
              expect(Object.keys(payload), `${topic}: ${field}`).toContain(field);
          }
        }
      }
    }
  });
});
