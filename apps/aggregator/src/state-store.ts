import {
  closeSync,
  constants,
  fchmodSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import {
  type HistoryRowArray,
  type HistoryStateFile,
  historyFromFile,
} from "./history/history-file";
import type { HistoryState } from "./history/history-output";
import { type JsonPieces, jsonByteBlocks } from "./json-chunks";

/** Bytes of JSON text per write of a state file. */
const WRITE_BLOCK_BYTES = 1 << 20;

/** A write block no write is using: one per thread, kept from one state write to the next. */
let spareBlock: Buffer | undefined;

/**
 * A block for one write's bytes, the spare one if no other write holds it (writes of the same
 * thread can overlap: a state file and another JSON file), handed back by {@link releaseBlock}.
 */
function takeBlock(): Buffer {
  const block = spareBlock ?? Buffer.allocUnsafeSlow(WRITE_BLOCK_BYTES);
  spareBlock = undefined;
  return block;
}

function releaseBlock(block: Buffer): void {
  spareBlock = block;
}

/** Marks an aggregator state document. */
export const STATE_FORMAT = "coreflux.aggregator.state";
/**
 * The state version this release writes for a state with a history: version 2, whose history
 * rows are arrays ({@link HistoryRowArray}). A state without a history is the same in both
 * versions and is written as version 1, which earlier releases read too.
 */
export const STATE_VERSION = 2;

/** The version of a state without a history (see {@link STATE_VERSION}). */
export const STATE_VERSION_WITHOUT_HISTORY = 1;

/** What the aggregator persists: the engine snapshot and a little context. */
export interface StateDocument {
  format: typeof STATE_FORMAT;
  /** 1 or 2: the same document, but for the history's rows (objects in 1, arrays in 2). */
  version: typeof STATE_VERSION_WITHOUT_HISTORY | typeof STATE_VERSION;
  /** When this state was written, Unix ms. */
  savedAtMs: number;
  /** The company the totals belong to. */
  company: string;
  /** `@coreflux/hierarchy` snapshot. */
  engine: unknown;
  /**
   * The last state-journal record this state includes (see `state-journal.ts`); absent in
   * files written before the journal existed, which is the same as 0.
   */
  journalSeq?: number;
  /**
   * The history's ledger and the batches not yet in the database (with `[history]` only), rows
   * as objects whichever version the file is.
   */
  history?: HistoryState;
}

/**
 * A state document as it is written: its history as the file holds it, or a value whose JSON
 * text is that (a packed history written from its arrays: `PackedHistoryJson`).
 */
export type StateDocumentToWrite = Omit<StateDocument, "history"> & {
  history?: HistoryStateFile | (JsonPieces & { toJSON(): HistoryStateFile });
};

/** Result of reading the state file. */
export type LoadedState =
  | { kind: "none" }
  | { kind: "ok"; state: StateDocument }
  | { kind: "corrupt"; reason: string; movedTo: string };

/**
 * Reads the state file. A missing file is `none`; a file that cannot be parsed or is not a
 * state document is moved aside (to `<path>.corrupt-<time>`) and reported, so that it is never
 * silently overwritten. A file that exists but cannot be read (permissions) throws: starting
 * from zero over it would lose totals.
 */
export function readState(path: string, nowMs: number): LoadedState {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "none" };
    throw error;
  }
  const reason = validate(text);
  if (typeof reason === "object") return { kind: "ok", state: reason };
  const movedTo = `${path}.corrupt-${new Date(nowMs).toISOString().replace(/[:.]/g, "-")}`;
  renameSync(path, movedTo);
  return { kind: "corrupt", reason, movedTo };
}

