import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { Serial, type SqlDriver, type SqlTransaction } from "./driver";
import { HistoryError } from "./errors";

/**
 * The thread's script: plain CommonJS next to this module (`src/` run from sources, `dist/` once
 * built; the build copies it).
 */
const WORKER_URL = new URL("./sqlite-worker.cjs", import.meta.url);

/** The thread's young generation, MB (V8's default of 16 per semi-space is more than it needs). */
const WORKER_YOUNG_GENERATION_MB = 8;

/** What the thread is started with. */
interface ThreadData {
  driverPath: string;
  file: string;
  readOnly: boolean;
}

/** An error as the thread sends it. */
interface ErrorShape {
  name: string;
  message: string;
  code: string | undefined;
}

type FromThread =
  | { ready: true }
  | { ready: false; stage: "load" | "open"; error: ErrorShape }
  | { id: number; result?: unknown; error?: ErrorShape };

type Request =
  | { op: "exec"; sql: string }
  | { op: "all" | "run"; sql: string; params: readonly unknown[] }
  | { op: "runMany"; sql: string; rows: readonly (readonly unknown[])[] }
  | { op: "rollback" | "close" };

/**
 * Opens (creating it and its directory if needed) a SQLite file in WAL mode with
 * `synchronous = FULL`; `readOnly` opens an existing file for reading only. The connection lives
 * in a worker thread of its own: better-sqlite3 is synchronous, and a batch of 100,000 rows takes
 * most of a second, which the calling thread's event loop would otherwise stand still for. Throws
 * {@link HistoryError} `DRIVER_MISSING` (better-sqlite3 is not installed or does not load) or
 * `CONNECT_FAILED` (the file cannot be opened).
 */
export async function openSqlite(file: string, readOnly = false): Promise<SqlDriver> {
  let driverPath: string;
  try {
    driverPath = createRequire(import.meta.url).resolve("better-sqlite3");
  } catch (error) {
    throw new HistoryError(
      "DRIVER_MISSING",
      'the SQLite history needs the "better-sqlite3" package (npm install better-sqlite3@12)',
      { cause: error },
    );
  }
  const thread = new SqliteThread({ driverPath, file, readOnly });
  await thread.ready;
  return new SqliteDriver(thread);
}

/** One worker thread holding one connection; requests are answered in the order sent. */
class SqliteThread {
  /** Resolves once the connection is open; rejects with why it could not be. */
  readonly ready: Promise<void>;
  private readonly worker: Worker;
  private readonly pending = new Map<
    number,
    { resolve(value: unknown): void; reject(error: Error): void }
  >();
  private nextId = 1;
  private started = false;
  private closing = false;
  private readonly ended: Promise<void>;
  /** Why the thread can take no more requests, once it cannot. */
  gone: HistoryError | undefined;

  constructor(readonly data: ThreadData) {
    let settle: { resolve(): void; reject(error: Error): void } | undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    // Whoever awaits `ready` sees the rejection; this only keeps it from being unhandled.
    this.ready.catch(() => undefined);
    this.worker = new Worker(WORKER_URL, {
      workerData: data,
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    });
    this.ended = new Promise((resolve) => this.worker.once("exit", () => resolve()));
    this.worker.on("message", (message: FromThread) => {
      if ("ready" in message) {
        this.started = true;
        if (message.ready) settle?.resolve();
        else {
          this.gone = new HistoryError(
            message.stage === "load" ? "DRIVER_MISSING" : "CONNECT_FAILED",
            message.stage === "load"
              ? `the SQLite history cannot load "better-sqlite3": ${message.error.message}`
              : `cannot open the SQLite history ${data.file}: ${message.error.message}`,
            { cause: rebuild(message.error) },
          );
          settle?.reject(this.gone);
        }
        this.updateRef();
        return;
      }
      const waiter = this.pending.get(message.id);
      if (waiter === undefined) return;
      this.pending.delete(message.id);
      this.updateRef();
      if (message.error !== undefined) waiter.reject(rebuild(message.error));
      else waiter.resolve(message.result);
    });
    const stop = (why: string, cause?: unknown) => {
      this.gone ??= new HistoryError(
        "CONNECT_FAILED",
        this.closing ? "the SQLite history is closed" : `the SQLite history's thread ${why}`,
        { cause },
      );
      settle?.reject(this.gone);
      for (const waiter of this.pending.values()) waiter.reject(this.gone);
      this.pending.clear();
    };
    this.worker.on("error", (error) => stop(`failed: ${error.message}`, error));
    this.worker.on("exit", (code) => stop(`exited (code ${code})`));
  }

