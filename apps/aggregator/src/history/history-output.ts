import type { CreditPiece, EnergyEngine, NodeId } from "@coreflux/hierarchy";
import {
  type HistoryBatch,
  HistoryError,
  type HistoryStore,
  type OpenHistoryOptions,
  openHistory,
  redactHistoryUrl,
} from "@coreflux/history";
import type { Logger } from "pino";
import { nextSlice, nextSliceTurn, type ScheduledSlice } from "../loop-share";
import type { TimeTask } from "../loop-tasks";
import type { CycleOutput, PublishCycle } from "../output/cycle-output";
import { BatchQueue } from "./batch-queue";
import {
  BufferPool,
  LEDGER_STRIDE,
  PackedBatch,
  type PackedHistoryState,
  PathTable,
  packBatch,
  ROW_STRIDE,
  rowCount,
} from "./packed-state";
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

/** Time one slice of a cycle's observations may take, ms (see {@link OBSERVE_NODES_PER_CHECK}). */
export const OBSERVE_SLICE_BUDGET_MS = 8;

/**
 * Nodes observed between two looks at the clock. At a new period every node's observation
 * places a new ledger entry; with 1,024 between looks a slice ran up to 16 ms on its 8 ms
 * budget at 100,000 devices (garbage collections included; BENCHMARKS.md, stall notes).
 */
const OBSERVE_NODES_PER_CHECK = 128;

/**
 * Changed rows from which {@link HistoryOutput.cutAhead} cuts a batch before a state capture
 * (under 1 ms to cut); below it the capture's own cut is as cheap, and one batch per state
 * write keeps one database transaction per state write.
 */
export const CUT_AHEAD_MIN_ROWS = 5_000;

/**
 * Rows {@link HistoryOutput.cutAhead} cuts at most in one turn: at 100,000 nodes with a new
 * period every minute about 116,000 rows change between two state captures, and their cut in
 * one turn held the event loop 142-487 ms (measured); 10,000 take a few milliseconds.
 */
export const CUT_AHEAD_SLICE_ROWS = 10_000;

/**
 * Time {@link HistoryOutput.cutAhead} may spend taking the engine's credits in one turn, ms, as
 * the settle turns take theirs: should their share fall behind (a large fleet appearing, whose
 * credits go to untracked periods, slower to take), the backlog never holds one turn.
 */
export const CUT_AHEAD_CREDIT_BUDGET_MS = 8;

/**
 * Credits moved into the ledger between two looks at the clock in
 * {@link HistoryOutput.takeCredits} (each look costs little beside 64 credits; 256 between
 * looks let a turn overrun its budget by milliseconds on a busy machine).
 */
export const CREDITS_PER_BUDGET_CHECK = 64;

/**
 * Time {@link HistoryOutput.cutAhead} may spend cutting a batch, or forgetting the oldest
 * period (`PeriodLedger.dropStep`), in one turn, ms. Amounts for untracked periods (a fleet
 * reporting less often than the history's period) cut at 1.5-2 µs a row, and the entries' cut
 * slows where the ledger grows into new memory: 10,000 rows held the event loop 14-34 ms in the
 * 100,000-device benchmark, and the drop of a period 26-51 ms.
 */
export const CUT_AHEAD_CUT_BUDGET_MS = 8;

/**
 * Periods of every node the ledger is packed for ahead ({@link HistoryOutput.packNeeds}): the
 * previous and the current one, and at a new period the one before them until the next cut.
 */
export const PACK_TRACKED_PERIODS = 3;

/** Growth {@link HistoryOutput.packNeeds} allows for between the room made and the capture. */
export const PACK_SLACK = 1.1;

/** Rows {@link HistoryOutput.packNeeds} adds to the capture's own batch, for the same reason. */
export const PACK_SLACK_ROWS = 4_096;

/**
 * Rows a step of a spill moves to the spill file at most (one batch at least): ~1 MB per 10,000
 * rows, encoded in a turn of the event loop, written by libuv's pool.
 */
