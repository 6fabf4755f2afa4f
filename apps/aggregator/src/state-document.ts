import type { CaptureRoom, EngineCapture } from "@coreflux/hierarchy";
import { historyToFile } from "./history/history-file";
import { PackedHistoryJson } from "./history/packed-history-json";
import { isPackedHistoryState, type PackedHistoryState } from "./history/packed-state";
import {
  STATE_FORMAT,
  STATE_VERSION,
  STATE_VERSION_WITHOUT_HISTORY,
  type StateDocument,
  type StateDocumentToWrite,
} from "./state-store";

/**
 * A state document without its engine snapshot: what the writer's thread adds it to. Its
 * history may come packed (written from its arrays: {@link toStateDocument}); its format and
 * version are {@link toStateDocument}'s to set.
 */
export type StateMeta = Omit<StateDocument, "format" | "version" | "engine" | "history"> & {
  history?: StateDocument["history"] | PackedHistoryState;
};

/** One state write handed to the writer's thread. */
export interface StateWriteRequest {
  kind: "write";
  id: number;
  path: string;
  meta: StateMeta;
  capture: EngineCapture;
  /** Files fsync'ed before the state is written (see `writeState`). */
  syncFirst: readonly string[];
}

/**
 * What the state writer asks its thread before a write the buffers it has cannot hold: room
 * for `room` nodes and meters, in `capture`'s buffers grown (or in an empty capture), resident;
 * with `history`, buffers for the packed history state too (its `buffers` completed so that a
 * pool over them serves requests of `needsBytes` without new memory: `reserveBuffers`).
 */
export interface StateRoomRequest {
  kind: "room";
  id: number;
  capture: EngineCapture | undefined;
  room: CaptureRoom;
  history?: { buffers: ArrayBuffer[]; needsBytes: number[] };
}

/**
 * The state document of `meta` and an engine snapshot, keys in the file's usual order: version
 * 2 with a history (its rows as arrays; a packed one written from its arrays by
 * {@link PackedHistoryJson}), version 1 without, which earlier releases read too.
 */
export function toStateDocument(meta: StateMeta, engine: unknown): StateDocumentToWrite {
  return {
    format: STATE_FORMAT,
    version: meta.history === undefined ? STATE_VERSION_WITHOUT_HISTORY : STATE_VERSION,
    savedAtMs: meta.savedAtMs,
    company: meta.company,
    engine,
    ...(meta.journalSeq === undefined ? {} : { journalSeq: meta.journalSeq }),
    ...(meta.history === undefined
      ? {}
      : {
          history: isPackedHistoryState(meta.history)
            ? new PackedHistoryJson(meta.history)
            : historyToFile(meta.history),
        }),
  };
}
