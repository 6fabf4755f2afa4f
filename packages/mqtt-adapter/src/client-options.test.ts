import { describe, expect, it } from "vitest";
import { type MqttClientOptions, resolveClientOptions } from "./client-options";
import { MqttAdapterError } from "./errors";

const SECRET = "pa55-w0rd-XYZ";

function failure(options: unknown): MqttAdapterError {
  try {
    resolveClientOptions(options as MqttClientOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(MqttAdapterError);
    return error as MqttAdapterError;
  }
  throw new Error("expected resolveClientOptions to throw");
}

describe("resolveClientOptions", () => {
  it("fills the documented defaults", () => {
    const o = resolveClientOptions({ url: "mqtt://broker.example" });
    expect(o).toMatchObject({
      protocol: "mqtt",
      host: "broker.example",
      port: 1883,
      path: "",
      redactedUrl: "mqtt://broker.example",
      protocolVersion: 4,
      keepaliveS: 60,
      clean: true,
      sessionExpiryIntervalS: undefined,
      tls: undefined,
      subscriptions: [],
      statusTopic: undefined,
      minDelayMs: 1000,
      maxDelayMs: 30_000,
      connectTimeoutMs: 10_000,
      closeTimeoutMs: 5000,
      maxMessages: 10_000,
      maxBytes: 8_388_608,
      maxInFlight: 100,
      beforeAcks: undefined,
      turnBudgetMs: 8,
      writeHoldMs: 0,
      writeHoldMaxAcks: 10,
    });
    expect(o.clientId).toMatch(/^mqtt-adapter-[0-9a-f]{8}$/);
  });

  it.each([
    ["mqtts://h", "mqtts", 8883, ""],
    ["ws://h", "ws", 80, "/"],
    ["wss://h:9001/mqtt?x=1", "wss", 9001, "/mqtt?x=1"],
    ["mqtt://h:1/", "mqtt", 1, ""],
  ])("parses %s", (url, protocol, port, path) => {
    expect(resolveClientOptions({ url })).toMatchObject({ protocol, port, path });
  });

  it("takes a turn budget of 0 (a message a turn) and Infinity (never yield)", () => {
    expect(resolveClientOptions({ url: "mqtt://h", turnBudgetMs: 0 }).turnBudgetMs).toBe(0);
    expect(resolveClientOptions({ url: "mqtt://h", turnBudgetMs: Infinity }).turnBudgetMs).toBe(
      Infinity,
    );
  });

  it("strips IPv6 brackets for the socket and keeps them for WebSocket URLs", () => {
    expect(resolveClientOptions({ url: "ws://[::1]:8080" })).toMatchObject({
      host: "::1",
      urlHost: "[::1]",
    });
  });

  it("takes credentials from the URL and redacts them", () => {
    const o = resolveClientOptions({ url: `mqtt://alice:${encodeURIComponent(SECRET)}@h` });
    expect(o.username).toBe("alice");
    expect(o.password).toBe(SECRET);
    expect(o.redactedUrl).toBe("mqtt://alice:***@h");
  });

  it("defaults clean to false for MQTT 5 with a session expiry", () => {
    const o = resolveClientOptions({
      url: "mqtt://h",
      clientId: "c",
      protocolVersion: 5,
      sessionExpiryIntervalS: 3600,
    });
    expect([o.clean, o.sessionExpiryIntervalS]).toEqual([false, 3600]);
  });

  it.each([
    [
      { url: "http://h" },
      "INVALID_URL",
      'url http://h has scheme "http:"; use mqtt://, mqtts://, ws:// or wss://',
    ],
    [{ url: "" }, "INVALID_URL", "url must be a non-empty string"],
    [
      { url: "mqtt://h/path" },
      "INVALID_URL",
      "url mqtt://h/path has a path or query; mqtt:// URLs take none",
    ],
    [
      { url: "mqtt://h", keepalive: 5 },
      "INVALID_OPTIONS",
      "unknown option options.keepalive (did you mean keepaliveS?)",
    ],
    [
      { url: "mqtt://h", keepaliveS: -1 },
      "INVALID_OPTIONS",
      "keepaliveS must be an integer from 0 to 65535",
    ],
    [{ url: "mqtt://h", protocolVersion: 3 }, "INVALID_OPTIONS", "protocolVersion must be 4 or 5"],
    [
      { url: "mqtt://h", clean: false },
      "INVALID_OPTIONS",
      "a persistent session (clean: false) needs a stable clientId",
    ],
    [
      { url: "mqtt://h", sessionExpiryIntervalS: 5 },
      "INVALID_OPTIONS",
      "sessionExpiryIntervalS needs protocolVersion 5; with 4 use clean: false",
    ],
    [
      { url: "mqtt://h", tls: {} },
      "INVALID_OPTIONS",
      "tls options need an mqtts:// or wss:// url, not mqtt://",
    ],
    [
      { url: "mqtts://h", tls: { certFile: "c" } },
      "INVALID_OPTIONS",
      "a client certificate needs its key and a key needs its certificate",
    ],
    [
      { url: "mqtts://h", tls: { cert: "c", certFile: "c", key: "k" } },
      "INVALID_OPTIONS",
      "give tls.cert or tls.certFile, not both",
    ],
    [{ url: "mqtts://h", tls: { verify: false } }, "INVALID_OPTIONS", "unknown option tls.verify"],
    [
      { url: "mqtt://h", reconnect: { minDelayMs: 500, maxDelayMs: 100 } },
      "INVALID_OPTIONS",
      "reconnect.maxDelayMs must be an integer from 500 to 2147483647",
    ],
    [
      { url: "mqtt://h", publishQueue: { maxInFlight: 5000 } },
      "INVALID_OPTIONS",
      "publishQueue.maxInFlight must be an integer from 1 to 1000",
    ],
    [
      { url: "mqtt://h", subscriptions: [{ filter: "a/#/b", qos: 1 }] },
      "INVALID_TOPIC_FILTER",
      'invalid topic filter "a/#/b": "#" must be the last level',
    ],
    [
      { url: "mqtt://h", subscriptions: [{ filter: "a", qos: 3 }] },
      "INVALID_OPTIONS",
      "subscriptions[0].qos must be 0, 1 or 2",
    ],
    [
      {
        url: "mqtt://h",
        subscriptions: [
          { filter: "a", qos: 0 },
          { filter: "a", qos: 1 },
        ],
      },
      "INVALID_OPTIONS",
      'subscriptions[1] repeats the filter "a"',
    ],
    [
      { url: "mqtt://h", statusTopic: "s/+" },
      "INVALID_TOPIC",
      'invalid topic "s/+": wildcards + and # are only allowed in subscription filters',
    ],
    [
      { url: "mqtt://h", logger: { info() {} } },
      "INVALID_OPTIONS",
      "logger.debug must be a function",
    ],
    [{ url: "mqtt://h", beforeAcks: "flush" }, "INVALID_OPTIONS", "beforeAcks must be a function"],
    [
      { url: "mqtt://h", writeHoldMs: 1.5 },
      "INVALID_OPTIONS",
      "writeHoldMs must be an integer from 0 to 60000",
    ],
    [
      { url: "mqtt://h", writeHoldMs: -1 },
      "INVALID_OPTIONS",
      "writeHoldMs must be an integer from 0 to 60000",
    ],
    [
      { url: "mqtt://h", writeHoldMaxAcks: 0 },
      "INVALID_OPTIONS",
      "writeHoldMaxAcks must be an integer from 1 to 65535",
    ],
    [
      { url: "mqtt://h", turnBudgetMs: -1 },
      "INVALID_OPTIONS",
      "turnBudgetMs must be a number of milliseconds from 0 (Infinity: never yield)",
    ],
    [
      { url: "mqtt://h", turnBudgetMs: Number.NaN },
      "INVALID_OPTIONS",
      "turnBudgetMs must be a number of milliseconds from 0 (Infinity: never yield)",
    ],
    [
      { url: "mqtt://h", turnBudgetMs: "8" },
      "INVALID_OPTIONS",
      "turnBudgetMs must be a number of milliseconds from 0 (Infinity: never yield)",
    ],
  ])("rejects %j", (options, code, message) => {
    const error = failure(options);
    expect([error.code, error.message]).toEqual([code, message]);
  });

  it("never puts a password in an error message", () => {
    const cases: unknown[] = [
      { url: `mqtt://u:${SECRET}@h`, password: SECRET },
      { url: `mqtt://u:${SECRET}@h/path` },
      { url: `mqtt://u:${SECRET}@h`, keepaliveS: "x" },
      { url: `ftp://u:${SECRET}@h` },
      { url: `mqtt://u:${SECRET}@ho st` },
      { url: "mqtts://h", tls: { passphrase: SECRET, key: "k" } },
    ];
    for (const options of cases) {
      const error = failure(options);
      expect(error.message).not.toContain(SECRET);
      expect(JSON.stringify(error)).not.toContain(SECRET);
    }
  });

  it("takes several URLs for failover, each checked and redacted, with per-URL credentials", () => {
    const o = resolveClientOptions({
      urls: [`mqtt://a:${SECRET}@h1:1883`, "mqtts://h2", "ws://h3:9001/mqtt"],
      tls: { rejectUnauthorized: true },
    });
    expect(o.endpoints.map((e) => [e.redactedUrl, e.protocol, e.port, e.username])).toEqual([
      ["mqtt://a:***@h1:1883", "mqtt", 1883, "a"],
      ["mqtts://h2", "mqtts", 8883, undefined],
      ["ws://h3:9001/mqtt", "ws", 9001, undefined],
    ]);
    expect(o.redactedUrl).toBe("mqtt://a:***@h1:1883");
    expect(JSON.stringify(o.endpoints.map((e) => e.redactedUrl))).not.toContain(SECRET);
    expect(resolveClientOptions({ url: "mqtt://h" }).endpoints).toHaveLength(1);
  });

  it.each([
    [{ url: "mqtt://h", urls: ["mqtt://h"] }, "INVALID_OPTIONS", "give url or urls, not both"],
    [{ urls: [] }, "INVALID_URL", "urls must be a non-empty array of broker URLs"],
    [{ urls: "mqtt://h" }, "INVALID_URL", "urls must be a non-empty array of broker URLs"],
    [
      { urls: ["mqtt://h", "http://x"] },
      "INVALID_URL",
      'url http://x has scheme "http:"; use mqtt://, mqtts://, ws:// or wss://',
    ],
    [{ urls: ["mqtt://h", 7] }, "INVALID_URL", "url must be a non-empty string"],
    [
      { urls: ["mqtt://h", `mqtt://u:${SECRET}@h2`], password: "x" },
      "INVALID_OPTIONS",
      "the password is given both in url and in password; give it once",
    ],
    [{}, "INVALID_URL", "url must be a non-empty string (or give urls, a list, for failover)"],
    [
      { urls: ["mqtt://h"], tls: { rejectUnauthorized: true } },
      "INVALID_OPTIONS",
      "tls options need an mqtts:// or wss:// url, not mqtt://",
    ],
  ])("refuses bad urls %#", (options, code, message) => {
    const error = failure(options);
    expect([error.code, error.message]).toEqual([code, message]);
  });

  it("accepts noLocal on a subscription and refuses a non-boolean", () => {
    const o = resolveClientOptions({
      url: "mqtt://h",
      subscriptions: [
        { filter: "a/#", qos: 1, noLocal: true },
        { filter: "b", qos: 0, noLocal: false },
      ],
    });
    expect(o.subscriptions).toEqual([
      { filter: "a/#", qos: 1, noLocal: true },
      { filter: "b", qos: 0 },
    ]);
    const error = failure({
      url: "mqtt://h",
      subscriptions: [{ filter: "a", qos: 1, noLocal: "yes" }],
    });
    expect([error.code, error.message]).toEqual([
      "INVALID_OPTIONS",
      "subscriptions[0].noLocal must be a boolean",
    ]);
  });
});
