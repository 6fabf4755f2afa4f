import { closeSync, fsyncSync, ftruncateSync, openSync, readSync, rmSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import type { HistoryBatch } from "@coreflux/history";
import { PackedBatch, PathTable, packBatch, ROW_STRIDE } from "./packed-state";

const CHUNK_BYTES = 1 << 20;

/** Marks a binary record (a JSON line, the format before, starts with `{`). */
const RECORD_MAGIC = 0xc0f1_5b01;
/** magic u32, rows u32, seq f64, paths' JSON bytes u32, reserved u32. */
const RECORD_HEADER_BYTES = 24;
/** `{`: the first byte of a record written as a JSON line. */
const JSON_LINE_START = 0x7b;

/**
 * Batches kept on disk, in seq order: where the history's queue goes when the database is away
 * longer than memory allows. An append is written by libuv's pool, not fsync'ed: a state file
 * that names a spilled batch (by {@link throughSeq}) may only be written after an fsync of
 * {@link path} — the state writer does one before each state it writes (`syncFirst`), on its
 * own thread, so the thread that takes in readings never waits for the disk here. Batches are
 * read back one at a time from the front; the file is removed once it is empty.
 *
 * Each batch is one binary record (little-endian): a {@link RECORD_HEADER_BYTES}-byte header
 * (magic, rows, seq, the byte length of its paths), each row's path as an index into the
 * record's own paths (i32), {@link ROW_STRIDE} numbers per row (f64, as a packed batch holds
 * them), then the paths the record names, each once, as a JSON array. Writing and reading make
 * no object per row: 200,000 rows as JSON lines, the format before, took seconds of the thread
 * that takes in readings each way. Files written as JSON lines (one batch per line) still load,
 * and a file may hold both. A record or line cut short by a crash counts as absent.
 */
export class SpillFile {
  private count = 0;
  private rowCount = 0;
  private lastSeq = 0;
  /** Byte offset of the next batch to read. */
  private readOffset = 0;
  /** An {@link append} is under way. */
  private appending = false;

  /**
   * @param table the path table the batches read back are indexed in (the history's, so that
   *   they can be packed into a state as they are)
   */
  constructor(
    readonly path: string,
    readonly table = new PathTable(),
  ) {}

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
        const record = readHeader(fd, offset);
        if (record === undefined) break;
        if (record.seq > throughSeq) break;
        if (record.seq > afterSeq) {
          first ??= offset;
          this.count++;
          this.rowCount += record.rows;
          this.lastSeq = record.seq;
        }
        offset = record.next;
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

  /**
   * Appends `batches` (seqs above {@link throughSeq}) without holding the thread: they are
   * encoded now and written by libuv's pool, and count ({@link length}, {@link rows},
   * {@link throughSeq}) once written; durable once {@link path} is fsync'ed (see the class).
   * One append at a time. One that fails (a full or read-only disk) cuts the file back to where
   * it ended, and rejects.
   */
  async append(batches: readonly HistoryBatch[]): Promise<void> {
    if (batches.length === 0) return;
    if (this.appending) throw new Error(`${this.path}: one spill append at a time`);
    this.appending = true;
    try {
      const records = batches.map((b) => encodeRecord(b, this.table));
      const handle = await open(this.path, "a", 0o600);
      try {
        const sizeBefore = (await handle.stat()).size;
        try {
          for (const record of records) {
            for (const data of record.parts) {
              let written = 0;
              while (written < data.length) {
                written += (await handle.write(data, written, data.length - written)).bytesWritten;
              }
            }
          }
        } catch (error) {
          // The file ends where it ended, so a later append follows the last whole record.
          await handle.truncate(sizeBefore).catch(() => undefined);
          throw error;
        }
      } finally {
        await handle.close();
      }
      for (const record of records) {
        this.count++;
        this.rowCount += record.rows;
        this.lastSeq = record.seq;
      }
    } finally {
      this.appending = false;
    }
  }

  /**
   * Forgets the `n` oldest batches not read yet, without reading them: batches that went back
   * into memory while their append was under way. Removes an emptied file.
   */
  skip(n: number): void {
    if (n <= 0) return;
    const fd = openSync(this.path, "r");
    try {
      for (let i = 0; i < n; i++) {
        const record = readHeader(fd, this.readOffset);
        if (record === undefined) throw new Error(`${this.path}: spilled batch missing`);
        this.readOffset = record.next;
        this.count--;
        this.rowCount -= record.rows;
      }
    } finally {
      closeSync(fd);
    }
    if (this.count === 0) this.clear();
  }

  /** The oldest batch not read yet (and forgets it), or undefined; removes an emptied file. */
  shift(): HistoryBatch | undefined {
    if (this.count === 0) return undefined;
    const fd = openSync(this.path, "r");
    let batch: HistoryBatch;
    let rows: number;
    try {
      const record = readRecord(fd, this.readOffset, this.table);
      if (record === undefined)
        throw new Error(`${this.path}: ${this.count} spilled batches missing`);
      batch = record.batch;
      rows = record.rows;
      this.readOffset = record.next;
    } finally {
      closeSync(fd);
    }
    this.count--;
    this.rowCount -= rows;
    // Not while an append is under way: its records follow the ones read.
    if (this.count === 0 && !this.appending) this.clear();
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

/** One batch as the bytes of its record (see {@link SpillFile}). */
function encodeRecord(
  batch: HistoryBatch,
  table: PathTable,
): { seq: number; rows: number; parts: Buffer[] } {
  const packed = packBatch(batch, table);
  const rows = packed.path.length;
  // The record's own path indexes: each path it names once, in the order first met.
  const localOf = new Map<number, number>();
  const paths: string[] = [];
  const local = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const global = packed.path[i]!;
    let l = localOf.get(global);
    if (l === undefined) {
      l = paths.length;
      localOf.set(global, l);
      paths.push(table.paths[global]!);
    }
    local[i] = l;
  }
  const pathsJson = Buffer.from(JSON.stringify(paths));
  const header = Buffer.alloc(RECORD_HEADER_BYTES);
  header.writeUInt32LE(RECORD_MAGIC, 0);
  header.writeUInt32LE(rows, 4);
  header.writeDoubleLE(batch.seq, 8);
  header.writeUInt32LE(pathsJson.length, 16);
  return {
    seq: batch.seq,
    rows,
    parts: [
      header,
      Buffer.from(local.buffer, local.byteOffset, local.byteLength),
      Buffer.from(packed.values.buffer, packed.values.byteOffset, packed.values.byteLength),
      pathsJson,
    ],
  };
}

/** Bytes of a binary record's body (after its header). */
const bodyBytes = (rows: number, pathsBytes: number): number =>
  rows * 4 + rows * ROW_STRIDE * 8 + pathsBytes;

/**
 * The start of the record at `offset`: a JSON line read whole, or a binary record's header
 * (checked); undefined at the end or for a record cut short in its header or line.
 */
function readStart(
  fd: number,
  offset: number,
):
  | { json: true; batch: HistoryBatch; next: number }
  | { json: false; seq: number; rows: number; pathsBytes: number; next: number }
  | undefined {
  const header = Buffer.alloc(RECORD_HEADER_BYTES);
  const n = readSync(fd, header, 0, RECORD_HEADER_BYTES, offset);
  if (n === 0) return undefined;
  if (header[0] === JSON_LINE_START) {
    const line = readLine(fd, offset);
    if (line === undefined) return undefined;
    return { json: true, batch: JSON.parse(line.text) as HistoryBatch, next: line.next };
  }
  if (n < RECORD_HEADER_BYTES) return undefined;
  const magic = header.readUInt32LE(0);
  if (magic !== RECORD_MAGIC)
    throw new Error(
      `history spill file: no batch at byte ${offset} (0x${magic.toString(16)}): not a file this service wrote`,
    );
  const rows = header.readUInt32LE(4);
  const pathsBytes = header.readUInt32LE(16);
  const next = offset + RECORD_HEADER_BYTES + bodyBytes(rows, pathsBytes);
  return { json: false, seq: header.readDoubleLE(8), rows, pathsBytes, next };
}

/**
 * The seq and row count of the record at `offset` and where the next starts (a binary record's
 * body is not read); undefined at the end or for a record cut short.
 */
function readHeader(
  fd: number,
  offset: number,
): { seq: number; rows: number; next: number } | undefined {
  const start = readStart(fd, offset);
  if (start === undefined) return undefined;
  if (start.json) return { seq: start.batch.seq, rows: start.batch.rows.length, next: start.next };
  // The whole record is there, or a crash cut it short.
  if (readSync(fd, Buffer.alloc(1), 0, 1, start.next - 1) !== 1) return undefined;
  return start;
}

/** The batch of the record at `offset`, its paths indexed in `table`; undefined at the end. */
function readRecord(
  fd: number,
  offset: number,
  table: PathTable,
): { batch: HistoryBatch; rows: number; next: number } | undefined {
  const start = readStart(fd, offset);
  if (start === undefined) return undefined;
  if (start.json) return { batch: start.batch, rows: start.batch.rows.length, next: start.next };
  const { rows, seq, pathsBytes } = start;
  // Typed arrays on buffers of their own: aligned, and not a view of a larger read.
  const local = new Int32Array(rows);
  const values = new Float64Array(rows * ROW_STRIDE);
  const pathsJson = Buffer.alloc(pathsBytes);
  let position = offset + RECORD_HEADER_BYTES;
  for (const part of [Buffer.from(local.buffer), Buffer.from(values.buffer), pathsJson]) {
    let read = 0;
    while (read < part.length) {
      const got = readSync(fd, part, read, part.length - read, position + read);
      if (got === 0) return undefined;
      read += got;
    }
    position += part.length;
  }
  const indexOf = (JSON.parse(pathsJson.toString("utf8")) as string[]).map((p) => table.of(p));
  const pathIndex = new Int32Array(rows);
  for (let i = 0; i < rows; i++) pathIndex[i] = indexOf[local[i]!]!;
  return { batch: new PackedBatch(seq, pathIndex, values, table.paths), rows, next: position };
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
