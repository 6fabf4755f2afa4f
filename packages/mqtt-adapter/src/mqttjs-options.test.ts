import { describe, expect, it } from "vitest";
import { resolveClientOptions } from "./client-options";
import { toMqttJsOptions } from "./mqttjs-options";

describe("toMqttJsOptions", () => {
  it("leaves reconnecting and resubscribing to the adapter and silences mqtt.js's debug log", () => {
    const o = toMqttJsOptions(
      resolveClientOptions({ url: "mqtt://u:p@h:1", clientId: "c" }),
      undefined,
    );
    expect(o).toMatchObject({
      protocol: "mqtt",
      host: "h",
      hostname: "h",
      port: 1,
      clientId: "c",
      username: "u",
      password: "p",
      protocolVersion: 4,
      keepalive: 60,
      clean: true,
      connectTimeout: 10_000,
      reconnectPeriod: 0,
      manualConnect: true,
      resubscribe: false,
      queueQoSZero: false,
      writeCache: false,
    });
    expect(typeof o.log).toBe("function");
    expect(o.will).toBeUndefined();
    expect(o.path).toBeUndefined();
  });

  it("sets the retained offline will, MQTT 5 session expiry, WebSocket path and TLS material", () => {
    const resolved = resolveClientOptions({
      url: "wss://[::1]:9001/mqtt",
      clientId: "c",
      protocolVersion: 5,
      sessionExpiryIntervalS: 600,
      statusTopic: "site/status",
    });
    const o = toMqttJsOptions(resolved, { rejectUnauthorized: true, ca: ["PEM"] });
    expect(o).toMatchObject({
      protocol: "wss",
      host: "::1",
      hostname: "[::1]",
      path: "/mqtt",
      clean: false,
      properties: { sessionExpiryInterval: 600 },
      will: { topic: "site/status", qos: 1, retain: true },
      rejectUnauthorized: true,
      ca: ["PEM"],
    });
    expect(String(o.will?.payload)).toBe("offline");
  });

  it("connects to the endpoint given, with its own credentials and TLS only where it is secure", () => {
    const resolved = resolveClientOptions({
      urls: ["mqtt://u:p@h1:1", "mqtts://h2:2"],
      clientId: "c",
    });
    const tls = { rejectUnauthorized: true, ca: ["PEM"] };
    const first = toMqttJsOptions(resolved, tls, resolved.endpoints[0]);
    expect(first).toMatchObject({ protocol: "mqtt", host: "h1", port: 1, username: "u" });
    expect(first.ca).toBeUndefined();
    const second = toMqttJsOptions(resolved, tls, resolved.endpoints[1]);
    expect(second).toMatchObject({ protocol: "mqtts", host: "h2", port: 2, ca: ["PEM"] });
    expect(second.username).toBeUndefined();
  });
});
