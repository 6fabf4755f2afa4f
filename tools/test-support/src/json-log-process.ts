import { type ChildProcess, spawn } from "node:child_process";
import { waitUntil } from "./net";

/** One line of a JSON-logging process (pino), or `{ raw }` for a line that is not JSON. */
export type LogLine = Record<string, unknown>;

/** How a child process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Options of {@link JsonLogProcess}. */
export interface JsonLogProcessOptions {
  /** Working directory. Default: this process's. */
  cwd?: string;
  /** Added to this process's environment. */
  env?: Record<string, string>;
}

/**
 * A child process whose stdout is JSON lines (a pino logger): the parsed lines as they arrive,
 * everything it printed (to assert that no secret ever is), waiting for a line, stopping.
 */
export class JsonLogProcess {
  /** Every stdout line so far, parsed; a line that is not JSON is `{ raw: line }`. */
  readonly lines: LogLine[] = [];
  /** Resolves when the process has exited and its stdout and stderr are read to the end. */
  readonly exited: Promise<ProcessExit>;
  protected readonly child: ChildProcess;
  private readonly chunks: string[] = [];
  private partialLine = "";
  private closed = false;

  /** Spawns `command args` with stdin closed and stdout/stderr captured. */
  constructor(command: string, args: string[], options: JsonLogProcessOptions = {}) {
    this.child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      this.chunks.push(chunk);
      this.partialLine += chunk;
      let newline = this.partialLine.indexOf("\n");
      while (newline >= 0) {
        this.lines.push(parseLine(this.partialLine.slice(0, newline)));
        this.partialLine = this.partialLine.slice(newline + 1);
        newline = this.partialLine.indexOf("\n");
      }
    });
    this.child.stderr?.setEncoding("utf8").on("data", (chunk: string) => this.chunks.push(chunk));
    this.child.once("error", (error) =>
      this.chunks.push(`cannot run ${command}: ${error.message}\n`),
    );
    this.exited = new Promise((resolve) =>
      // "close", not "exit": output can still be in the pipes when the process has exited.
      this.child.once("close", (code, signal) => {
        if (this.partialLine !== "") this.lines.push(parseLine(this.partialLine));
        this.partialLine = "";
        this.closed = true;
        resolve({ code, signal });
      }),
    );
  }

  /** The process id (-1 if it could not be spawned). */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** True until the process has exited. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Everything written to stdout and stderr so far, in arrival order. */
  get output(): string {
    return this.chunks.join("");
  }

  /** Log lines whose `msg` is `msg` (or matches it). */
  linesWith(msg: string | RegExp): LogLine[] {
    return this.lines.filter((l) =>
      typeof msg === "string" ? l.msg === msg : typeof l.msg === "string" && msg.test(l.msg),
    );
  }

  /**
   * The first log line matching `predicate`, waiting up to `timeoutMs`; rejects at once, with
   * the output's tail, if the process exits without printing it.
   */
  async waitForLog(predicate: (line: LogLine) => boolean, timeoutMs = 15_000): Promise<LogLine> {
    let found: LogLine | undefined;
    await waitUntil(
      () => {
        found = this.lines.find(predicate);
        if (found === undefined && this.closed) {
          throw new Error(`the process exited; output:\n${this.output.slice(-4000)}`);
        }
        return found !== undefined;
      },
      "a log line",
      timeoutMs,
      { everyMs: 10, describe: () => `output:\n${this.output.slice(-4000)}` },
    );
    return found as LogLine;
  }

  /** Sends `signal` (no wait). */
  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with how it exited. */
  async stop(graceMs = 10_000): Promise<ProcessExit> {
    if (!this.running) return this.exited;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }
}

function parseLine(line: string): LogLine {
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
      return parsed as LogLine;
    }
  } catch {
    // not JSON: kept raw below
  }
  return { raw: line };
}
