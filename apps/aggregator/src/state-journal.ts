import {
  closeSync,
  constants,
  fchmodSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
} from "node:fs";
import { rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * The state journal: every MQTT message the aggregator applied since the last state write,
 * appended to a file before the message is acknowledged to the broker. The state file is
 * written once per publish cycle; without the journal, a crash inside a cycle forgets readings
 * the broker will never deliver again. Counters are cumulative, so the next reading usually
 * carries that energy anyway, but not when the meter's counter was reset in between. With the
 * journal, a restart restores the state file and then applies the journaled messages again,
 * with their original arrival times, and ends exactly where the crashed process was.
 *
 * Records are collected in memory and written with one `write` per batch ({@link
 * StateJournal.flush}): the service flushes in the MQTT adapter's `beforeAcks`, which runs after
 * the messages of one read were handled and before their acknowledgements leave, so every record
 * is with the operating system before the broker hears of its message, which is what survives a
 * killed process (kill -9, OOM killer, a crash). A message whose record was still in memory was
 * not acknowledged: the broker delivers it again. Nothing is fsync'ed per batch: after a power
 * loss the journal may miss its last moments, and the state file of the last cycle (fsync'ed)
 * is what remains.
 *
 * Files: `<state path>.journal.<generation>`. At each state write the journal moves to a new
 * generation; a generation is deleted once a state file that includes all of it is on disk.
 * Every record carries a sequence number and the state file the last one it includes, so a
 * record is never applied twice, whatever moment a crash picks.
 *
 * Record layout (little-endian): magic u32, sequence f64, arrival time (Unix ms) f64, topic
 * length u32, payload length u32, topic (UTF-8), payload.
 */

const MAGIC = 0xc0f1_4a01;
const HEADER_BYTES = 28;
/** A record larger than this is not one we wrote: the file is damaged from there on. */
const MAX_RECORD_BYTES = 512 * 1024 * 1024;
/** Buffered records are written once they reach this many bytes, so memory stays bounded. */
export const JOURNAL_FLUSH_BYTES = 1024 * 1024;

/** One journaled message. */
export interface JournalRecord {
  seq: number;
  tsMs: number;
  topic: string;
  /** A view into the file's bytes, valid during the `onRecord` call only: copy it to keep it. */
  payload: Buffer;
}

/** What {@link readJournal} found. */
export interface JournalContents {
  /** Records with a sequence above `afterSeq`, handed to `onRecord` in order. */
  records: number;
  /** Records at or below `afterSeq` (already in the state file), skipped. */
  skipped: number;
  /** The highest sequence seen in any file (0 if none). */
  lastSeq: number;
  /** The journal files read, oldest first. */
  files: string[];
  /**
   * Damage found: a file whose end is an incomplete record (the process died while writing it;
   * that message was not acknowledged, so the broker delivers it again) or bytes that are not a
   * record. Reading that file stops there.
   */
  damage: { file: string; offset: number; reason: string }[];
}

function journalPrefix(statePath: string): string {
  return `${basename(statePath)}.journal.`;
}

/** The journal files of a state path, oldest generation first. */
function journalFiles(statePath: string): { path: string; generation: number }[] {
  const dir = dirname(statePath);
  const prefix = journalPrefix(statePath);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)))
    .map((name) => ({ path: join(dir, name), generation: Number(name.slice(prefix.length)) }))
    .sort((a, b) => a.generation - b.generation);
}

/**
 * Reads every journal file of `statePath`, oldest first, and hands each record not yet in the
 * state file (sequence above `afterSeq`) to `onRecord`, one file in memory at a time. Never
 * throws for damaged content: it is reported in `damage`. Throws what the file system throws
 * (a file that cannot be read), and what `onRecord` throws.
 */
