import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createMqttClient, type MqttClient } from "@coreflux/mqtt-adapter";
import { JsonLogProcess, sleep } from "@coreflux/test-support";
import { afterAll } from "vitest";

/** The built CLI (tests run after `build`). */
export const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
/** The Mosquitto every CI run starts on 127.0.0.1:1883. */
export const BROKER_URL = process.env.MQTT_URL ?? "mqtt://127.0.0.1:1883";

/** A company name no other test run uses, so retained messages never collide. */
export function uniqueCompany(label: string): string {
  return `E2E${label}${randomBytes(4).toString("hex")}`;
}

const scratchDirs: string[] = [];
// Removed when the test file that made them is done.
afterAll(() => {
  for (const dir of scratchDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Each thread of process `pid` (Linux) by its kernel id, with its nice value (from /proc). */
export function threadNices(pid: number): Map<number, number> {
  const nices = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    nices.set(Number(tid), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]));
  }
  return nices;
}

/** A temporary folder for a config file and a state file, removed after the test file. */
export function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "coreflux-e2e-"));
  scratchDirs.push(dir);
  return dir;
}

/** Writes a config file; returns its path. */
export function writeConfig(dir: string, toml: string): string {
  const path = join(dir, "config.toml");
  writeFileSync(path, toml);
  return path;
}

/** The built aggregator CLI as a child process, with its JSON log lines. */
export class AggregatorProcess extends JsonLogProcess {
  constructor(args: string[], env: Record<string, string> = {}) {
    super(process.execPath, [CLI, ...args], { env });
  }

  /** Waits until connected and subscribed. */
  async ready(): Promise<void> {
    await this.waitForLog((l) => l.msg === "subscribed");
  }
}

/** A test-side MQTT client that publishes device messages and records the aggregates. */
export class Observer {
  readonly latest = new Map<string, Record<string, unknown>>();
  readonly raw = new Map<string, string>();
  private constructor(readonly client: MqttClient) {}

  static async connect(company: string): Promise<Observer> {
    const client = createMqttClient({
      url: BROKER_URL,
      clientId: `observer-${randomBytes(4).toString("hex")}`,
      subscriptions: [{ filter: `${company}/#`, qos: 1 }],
    });
    const observer = new Observer(client);
    client.onMessage((topic, payload) => {
      const text = payload.toString("utf8");
      observer.raw.set(topic, text);
      if (/EnergyConsumed$/.test(topic)) observer.latest.set(topic, JSON.parse(text));
    });
    await client.connect({ timeoutMs: 5000 });
    return observer;
  }

  /** Publishes a device message at QoS 1 and waits until the broker has it. */
  async send(topic: string, payload: string | Uint8Array): Promise<void> {
    this.client.publish(topic, payload, { qos: 1 });
    await this.client.flush();
  }

  /** Waits until `topic`'s latest aggregate satisfies `predicate`. */
  async waitFor(
    topic: string,
    predicate: (payload: Record<string, unknown>) => boolean,
    timeoutMs = 10_000,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const payload = this.latest.get(topic);
      if (payload && predicate(payload)) return payload;
      if (Date.now() > deadline) {
        throw new Error(
          `${topic} did not reach the expected value within ${timeoutMs} ms; last: ${JSON.stringify(payload)}`,
        );
      }
      await sleep(20);
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** Clears the retained messages a test left under its company (keeps the shared broker tidy). */
export async function clearRetained(observer: Observer): Promise<void> {
  for (const topic of observer.raw.keys())
    observer.client.publish(topic, "", { qos: 1, retain: true });
  await observer.client.flush();
}
