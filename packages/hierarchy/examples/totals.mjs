// Runnable: node examples/totals.mjs (after `npm install @coreflux/hierarchy`)
import assert from "node:assert/strict";
import { createEnergyEngine, EnergyEngine, formatMwhAsWh } from "@coreflux/hierarchy";

const engine = createEnergyEngine({ timeZone: "Europe/Lisbon" });
const t0 = Date.UTC(2026, 5, 11, 9, 0, 0);
const minute = 60_000;

// A plug and a Pro 4PM channel in the same room; paths are company/office/room/device.
const plug = engine.meter(["Coreflux", "Porto", "MeetingRoom", "Light1"], "switch:0");
const relay = engine.meter(["Coreflux", "Porto", "MeetingRoom", "Pro4PM"], "switch:2");
if (!plug.ok || !relay.ok) throw new Error("meter refused");

engine.ingest(plug.meter, { tsMs: t0, energyWh: 1203.554, powerW: 42.7 }); // reference
engine.ingest(plug.meter, { tsMs: t0 + minute, energyWh: 1204.266, powerW: 42.9 }); // +0.712 Wh
engine.ingest(plug.meter, { tsMs: t0 + 2 * minute, energyWh: 0 }); // reboot? held back
engine.ingest(plug.meter, { tsMs: t0 + 3 * minute, energyWh: 1204.3 }); // no: a glitch, +0.034 Wh
engine.ingest(relay.meter, { tsMs: t0, energyWh: 845120.334, powerW: 1520.3 }); // reference
engine.ingest(relay.meter, { tsMs: t0 + minute, energyWh: 845145.672, powerW: 1519.8 }); // +25.338 Wh

const now = t0 + 3 * minute;
const room = engine.view(engine.findNode(["Coreflux", "Porto", "MeetingRoom"]), now);
console.log(`${room.path.join("/")}: ${formatMwhAsWh(room.energyMwh)} Wh, ${room.powerW} W`);
assert.equal(room.energyMwh, 712 + 34 + 25_338);
assert.equal(formatMwhAsWh(room.energyMwh), "26.084");
assert.equal(room.powerW, 1562.7);

// Publish only what changed, then persist and restore.
const changed = engine.takeChanges(now).map((id) => engine.view(id, now).path.join("/"));
assert.equal(changed.length, 5);
const saved = JSON.stringify(engine.snapshot());
const restored = EnergyEngine.restore(JSON.parse(saved), { timeZone: "Europe/Lisbon" });
assert.ok(restored.ok);
const company = restored.engine.view(restored.engine.findNode(["Coreflux"]), now);
assert.equal(company.energyMwh, room.energyMwh);
console.log(
  `restored ${restored.engine.meterCount} meters, company total ${formatMwhAsWh(company.energyMwh)} Wh`,
);
