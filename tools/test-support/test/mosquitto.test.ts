import { existsSync } from "node:fs";
import mqtt from "mqtt";
import { describe, expect, it } from "vitest";
import { canConnect, startMosquitto } from "../src/index";

describe("startMosquitto", () => {
  it("runs a private broker on a free port that survives kill and restart with its persistence", async () => {
    const broker = await startMosquitto({
      config: (dir) => ["persistence true", `persistence_location ${dir}/`],
    });
    try {
      expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
      expect(broker.port).not.toBe(1883);
      const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
      await client.publishAsync("support/retained", "kept", { qos: 1, retain: true });
      await client.endAsync();

      const firstPid = broker.pid;
      await broker.kill("SIGTERM"); // a clean stop writes the persistence file
      expect(broker.pid).toBe(-1);
      expect(await canConnect(broker.port)).toBe(false);
      await broker.restart();
      expect(broker.pid).not.toBe(firstPid);

      const again = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
      const message = new Promise<string>((resolve) =>
        again.once("message", (_topic, payload) => resolve(payload.toString())),
      );
      await again.subscribeAsync("support/retained", { qos: 1 });
      expect(await message).toBe("kept");
      await again.endAsync();
    } finally {
      await broker.stop();
    }
    expect(existsSync(broker.dir)).toBe(false);
    expect(await canConnect(broker.port)).toBe(false);
    await broker.stop(); // idempotent
  });

  it("rejects with the broker's own log when the config is wrong, leaving nothing behind", async () => {
    let dir = "";
    const error = await startMosquitto({
      config: (d) => {
        dir = d;
        return ["no_such_option 1"];
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/mosquitto exited at startup:[\s\S]*no_such_option/);
    expect(existsSync(dir)).toBe(false);
  });

  it("stopNow() kills without waiting, for an exit handler", async () => {
    const broker = await startMosquitto({ log: false });
    broker.stopNow();
    expect(existsSync(broker.dir)).toBe(false);
    for (let i = 0; i < 100 && (await canConnect(broker.port)); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await canConnect(broker.port)).toBe(false);
  });
});
