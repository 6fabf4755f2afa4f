/**
 * The state writer's thread (see `state-writer.ts`): encodes the engine's captures, serialises
 * the state document and writes it atomically, off the thread that takes in readings. Built as
 * its own entry (`dist/state-writer-worker.js`).
 */
import { parentPort } from "node:worker_threads";
import { CaptureEncoder, captureBuffers, emptyCapture, reserveCapture } from "@coreflux/hierarchy";
import {
  isPackedHistoryState,
  packedBuffers,
  ReceivedPaths,
  reserveBuffers,
} from "./history/packed-state";
import { type StateRoomRequest, type StateWriteRequest, toStateDocument } from "./state-document";
import { writeState } from "./state-store";
import { currentThreadId, lowerThreadPriority } from "./thread-priority";

let encoder = new CaptureEncoder();
/** The history paths sent so far (each write sends only the new ones). */
const historyPaths = new ReceivedPaths();

// On Linux a thread has its own priority: this one yields the CPU to the thread that takes in
// readings (its writes can wait; the intake cannot). Best effort: elsewhere it runs as is.
const threadId = currentThreadId();
if (threadId !== undefined) lowerThreadPriority(threadId);

parentPort?.on("message", (request: StateWriteRequest | StateRoomRequest) => {
  if (request.kind === "room") makeRoom(request);
  else void handle(request);
});

/**
 * Grows (or makes) the buffers of the next capture, and of the next packed history state if
 * asked, here, where page faults stall nothing. The history's buffers go back whatever happens
 * (grown or as they came).
 */
function makeRoom(request: StateRoomRequest): void {
  let error: string | undefined;
  let capture = request.capture;
  let historyBuffers = request.history?.buffers;
  try {
    if (capture === undefined) capture = emptyCapture(request.room);
    else reserveCapture(capture, 1, request.room);
    if (request.history !== undefined)
      historyBuffers = reserveBuffers(request.history.buffers, request.history.needsBytes);
  } catch (failure) {
    error = failure instanceof Error ? failure.message : String(failure);
  }
  const buffers = capture === undefined ? [] : captureBuffers(capture);
  parentPort?.postMessage({ id: request.id, error, capture, historyBuffers }, [
    ...buffers,
    ...(historyBuffers ?? []),
  ]);
}

async function handle(request: StateWriteRequest): Promise<void> {
  const { capture } = request;
  let error: string | undefined;
  /** The packed history's buffers, handed back for the next state's. */
  let historyBuffers: ArrayBuffer[] = [];
  try {
    // A capture with every name starts a new series (after a failure, or the first).
    if (capture.nodes.nameFrom === 0) encoder = new CaptureEncoder();
    let meta = request.meta;
    if (meta.history !== undefined && isPackedHistoryState(meta.history)) {
      historyBuffers = packedBuffers(meta.history);
      meta = { ...meta, history: historyPaths.complete(meta.history) };
    }
    // Views of the capture's columns, not copies (written before the capture goes back).
    await writeState(
      request.path,
      toStateDocument(meta, encoder.encode(capture, true)),
      request.syncFirst,
    );
  } catch (failure) {
    error = failure instanceof Error ? failure.message : String(failure);
  }
  // The capture's buffers go back for the next capture (and the names stay here), with room
  // for a growing fleet made resident here rather than on the engine's thread.
  capture.nodes.name = [];
  capture.meters.meterId = [];
  reserveCapture(capture);
  parentPort?.postMessage({ id: request.id, error, capture, historyBuffers }, [
    ...captureBuffers(capture),
    ...historyBuffers,
  ]);
}