function validate(text: string): StateDocument | string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return `not JSON (${(error as Error).message.slice(0, 120)})`;
  }
  if (
    typeof doc !== "object" ||
    doc === null ||
    (doc as { format?: unknown }).format !== STATE_FORMAT
  ) {
    return `not a ${STATE_FORMAT} document`;
  }
  const d = doc as Partial<StateDocument>;
  if (d.version !== STATE_VERSION_WITHOUT_HISTORY && d.version !== STATE_VERSION)
    return `unsupported state version ${JSON.stringify(d.version)?.slice(0, 20)}`;
  if (
    typeof d.company !== "string" ||
    typeof d.savedAtMs !== "number" ||
    typeof d.engine !== "object"
  ) {
    return "state document is missing company, savedAtMs or engine";
  }
  if (
    d.journalSeq !== undefined &&
    (typeof d.journalSeq !== "number" || !Number.isSafeInteger(d.journalSeq) || d.journalSeq < 0)
  ) {
    return "state document has an invalid journalSeq";
  }
  if (
    d.history !== undefined &&
    (typeof d.history !== "object" ||
      d.history === null ||
      !Array.isArray(d.history.queue) ||
      typeof d.history.ledger !== "object" ||
      d.history.ledger === null ||
      !Array.isArray(d.history.ledger.entries))
  ) {
    return "state document has an invalid history section";
  }
  if (d.history !== undefined && d.version === STATE_VERSION) {
    // Version 2: rows as arrays, objects again here.
    const history = historyFromFile(d.history);
    if (typeof history === "string")
      return `state document has an invalid history section: ${history}`;
    return { ...(d as StateDocument), history };
  }
  return d as StateDocument;
}

/** Moves a state file aside after its content turned out to be unusable (e.g. a corrupt snapshot). */
export function moveAside(path: string, nowMs: number): string {
  const movedTo = `${path}.corrupt-${new Date(nowMs).toISOString().replace(/[:.]/g, "-")}`;
  renameSync(path, movedTo);
  return movedTo;
}

/**
 * Writes the state atomically: a temporary file in the same directory, written and fsync'ed,
 * renamed over the old file, then the directory fsync'ed. The files of `syncFirst` (that the
 * state relies on: the history's spill file) are fsync'ed before, where they exist. A crash at
 * any point leaves either the old state or the new one, never a torn file. The file is created
 * with mode 0600.
 */
export async function writeState(
  path: string,
  state: StateDocumentToWrite,
  syncFirst: readonly string[] = [],
): Promise<void> {
  for (const file of syncFirst) syncFile(file);
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const handle = await open(
    temporary,
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC,
    0o600,
  );
  const block = takeBlock();
  try {
    await handle.chmod(0o600);
    // In blocks: the document's whole text (and its bytes) is never in memory at once.
    for (const data of jsonByteBlocks(state, block)) {
      let written = 0;
      while (written < data.length) {
        written += (await handle.write(data, written, data.length - written)).bytesWritten;
      }
    }
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  } finally {
    releaseBlock(block);
  }
  await handle.close();
  try {
    await rename(temporary, path);
  } catch (error) {
    // The old state stays; no temporary file is left behind next to it.
    await rm(temporary, { force: true });
    throw error;
  }
  syncDirectory(dirname(path));
}

/** {@link writeState}, synchronously: for the last write on shutdown. */
export function writeStateSync(
  path: string,
  state: StateDocumentToWrite,
  syncFirst: readonly string[] = [],
): void {
  for (const file of syncFirst) syncFile(file);
  writeJsonFileSync(path, state);
}

/**
 * Writes `value` as JSON atomically and synchronously: a temporary file in the same directory
 * (mode 0600), written and fsync'ed, renamed over `path`, the directory fsync'ed. A crash at
 * any point leaves the old file or the new one, never a torn one.
 */
export function writeJsonFileSync(path: string, value: unknown): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
  const block = takeBlock();
  try {
    fchmodSync(fd, 0o600);
    for (const data of jsonByteBlocks(value, block)) {
      let written = 0;
      while (written < data.length) written += writeSync(fd, data, written, data.length - written);
    }
    fsyncSync(fd);
  } finally {
    releaseBlock(block);
    closeSync(fd);
  }
  try {
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  syncDirectory(dirname(path));
}

/**
 * Fsyncs `path` and its directory (a file created since the directory was last fsync'ed needs
 * both); nothing when it does not exist.
 */
function syncFile(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  syncDirectory(dirname(path));
}

function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, constants.O_RDONLY);
    fsyncSync(fd);
  } catch {
    // Some file systems do not support fsync on directories; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