export function readJournal(
  statePath: string,
  afterSeq: number,
  onRecord: (record: JournalRecord) => void = () => {},
): JournalContents {
  const contents: JournalContents = { records: 0, skipped: 0, lastSeq: 0, files: [], damage: [] };
  for (const { path } of journalFiles(statePath)) {
    contents.files.push(path);
    const bytes = readFileSync(path);
    let offset = 0;
    while (offset < bytes.length) {
      const problem = recordProblem(bytes, offset);
      if (problem !== undefined) {
        contents.damage.push({ file: path, offset, reason: problem });
        break;
      }
      const topicBytes = bytes.readUInt32LE(offset + 20);
      const payloadBytes = bytes.readUInt32LE(offset + 24);
      const seq = bytes.readDoubleLE(offset + 4);
      const topicStart = offset + HEADER_BYTES;
      const payloadStart = topicStart + topicBytes;
      if (seq > contents.lastSeq) contents.lastSeq = seq;
      if (seq <= afterSeq) {
        contents.skipped++;
      } else {
        contents.records++;
        onRecord({
          seq,
          tsMs: bytes.readDoubleLE(offset + 12),
          topic: bytes.toString("utf8", topicStart, payloadStart),
          payload: bytes.subarray(payloadStart, payloadStart + payloadBytes),
        });
      }
      offset = payloadStart + payloadBytes;
    }
  }
  return contents;
}

/** Why the bytes at `offset` are not a complete record, or undefined if they are one. */
function recordProblem(bytes: Buffer, offset: number): string | undefined {
  const left = bytes.length - offset;
  if (left < HEADER_BYTES) return `incomplete record header (${left} bytes at the end)`;
  if (bytes.readUInt32LE(offset) !== MAGIC) return "not a journal record (bad marker)";
  const seq = bytes.readDoubleLE(offset + 4);
  const tsMs = bytes.readDoubleLE(offset + 12);
  if (!Number.isSafeInteger(seq) || seq <= 0 || !Number.isFinite(tsMs)) {
    return "not a journal record (bad sequence or time)";
  }
  const size = HEADER_BYTES + bytes.readUInt32LE(offset + 20) + bytes.readUInt32LE(offset + 24);
  if (size > MAX_RECORD_BYTES) return "not a journal record (impossible length)";
  if (size > left) return `incomplete record (${left} of ${size} bytes at the end)`;
  return undefined;
}

/**
 * The journal being written: appends records to the current generation, moves to a new
 * generation at each state write, and deletes generations the state file has caught up with.
 */
export class StateJournal {
  private readonly statePath: string;
  private fd: number;
  private generation: number;
  private seq: number;
  /** Files of earlier generations, each with the last sequence it holds. */
  private readonly retired: { path: string; lastSeq: number }[] = [];
  /** Records appended and not written yet: `pending[0, pendingBytes)`. */
  private pending: Buffer;
  private pendingBytes = 0;
  private readonly flushBytes: number;
  /** A write failed, maybe half-way through a record: the next write starts a new file. */
  private torn = false;

  /**
   * Starts a new generation after any existing one, numbering records from `lastSeq + 1`, which
   * must be at least the highest sequence in the existing files ({@link readJournal}'s
   * `lastSeq`). Existing files stay until {@link removeThrough} covers them. Throws if the file
   * cannot be created (the caller decides whether to run without a journal).
   */
  constructor(statePath: string, lastSeq: number, flushBytes = JOURNAL_FLUSH_BYTES) {
    this.statePath = statePath;
    this.seq = lastSeq;
    this.flushBytes = flushBytes;
    this.pending = Buffer.allocUnsafe(flushBytes + 64 * 1024);
    const existing = journalFiles(statePath);
    for (const file of existing) this.retired.push({ path: file.path, lastSeq });
    this.generation = (existing.at(-1)?.generation ?? 0) + 1;
    this.fd = this.openGeneration();
  }

  /**
   * The sequence of the last record appended, written or not (what a state taken now includes).
   */
  get lastSeq(): number {
    return this.seq;
  }

  /** The file records go to now. */
  get currentPath(): string {
    return this.pathOf(this.generation);
  }

  /** Bytes appended and not written yet. */
  get pendingBytesCount(): number {
    return this.pendingBytes;
  }

