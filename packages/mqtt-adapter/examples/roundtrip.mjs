// Runnable: node examples/roundtrip.mjs (after installing @coreflux/mqtt-adapter).
// Starts the embedded broker on a free port, connects a client, subscribes, publishes,
// receives its own message, closes everything and exits 0 (1 if anything is off).
import { createMqttClient, startEmbeddedBroker } from "@coreflux/mqtt-adapter";

const broker = await startEmbeddedBroker({ port: 0 });
const client = createMqttClient({
  url: broker.url,
  subscriptions: [{ filter: "example/+/temperature", qos: 1 }],
  reconnect: { minDelayMs: 100, maxDelayMs: 2000 },
});

const received = new Promise((resolve) => {
  client.onMessage((topic, payload, info) => {
    resolve({ topic, text: payload.toString("utf8"), qos: info.qos });
  });
});
client.on("error", (error) => console.error(`${error.code}: ${error.message}`));

// Resolves once connected and subscribed (the broker answered the SUBSCRIBE).
await client.connect({ timeoutMs: 5000 });
client.publish("example/kitchen/temperature", "21.5", { qos: 1, retain: true });
await client.flush(); // acknowledged by the broker

const message = await received;
const stats = client.stats();
await client.close();
await broker.close();

const ok =
  message.topic === "example/kitchen/temperature" &&
  message.text === "21.5" &&
  message.qos === 1 &&
  stats.published === 1 &&
  stats.received === 1;
console.log(`${message.topic} = ${message.text} (qos ${message.qos}); ${ok ? "OK" : "MISMATCH"}`);
process.exit(ok ? 0 : 1);
