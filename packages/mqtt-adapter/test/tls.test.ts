import { readFileSync } from "node:fs";
import {
  type PrivateMosquitto,
  startMosquitto,
  type TestPki,
  writeTestPki,
} from "@coreflux/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { MqttAdapterError, ReconnectingEvent } from "../src/index";
import { captureLogger, everythingAbout } from "./helpers/logger";
import { rejectionOf, uniqueTopic, waitFor } from "./helpers/net";
import { clientTracker, collect } from "./helpers/targets";

describe("mqtts:// against a Mosquitto that requires client certificates", () => {
  const clients = clientTracker();
  let broker: PrivateMosquitto;
  let certs: TestPki;
  let url: string;

  beforeAll(async () => {
    broker = await startMosquitto({
      config: (dir) => [
        `cafile ${dir}/ca.crt`,
        `certfile ${dir}/server.crt`,
        `keyfile ${dir}/server.key`,
        "require_certificate true",
      ],
      prepare: (dir) => {
        certs = writeTestPki(dir);
      },
      tls: true,
    });
    url = broker.url;
  });
  afterEach(() => clients.closeAll());
  afterAll(() => broker.stop());

  it("connects with the right CA and a client certificate from files, and round-trips", async () => {
    const topic = uniqueTopic("tls");
    const client = clients.create({
      url,
      tls: { caFile: certs.caCert, certFile: certs.clientCert, keyFile: certs.clientKey },
      subscriptions: [{ filter: topic, qos: 1 }],
    });
    const received = collect(client);
    await client.connect({ timeoutMs: 5000 });
    client.publish(topic, "over tls", { qos: 1 });
    await waitFor(() => received.length === 1, "the message");
    expect(received[0]?.text).toBe("over tls");
  });

  it("accepts PEM strings and an encrypted key with its passphrase", async () => {
    const client = clients.create({
      url,
      tls: {
        ca: readFileSync(certs.caCert, "utf8"),
        cert: readFileSync(certs.clientCert),
        key: readFileSync(certs.clientKeyEncrypted, "utf8"),
        passphrase: certs.passphrase,
      },
    });
    await client.connect({ timeoutMs: 5000 });
    expect(client.isConnected).toBe(true);
  });

  it("refuses a broker whose certificate the configured CA did not sign: TLS_FAILED, slow retries", async () => {
    const { logger, lines } = captureLogger();
    const client = clients.create({
      url,
      tls: { caFile: certs.strangerCaCert, certFile: certs.clientCert, keyFile: certs.clientKey },
      reconnect: { minDelayMs: 20, maxDelayMs: 1000 },
      logger,
    });
    const errors: MqttAdapterError[] = [];
    const retries: ReconnectingEvent[] = [];
    client.on("error", (e) => errors.push(e));
    client.on("reconnecting", (e) => retries.push(e));
    const attempt = client.connect({ timeoutMs: 400 });
    await expect(attempt).rejects.toMatchObject({ code: "NOT_CONNECTED" });
    expect(errors[0]?.code).toBe("TLS_FAILED");
    expect(errors[0]?.message).toContain(
      "check that tls.ca/caFile holds the CA that signed the broker's certificate",
    );
    expect(errors[0]?.message).toContain("(SELF_SIGNED_CERT_IN_CHAIN)");
    const rejection = await rejectionOf(attempt);
    expect(rejection.cause).toBe(errors[0]);
    // Refused handshakes wait half to all of maxDelayMs, not minDelayMs: no second attempt yet.
    expect(retries.map((r) => r.delayMs >= 500 && r.delayMs <= 1000)).toEqual([true]);
    expect(retries[0]?.error?.code).toBe("TLS_FAILED");
    expect(client.stats().connectAttempts).toBe(1);
    expect(lines.some((l) => l.includes("TLS_FAILED"))).toBe(true);
  });

  it("reports a missing client certificate (required by the broker) as TLS_FAILED", async () => {
    const client = clients.create({ url, tls: { caFile: certs.caCert } });
    const errors: MqttAdapterError[] = [];
    client.on("error", (e) => errors.push(e));
    await client.connect({ wait: false });
    await waitFor(() => errors.length > 0, "an error");
    expect(errors[0]?.code).toBe("TLS_FAILED");
  });

  it("fails connect() once, up front, for a wrong passphrase, without leaking it", async () => {
    const client = clients.create({
      url,
      tls: {
        caFile: certs.caCert,
        certFile: certs.clientCert,
        keyFile: certs.clientKeyEncrypted,
        passphrase: "not-the-passphrase-77",
      },
    });
    const error = await rejectionOf(client.connect());
    expect(error.code).toBe("TLS_FAILED");
    expect(error.message).toContain("the TLS material does not load");
    expect(everythingAbout(error)).not.toContain("not-the-passphrase-77");
    expect(client.stats().connectAttempts).toBe(0);
  });

  it("rejects an unreadable CA file with INVALID_OPTIONS naming the path", async () => {
    const client = clients.create({ url, tls: { caFile: "/nonexistent/ca.pem" } });
    await expect(client.connect()).rejects.toMatchObject({
      code: "INVALID_OPTIONS",
      message:
        'cannot read tls.caFile "/nonexistent/ca.pem" (ENOENT); check the path and its permissions',
    });
  });

  it("connects to an unverified broker only with an explicit rejectUnauthorized: false, and warns", async () => {
    const { logger, lines } = captureLogger();
    const client = clients.create({
      url,
      tls: {
        caFile: certs.strangerCaCert,
        certFile: certs.clientCert,
        keyFile: certs.clientKey,
        rejectUnauthorized: false,
      },
      logger,
    });
    await client.connect({ timeoutMs: 5000 });
    expect(client.isConnected).toBe(true);
    expect(lines.some((l) => l.startsWith("warn TLS server verification is OFF"))).toBe(true);
  });
});
