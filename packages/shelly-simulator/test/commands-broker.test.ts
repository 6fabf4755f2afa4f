import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFleet, type FleetOptions, runSimulator } from "../src/index";
import { BROKER_URL, liveHandles, type Received, subscribe, uniqueCompany } from "./helpers/broker";
import { compareWithTruth, replay } from "./helpers/engine-replay";

/** Resolves with the first received message that `match` accepts (polling; 10 s at most). */
async function first(
  received: Received[],
  match: (m: Received) => boolean,
  timeoutMs = 10_000,
): Promise<Received> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = received.find(match);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error("timed out waiting for a message");
    await new Promise((r) => setTimeout(r, 20));
  }
}

function parsed(m: Received): Record<string, unknown> {
  return JSON.parse(m.payload.toString("utf8")) as Record<string, unknown>;
}

describe("commands over Mosquitto", () => {
  let baseline: string[] = [];
  beforeAll(() => {
    baseline = liveHandles();
  });
  afterAll(() => {
    expect(liveHandles().filter((h) => h !== "Timeout")).toEqual(
      baseline.filter((h) => h !== "Timeout"),
    );
  });

  it("a plain mqtt.js client switches devices off (simple topic, RPC, Gen1) and sees status and response", async () => {
    const company = uniqueCompany("SimCmd");
    const caller = `tester-${randomBytes(4).toString("hex")}`;
    const options: FleetOptions = {
      company,
      seed: 9,
      offices: 1,
      roomsPerOffice: 1,
      devicesPerRoom: 4,
      models: { "plus-plug-s": 1, "gen1-plug-s": 1 },
    };
    const devices = createFleet(options).devices;
    const [plugA, plugB] = devices.filter((d) => d.model === "plus-plug-s");
    const relay = devices.find((d) => d.model === "gen1-plug-s");
    if (plugA === undefined || plugB === undefined || relay === undefined) {
      throw new Error("seed 9 should give two Plus Plug S and a Gen1 Plug S");
    }
    const gen1 = devices.filter((d) => d.generation === 1).map((d) => `${d.prefix}/#`);
    const { client, received } = await subscribe([`${company}/#`, ...gen1, `${caller}/rpc`]);
    const controller = new AbortController();
    const run = runSimulator({
      ...options,
      url: BROKER_URL,
      speed: 1,
      durationS: 600,
      commands: true,
      signal: controller.signal,
      progressIntervalMs: 60_000,
    });
    try {
      // The devices subscribe before they publish anything: their first message says they listen.
      await first(received, (m) => m.topic === `${plugA.prefix}/online`);
      const sentAt = received.length;
      await client.publishAsync(`${plugA.prefix}/command/switch:0`, "off", { qos: 1 });
      const offA = await first(
        received,
        (m) =>
          received.indexOf(m) >= sentAt &&
          m.topic === `${plugA.prefix}/status/switch:0` &&
          parsed(m).output === false,
      );
      expect(parsed(offA)).toMatchObject({ id: 0, source: "MQTT", output: false, apower: 0 });

      const lastB = [...received]
        .reverse()
        .find((m) => m.topic === `${plugB.prefix}/status/switch:0`);
      const wasOn = lastB === undefined ? undefined : parsed(lastB).output;
      await client.publishAsync(
        `${plugB.prefix}/rpc`,
        JSON.stringify({ id: 7, src: caller, method: "Switch.Set", params: { id: 0, on: false } }),
        { qos: 1 },
      );
      const response = await first(received, (m) => m.topic === `${caller}/rpc`);
      expect(parsed(response)).toEqual({
        id: 7,
        src: plugB.id,
        dst: caller,
        result: { was_on: wasOn },
      });
      const offB = await first(
        received,
        (m) => m.topic === `${plugB.prefix}/status/switch:0` && parsed(m).source === "MQTT",
      );
      expect(parsed(offB)).toMatchObject({ output: false, apower: 0 });

      await client.publishAsync(`${relay.prefix}/relay/0/command`, "off", { qos: 1 });
      const relayOff = await first(
        received,
        (m) =>
          m.topic === `${relay.prefix}/relay/0` &&
          m.payload.toString() === "off" &&
          m.arrivalMs >= response.arrivalMs,
      );
      // The relay's next message (it may still be on its way under load) is its power, 0.
      const after = received.indexOf(relayOff);
      const power = await first(
        received,
        (m) => received.indexOf(m) > after && m.topic.startsWith(`${relay.prefix}/`),
      );
      expect([power.topic, power.payload.toString()]).toEqual([
        `${relay.prefix}/relay/0/power`,
        "0.00",
      ]);
    } finally {
      controller.abort();
    }
    const result = await run;
    await new Promise((r) => setTimeout(r, 300));
    await client.endAsync();
    expect(result.stopReason).toBe("aborted");
    expect(result.commands).toMatchObject({ received: 3, applied: 3, rejected: 0, ignored: 0 });
    // Everything a subscriber saw, replayed into the engine at arrival time, is the truth.
    const ours = received.filter((m) => m.topic !== `${caller}/rpc`);
    const { engine } = replay(
      ours.map((m) => ({ topic: m.topic, payload: new Uint8Array(m.payload), tsMs: m.arrivalMs })),
      company,
      result.placements,
      { noteUptime: true },
    );
    expect(compareWithTruth(engine, result.truth, Date.now())).toEqual([]);
  });
});
