import { type PrivateMosquitto, startMosquitto } from "@coreflux/test-support";
import mqtt from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { captureLogger } from "./helpers/logger";
import { freePort, uniqueTopic, waitFor } from "./helpers/net";
import { clientTracker } from "./helpers/targets";

/** The retained message of `topic` on the broker at `url`, read by a throwaway mqtt.js client. */
async function retainedOf(url: string, topic: string): Promise<string> {
  const reader = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no retained message on ${topic}`)), 3000);
      reader.on("message", (_topic, payload) => {
        clearTimeout(timer);
        resolve(payload.toString());
      });
      reader.subscribe(topic, { qos: 1 });
    });
  } finally {
    await reader.endAsync();
  }
}

describe("failover over several broker URLs", () => {
  const clients = clientTracker();
  const brokers: PrivateMosquitto[] = [];
  afterEach(async () => {
    await clients.closeAll();
    await Promise.all(brokers.splice(0).map((broker) => broker.stop()));
  });

  it("skips a dead URL, then moves to the next node when its broker dies, keeping the queue", async () => {
    const deadPort = await freePort();
    const deadUrl = `mqtt://127.0.0.1:${deadPort}`;
    const second = await startMosquitto();
    brokers.push(second);
    const topic = uniqueTopic("failover");
    const { logger, lines } = captureLogger();
    const client = clients.create({
      urls: [deadUrl, second.url],
      subscriptions: [{ filter: `${topic}/data/#`, qos: 1 }],
      statusTopic: `${topic}/status`,
      logger,
    });
    const texts: string[] = [];
    client.onMessage((_topic, payload) => {
      texts.push(payload.toString());
    });
    const subscribed: string[] = [];
    client.on("subscribed", (event) =>
      subscribed.push(`${client.currentUrl} ${event.filters.length}`),
    );

    await client.connect({ timeoutMs: 5000 });
    expect(client.currentUrl).toBe(second.url);
    expect(String(client)).toContain(second.url);
    expect(lines.filter((l) => l.startsWith("info connected "))).toEqual([
      expect.stringContaining(`url: '${second.url}'`),
    ]);
    expect(lines.some((l) => l.includes("mqtt adapter error") && l.includes(deadUrl))).toBe(true);
    expect(await retainedOf(second.url, `${topic}/status`)).toBe("online");

    await second.stop(); // the node dies; publishes queue meanwhile
    await waitFor(() => !client.isConnected, "the loss");
    for (let i = 0; i < 20; i++) client.publish(`${topic}/data/${i}`, String(i), { qos: 1 });
    // A new broker comes up on the first URL's port (its own port stays unused).
    const first = await startMosquitto({ config: () => [`listener ${deadPort} 127.0.0.1`] });
    brokers.push(first);

    await waitFor(() => client.isConnected, "the move to the first URL", 10_000);
    expect(client.currentUrl).toBe(deadUrl);
    await client.flush();
    await waitFor(() => texts.length >= 20, `the queued messages (${texts.length})`);
    expect([...new Set(texts)].sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 20 }, (_, i) => String(i)),
    );
    expect(subscribed).toEqual([`${second.url} 1`, `${deadUrl} 1`]);
    expect(await retainedOf(deadUrl, `${topic}/status`)).toBe("online");
    expect(lines.filter((l) => l.startsWith("info connected ")).at(-1)).toContain(
      `url: '${deadUrl}'`,
    );
    expect(client.stats()).toMatchObject({ published: 20, dropped: 0, failed: 0, reconnects: 1 });
  }, 30_000);

  it("tries every URL once per round and waits the backoff only between rounds", async () => {
    const urls = [
      `mqtt://127.0.0.1:${await freePort()}`,
      `mqtt://127.0.0.1:${await freePort()}`,
      `mqtt://127.0.0.1:${await freePort()}`,
    ];
    const client = clients.create({ urls, reconnect: { minDelayMs: 300, maxDelayMs: 600 } });
    const tried: string[] = [];
    const delays: number[] = [];
    client.on("error", () => tried.push(client.currentUrl));
    client.on("reconnecting", (event) => delays.push(event.delayMs));
    await client.connect({ wait: false });
    await waitFor(() => tried.length >= 4, "two rounds under way");
    expect(tried.slice(0, 4)).toEqual([...urls, urls[0]]);
    expect(delays.slice(0, 3).map((d) => d > 0)).toEqual([false, false, true]);
    expect(delays[2]).toBeGreaterThanOrEqual(300);
  });
});
