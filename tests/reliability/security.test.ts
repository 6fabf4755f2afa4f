import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { createMqttClient, type MqttClient } from "@coreflux/mqtt-adapter";
import { createFleet } from "@coreflux/shelly-simulator";
import {
  canConnect,
  type PrivateMosquitto,
  sleep,
  startMosquitto,
  type TestPki,
  waitUntil,
  writeTestPki,
} from "@coreflux/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AggregatorProcess, waitForQuiet } from "./helpers/aggregator";
import { type AggregatorConfigOptions, aggregatorConfig, writeConfig } from "./helpers/config";
import { FleetStream } from "./helpers/fleet-stream";
import { Observer } from "./helpers/observer";
import { CLI, MOSQUITTO_PASSWD_BIN, scratchDir, uniqueCompany } from "./helpers/paths";
import { seedOf } from "./helpers/prng";
import { report } from "./helpers/report";
import { compareWithTruth, truthNodes } from "./helpers/truth";

const SEED = seedOf(8_443);
const INTERVAL_S = 0.5;
const USER = "aggregator";
/** Random per run, so that finding it in the output can only mean it leaked. */
const PASSWORD = `Pw-${randomBytes(9).toString("base64url")}`;
const WRONG_PASSWORD = `Wrong-${randomBytes(9).toString("base64url")}`;
const FLEET_USER = "fleet";
const FLEET_PASSWORD = `Fleet-${randomBytes(9).toString("base64url")}`;

const dir = scratchDir("security");
let pki: TestPki;
let broker: PrivateMosquitto;

/** Every secret of the run; none may appear in anything the aggregator prints. */
const SECRETS = [PASSWORD, WRONG_PASSWORD, FLEET_PASSWORD];

function expectNoSecret(output: string): void {
  for (const secret of SECRETS) expect(output).not.toContain(secret);
}

/**
 * A config for one run of the aggregator against the TLS broker, in a folder of its own (named
 * `label`), for `company`; `options` add to the suite's defaults.
 */
function configFor(
  label: string,
  options: Omit<
    AggregatorConfigOptions,
    "company" | "url" | "clientId" | "statePath" | "intervalS"
  >,
  company = uniqueCompany(label),
) {
  const runDir = join(dir, label);
  mkdirSync(runDir);
  const statePath = join(runDir, "state.json");
  const configPath = writeConfig(
    runDir,
    aggregatorConfig({
      company,
      url: broker.url,
      clientId: `agg-${company}`,
      statePath,
      intervalS: INTERVAL_S,
      ...options,
    }),
  );
  return { company, configPath, statePath };
}

/** An IPv4 address of this machine other than loopback, if it has one. */
function otherAddress(): string | undefined {
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (entry.family === "IPv4" && !entry.internal) return entry.address;
    }
  }
  return undefined;
}

beforeAll(async () => {
  pki = writeTestPki(dir);
  broker = await startMosquitto({
    tls: true,
    prepare: (d) => {
      const passwd = join(d, "passwd");
      execFileSync(MOSQUITTO_PASSWD_BIN, ["-b", "-c", passwd, USER, PASSWORD]);
      execFileSync(MOSQUITTO_PASSWD_BIN, ["-b", passwd, FLEET_USER, FLEET_PASSWORD]);
    },
    config: (d) => [
      `cafile ${pki.caCert}`,
      `certfile ${pki.serverCert}`,
      `keyfile ${pki.serverKey}`,
      `password_file ${join(d, "passwd")}`,
      "allow_anonymous false",
    ],
  });
});

