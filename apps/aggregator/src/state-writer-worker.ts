/**
 * The state writer's thread (see `state-writer.ts`): encodes the engine's captures, serialises
 * the state document and writes it atomically, off the thread that takes in readings. Built as
 * its own entry (`dist/state-writer-worker.js`).
 */
import { parentPort } from "node:worker_threads";
import { CaptureEncoder, captureBuffers, reserveCapture } from "@coreflux/hierarchy";
import { type StateWriteRequest, toStateDocument } from "./state-document";
import { writeState } from "./state-store";

let encoder = new CaptureEncoder();

parentPort?.on("message", (request: StateWriteRequest) => {
  void handle(request);
});

async function handle(request: StateWriteRequest): Promise<void> {
  const { capture } = request;
  let error: string | undefined;
  try {
    // A capture with every name starts a new series (after a failure, or the first).
    if (capture.nodes.nameFrom === 0) encoder = new CaptureEncoder();
    await writeState(request.path, toStateDocument(request.meta, encoder.encode(capture)));
  } catch (failure) {
    error = failure instanceof Error ? failure.message : String(failure);
  }
  // The capture's buffers go back for the next capture (and the names stay here), with room
  // for a growing fleet made resident here rather than on the engine's thread.
  capture.nodes.name = [];
  capture.meters.meterId = [];
  reserveCapture(capture);
  parentPort?.postMessage({ id: request.id, error, capture }, captureBuffers(capture));
}
