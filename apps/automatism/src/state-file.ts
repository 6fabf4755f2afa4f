import {
  closeSync,
  constants,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import type { AutomationSnapshot } from "@coreflux/automation";

/** The automatism's state file: the engine's snapshot and when it was written. */
export interface AutomatismState {
  format: "coreflux.automatism.state";
  version: 1;
  savedAtMs: number;
  company: string;
  engine: AutomationSnapshot;
  /** The schedule jobs the mirror created on devices (with `mirror_on_device`). */
  scheduleMirror?: unknown;
}

/** What {@link readAutomatismState} found. */
export type LoadedAutomatismState =
  | { kind: "none" }
  | { kind: "ok"; state: AutomatismState }
  | { kind: "corrupt"; reason: string; movedTo: string };

/**
 * Reads the state file. Missing: `none`. Unusable: moved aside to `<path>.corrupt-<time>` (never
 * silently overwritten) and reported. Unreadable (permissions): throws.
 */
export function readAutomatismState(path: string, nowMs: number): LoadedAutomatismState {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "none" };
    throw error;
  }
  let reason: string | undefined;
  try {
    const doc = JSON.parse(text) as Partial<AutomatismState>;
    if (
      doc.format === "coreflux.automatism.state" &&
      doc.version === 1 &&
      typeof doc.engine === "object"
    ) {
      return { kind: "ok", state: doc as AutomatismState };
    }
    reason = "not a coreflux.automatism.state version 1 document";
  } catch (error) {
    reason = `not JSON (${(error as Error).message.slice(0, 120)})`;
  }
  const movedTo = `${path}.corrupt-${new Date(nowMs).toISOString().replace(/[:.]/g, "-")}`;
  renameSync(path, movedTo);
  return { kind: "corrupt", reason, movedTo };
}

/** Writes the state atomically (a temporary file, fsync, rename, directory fsync), mode 0600. */
export function writeAutomatismState(path: string, state: AutomatismState): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
  try {
    const data = Buffer.from(JSON.stringify(state));
    let written = 0;
    while (written < data.length) written += writeSync(fd, data, written, data.length - written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  try {
    const dir = openSync(dirname(path), constants.O_RDONLY);
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    // Not every file system syncs directories; the rename is atomic all the same.
  }
}
