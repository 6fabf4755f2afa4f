// Runnable: node examples/fleet.mjs (after `npm install @coreflux/shelly-simulator`). Pure: no broker.
import assert from "node:assert/strict";
import { createFleet } from "@coreflux/shelly-simulator";

const fleet = createFleet({
  seed: 42,
  company: "Coreflux",
  offices: 1,
  roomsPerOffice: 2,
  devicesPerRoom: 3,
  faults: { zero: 0.01, duplicate: 0.02, reset: 0.5 },
  timeZone: "Europe/Lisbon",
  startMs: Date.UTC(2026, 5, 1, 8, 0, 0), // a Monday, 09:00 in Lisbon
});

// One simulated hour, as the messages a broker would carry, then every counter published once more.
const messages = [...fleet.step(3_600_000), ...fleet.settle()];
console.log(`${messages.length} messages, e.g. ${messages[1].topic}\n  ${messages[1].payload}`);

const truth = fleet.truth();
for (const [path, device] of Object.entries(truth.devices)) {
  console.log(
    `${path.padEnd(34)} ${device.model.padEnd(13)} ${(device.energyMwh / 1000).toFixed(3)} Wh`,
  );
}
console.log(`${truth.company}: ${truth.energyMwh} mWh, returned ${truth.returnedEnergyMwh} mWh`);

// Rooms and offices are exact sums of their devices; devices on Gen1 topics are placed by rules.
const rooms = Object.values(truth.rooms).reduce((sum, room) => sum + room.energyMwh, 0);
assert.equal(rooms, truth.energyMwh);
for (const rule of fleet.placements()) assert.ok(truth.devices[`Coreflux/${rule.path}`]);

// The same seed reproduces the run exactly.
const again = createFleet({ ...fleet.options });
again.step(3_600_000);
again.settle();
assert.deepEqual(again.truth(), truth);
