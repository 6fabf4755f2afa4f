import type { HistoryBatch } from "@coreflux/history";
import { mergeBatches } from "./merge-batches";
import { PathTable, rowCount } from "./packed-state";
import type { SpillFile } from "./spill-file";

/**
 * Batches waiting for the database, oldest first: the oldest (the head, which may be being
 * written) in memory, then the batches spilled to disk, then the newest in memory. When more
 * than `maxBatches` wait in memory (the database is away), the ones after the head are merged
 * into one: rows of the same node and period become one row, so the queue grows with the periods
 * and nodes that changed, not with time. When more than `maxMemoryRows` rows wait in memory, the
 * ones after the head are due to go to the spill file, in steps the owner starts
 * ({@link spillStep}: a few batches each, written by libuv's pool). Merged batches are packed,
 * their paths indexed in the spill file's path table (the history's).
 */
export class BatchQueue {
  /** The head, then the newest batches (the spilled ones come between them). */
  private batches: HistoryBatch[] = [];
  private memoryRows = 0;
  /** A spill is under way: every batch after the head goes to the spill file. */
  private spilling = false;
  /** The batches of the spill step under way (still in memory until it is done). */
  private spillingNow: HistoryBatch[] = [];
  /** Why the last spill failed (the batches stayed in memory), until one works again. */
  spillError: unknown;

  constructor(
    private readonly spill: SpillFile | undefined,
    private readonly maxMemoryRows = Number.POSITIVE_INFINITY,
    private readonly maxBatches = 32,
    private readonly table: PathTable = spill?.table ?? new PathTable(),
  ) {}

  /** Batches waiting, on disk included. */
  get length(): number {
    return this.batches.length + (this.spill?.length ?? 0);
  }

  /** Rows waiting, on disk included. */
  get rows(): number {
    return this.memoryRows + (this.spill?.rows ?? 0);
  }

  /** Rows waiting on disk. */
  get spilledRows(): number {
    return this.spill?.rows ?? 0;
  }

  /** The seq of the last batch on disk (for the state file). */
  get spilledThroughSeq(): number {
    return this.spill?.throughSeq ?? 0;
  }

  /** The oldest batch, or undefined. */
  head(): HistoryBatch | undefined {
    return this.batches[0];
  }

  /** The batches in memory (for the state file; the spilled ones are on disk already). */
  inMemory(): readonly HistoryBatch[] {
    return this.batches;
  }

  /**
   * Takes the queue of a state file back: its batches in memory, and those of the spill file
   * up to `spilledThroughSeq` (the seq the state file recorded).
   */
  restore(inMemory: readonly HistoryBatch[], spilledThroughSeq: number): void {
    this.batches = [...inMemory].sort((a, b) => a.seq - b.seq);
    this.memoryRows = this.batches.reduce((n, b) => n + rowCount(b), 0);
    this.spill?.restore(this.batches[0]?.seq ?? 0, spilledThroughSeq);
    if (this.batches.length === 0) this.takeFromSpill();
  }

  /**
   * Adds a batch (seqs must increase); merges the ones after the head when too many wait, and
   * makes a spill due ({@link spillDue}) when too many rows wait in memory.
   */
  push(batch: HistoryBatch): void {
    this.batches.push(batch);
    this.memoryRows += rowCount(batch);
    if (this.batches.length > this.maxBatches) this.compact();
    if (this.memoryRows > this.maxMemoryRows && this.spill !== undefined) this.spilling = true;
  }

  /** True while batches after the head are due to go to the spill file ({@link spillStep}). */
  get spillDue(): boolean {
    return this.spilling && this.batches.length > 1;
  }

  /**
   * Starts moving the oldest batches after the head to the spill file (which holds the batches
   * between the head and the rest in memory, so order is kept): one, and more while they add up
   * to at most `maxRows` rows. They stay in memory, and in a state taken meanwhile, until the
   * append is done; then they leave memory — but a batch that became the head meanwhile stays,
   * and its record is skipped. Resolves (never rejects) with whether more are due; undefined
   * when nothing is due or a step is under way. A spill that fails (a full or read-only disk)
   * leaves the batches in memory and sets {@link spillError}; the next push that finds too
   * many rows in memory tries again.
   */
  spillStep(maxRows = Number.POSITIVE_INFINITY): Promise<boolean> | undefined {
    const spill = this.spill;
    if (spill === undefined || this.spillingNow.length > 0) return undefined;
    if (!this.spillDue) {
      this.spilling = false;
      return undefined;
    }
    let end = 2;
    let rows = rowCount(this.batches[1]!);
    while (end < this.batches.length && rows + rowCount(this.batches[end]!) <= maxRows) {
      rows += rowCount(this.batches[end]!);
      end++;
    }
    const going = this.batches.slice(1, end);
    this.spillingNow = going;
    return spill.append(going).then(
      () => {
        this.spillingNow = [];
        this.spillError = undefined;
        // Batches leave the front only: the ones no longer after the head come first.
        const after = going.filter((b) => this.batches.indexOf(b) >= 1);
        try {
          spill.skip(going.length - after.length);
        } catch (error) {
          // The records just written cannot be read back: reported, and reading fails too.
          this.spillError = error;
        }
        if (after.length > 0) {
          this.batches.splice(this.batches.indexOf(after[0]!), after.length);
          for (const b of after) this.memoryRows -= rowCount(b);
        }
        if (this.batches.length <= 1) this.spilling = false;
        return this.spillDue;
      },
      (error: unknown) => {
        this.spillingNow = [];
        this.spillError = error;
        this.spilling = false;
        return false;
      },
    );
  }

  /** Drops the oldest batch (it was written, or the database had it already). */
  shift(): void {
    const done = this.batches.shift();
    if (done !== undefined) this.memoryRows -= rowCount(done);
    this.takeFromSpill();
  }

  /** The first spilled batch becomes the head (spilled batches come right after the head). */
  private takeFromSpill(): void {
    const next = this.spill?.shift();
    if (next === undefined) return;
    this.batches.unshift(next);
    this.memoryRows += rowCount(next);
  }

  /**
   * Merges every batch after the oldest (which may be being written) into one with the last
   * seq, unless a spill step is under way. Applying the merged batch has the same effect as
   * applying its parts in order.
   */
  private compact(): void {
    const [head, ...tail] = this.batches;
    // Not while a spill step has batches in flight (the next push merges).
    if (head === undefined || tail.length < 2 || this.spillingNow.length > 0) return;
    const merged = mergeBatches(tail, this.table);
    this.batches = [head, merged];
    this.memoryRows = rowCount(head) + merged.size;
  }
}
