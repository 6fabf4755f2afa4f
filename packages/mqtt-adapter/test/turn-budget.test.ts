import { afterEach, describe, expect, it } from "vitest";
import { SHARED_MOSQUITTO_URL, uniqueTopic, waitFor } from "./helpers/net";
import { clientTracker } from "./helpers/targets";
import { busyFor, turnCounter } from "./helpers/turns";

const url = SHARED_MOSQUITTO_URL;
const COUNT = 400;
/** Each message keeps the handler busy this long. */
const HANDLER_MS = 1;

/**
 * mqtt.js handles every message of a socket read in one turn of the event loop; the client's
 * `turnBudgetMs` leaves the rest of the read for later turns. A burst of small QoS 0 messages
 * from Mosquitto to a slow handler arrives in reads of hundreds: the test counts how many each
 * turn handled (a `setImmediate` chain numbers the turns).
 */
describe("turnBudgetMs (shared Mosquitto)", { timeout: 30_000 }, () => {
  const clients = clientTracker();
  afterEach(() => clients.closeAll());

  async function burst(turnBudgetMs: number) {
    const topic = uniqueTopic("turn-budget");
    const consumer = clients.create({
      url,
      subscriptions: [{ filter: topic, qos: 0 }],
      turnBudgetMs,
    });
    const counter = turnCounter();
    const perTurn = new Map<number, number>();
    const payloads: number[] = [];
    consumer.onMessage((_topic, payload) => {
      payloads.push(Number(payload.toString()));
      perTurn.set(counter.turn(), (perTurn.get(counter.turn()) ?? 0) + 1);
      busyFor(HANDLER_MS);
    });
    await consumer.connect();
    const producer = clients.create({ url, publishQueue: { maxMessages: COUNT, maxBytes: 1e6 } });
    await producer.connect();
    for (let i = 0; i < COUNT; i++) producer.publish(topic, String(i));
    await producer.flush();
    await waitFor(() => payloads.length === COUNT, `all ${COUNT} messages`, 20_000);
    counter.stop();
    return { payloads, sizes: [...perTurn.values()], stats: consumer.stats() };
  }

  it("handles no more messages in one turn than its budget allows, in order, none lost", async () => {
    const { payloads, sizes, stats } = await burst(5);
    expect(payloads).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    // 1 ms per message against 5 ms: the 5th (or an earlier one, on a busy machine) ends a turn.
    expect(Math.max(...sizes)).toBeLessThanOrEqual(5);
    expect(stats.intakeYields).toBeGreaterThan(0);
  });

  it("without a budget, a read's messages share one turn (what the budget prevents)", async () => {
    const { payloads, sizes, stats } = await burst(Number.POSITIVE_INFINITY);
    expect(payloads).toHaveLength(COUNT);
    expect(Math.max(...sizes)).toBeGreaterThan(20);
    expect(stats.intakeYields).toBe(0);
  });
});
