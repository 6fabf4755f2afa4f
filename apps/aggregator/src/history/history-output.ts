import type { EnergyEngine, NodeId } from "@coreflux/hierarchy";
import {
  type HistoryBatch,
  HistoryError,
  type HistoryStore,
  type OpenHistoryOptions,
  openHistory,
  redactHistoryUrl,
} from "@coreflux/history";
import type { Logger } from "pino";
import type { CycleOutput, PublishCycle } from "../output/cycle-output";
import { BatchQueue } from "./batch-queue";
import { type LedgerSnapshot, PeriodLedger } from "./period-ledger";
import { SpillFile } from "./spill-file";

/** What the history keeps in the state file: the ledger and the batches not yet written. */
export interface HistoryState {
  ledger: LedgerSnapshot;
  /** The batches in memory. */
  queue: HistoryBatch[];
  /** The last batch in the spill file this state relies on (0 or absent: none). */
  spilledThroughSeq?: number;
}

/** Settings of the history output. */
export interface HistoryOutputOptions {
  open: OpenHistoryOptions;
  /** Period rows older than this many days are deleted (hour rows are kept). */
  keepFineDays: number;
  /** Where waiting batches go when more than {@link maxMemoryRows} rows wait. */
  spillPath: string;
  maxMemoryRows: number;
  /**
   * Levels this instance must not write (a partition's levels above its subtree roots, which
   * hold only part of their children), by path with the company first; default none.
   */
  hidden?: (path: readonly string[]) => boolean;
}

/** Counters and gauges of the history for /metrics. */
export interface HistoryStats {
  up: boolean;
  queuedBatches: number;
  queuedRows: number;
  /** Of those, rows in the spill file. */
  spilledRows: number;
  rowsWritten: number;
  writeFailures: number;
  /** Seconds the oldest waiting batch has waited, 0 when none waits. */
  backlogSeconds: number;
}

const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;
const PRUNE_EVERY_MS = 3_600_000;
const PRUNE_ROWS = 5_000;

/**
 * The history output: each cycle, the engine's credits and the observed power and states become a
 * batch of rows; batches are written in order, each exactly once, and only once a state file that
 * includes them is on disk (so a crash can never leave the database ahead of the state it restarts
 * from: the journal replay then rebuilds the same rows, which are absolute, or skipped by seq).
 * While the database is away, batches wait (merged, in the state file) and aggregation goes on.
 */
export class HistoryOutput implements CycleOutput {
  readonly name = "history";
  private readonly ledger: PeriodLedger;
  private readonly queue: BatchQueue;
  private readonly paths = new Map<NodeId, string[]>();
  private store: HistoryStore | undefined;
  private durableSeq = 0;
  private writing = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = RETRY_MIN_MS;
  private failingSince: number | undefined;
  private lastSlotMs = Number.NaN;
  private lastPruneMs = 0;
  private spillFailing = false;
  private readonly queuedAtMs = new Map<number, number>();
  private readonly stats = { rowsWritten: 0, writeFailures: 0 };

  private constructor(
    private readonly engine: EnergyEngine,
    private readonly options: HistoryOutputOptions,
    private readonly log: Logger,
    private readonly clock: () => number,
    restored: HistoryState | undefined,
  ) {
    const slotMs = options.open.periodMinutes * 60_000;
    this.ledger = new PeriodLedger(slotMs, clock(), restored?.ledger);
    this.queue = new BatchQueue(new SpillFile(options.spillPath), options.maxMemoryRows);
    this.queue.restore(restored?.queue ?? [], restored?.spilledThroughSeq ?? 0);
    const head = this.queue.head();
    if (head !== undefined) this.queuedAtMs.set(head.seq, clock());
  }

  /**
   * Opens the database and the output. A database that is only unreachable does not stop the
   * start (rows wait for it); one that cannot be used (schema too new, other settings, bad URL,
   * driver missing) throws its {@link HistoryError}.
   */
  static async start(
    engine: EnergyEngine,
    options: HistoryOutputOptions,
    log: Logger,
    clock: () => number,
    restored: HistoryState | undefined,
  ): Promise<HistoryOutput> {
    const output = new HistoryOutput(engine, options, log, clock, restored);
    await output.connect(true);
    return output;
  }