  /**
   * Appends one message with the time it was applied at, to memory: {@link flush} writes it.
   * Writes the buffer itself once it holds {@link JOURNAL_FLUSH_BYTES}; throws what that write
   * throws (disk full...), and the records it held, this one included, are then lost (see
   * {@link flush}).
   */
  append(tsMs: number, topic: string, payload: Uint8Array): void {
    const room = HEADER_BYTES + topic.length * 3 + payload.byteLength;
    if (this.pendingBytes + room > this.pending.length) this.grow(room);
    const buffer = this.pending;
    const at = this.pendingBytes;
    const topicBytes = buffer.write(topic, at + HEADER_BYTES, "utf8");
    const seq = this.seq + 1;
    buffer.writeUInt32LE(MAGIC, at);
    buffer.writeDoubleLE(seq, at + 4);
    buffer.writeDoubleLE(tsMs, at + 12);
    buffer.writeUInt32LE(topicBytes, at + 20);
    buffer.writeUInt32LE(payload.byteLength, at + 24);
    buffer.set(payload, at + HEADER_BYTES + topicBytes);
    this.pendingBytes = at + HEADER_BYTES + topicBytes + payload.byteLength;
    this.seq = seq;
    if (this.pendingBytes >= this.flushBytes) this.flush();
  }

  /**
   * Writes the appended records with one `write` (more only after a short write). Synchronous:
   * when it returns, they are with the operating system. Throws the file system's error (disk
   * full...): the records are then dropped (their messages stay applied, and in the next state
   * file) and the next write starts a new file, so a torn record never hides later ones.
   */
  flush(): void {
    if (this.pendingBytes === 0) return;
    const total = this.pendingBytes;
    this.pendingBytes = 0;
    // Records after a torn one would be unreadable in the same file: start a clean one.
    if (this.torn) {
      this.switchGeneration();
      this.torn = false;
    }
    this.torn = true;
    let written = 0;
    // A short write is rare (a signal, a nearly full disk): write the rest.
    while (written < total) written += writeSync(this.fd, this.pending, written, total - written);
    this.torn = false;
    if (this.pending.length > 2 * (this.flushBytes + 64 * 1024)) {
      this.pending = Buffer.allocUnsafe(this.flushBytes + 64 * 1024); // after one huge record
    }
  }

  /**
   * Moves to a new generation after writing the buffered records: call it where the state being
   * written is taken, so that state includes exactly the records up to {@link lastSeq}. Returns
   * that sequence. Throws what {@link flush} throws (before moving) or what opening the new file
   * throws.
   */
  rotate(): number {
    this.flush();
    this.switchGeneration();
    return this.seq;
  }

  private switchGeneration(): void {
    const previous = { fd: this.fd, path: this.currentPath };
    this.generation++;
    try {
      this.fd = this.openGeneration();
    } catch (error) {
      // Keep appending to the file we have; the state written now still covers it.
      this.generation--;
      throw error;
    }
    try {
      if (previous.fd >= 0) closeSync(previous.fd);
    } catch {
      // A descriptor that is already gone (the failure that brought us here) needs no closing.
    }
    this.retired.push({ path: previous.path, lastSeq: this.seq });
  }

  /** Makes room for `bytes` more: a larger buffer holding what is pending. */
  private grow(bytes: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.pending.length * 2, this.pendingBytes + bytes));
    this.pending.copy(next, 0, 0, this.pendingBytes);
    this.pending = next;
  }

  /**
   * Deletes the retired generations whose records all are at or below `seq` (now in the state
   * file), off the event loop (unlinking a large file takes milliseconds); resolves once they
   * are gone, rejects with the first failure (the files stay: a restart skips their records,
   * which the state includes, and deletes them once a later state write covers them).
   */
  async removeThrough(seq: number): Promise<void> {
    const done: string[] = [];
    while (this.retired.length > 0 && this.retired[0]!.lastSeq <= seq) {
      done.push(this.retired.shift()!.path);
    }
    await Promise.all(done.map((path) => rm(path, { force: true })));
  }

  /** Writes the buffered records, closes the current file and keeps every file. */
  close(): void {
    try {
      this.flush();
    } finally {
      if (this.fd >= 0) closeSync(this.fd);
    }
    this.fd = -1;
  }

  /**
   * After the final state write (which included {@link lastSeq}): closes and deletes every
   * journal file, the current one included.
   */
  closeAndRemove(): void {
    this.pendingBytes = 0; // the state includes them
    this.close();
    for (const file of this.retired.splice(0)) rmSync(file.path, { force: true });
    rmSync(this.currentPath, { force: true });
  }

  private pathOf(generation: number): string {
    return join(dirname(this.statePath), `${journalPrefix(this.statePath)}${generation}`);
  }

  private openGeneration(): number {
    const fd = openSync(
      this.currentPath,
      constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_APPEND,
      0o600,
    );
    fchmodSync(fd, 0o600);
    return fd;
  }
}
