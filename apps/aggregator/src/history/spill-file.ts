import {
  closeSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import type { HistoryBatch } from "@coreflux/history";

const CHUNK_BYTES = 1 << 20;

/**
 * Batches kept on disk, in seq order, one JSON line each: where the history's queue goes when
 * the database is away longer than memory allows. Appends are fsync'ed before they count, so a
 * state file that names a spilled batch (by {@link throughSeq}) can rely on it being there.
 * Batches are read back one at a time from the front; the file is removed once it is empty.
 */
export class SpillFile {
  private count = 0;
  private rowCount = 0;
  private lastSeq = 0;
  /** Byte offset of the next batch to read. */
  private readOffset = 0;

  constructor(readonly path: string) {}

  /** Batches on disk not read back yet. */
  get length(): number {
    return this.count;
  }

  /** Rows in those batches. */
  get rows(): number {
    return this.rowCount;
  }

  /** The seq of the last batch on disk (0: none). */
  get throughSeq(): number {
    return this.lastSeq;
  }

  /**
   * Reopens what an earlier run spilled: keeps the batches with seqs in `(afterSeq, throughSeq]`
   * (later ones were spilled after the state file was written: the state holds them, or the
   * journal replay makes them again; earlier ones are in memory already) and cuts the rest off.
   * A missing file is an empty one.
   */
  restore(afterSeq: number, throughSeq: number): void {
    let fd: number;
    try {
      fd = openSync(this.path, "r+");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    try {
      let offset = 0;
      let keepUntil = 0;
      let first: number | undefined;
      for (;;) {
        const line = readLine(fd, offset);
        if (line === undefined) break;
        const batch = JSON.parse(line.text) as HistoryBatch;
        if (batch.seq > throughSeq) break;
        if (batch.seq > afterSeq) {
          first ??= offset;
          this.count++;
          this.rowCount += batch.rows.length;
          this.lastSeq = batch.seq;
        }
        offset = line.next;
        keepUntil = offset;
      }
      ftruncateSync(fd, keepUntil);
      fsyncSync(fd);
      this.readOffset = first ?? keepUntil;
    } finally {
      closeSync(fd);
    }
    if (this.count === 0) this.clear();
  }

  /** Appends `batches` (seqs above {@link throughSeq}) and makes them durable. */
  append(batches: readonly HistoryBatch[]): void {
    if (batches.length === 0) return;
    // Only the batch's own fields (a ledger's batch also carries its path indexes).
    const text = batches.map((b) => `${JSON.stringify({ seq: b.seq, rows: b.rows })}\n`).join("");
    const data = Buffer.from(text);
    const fd = openSync(this.path, "a", 0o600);
    try {
      let written = 0;
      while (written < data.length) written += writeSync(fd, data, written, data.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    for (const b of batches) {
      this.count++;
      this.rowCount += b.rows.length;
      this.lastSeq = b.seq;
    }
  }

  /** The oldest batch not read yet (and forgets it), or undefined; removes an emptied file. */
  shift(): HistoryBatch | undefined {
    if (this.count === 0) return undefined;
    const fd = openSync(this.path, "r");
    let batch: HistoryBatch;
    try {
      const line = readLine(fd, this.readOffset);
      if (line === undefined)
        throw new Error(`${this.path}: ${this.count} spilled batches missing`);
      batch = JSON.parse(line.text) as HistoryBatch;
      this.readOffset = line.next;
    } finally {
      closeSync(fd);
    }
    this.count--;
    this.rowCount -= batch.rows.length;
    if (this.count === 0) this.clear();
    return batch;
  }

  /** Removes the file. */
  clear(): void {
    rmSync(this.path, { force: true });
    this.count = 0;
    this.rowCount = 0;
    this.readOffset = 0;
  }

  /** Bytes on disk. */
  get bytes(): number {
    try {
      return statSync(this.path).size;
    } catch {
      return 0;
    }
  }
}

/** The line starting at `offset` (without its newline) and where the next starts; undefined at the end. */
function readLine(fd: number, offset: number): { text: string; next: number } | undefined {
  const parts: Buffer[] = [];
  let position = offset;
  for (;;) {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    const n = readSync(fd, chunk, 0, CHUNK_BYTES, position);
    if (n === 0) return undefined; // no newline: a torn last line counts as absent
    const newline = chunk.subarray(0, n).indexOf(10);
    if (newline >= 0) {
      parts.push(chunk.subarray(0, newline));
      return { text: Buffer.concat(parts).toString("utf8"), next: position + newline + 1 };
    }
    parts.push(chunk.subarray(0, n));
    position += n;
  }
}
