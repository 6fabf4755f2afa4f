import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { JsonLogProcess } from "@coreflux/test-support";
import mqtt from "mqtt";

/** The shared Mosquitto (CI starts it). */
export const BROKER_URL = "mqtt://127.0.0.1:1883";
const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

/** A company name no other test run uses. */
export function uniqueCompany(name: string): string {
  return `Auto${name}${process.pid}${Math.random().toString(36).slice(2, 7)}`;
}

/** A scratch folder with `config.toml`. */
export function writeConfig(text: string): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), "coreflux-automatism-"));
  const path = join(dir, "config.toml");
  writeFileSync(path, text);
  return { dir, path };
}

/** The built CLI as a child process with JSON logs. */
export class AutomatismProcess extends JsonLogProcess {
  constructor(configPath: string) {
    super(process.execPath, [CLI, "--config", configPath]);
  }

  /** Waits until it is connected and subscribed. */
  async ready(): Promise<void> {
    await this.waitForLog((l) => l.msg === "subscribed", 20_000);
  }
}

/** What an observer of the broker saw. */
export interface Seen {
  topic: string;
  payload: string;
  atMs: number;
}

/** A plain MQTT client that records everything under `filters`. */
export async function observe(
  filters: string[],
): Promise<{ seen: Seen[]; close(): Promise<void> }> {
  const client = await mqtt.connectAsync(BROKER_URL, {
    clientId: `obs-${process.pid}-${Math.random()}`,
  });
  const seen: Seen[] = [];
  client.on("message", (topic, payload) =>
    seen.push({ topic, payload: payload.toString(), atMs: Date.now() }),
  );
  await client.subscribeAsync(filters, { qos: 1 });
  return { seen, close: async () => void (await client.endAsync()) };
}

/** Clears a retained message a test left on the shared broker (the automatism's status). */
export async function clearRetained(topic: string): Promise<void> {
  const client = await mqtt.connectAsync(BROKER_URL, {
    clientId: `clr-${process.pid}-${Math.random()}`,
  });
  await client.publishAsync(topic, "", { qos: 1, retain: true });
  await client.endAsync();
}

/** The automatism events an observer saw on `<company>/automatism/events`. */
export function eventsOf(seen: readonly Seen[], company: string): Record<string, unknown>[] {
  return seen
    .filter((s) => s.topic === `${company}/automatism/events`)
    .map((s) => JSON.parse(s.payload) as Record<string, unknown>);
}