export const SPILL_STEP_ROWS = 20_000;

/** The spill warning is logged at most this often, ms. */
const SPILL_WARNING_EVERY_MS = 3_600_000;

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
  /**
   * Each device's paths (see {@link pathsOf}) by node id: an array, not a Map, because a Map of
   * 100,000 nodes rehashes every entry when it grows past a power of two (12 ms at 262,144, in
   * the turn that adds the entry), where an array's growth copies pointers. Filled up to each id
   * it is given, so that it never turns into a dictionary (a V8 array written far past its end).
   */
  private readonly paths: (string[] | undefined)[] = [];
  /** Every path of a packed snapshot so far, by a stable index. */
  private readonly pathTable = new PathTable();
  /** Each node's path below the company, by node id (hidden levels' too: their children's start with them). */
  private readonly nodePaths: string[] = [];
  /** The nodes of hidden levels (see {@link HistoryOutputOptions.hidden}). */
  private readonly hiddenNodes = new Set<NodeId>();
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
  /** The backlog spilled since it was last written whole (its warning is logged once). */
  private spilled = false;
  /** When the spill warning was last logged (the history's clock, ms). */
  private spillWarnedAtMs = Number.NEGATIVE_INFINITY;
  private readonly queuedAtMs = new Map<number, number>();
  /** The nodes of the cycle in progress still to observe. */
  private observing: { nodes: ArrayLike<NodeId>; next: number; nowMs: number } | undefined;
  private observeTimer: ScheduledSlice | undefined;
  /** The next step of a spill under way. */
  private spillTimer: ScheduledSlice | undefined;
  /**
   * Runs each slice of observations, each spill step and each piece of a batch's write as a
   * measured task of the event loop (the service's).
   */
  timeTask: TimeTask = (_task, work) => work();
  private readonly stats = { rowsWritten: 0, writeFailures: 0 };
  /** Buffers of batches written, for the next cut (resident already: no page faults). */
  private cutSpare: ArrayBuffer[] = [];
  /** The last {@link cutAhead} took credits for over half its cut budget and left its cut to the next. */
  private cutDeferred = false;
  /** Credits taken from the engine, the ones from `next` on not yet in the ledger. */
  private credits: { pieces: CreditPiece[]; next: number } = { pieces: [], next: 0 };

  private constructor(
    private readonly engine: EnergyEngine,
    private readonly options: HistoryOutputOptions,
    private readonly log: Logger,
    private readonly clock: () => number,
    restored: HistoryState | undefined,
  ) {
    const slotMs = options.open.periodMinutes * 60_000;
    this.ledger = new PeriodLedger(slotMs, clock(), restored?.ledger, this.pathTable);
    this.queue = new BatchQueue(
      new SpillFile(options.spillPath, this.pathTable),
      options.maxMemoryRows,
    );
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

  /**
   * True when the rows waiting in memory (cut or still to cut) reach half of `max_memory_rows`:
   * they become writable only once a state file includes them, so the service writes the next
   * state without its rest (see `nextStateWriteMs`) rather than let them spill — a spill writes
   * the waiting rows to disk in one turn, 2.4 s for ~200,000 rows at 100,000 devices (measured).
   */
  get needsState(): boolean {
    const inMemory = this.queue.rows - this.queue.spilledRows + this.ledger.changedRows;
    return inMemory * 2 >= this.options.maxMemoryRows;
  }

  /**
   * The spill file: a state may only be written after it is fsync'ed (appends are not), as
   * the state names the batches in it (`syncFirst` of the state writer and `writeState`).
   */
  get spillPath(): string {
    return this.options.spillPath;
  }

  /** The store, once open (for the report and later readers in the same process). */
  get openStore(): HistoryStore | undefined {
    return this.store;
  }

  /**
   * Observes the cycle's nodes (power and device states, for the peaks and states of the
   * period). A new period observes every node: a large tree is observed in slices of
   * {@link OBSERVE_SLICE_BUDGET_MS} over the next turns of the event loop, beginning with the
   * turn after the cycle's (which has the publisher's first slice already). Batches are cut by
   * the state capture ({@link absorb}), which is when they can become durable: a capture in
   * the middle of the slices takes the observations made so far, the rest go in the next batch.
   */
  cycle(c: PublishCycle): void {
    // A previous cycle's remainder first (a slice runs every turn: rarely anything is left).
    this.finish();
    const slotMs = Math.floor(c.nowMs / this.ledger.slotMs) * this.ledger.slotMs;
    // A new period starts with every node observed once; then the nodes that changed.
    const nodes = slotMs !== this.lastSlotMs ? allNodes(c.engine) : c.changed;
    this.lastSlotMs = slotMs;
    this.observing = { nodes, next: 0, nowMs: c.nowMs };
    // Every slice a task of its own, after the cycle's turn and the intake's next reads.
    this.observeTimer = nextSlice(this.observeSlice);
  }

  /** Completes the cycle in progress now: the rest of its observations (the batch is cut by {@link absorb}). */
  finish(): void {
    if (this.observing === undefined) return;
    this.observeTimer?.cancel();
    this.observeTimer = undefined;
    this.observe(Number.POSITIVE_INFINITY);
  }

  /** A later slice, timed as a task of the event loop; schedules the next while nodes remain. */
  private observeSlice = (): void => {
    this.observeTimer = undefined;
    const more = this.timeTask("history_slice", () => this.observe(OBSERVE_SLICE_BUDGET_MS));
    if (more) this.observeTimer = nextSlice(this.observeSlice);
  };

  /** Observes nodes of the cycle in progress for at most `budgetMs`; true while nodes remain. */
  private observe(budgetMs: number): boolean {
    const job = this.observing;
    if (job === undefined) return false;
    const startedMs = performance.now();
    const { nodes, nowMs } = job;
    while (job.next < nodes.length) {
      const id = nodes[job.next++]!;
      const path = this.pathOf(id);
      if (path !== undefined) {
        const live = this.engine.liveState(id);
        this.ledger.observe(path, nowMs, live.powerW, live.devices, id);
      }
      if (job.next % OBSERVE_NODES_PER_CHECK === 0 && performance.now() - startedMs > budgetMs)
        return true;
    }
    this.observing = undefined;
    if (nowMs - this.lastPruneMs > PRUNE_EVERY_MS) this.prune(nowMs);
    return false;
  }

  /**
   * Moves what the engine credited since the last call into the ledger and cuts a batch. The
   * state document calls it right before the engine's snapshot, so both hold the same credits.
   */
  absorb(nowMs: number): void {
    this.takeCredits();
    this.cutBatch(nowMs, Number.POSITIVE_INFINITY);
  }

  /**
   * Cuts a batch of at most `maxRows` changed rows, for at most `budgetMs` (see
   * {@link PeriodLedger.cut}), and queues it.
   */
  private cutBatch(nowMs: number, maxRows: number, budgetMs = Number.POSITIVE_INFINITY): void {
    const pool = new BufferPool(this.cutSpare);
    const batch = this.ledger.cut(nowMs, pool, maxRows, budgetMs);
    this.cutSpare = pool.remaining();
    if (batch === undefined) return;
    this.queue.push(batch);
    this.queuedAtMs.set(batch.seq, nowMs);
    if (this.queue.spillDue) this.scheduleSpill();
  }

  /** Runs the next step of a due spill in a turn of its own (a spill may take several). */
  private scheduleSpill(): void {
    if (this.spillTimer === undefined && !this.closed) {
      this.spillTimer = nextSlice(this.spillSlice);
    }
  }

  /**
   * Starts a step of a spill (its encoding timed as a task of the event loop; the file is
   * written by libuv's pool), and once it is done, the next while one is due.
   */
  private spillSlice = (): void => {
    this.spillTimer = undefined;
    const step = this.timeTask("history_spill", () => this.queue.spillStep(SPILL_STEP_ROWS));
    void step?.then((more) => {
      this.reportSpill(this.clock());
      if (more) this.scheduleSpill();
    });
  };

  /** Logs that the backlog spilled, or that it cannot, once each (see below). */
  private reportSpill(nowMs: number): void {
    // Once per backlog, and at most once an hour: a database that lags spills and takes back
    // batches again and again, and a capture of more rows than the limit spills every time.
    if (!this.spilled && this.queue.spilledRows > 0) {
      this.spilled = true;
      if (nowMs - this.spillWarnedAtMs >= SPILL_WARNING_EVERY_MS) {
        this.spillWarnedAtMs = nowMs;
        this.log.warn(
          { path: this.options.spillPath, maxMemoryRows: this.options.maxMemoryRows },
          "history backlog larger than [history] max_memory_rows: the older rows wait in a spill file next to the state",
        );
      }
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

  /**
   * One turn's share of the work before a state capture: goes on forgetting the oldest period
   * if that is under way (for at most `cutBudgetMs`); else takes the engine's credits for at
   * most `creditBudgetMs`, then, if none wait any more and they took less than half of
   * `cutBudgetMs`, cuts a batch of at most `maxRows` rows, for at most the rest of
   * `cutBudgetMs`, if at least `minRows` rows changed since the last cut or a period is due to
   * be forgotten (defaults {@link CUT_AHEAD_CREDIT_BUDGET_MS}, {@link CUT_AHEAD_MIN_ROWS},
   * {@link CUT_AHEAD_SLICE_ROWS}, {@link CUT_AHEAD_CUT_BUDGET_MS}). True if it did some of that
   * work, so that a next call may have more. The service calls it, a turn at a time while it
   * returns true, before a state capture, which then cuts only what changed in between: at
   * 100,000 nodes with a new period every minute about 116,000 rows change between two
   * captures. A batch cut short leaves the rest of the changes, and the floor of tracked
   * periods, to the next cut. Each batch waits, like every other, for a state file that
   * includes it before it is written.
   */
  cutAhead(
    nowMs: number,
    minRows = CUT_AHEAD_MIN_ROWS,
    maxRows = CUT_AHEAD_SLICE_ROWS,
    creditBudgetMs = CUT_AHEAD_CREDIT_BUDGET_MS,
    cutBudgetMs = CUT_AHEAD_CUT_BUDGET_MS,
  ): boolean {
    if (this.ledger.dropping) {
      this.ledger.dropStep(cutBudgetMs);
      return true;
    }
    const startedMs = performance.now();
    if (this.takeCredits(creditBudgetMs)) return true;
    // A new period's first cut forgets the oldest tracked one: here, over the next calls,
    // rather than in the capture's turn, however few rows changed.
    if (this.ledger.changedRows < minRows && !this.ledger.floorDue(nowMs)) return false;
    // Credits that took half the budget leave the cut to the next call (once: it cuts then).
    const creditedMs = performance.now() - startedMs;
    if (creditedMs > cutBudgetMs / 2 && !this.cutDeferred) {
      this.cutDeferred = true;
      return true;
    }
    this.cutDeferred = false;
    this.cutBatch(nowMs, maxRows, Math.max(0, cutBudgetMs - creditedMs));
    return true;
  }

  /**
   * Moves what the engine credited since the last call into the ledger, for at most `budgetMs`
   * (what is left waits for the next call); true while credits wait. No batch is cut. The
   * service calls it every second, so that the next {@link absorb} (in a state capture, which
   * readings wait for) finds a second's credits to take rather than a cycle's. Safe at any
   * time: every state capture takes the rest and cuts (see {@link absorb}) before it snapshots
   * the ledger, and credits taken and not yet in a state on disk come back from the journal.
   */
  takeCredits(budgetMs = Number.POSITIVE_INFINITY): boolean {
    // The budget counts the engine's take too (a burst's is milliseconds of work).
    const startedMs = performance.now();
    const taken = this.engine.takeCredits();
    if (this.credits.next >= this.credits.pieces.length) this.credits = { pieces: taken, next: 0 };
    else for (const piece of taken) this.credits.pieces.push(piece);
    const { pieces } = this.credits;
    while (this.credits.next < pieces.length) {
      const piece = pieces[this.credits.next++]!;
      this.ledger.credit(
        this.pathsOf(piece.device),
        piece.slotStartMs,
        piece.energyMwh,
        piece.returnedEnergyMwh,
        piece.device,
      );
      if (
        this.credits.next % CREDITS_PER_BUDGET_CHECK === 0 &&
        performance.now() - startedMs > budgetMs
      )
        return true;
    }
    this.credits = { pieces: [], next: 0 };
    return false;
  }

  /**
   * Makes the ledger's next packed arrays resident ahead, at most `maxBytes` a call (see
   * `PeriodLedger.prepareGrowth`); true while there is more to do.
   */
  prepareGrowth(maxBytes: number): boolean {
    return this.ledger.prepareGrowth(maxBytes);
  }

  /**
   * True when the ledger changed since the last cut, or batches were cut that no state on disk
   * includes yet: a state write would make history durable.
   */
  get undurable(): boolean {
    return this.ledger.changed || this.ledger.upcomingSeq - 1 > this.durableSeq;
  }

  /**
   * The ledger and the waiting batches for the state file (call {@link absorb} first), packed
   * for the state writer's thread (see {@link PackedHistoryState}; `unpackHistoryState` gives the
   * {@link HistoryState} the file holds): a few milliseconds to hand over at 100,000 nodes
   * instead of hundreds. The paths before `pathsFrom` are left out (the thread has them);
   * `spare` buffers (handed back by the thread) are filled before new memory is taken.
   */
  packedSnapshot(pathsFrom = 0, spare: readonly ArrayBuffer[] = []): PackedHistoryState {
    const table = this.pathTable;
    const pool = new BufferPool(spare);
    const ledger = this.ledger.pack(pool);
    const queue = this.queue.inMemory().map((batch) => packBatch(batch, table, pool));
    const from = Math.min(pathsFrom, table.size);
    return {
      packed: true,
      paths: table.paths.slice(from),
      pathsFrom: from,
      ledger,
      queue,
      spilledThroughSeq: this.queue.spilledThroughSeq,
      spareBuffers: pool.remaining(),
    };
  }

  /**
   * The bytes each array of the next {@link packedSnapshot} will ask its buffer pool for, to
   * have them made ahead (`StateWriter.makeRoom`): the ledger's two arrays, sized for
   * {@link PACK_TRACKED_PERIODS} periods of every path known or the entries there are now if
   * more; each waiting batch's two; and two for a batch of the rows changed since the last cut
   * (the capture's own), with room for {@link PACK_SLACK} more and
   * {@link PACK_SLACK_ROWS} rows. At a new period every node gets an entry in it while the
   * old ones stay until the next cut: sized for what is tracked now, the ledger outgrew its
   * buffers once a period, and packing it into fresh memory took 100-190 ms at 100,000 nodes.
   */
  packNeeds(): number[] {
    const changed = this.ledger.changedRows;
    const entries = Math.max(
      PACK_TRACKED_PERIODS * this.pathTable.size,
      Math.ceil((this.ledger.packedEntries + changed) * PACK_SLACK),
    );
    const needs = [entries * 4, entries * LEDGER_STRIDE * 8];
    for (const batch of this.queue.inMemory()) {
      const rows = rowCount(batch);
      needs.push(rows * 4, rows * ROW_STRIDE * 8);
    }
    const next = Math.ceil(changed * PACK_SLACK) + PACK_SLACK_ROWS;
    needs.push(next * 4, next * ROW_STRIDE * 8);
    return needs;
  }

  /** The last batch seq a {@link packedSnapshot} taken now would include. */
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
    this.finish();
    this.closed = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    // Batches due to spill stay in memory: the last state holds them.
    this.spillTimer?.cancel();
    this.spillTimer = undefined;
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

  /** Keeps a written batch's buffers for the next cuts (the two largest pairs at most). */
  private recycle(batch: PackedBatch): void {
    this.cutSpare.push(batch.pathIndex.buffer as ArrayBuffer, batch.values.buffer as ArrayBuffer);
    this.cutSpare.sort((a, b) => b.byteLength - a.byteLength);
    this.cutSpare.length = Math.min(this.cutSpare.length, 4);
  }

  /** Writes the oldest batch; false (logged once per outage) when the database refused. */
  private async writeHead(): Promise<boolean> {
    const head = this.queue.head();
    if (head === undefined || this.store === undefined) return false;
    try {
      // A cut batch's row objects are made by the store a piece at a time (it is a RowSource).
      await this.store.write(head);
      this.queue.shift();
      if (this.queue.length === 0) this.spilled = false;
      if (head instanceof PackedBatch) this.recycle(head);
      for (const seq of this.queuedAtMs.keys()) if (seq <= head.seq) this.queuedAtMs.delete(seq);
      this.stats.rowsWritten += rowCount(head);
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
      // The write's pieces take turns with the service's own slices and are timed as its tasks.
      this.store = await openHistory({
        ...this.options.open,
        pace: {
          turn: nextSliceTurn,
          run: (work) => this.timeTask("history_write", work),
        },
      });
      const head = this.queue.head();
      const rowsWait = head !== undefined && head.seq <= this.durableSeq;
      // With rows waiting, the outage ends when they are written ("is back", in writeHead): a
      // write that fails right after the connection came back is the same outage, not a new one.
      if (this.failingSince !== undefined && !rowsWait) {
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
      // At the start a database that cannot be used stops the service (start() says why). Later,
      // on a reconnect nobody awaits, any failure (a server still starting, a file replaced) is
      // an outage that goes on: logged once, retried.
      if (!unreachable && atStart) throw error;
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
    while (this.paths.length <= id) this.paths.push(undefined);
    let paths = this.paths[id];
    if (paths === undefined) {
      paths = [];
      for (
        let node: NodeId | undefined = id;
        node !== undefined;
        node = this.engine.parentOf(node)
      ) {
        const path = this.pathOf(node);
        if (path !== undefined) paths.push(path);
      }
      this.paths[id] = paths;
    }
    return paths;
  }

  /**
   * The path below the company of a node (`""` for the company), made once per node and shared
   * by every row of it; undefined for a hidden level.
   */
  private pathOf(id: NodeId): string | undefined {
    let path = this.nodePaths[id];
    if (path === undefined) {
      const parent = this.engine.parentOf(id);
      const name = this.engine.nameOf(id);
      if (parent === undefined) path = "";
      else {
        // The parent's path even when it is hidden: a path names every level.
        this.pathOf(parent);
        const above = this.nodePaths[parent]!;
        path = above === "" ? name : `${above}/${name}`;
      }
      this.nodePaths[id] = path;
      const hidden = this.options.hidden;
      if (hidden?.([this.companyOf(id), ...(path === "" ? [] : path.split("/"))]) === true) {
        this.hiddenNodes.add(id);
      }
    }
    return this.hiddenNodes.has(id) ? undefined : path;
  }

  /** The name of the company (root) above `id`. */
  private companyOf(id: NodeId): string {
    let node = id;
    for (let up = this.engine.parentOf(node); up !== undefined; up = this.engine.parentOf(node)) {
      node = up;
    }
    return this.engine.nameOf(node);
  }
}

/**
 * Every node of `engine`, by id, in a typed array: at 100,000 nodes 0.1-0.3 ms to fill, where an
 * array grown a push at a time took 7-12 ms of the publish cycle's turn at each new period
 * (measured in the service).
 */
function allNodes(engine: EnergyEngine): Uint32Array {
  const ids = new Uint32Array(engine.nodeCount);
  for (let id = 0; id < ids.length; id++) ids[id] = id;
  return ids;
}