  /** Sends one request; resolves with its result, rejects with the statement's error. */
  request(request: Request): Promise<unknown> {
    if (this.gone !== undefined) return Promise.reject(this.gone);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (request.op === "close") this.closing = true;
      this.worker.postMessage({ id, ...request });
      this.updateRef();
    });
  }

  /** Resolves once the thread has ended. */
  exited(): Promise<void> {
    return this.ended;
  }

  /**
   * An idle thread does not keep the process alive; one starting, with work outstanding or
   * closing does.
   */
  private updateRef(): void {
    if (this.pending.size > 0 || !this.started || this.closing) this.worker.ref();
    else this.worker.unref();
  }
}

/** An Error like the one the thread caught (its `code`, such as `SQLITE_BUSY`, kept). */
function rebuild(shape: ErrorShape): Error {
  const error = new Error(shape.message) as Error & { code?: string };
  error.name = shape.name;
  if (shape.code !== undefined) error.code = shape.code;
  return error;
}

class SqliteDriver implements SqlDriver {
  readonly dialect = "sqlite" as const;
  private readonly serial = new Serial();
  private closed = false;

  constructor(private thread: SqliteThread) {}

  exec(sql: string): Promise<void> {
    return this.serial.run(async () => {
      await (await this.live()).request({ op: "exec", sql });
    });
  }

  all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.serial.run(
      async () => (await (await this.live()).request({ op: "all", sql, params })) as T[],
    );
  }

  transaction<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    return this.serial.run(async () => {
      // Every statement of the transaction goes to the thread it began on: if that one is gone
      // they fail (and the transaction with them) rather than run outside it on a new one.
      const thread = await this.live();
      const tx: SqlTransaction = {
        all: async <R>(sql: string, params: readonly unknown[] = []) =>
          (await thread.request({ op: "all", sql, params })) as R[],
        run: async (sql: string, params: readonly unknown[] = []) => {
          await thread.request({ op: "run", sql, params });
        },
        runMany: async (sql: string, rows: readonly (readonly unknown[])[]) => {
          if (rows.length > 0) await thread.request({ op: "runMany", sql, rows });
        },
      };
      await thread.request({ op: "exec", sql: "BEGIN IMMEDIATE" });
      try {
        const result = await work(tx);
        await thread.request({ op: "exec", sql: "COMMIT" });
        return result;
      } catch (error) {
        await thread.request({ op: "rollback" }).catch(() => undefined);
        throw error;
      }
    });
  }

  close(): Promise<void> {
    return this.serial.run(async () => {
      if (this.closed) return;
      this.closed = true;
      if (this.thread.gone !== undefined) return;
      await this.thread.request({ op: "close" }).catch(() => undefined);
      await this.thread.exited();
    });
  }

  /**
   * The thread, or a new one with a new connection when it ended without being closed (a
   * statement that ran it out of memory, say): the history goes on after a failed write.
   */
  private async live(): Promise<SqliteThread> {
    if (this.closed) throw new HistoryError("CLOSED", "the history store is closed");
    if (this.thread.gone !== undefined) {
      const next = new SqliteThread(this.thread.data);
      await next.ready;
      this.thread = next;
    }
    return this.thread;
  }
}