afterAll(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("security: TLS and a password to a private Mosquitto", () => {
  let aggregator: AggregatorProcess | undefined;
  let observer: Observer | undefined;
  let publisher: MqttClient | undefined;
  afterAll(async () => {
    await aggregator?.stop();
    await observer?.close();
    await publisher?.close();
  });

  it("works over mqtts:// with the right CA and password (from the environment): exact totals, no secret printed even at debug level, state file 0600, HTTP on 127.0.0.1 only", async () => {
    const started = Date.now();
    const company = uniqueCompany("Sec");
    const fleet = createFleet({
      seed: SEED,
      company,
      offices: 1,
      roomsPerOffice: 2,
      devicesPerRoom: 3,
      faults: { duplicate: 0.02, reorder: 0.02, zero: 0.01 },
    });
    const { configPath, statePath } = configFor(
      "good",
      {
        placements: fleet.placements(),
        mqttLines: [`username = "${USER}"`, `ca_file = ${JSON.stringify(pki.caCert)}`],
        logLevel: "debug",
      },
      company,
    );
    const tls = { tls: { caFile: pki.caCert } };
    observer = await Observer.connect(broker.url, company, {
      ...tls,
      username: FLEET_USER,
      password: FLEET_PASSWORD,
    });
    aggregator = new AggregatorProcess(configPath, { COREFLUX_MQTT_PASSWORD: PASSWORD });
    await aggregator.subscribed();
    publisher = createMqttClient({
      url: broker.url,
      ...tls,
      username: FLEET_USER,
      password: FLEET_PASSWORD,
      clientId: `fleet-${randomBytes(4).toString("hex")}`,
    });
    await publisher.connect({ timeoutMs: 10_000 });
    const stream = new FleetStream(fleet, publisher, 120);
    stream.start();
    await sleep(4000);
    const result = await stream.finish();
    const expected = truthNodes(result.truth);
    await waitForQuiet(aggregator, 3 * INTERVAL_S * 1000, 30_000);
    await waitUntil(
      () => compareWithTruth(observer!.latest, expected).length === 0,
      "the published totals to reach the truth",
      30_000,
    ).catch(() => undefined);
    expect(compareWithTruth(observer.latest, expected)).toEqual([]);

    // The HTTP endpoints: 127.0.0.1 by default, so not reachable on the machine's other address.
    const httpUrl = new URL(await aggregator.httpUrl());
    expect(httpUrl.hostname).toBe("127.0.0.1");
    const address = otherAddress();
    if (address !== undefined) {
      expect(await canConnect(Number(httpUrl.port), address)).toBe(false);
    }
    // The state file is readable by the service's user only.
    await waitUntil(() => statSafe(statePath) !== undefined, "the state file", 10_000);
    expect(statSafe(statePath)! & 0o777).toBe(0o600);

    await aggregator.stop();
    expect(statSafe(statePath)! & 0o777).toBe(0o600);
    const output = aggregator.output;
    expect(output).toContain("mqtt.password is taken from COREFLUX_MQTT_PASSWORD");
    expect(aggregator.lines.some((l) => l.level === 20)).toBe(true); // debug lines were written
    expectNoSecret(output);
    report("security-tls", {
      seed: SEED,
      messages: result.messages,
      companyMwh: result.truth.energyMwh,
      nodesCompared: expected.size,
      logBytesScanned: output.length,
      stateFileMode: (statSafe(statePath)! & 0o777).toString(8),
      httpHost: httpUrl.hostname,
      otherAddressRefused: address ?? "none",
      wallS: Math.round((Date.now() - started) / 100) / 10,
    });
  });

  it("refuses a wrong password clearly, backs off instead of spinning, and never prints the password", async () => {
    const { configPath } = configFor("wrong-password", {
      mqttLines: [
        `username = "${USER}"`,
        `password = "${WRONG_PASSWORD}"`,
        `ca_file = ${JSON.stringify(pki.caCert)}`,
      ],
      httpHost: "0.0.0.0",
      httpToken: "reliability-test-view-token",
      logLevel: "debug",
    });
    const refused = new AggregatorProcess(configPath);
    try {
      const line = await refused.waitForLog((l) => hasCode(l, "AUTH_FAILED"));
      expect(JSON.stringify(line)).toMatch(/refused the credentials/);
      expect(JSON.stringify(line)).toContain(`user \\"${USER}\\"`);
      // It stays up and says so on /healthz, with the listener where the config put it.
      const httpUrl = new URL(await refused.httpUrl());
      expect(httpUrl.hostname).toBe("0.0.0.0");
      const health = await refused.health();
      expect(health.httpStatus).toBe(503);
      expect(health.body).toMatchObject({ status: "degraded", brokerConnected: false });
      // No hot loop: a refused login is retried after the long back-off, not at once.
      await sleep(3000);
      expect(refused.running).toBe(true);
      expect(refused.lines.filter((l) => hasCode(l, "AUTH_FAILED")).length).toBeLessThanOrEqual(2);
    } finally {
      await refused.stop();
    }
    expectNoSecret(refused.output);
  });

  it("refuses a broker whose certificate its CA did not sign (TLS_FAILED), with a message that says what to check", async () => {
    const { configPath } = configFor("wrong-ca", {
      mqttLines: [`username = "${USER}"`, `ca_file = ${JSON.stringify(pki.strangerCaCert)}`],
    });
    const refused = new AggregatorProcess(configPath, { COREFLUX_MQTT_PASSWORD: PASSWORD });
    try {
      const line = await refused.waitForLog((l) => hasCode(l, "TLS_FAILED"));
      const text = JSON.stringify(line);
      expect(text).toMatch(/TLS with mqtts:\/\/127\.0\.0\.1:\d+ failed/);
      expect(text).toMatch(/holds the CA that signed the broker's certificate/);
      await sleep(2000);
      expect(refused.running).toBe(true);
      expect(refused.linesWith("subscribed")).toHaveLength(0);
      expect(refused.lines.filter((l) => hasCode(l, "TLS_FAILED")).length).toBeLessThanOrEqual(2);
    } finally {
      await refused.stop();
    }
    expectNoSecret(refused.output);
  });
});

describe("security: configuration errors", () => {
  const cases: { name: string; toml: string; line: number; key: string }[] = [
    {
      name: "a QoS the protocol does not have",
      toml: '[company]\ntopic = "Coreflux/#"\n\n[mqtt]\nqos = 7\n',
      line: 5,
      key: "mqtt.qos",
    },
    {
      name: "a URL with an unknown scheme that carries a password",
      toml: `[company]\ntopic = "Coreflux/#"\n[mqtt]\nclient_id = "x"\nurl = "http://${USER}:${PASSWORD}@broker:1883"\n`,
      line: 5,
      key: "mqtt.url",
    },
    {
      name: "a password of the wrong type",
      toml: `[company]\ntopic = "Coreflux/#"\n[mqtt]\nusername = "${USER}"\npassword = 12345\n`,
      line: 5,
      key: "mqtt.password",
    },
    {
      name: "an unknown key (a typo)",
      toml: '[company]\ntopic = "Coreflux/#"\n[publish]\ninterval_second = 10\n',
      line: 4,
      key: "publish.interval_second",
    },
    {
      name: "a company filter that is not a topic filter",
      toml: '[company]\ntopic = "Coreflux/#/more"\n',
      line: 2,
      key: "company.topic",
    },
  ];

  it.each(cases)("$name: exit 2, naming the file, line and key", ({ toml, line, key }) => {
    const path = join(dir, `bad-${key}.toml`);
    writeFileSync(path, toml);
    const run = spawnSync(process.execPath, [CLI, "--config", path], {
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(run.status).toBe(2);
    const output = `${run.stdout}${run.stderr}`;
    expect(output).toContain(`${path}:${line}: ${key}:`);
    expectNoSecret(output);
  });
});

/** True for a log line that reports an error with `code`. */
function hasCode(line: Record<string, unknown>, code: string): boolean {
  const err = line.err as { code?: unknown } | undefined;
  return line.code === code || err?.code === code;
}

/** The file's mode bits, or undefined while it does not exist. */
function statSafe(path: string): number | undefined {
  try {
    return statSync(path).mode;
  } catch {
    return undefined;
  }
}