  /** Counters and gauges for /metrics. */
  get statistics(): HistoryStats {
    const head = this.queue.head();
    const since = head === undefined ? undefined : this.queuedAtMs.get(head.seq);
    return {
      up: this.store !== undefined && this.failingSince === undefined,
      queuedBatches: this.queue.length,
      queuedRows: this.queue.rows,
      spilledRows: this.queue.spilledRows,
      ...this.stats,
      backlogSeconds: since === undefined ? 0 : Math.max(0, (this.clock() - since) / 1000),
    };
  }

  /** The store, once open (for the report and later readers in the same process). */
  get openStore(): HistoryStore | undefined {
    return this.store;
  }

  cycle(c: PublishCycle): void {
    const slotMs = Math.floor(c.nowMs / this.ledger.slotMs) * this.ledger.slotMs;
    // A new period starts with every node observed once; then the nodes that changed.
    const nodes = slotMs !== this.lastSlotMs ? allNodes(c.engine) : c.changed;
    this.lastSlotMs = slotMs;
    for (const id of nodes) {
      const view = c.engine.view(id, c.nowMs);
      if (this.options.hidden?.(view.path) === true) continue;
      this.ledger.observe(view.path.slice(1).join("/"), c.nowMs, view.powerW, view.devices);
    }
    this.absorb(c.nowMs);
    if (c.nowMs - this.lastPruneMs > PRUNE_EVERY_MS) this.prune(c.nowMs);
  }

  /**
   * Moves what the engine credited since the last call into the ledger and cuts a batch. The
   * state document calls it right before the engine's snapshot, so both hold the same credits.
   */
  absorb(nowMs: number): void {
    for (const piece of this.engine.takeCredits()) {
      this.ledger.credit(
        this.pathsOf(piece.device),
        piece.slotStartMs,
        piece.energyMwh,
        piece.returnedEnergyMwh,
      );
    }
    const batch = this.ledger.cut(nowMs);
    if (batch === undefined) return;
    const spilledBefore = this.queue.spilledRows;
    this.queue.push(batch);
    this.queuedAtMs.set(batch.seq, nowMs);
    if (spilledBefore === 0 && this.queue.spilledRows > 0) {
      this.log.warn(
        { path: this.options.spillPath, maxMemoryRows: this.options.maxMemoryRows },
        "history backlog larger than [history] max_memory_rows: the older rows wait in a spill file next to the state",
      );
    }
    if (this.queue.spillError !== undefined && !this.spillFailing) {
      this.spillFailing = true;
      this.log.error(
        { err: this.queue.spillError, path: this.options.spillPath },
        "history spill file cannot be written: the backlog stays in memory",
      );
    } else if (this.queue.spillError === undefined) {
      this.spillFailing = false;
    }
  }

  /** True when batches were cut that no state on disk includes yet. */
  get undurable(): boolean {
    return this.ledger.upcomingSeq - 1 > this.durableSeq;
  }

  /** The ledger and waiting batches, for the state file (call {@link absorb} first). */
  snapshot(): HistoryState {
    return {
      ledger: this.ledger.snapshot(),
      queue: [...this.queue.inMemory()],
      spilledThroughSeq: this.queue.spilledThroughSeq,
    };
  }

  /** The last batch seq a {@link snapshot} taken now would include. */
  get snapshotSeq(): number {
    return this.ledger.upcomingSeq - 1;
  }

  /** A state file including the batches through `seq` is on disk: they may be written now. */
  durable(seq: number): void {
    if (seq > this.durableSeq) this.durableSeq = seq;
    this.pump();
  }

