// Runnable: node examples/parse.mjs (after installing @coreflux/shelly-schema)
import assert from "node:assert/strict";
import {
  mergeShellyStatus,
  parseShellyMessage,
  shellySwitchStatusSchema,
} from "@coreflux/shelly-schema";

// 1. A Gen2+ full status under a multi-level prefix, as bytes (mqtt.js hands you a Buffer).
const status = parseShellyMessage(
  "Coreflux/Porto/MeetingRoom/Light1/status/switch:0",
  Buffer.from(
    '{"id":0,"output":true,"apower":42.7,"voltage":231.0,"current":0.191,' +
      '"aenergy":{"total":1203.554,"by_minute":[711.7,712.0,711.5],"minute_ts":1718100060},' +
      '"temperature":{"tC":41.5,"tF":106.7}}',
  ),
);
assert.ok(status.ok);
assert.equal(status.message.kind, "status");
assert.equal(status.message.prefix, "Coreflux/Porto/MeetingRoom/Light1");
assert.deepEqual(status.message.readings, [
  {
    component: "switch:0",
    meter: "switch:0",
    powerW: 42.7,
    energyWh: 1203.554,
    voltageV: 231,
    currentA: 0.191,
    temperatureC: 41.5,
    output: true,
  },
]);

// 2. A partial NotifyStatus delta: only what changed, stamped with the device time in ms.
const delta = parseShellyMessage(
  "shellyplugsg3-a0b1c2d3e4f5/events/rpc",
  '{"src":"shellyplugsg3-a0b1c2d3e4f5","dst":"x","method":"NotifyStatus",' +
    '"params":{"ts":1718100071.42,"switch:0":{"apower":11.5}}}',
);
assert.ok(delta.ok && delta.message.kind === "notification");
assert.equal(delta.message.generation, 3);
assert.deepEqual(delta.message.readings, [
  { component: "switch:0", meter: "switch:0", powerW: 11.5, deviceTsMs: 1718100071420 },
]);

// 3. Gen1 counts watt-minutes; readings are always in Wh.
const gen1 = parseShellyMessage("shellies/shellyplug-s-7AD4B1/relay/0/energy", "184305");
assert.ok(gen1.ok);
assert.equal(gen1.message.readings[0]?.energyWh, 3071.75);

// 4. Bad input never throws: it comes back as a typed error with a closed-set code.
const bad = parseShellyMessage("shellyplusplugs-c82e18a1b2c3/status/switch:0", '{"apower":"12"}');
assert.ok(!bad.ok);
assert.equal(bad.error.code, "SCHEMA_MISMATCH");

// 5. Keeping the full picture: overlay a delta on the last full status with the exported schema.
const full = shellySwitchStatusSchema.parse({
  id: 0,
  output: true,
  apower: 42.7,
  aenergy: { total: 1 },
});
const merged = mergeShellyStatus(full, shellySwitchStatusSchema.parse({ apower: 11.5 }));
assert.deepEqual(merged, { id: 0, output: true, apower: 11.5, aenergy: { total: 1 } });

console.log(
  `${status.message.readings[0]?.powerW} W, ${gen1.message.readings[0]?.energyWh} Wh, ${bad.error.code}`,
);
