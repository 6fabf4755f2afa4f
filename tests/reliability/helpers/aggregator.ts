import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { sleep, waitUntil } from "./net";
import { CLI } from "./paths";
import { type MetricSamples, parseMetrics } from "./prometheus";

/** A JSON log line of the aggregator (or `{ raw }` for a line that is not JSON). */
export type LogLine = Record<string, unknown>;

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
 * that no secret is ever printed), its HTTP endpoints and its memory.
 */
export class AggregatorProcess {
  readonly lines: LogLine[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly chunks: string[] = [];
  private readonly child: ChildProcess;
  private buffer = "";

  /** The config file's folder: the working directory, where heap snapshots are written. */
  private readonly cwd: string;

  constructor(configPath: string, env: Record<string, string> = {}, args: string[] = []) {
    this.cwd = dirname(configPath);
    const nodeArgs = ["--heapsnapshot-signal=SIGUSR2"]; // see liveHeapBytes
    this.child = spawn(process.execPath, [...nodeArgs, CLI, "--config", configPath, ...args], {
      cwd: this.cwd,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      this.chunks.push(chunk);
      this.buffer += chunk;
      let newline = this.buffer.indexOf("\n");
      while (newline >= 0) {
        const line = this.buffer.slice(0, newline);
        this.buffer = this.buffer.slice(newline + 1);
        try {
          this.lines.push(JSON.parse(line) as LogLine);
        } catch {
          this.lines.push({ raw: line });
        }
        newline = this.buffer.indexOf("\n");
      }
    });
    this.child.stderr?.setEncoding("utf8").on("data", (chunk: string) => this.chunks.push(chunk));
    this.exited = new Promise((resolve) =>
      this.child.once("exit", (code, signal) => resolve({ code, signal })),
    );
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** True until the process has exited. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Everything the process wrote to stdout and stderr so far. */
  get output(): string {
    return this.chunks.join("");
  }

  /** Log lines whose `msg` is `msg` (or matches it). */
  linesWith(msg: string | RegExp): LogLine[] {
    return this.lines.filter((l) =>
      typeof msg === "string" ? l.msg === msg : typeof l.msg === "string" && msg.test(l.msg),
    );
  }

  /** The first log line matching `predicate`, waiting up to `timeoutMs`. */
  async waitForLog(predicate: (line: LogLine) => boolean, timeoutMs = 15_000): Promise<LogLine> {
    let found: LogLine | undefined;
    await waitUntil(
      () => {
        found = this.lines.find(predicate);
        if (found === undefined && !this.running && this.buffer === "") {
          throw new Error(`the aggregator exited; output:\n${this.output.slice(-4000)}`);
        }
        return found !== undefined;
      },
      "a log line",
      timeoutMs,
      { everyMs: 10, describe: () => `output:\n${this.output.slice(-4000)}` },
    );
    return found!;
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
    this.child.kill("SIGUSR2");
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

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with how it exited. */
  async stop(graceMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) {
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
      const result = await this.exited;
      clearTimeout(timer);
      return result;
    }
    return this.exited;
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
