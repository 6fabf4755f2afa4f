import { describe, expect, it } from "vitest";
import { startEmbeddedBroker } from "../src/index";
import { rejectionOf, waitFor } from "./helpers/net";
import { trackResources } from "./helpers/resources";
import { clientTracker } from "./helpers/targets";

describe("startEmbeddedBroker", () => {
  it("listens on a free port by default and on an optional WebSocket port", async () => {
    const broker = await startEmbeddedBroker({ port: 0, wsPort: 0 });
    try {
      expect(broker.host).toBe("127.0.0.1");
      expect(broker.port).toBeGreaterThan(0);
      expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
      expect(broker.wsUrl).toBe(`ws://127.0.0.1:${broker.wsPort}/`);
      expect(broker.wsPort).not.toBe(broker.port);
      const plain = await startEmbeddedBroker();
      expect([plain.wsUrl, plain.wsPort]).toEqual([undefined, undefined]);
      await plain.close();
    } finally {
      await broker.close();
    }
  });

  it("rejects a port in use with PORT_IN_USE naming the port, and leaks nothing", async () => {
    const first = await startEmbeddedBroker();
    const resources = trackResources();
    try {
      const error = await rejectionOf(startEmbeddedBroker({ port: first.port }));
      expect(error.code).toBe("PORT_IN_USE");
      expect(error.message).toBe(
        `MQTT port ${first.port} on 127.0.0.1 is already in use; stop the process holding it, choose another port, or pass 0 to let the system pick a free one`,
      );
      const wsError = await rejectionOf(startEmbeddedBroker({ port: 0, wsPort: first.port }));
      expect(wsError.code).toBe("PORT_IN_USE");
      expect(wsError.message).toContain(
        `WebSocket port ${first.port} on 127.0.0.1 is already in use`,
      );
      await waitFor(
        () => resources.alive().length === 0,
        "the half-started brokers to be gone",
        1000,
      ).catch(() => {});
      expect(resources.alive()).toEqual([]);
    } finally {
      resources.stop();
      await first.close();
    }
  });

  it("validates its options synchronously", () => {
    expect(() => startEmbeddedBroker({ port: 70_000 })).toThrowError(
      expect.objectContaining({
        code: "INVALID_OPTIONS",
        message: "port must be an integer from 0 to 65535",
      }),
    );
    expect(() => startEmbeddedBroker({ host: "" })).toThrowError(
      expect.objectContaining({ code: "INVALID_OPTIONS" }),
    );
  });

  it("close() disconnects every client over both listeners and is idempotent", async () => {
    const broker = await startEmbeddedBroker({ port: 0, wsPort: 0 });
    const clients = clientTracker();
    try {
      const tcp = clients.create({
        url: broker.url,
        reconnect: { minDelayMs: 5000, maxDelayMs: 10_000 },
      });
      const ws = clients.create({
        url: broker.wsUrl as string,
        reconnect: { minDelayMs: 5000, maxDelayMs: 10_000 },
      });
      let offline = 0;
      tcp.on("offline", () => offline++);
      ws.on("offline", () => offline++);
      await tcp.connect();
      await ws.connect();
      expect(broker.connectedClients()).toBe(2);
      const closing = broker.close();
      expect(broker.close()).toBe(closing);
      await closing;
      await waitFor(() => offline === 2, "both clients to go offline");
      expect(broker.connectedClients()).toBe(0);
    } finally {
      await clients.closeAll();
      await broker.close();
    }
  });
});
