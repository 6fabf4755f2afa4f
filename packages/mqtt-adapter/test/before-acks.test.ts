import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type PrivateMosquitto, startMosquitto } from "@coreflux/test-support";
import { afterEach, describe, expect, it } from "vitest";
import type { MqttAdapterError } from "../src/index";
import { uniqueTopic, waitFor } from "./helpers/net";
import { clientTracker } from "./helpers/targets";

const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const COUNT = 60;

/**
 * `beforeAcks` runs after a turn's messages were handled and before their PUBACKs leave. Both
 * tests stop the client inside the hook and then ask the broker what it still holds: Mosquitto
 * delivers again, to the same persistent session, exactly the messages it has no PUBACK for. A
 * client that let a PUBACK out before the hook fails them (the message is not redelivered).
 */
describe("beforeAcks (private Mosquitto)", { timeout: 30_000 }, () => {
  const clients = clientTracker();
  let broker: PrivateMosquitto | undefined;
  afterEach(async () => {
    await clients.closeAll();
    await broker?.stop();
    broker = undefined;
  });

  /** Publishes `0..COUNT-1` at QoS 1 to `topic` and waits until the broker confirmed them. */
  async function publishAll(url: string, topic: string): Promise<void> {
    const publisher = clients.create({ url, clientId: `${topic}-pub` });
    await publisher.connect();
    for (let i = 0; i < COUNT; i++) publisher.publish(topic, String(i), { qos: 1 });
    await publisher.flush();
  }

  /** The session's redelivery: a new client with the same id, recording what it receives. */
  async function redelivered(url: string, clientId: string, topic: string): Promise<Set<number>> {
    const again = clients.create({
      url,
      clientId,
      clean: false,
      subscriptions: [{ filter: topic, qos: 1 }],
    });
    const seen = new Set<number>();
    again.onMessage((_t, payload) => {
      seen.add(Number(payload.toString()));
    });
    await again.connect();
    return seen;
  }

  it.each([0, 200])(
    "a process killed (SIGKILL) inside the hook sent no PUBACK of that batch (writeHoldMs %i): all redelivered",
    async (writeHoldMs) => {
      expect(existsSync(DIST), "build the package first (dist/index.js)").toBe(true);
      broker = await startMosquitto();
      const url = broker.url;
      const topic = uniqueTopic("before-acks-kill");
      const clientId = `kill-${process.pid}-${writeHoldMs}`;
      // The child handles messages, prints each one, and dies with SIGKILL in the first hook call,
      // as a crash between the handlers and the acknowledgements would.
      const script = `
      import { writeSync } from "node:fs";
      import { createMqttClient } from ${JSON.stringify(DIST)};
      const client = createMqttClient({
        url: ${JSON.stringify(url)},
        clientId: ${JSON.stringify(clientId)},
        clean: false,
        subscriptions: [{ filter: ${JSON.stringify(topic)}, qos: 1 }],
        writeHoldMs: ${writeHoldMs},
        beforeAcks: () => {
          writeSync(1, "hook\\n");
          process.kill(process.pid, "SIGKILL");
        },
      });
      client.onMessage((_t, payload) => { writeSync(1, "handled " + payload.toString() + "\\n"); });
      await client.connect();
      writeSync(1, "ready\\n");
    `;
      const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on("exit", (_code, signal) => resolve(signal)),
      );
      try {
        await waitFor(() => output.includes("ready\n"), "the child subscribed", 10_000);
        await publishAll(url, topic);
        expect(await exited).toBe("SIGKILL");
      } finally {
        child.kill("SIGKILL");
      }
      const handled = [...output.matchAll(/^handled (\d+)$/gm)].map((m) => Number(m[1]));
      expect(output).toContain("hook\n");
      expect(handled.length).toBeGreaterThan(0);

      const seen = await redelivered(url, clientId, topic);
      const others = Array.from({ length: COUNT }, (_, i) => i).filter((n) => !handled.includes(n));
      await waitFor(() => others.every((n) => seen.has(n)), "the unhandled messages", 10_000);
      await waitFor(() => handled.every((n) => seen.has(n)), "the handled ones", 2000).catch(
        () => {},
      );
      // Every message the dead process handled comes again: none of their PUBACKs went out.
      expect(handled.filter((n) => !seen.has(n))).toEqual([]);
    },
  );

  it("a hook that throws drops the connection unacknowledged; the broker delivers again", async () => {
    broker = await startMosquitto();
    const url = broker.url;
    const topic = uniqueTopic("before-acks-throw");
    const clientId = `throw-${process.pid}`;
    const order: string[] = [];
    let hookCalls = 0;
    const firstTurn = new Set<number>();
    const client = clients.create({
      url,
      clientId,
      clean: false,
      subscriptions: [{ filter: topic, qos: 1 }],
      beforeAcks: () => {
        hookCalls++;
        order.push("hook");
        if (hookCalls === 1) throw new Error("journal write failed");
      },
    });
    const errors: MqttAdapterError[] = [];
    client.on("error", (error) => errors.push(error));
    const deliveries = new Map<number, number>();
    client.onMessage((_t, payload) => {
      const n = Number(payload.toString());
      if (hookCalls === 0) firstTurn.add(n);
      deliveries.set(n, (deliveries.get(n) ?? 0) + 1);
      if (order.at(-1) !== "message") order.push("message");
    });
    await client.connect();
    await publishAll(url, topic);
    await waitFor(() => deliveries.size === COUNT, `all ${COUNT} messages handled`, 10_000);
    // Let the last turn's PUBACKs go before stopping.
    await waitFor(() => order.at(-1) === "hook", "the last hook call");

    expect(firstTurn.size).toBeGreaterThan(0);
    expect(errors.map((e) => e.code)).toContain("HANDLER_FAILED");
    expect(errors.find((e) => e.code === "HANDLER_FAILED")?.message).toMatch(
      /beforeAcks failed: journal write failed/,
    );
    // The first turn's messages were handled twice: once before the throw, once redelivered.
    expect([...firstTurn].filter((n) => deliveries.get(n) !== 2)).toEqual([]);
    // Every turn of messages ends with a hook call.
    expect(order[0]).toBe("message");
    expect(order.at(-1)).toBe("hook");
    expect(hookCalls).toBe(order.filter((o) => o === "hook").length);

    // Everything else was acknowledged: a new session with the same id gets nothing back.
    await client.close();
    const seen = await redelivered(url, clientId, topic);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(seen.size).toBe(0);
  });
});
