import { execFileSync } from "node:child_process";
import { inspect } from "node:util";
import { type PrivateMosquitto, startMosquitto } from "@coreflux/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { MqttAdapterError, ReconnectingEvent } from "../src/index";
import { captureLogger, everythingAbout } from "./helpers/logger";
import { sleep, waitFor } from "./helpers/net";
import { clientTracker } from "./helpers/targets";

const RIGHT = "Right-Horse-Battery-51";
const WRONG = "Wrong-Staple-Correct-93";
const PASSWD_BIN = process.env.MOSQUITTO_PASSWD_BIN ?? "mosquitto_passwd";

describe("a Mosquitto with a password file and no anonymous access", () => {
  const clients = clientTracker();
  let broker: PrivateMosquitto;

  beforeAll(async () => {
    broker = await startMosquitto({
      config: (dir) => [`password_file ${dir}/passwd`, "allow_anonymous false"],
      prepare: (dir) => execFileSync(PASSWD_BIN, ["-b", "-c", `${dir}/passwd`, "alice", RIGHT]),
    });
  });
  afterEach(() => clients.closeAll());
  afterAll(() => broker.stop());

  it("accepts the right password", async () => {
    const client = clients.create({ url: broker.url, username: "alice", password: RIGHT });
    await client.connect({ timeoutMs: 5000 });
    expect(client.isConnected).toBe(true);
  });

  it.each([4, 5] as const)(
    "reports a wrong password as AUTH_FAILED without the password anywhere, and backs off (MQTT v%i)",
    async (protocolVersion) => {
      const { logger, lines } = captureLogger();
      const client = clients.create({
        url: `mqtt://alice:${WRONG}@127.0.0.1:${broker.port}`,
        protocolVersion,
        reconnect: { minDelayMs: 50, maxDelayMs: 1000 },
        logger,
      });
      const errors: MqttAdapterError[] = [];
      const retries: ReconnectingEvent[] = [];
      client.on("error", (e) => errors.push(e));
      client.on("reconnecting", (e) => retries.push(e));
      await client.connect({ wait: false });
      await waitFor(() => errors.length === 1, "the refusal");
      await sleep(1400);

      const error = errors[0] as MqttAdapterError;
      expect(error.code).toBe("AUTH_FAILED");
      expect(error.message).toMatch(
        /^broker mqtt:\/\/alice:\*\*\*@127\.0\.0\.1:\d+ refused the credentials \(MQTT (3\.1\.1|5)\): (bad user name or password|not authorized|Bad User Name or Password|Not authorized) \((CONNACK return code [45]|reason code 0x8[67])\); check the user name and password \(user "alice"\) and the broker's ACL$/,
      );
      // No hot loop: after an auth failure every retry waits half to all of maxDelayMs.
      const attempts = client.stats().connectAttempts;
      expect(attempts).toBeGreaterThanOrEqual(2);
      expect(attempts).toBeLessThanOrEqual(3);
      expect(retries.every((r) => r.delayMs >= 500 && r.delayMs <= 1000)).toBe(true);
      expect(errors.every((e) => e.code === "AUTH_FAILED")).toBe(true);

      const everything = [
        ...errors.map(everythingAbout),
        ...retries.map((r) => inspect(r, { depth: 10, showHidden: true })),
        ...lines,
        String(client),
        JSON.stringify(client),
        inspect(client, { depth: 10, showHidden: true }),
      ].join("\n");
      expect(lines.length).toBeGreaterThan(0);
      expect(everything).not.toContain(WRONG);
      expect(everything).toContain("mqtt://alice:***@127.0.0.1");
    },
  );
});