  /** Writes what is durable (for at most `deadlineMs`), then closes the database. */
  async close(deadlineMs = 3_000): Promise<void> {
    this.closed = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    const until = Date.now() + deadlineMs;
    while (this.writing && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    if (this.store !== undefined && this.failingSince === undefined) {
      while (Date.now() < until) {
        const head = this.queue.head();
        if (head === undefined || head.seq > this.durableSeq) break;
        if (!(await this.writeHead())) break;
      }
    }
    if (this.queue.length > 0) {
      this.log.warn(
        { batches: this.queue.length, rows: this.queue.rows },
        "history rows not yet written are kept in the state file and written at the next start",
      );
    }
    // A connection pool waiting for a server that is gone must not hold up the stop.
    await Promise.race([
      this.store?.close().catch(() => undefined),
      new Promise((r) => setTimeout(r, 1_000).unref()),
    ]);
  }

  private pump(): void {
    if (this.writing || this.closed || this.retryTimer !== undefined) return;
    const head = this.queue.head();
    if (head === undefined || head.seq > this.durableSeq) return;
    if (this.store === undefined) {
      void this.connect(false);
      return;
    }
    this.writing = true;
    void this.writeHead().then((ok) => {
      this.writing = false;
      if (ok) this.pump();
      else this.scheduleRetry();
    });
  }

  /** Writes the oldest batch; false (logged once per outage) when the database refused. */
  private async writeHead(): Promise<boolean> {
    const head = this.queue.head();
    if (head === undefined || this.store === undefined) return false;
    try {
      await this.store.write(head);
      this.queue.shift();
      for (const seq of this.queuedAtMs.keys()) if (seq <= head.seq) this.queuedAtMs.delete(seq);
      this.stats.rowsWritten += head.rows.length;
      this.retryMs = RETRY_MIN_MS;
      if (this.failingSince !== undefined) {
        this.log.info(
          {
            downForS: Math.round((this.clock() - this.failingSince) / 1000),
            waiting: this.queue.rows,
          },
          "history database is back: writing the rows that waited",
        );
        this.failingSince = undefined;
      }
      return true;
    } catch (error) {
      this.stats.writeFailures++;
      this.noteFailure(error);
      return false;
    }
  }

  private async connect(atStart: boolean): Promise<void> {
    if (this.store !== undefined || this.closed) return;
    try {
      this.store = await openHistory(this.options.open);
      if (this.failingSince !== undefined) {
        this.log.info(
          { url: redactHistoryUrl(this.options.open.url) },
          "history database reachable again",
        );
        this.failingSince = undefined;
      }
      if (atStart)
        this.log.info(
          {
            url: redactHistoryUrl(this.options.open.url),
            periodMinutes: this.options.open.periodMinutes,
          },
          "history database open",
        );
      this.pump();
    } catch (error) {
      const unreachable = error instanceof HistoryError && error.code === "CONNECT_FAILED";
      if (!unreachable) throw error;
      this.noteFailure(error);
      this.scheduleRetry();
    }
  }

  private noteFailure(error: unknown): void {
    if (this.failingSince !== undefined) return;
    this.failingSince = this.clock();
    this.log.error(
      { err: error, waitingRows: this.queue.rows },
      "history database unavailable: aggregation and publishing go on, rows wait (in memory and the state file) and are written in order when it is back",
    );
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.store === undefined) void this.connect(false);
      else this.pump();
    }, this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }

  private prune(nowMs: number): void {
    const store = this.store;
    if (store === undefined || this.failingSince !== undefined) return;
    this.lastPruneMs = nowMs;
    const beforeMs = nowMs - this.options.keepFineDays * 86_400_000;
    void (async () => {
      let deleted = 0;
      for (;;) {
        const n = await store.pruneFine(beforeMs, PRUNE_ROWS);
        deleted += n;
        if (n < PRUNE_ROWS || this.closed) break;
        await new Promise((r) => setImmediate(r));
      }
      if (deleted > 0)
        this.log.info(
          { deleted, keepFineDays: this.options.keepFineDays },
          "old history period rows deleted",
        );
    })().catch((error: unknown) =>
      this.log.warn({ err: error }, "deleting old history period rows failed; retried in an hour"),
    );
  }

  /**
   * The paths below the company of `id` and its ancestors, the node's own first, without the
   * hidden levels.
   */
  private pathsOf(id: NodeId): string[] {
    let paths = this.paths.get(id);
    if (paths === undefined) {
      const full = this.engine.view(id, 0).path;
      paths = [];
      for (let depth = full.length; depth >= 1; depth--) {
        const path = full.slice(0, depth);
        if (this.options.hidden?.(path) !== true) paths.push(path.slice(1).join("/"));
      }
      this.paths.set(id, paths);
    }
    return paths;
  }
}

function allNodes(engine: EnergyEngine): NodeId[] {
  const ids: NodeId[] = [];
  for (let id = 0; id < engine.nodeCount; id++) ids.push(id);
  return ids;
}
