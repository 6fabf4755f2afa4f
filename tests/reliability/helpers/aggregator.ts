import { readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { JsonLogProcess, sleep, waitUntil } from "@coreflux/test-support";
import { CLI } from "./paths";
import { type MetricSamples, parseMetrics } from "./prometheus";

/** A JSON log line of the aggregator (or `{ raw }` for a line that is not JSON). */
export type { LogLine } from "@coreflux/test-support";

/** What /healthz answers. */
export interface Health {
  status: "ok" | "degraded";
  brokerConnected: boolean;
  lastPublishUnixTimestamp: number | null;
  devices: number;
  meters: number;
  /** MQTT messages received (the aggregator's own aggregates coming back included). */
  messagesReceived: number;
  /** Of those, its own aggregates. */
  ownOutputReceived: number;
}

/**
 * The built aggregator CLI as a child process: its JSON log lines, its raw output (to assert
 * that no secret is ever printed), its HTTP endpoints and its memory. It runs in the config
 * file's folder, where heap snapshots are written (see `liveHeapBytes`).
 */
export class AggregatorProcess extends JsonLogProcess {
  private readonly cwd: string;

  constructor(configPath: string, env: Record<string, string> = {}, args: string[] = []) {
    const cwd = dirname(configPath);
    const nodeArgs = ["--heapsnapshot-signal=SIGUSR2"]; // see liveHeapBytes
    super(process.execPath, [...nodeArgs, CLI, "--config", configPath, ...args], { cwd, env });
    this.cwd = cwd;
  }

  /** Waits until the aggregator is connected and subscribed `times` times in total. */
  async subscribed(times = 1, timeoutMs = 20_000): Promise<void> {
    await waitUntil(
      () => {
        if (!this.running) throw new Error(`the aggregator exited:\n${this.output.slice(-4000)}`);
        return this.linesWith("subscribed").length >= times;
      },
      `subscription #${times}`,
      timeoutMs,
      { everyMs: 10, describe: () => `output:\n${this.output.slice(-3000)}` },
    );
  }

  /** Base URL of /healthz and /metrics (the config must set `[http] port`). */
  async httpUrl(): Promise<string> {
    const line = await this.waitForLog((l) => l.msg === "HTTP listener: /healthz and /metrics");
    return String(line.url);
  }

  async metrics(): Promise<MetricSamples> {
    // A fresh connection each time: a kept-alive one may have been closed while the process was
    // blocked (writing a heap snapshot, see liveHeapBytes).
    const response = await fetch(`${await this.httpUrl()}/metrics`, CLOSE);
    return parseMetrics(await response.text());
  }

  async health(): Promise<{ httpStatus: number; body: Health }> {
    const response = await fetch(`${await this.httpUrl()}/healthz`, CLOSE);
    return { httpStatus: response.status, body: (await response.json()) as Health };
  }

  /**
   * Device messages received so far, from /healthz (cheaper to poll than /metrics): what a
   * publisher's flow control compares with what it sent.
   */
  async deviceMessagesCounted(): Promise<number> {
    const { body } = await this.health();
    return body.messagesReceived - body.ownOutputReceived;
  }

  /**
   * The live V8 heap, bytes: SIGUSR2 makes the process write a heap snapshot, which starts with
   * a full collection, and the metrics request waits behind it, so the heap it reports is what
   * survived (plus the little the request allocates). Unlike RSS, which follows V8's and the
   * allocator's sizing decisions, this grows only with what the process keeps.
   */
  async liveHeapBytes(): Promise<number> {
    this.kill("SIGUSR2");
    await sleep(50);
    const used = (await this.metrics()).get("coreflux_nodejs_heap_size_used_bytes");
    for (const file of readdirSync(this.cwd)) {
      if (file.endsWith(".heapsnapshot")) rmSync(join(this.cwd, file));
    }
    if (used === undefined) throw new Error("no coreflux_nodejs_heap_size_used_bytes in /metrics");
    return used;
  }

  /** Resident set size from /proc/<pid>/status, bytes. */
  rssBytes(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, "utf8");
    const kb = /VmRSS:\s+(\d+) kB/.exec(status);
    if (!kb) throw new Error(`no VmRSS in /proc/${this.pid}/status`);
    return Number(kb[1]) * 1024;
  }
}

const CLOSE: RequestInit = { headers: { connection: "close" } };

/**
 * Device messages received so far: `coreflux_messages_received_total` without the aggregator's own
 * aggregates, which it receives back through its company subscription.
 */
export function deviceMessagesReceived(samples: MetricSamples): number {
  return (
    (samples.get("coreflux_messages_received_total") ?? 0) -
    (samples.get('coreflux_messages_ignored_total{reason="own-output"}') ?? 0)
  );
}

/** Waits until no device message has arrived for `quietMs`; returns how many were received. */
export async function waitForQuiet(
  aggregator: AggregatorProcess,
  quietMs: number,
  timeoutMs: number,
): Promise<number> {
  let last = -1;
  let since = Date.now();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const received = deviceMessagesReceived(await aggregator.metrics());
    if (received !== last) {
      last = received;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return received;
    }
    if (Date.now() > deadline) throw new Error(`intake did not go quiet within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/**
 * Waits until the aggregator has received `published` device messages (every one the fleet
 * published, none lost at QoS 1). Quiet alone is not enough on a shared broker: while another
 * test floods it, the last messages can wait in the broker longer than a quiet window.
 */
export async function waitForDeviceMessages(
  aggregator: AggregatorProcess,
  published: number,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const received = deviceMessagesReceived(await aggregator.metrics());
    if (received >= published) return received;
    if (Date.now() > deadline) {
      throw new Error(
        `received ${received} of ${published} device messages within ${timeoutMs} ms`,
      );
    }
    await sleep(100);
  }
}

/**
 * Lets the published totals settle: waits until they equal `expected` (at most 60 s; the
 * caller asserts afterwards, so a difference fails there with the list of nodes), then until
 * no device message has arrived for three publish cycles, then three more cycles for the last
 * publish to reach the observer. Returns the device messages received.
 */
export async function settleAtTruth(
  aggregator: AggregatorProcess,
  differences: () => string[],
  intervalS: number,
): Promise<number> {
  await waitUntil(
    () => differences().length === 0,
    "the published totals to reach the truth",
    60_000,
    {
      describe: () => differences().slice(0, 10).join("\n"),
    },
  ).catch(() => undefined);
  const received = await waitForQuiet(aggregator, 3 * intervalS * 1000, 30_000);
  await sleep(3 * intervalS * 1000);
  return received;
}
