import { createRequire } from "node:module";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { SHARED_MOSQUITTO_URL, uniqueTopic, waitFor } from "./helpers/net";
import { clientTracker } from "./helpers/targets";

/** mqtt-packet, as mqtt.js loads it: the parser that reads back what the socket was given. */
const requireFromMqtt = createRequire(createRequire(import.meta.url).resolve("mqtt"));
const mqttPacket = requireFromMqtt("mqtt-packet") as {
  parser(options: { protocolVersion: number }): {
    on(event: "packet", listener: (packet: { cmd: string; messageId?: number }) => void): void;
    on(event: "error", listener: (error: Error) => void): void;
    parse(bytes: Buffer): number;
  };
};

const COUNT = 2000;

/**
 * What reaches the sockets of this process, per local port: every chunk handed to
 * `net.Socket#write` (the gatherer hands its slab's part to the socket's own `write`).
 */
function recordSocketWrites(): { chunks: Map<number, Buffer[]>; restore: () => void } {
  const chunks = new Map<number, Buffer[]>();
  const original = net.Socket.prototype.write;
  net.Socket.prototype.write = function (this: net.Socket, ...args: unknown[]) {
    const [chunk, encoding] = args;
    const port = this.localPort;
    if (port !== undefined) {
      const bytes =
        typeof chunk === "string"
          ? Buffer.from(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8")
          : Buffer.from(chunk as Uint8Array);
      const list = chunks.get(port) ?? [];
      if (list.length === 0) chunks.set(port, list);
      list.push(bytes);
    }
    return (original as (...a: unknown[]) => boolean).apply(this, args);
  } as typeof original;
  return { chunks, restore: () => (net.Socket.prototype.write = original) };
}

describe("small writes gathered (shared Mosquitto)", { timeout: 30_000 }, () => {
  const clients = clientTracker();
  let restore: (() => void) | undefined;
  afterEach(async () => {
    await clients.closeAll();
    restore?.();
    restore = undefined;
  });

  it("a burst's PUBACKs reach the socket in far fewer writes than packets, every one intact", async () => {
    const recording = recordSocketWrites();
    restore = recording.restore;
    const topic = uniqueTopic("gather");
    const subscriber = clients.create({
      url: SHARED_MOSQUITTO_URL,
      subscriptions: [{ filter: topic, qos: 1 }],
    });
    let received = 0;
    subscriber.onMessage(() => {
      received++;
    });
    await subscriber.connect();
    const publisher = clients.create({ url: SHARED_MOSQUITTO_URL });
    await publisher.connect();
    for (let i = 0; i < COUNT; i++) publisher.publish(topic, `reading ${i}`, { qos: 1 });
    await publisher.flush();
    await waitFor(() => received === COUNT, "every message");
    // The last turn's PUBACKs leave after it (setImmediate): let them out before reading.
    await new Promise((resolve) => setTimeout(resolve, 100));

    // The subscriber's socket: the one whose bytes hold PUBACKs.
    const parsed = [...recording.chunks.values()].map((chunks) => ({
      chunks,
      ...readAcks(chunks),
    }));
    const {
      chunks: written,
      acks,
      errors,
    } = parsed.reduce((a, b) => (b.acks.length > a.acks.length ? b : a));
    expect(errors).toEqual([]);
    expect(acks).toHaveLength(COUNT);
    expect(new Set(acks).size).toBe(COUNT);
    // mqtt-packet writes a PUBACK in three pieces; one chunk per piece would be 3 × COUNT.
    expect(written.length).toBeLessThan(COUNT / 2);
  });
});

/** The PUBACK packet ids in `chunks` (bytes a socket was given), and any parse error. */
function readAcks(chunks: Buffer[]): { acks: number[]; errors: Error[] } {
  const acks: number[] = [];
  const errors: Error[] = [];
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  parser.on("packet", (packet) => {
    if (packet.cmd === "puback") acks.push(packet.messageId ?? -1);
  });
  parser.on("error", (error) => errors.push(error));
  parser.parse(Buffer.concat(chunks));
  return { acks, errors };
}
