import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import {
  captureBuffers,
  captureRoom,
  type EnergyEngine,
  type EngineCapture,
} from "@coreflux/hierarchy";
import { isPackedHistoryState, packedBuffers, poolServes } from "./history/packed-state";
import { nextSlice } from "./loop-share";
import type { TimeTask } from "./loop-tasks";
import {
  type StateMeta,
  type StateRoomRequest,
  type StateWriteRequest,
  toStateDocument,
} from "./state-document";
import { writeState } from "./state-store";

/** The worker's script, next to the built service (`dist/state-writer-worker.js`). */
const WORKER_URL = new URL("./state-writer-worker.js", import.meta.url);

/** The worker's young generation per 20,000 devices of `[limits] max_devices`, MB. */
const WORKER_YOUNG_GENERATION_MB = 4;

/** The most young generation the worker gets, MB (V8's own default for a large heap). */
const MAX_WORKER_YOUNG_GENERATION_MB = 32;

/**
 * The writer thread's young generation for a fleet of up to `maxDevices` devices, MB: 4 per
 * 20,000 devices, 32 at most. Small for a small fleet (the thread's memory counts in the
 * service's), larger for a large one: a state write at 100,000 devices with a history makes
 * hundreds of megabytes of short-lived strings, and in a 4 MB young generation the thread
 * spent 30-37 % of its time collecting garbage (measured).
 */
export function writerYoungGenerationMb(maxDevices: number): number {
  const steps = Math.max(1, Math.ceil(maxDevices / 20_000));
  return Math.min(MAX_WORKER_YOUNG_GENERATION_MB, steps * WORKER_YOUNG_GENERATION_MB);
}

/** From this old-generation size on, a limit saves nothing (V8's own growth rules apply). */
const MIN_UNLIMITED_MB = 2048;

/**
 * The writer thread's old generation for a fleet of up to `maxDevices` devices, MB: 64 MB plus
 * 8 KB per device (a state write at 10,000 devices uses under 20 MB of this thread's heap,
 * measured), or undefined (V8's default, a quarter of the machine's memory up to 4 GB) from
 * about 254,000 devices on. Not only a ceiling: V8 lets a heap whose limit is 2 GB or more grow
 * to up to four times its live objects between full collections, a smaller one to at most
 * twice — with the limit the thread's heap peaked at 24 MB instead of 39 MB in the
 * 10,000-device benchmark. A thread that runs out of it fails one write and the next thread has
 * no limit.
 */
export function writerOldGenerationMb(maxDevices: number): number | undefined {
  const mb = 64 + Math.ceil((maxDevices * 8) / 1024);
  return mb < MIN_UNLIMITED_MB ? mb : undefined;
}

/**
 * Meters a state write's capture copies per turn of the event loop (about 8 MB; the rest of the
 * capture, the nodes and the names, is copied in the first turn). At 100,000 devices (136,000
 * meters) the meters copied in one turn held the intake 12-34 ms on a busy two-vCPU machine.
 */
export const STATE_CAPTURE_SLICE_METERS = 16_384;

/** After a state write, the next one waits this many times the write's duration. */
export const STATE_WRITE_REST_RATIO = 3;

/**
 * When the next state write may start (on `performance.now()`'s clock, ms) after one that
 * started at `startedMs` and finished at `finishedMs`: {@link STATE_WRITE_REST_RATIO} times its
 * duration later, so the writer's thread is busy a quarter of the time at most. A write of a
 * few hundred milliseconds changes nothing at the default 10 s cycle; at 100,000 devices with a
 * history a write took 4-8 s, and one every cycle kept a core busy. Nothing is less durable
 * meanwhile: the journal holds every reading since the last state, it only grows longer (and a
 * history batch, written once a state on disk includes it, reaches the database later).
 */
export function nextStateWriteMs(startedMs: number, finishedMs: number): number {
  return finishedMs + Math.max(0, finishedMs - startedMs) * STATE_WRITE_REST_RATIO;
}

/** Room the writer's thread makes for the next capture: this many times the engine's counts. */
const ROOM_HEADROOM = 1.25;

interface Reply {
  id: number;
  error?: string;
  capture: EngineCapture | undefined;
  /**
   * The buffers of the write's packed history state, back for the next one (a room reply has
   * them only when it was asked for history room).
   */
  historyBuffers?: ArrayBuffer[];
}

/**
 * Writes the state file from a worker thread. The thread that takes in readings only captures
 * the engine — a memory copy of the columns its snapshot needs, into buffers reused from the
 * previous write, about 5 ms at 100,000 meters — and hands it over; encoding the snapshot,
 * `JSON.stringify` and the atomic write (the few hundred milliseconds at that size) happen in
 * the worker, so a state write never stalls the intake. The file is the same as
 * `writeState`'s. One write at a time: callers wait for each before the next. The capture's
 * buffers are made (and grown, as the fleet grows) in the worker too, before the write that
 * needs them: see {@link makeRoom}.
 *
 * Where the worker's script is absent (the service run from its TypeScript sources, in tests)
 * the state is encoded and written on the calling thread, as before.
 */
export class StateWriter {
  private worker: Worker | undefined;
  /** The last capture, handed back by the worker: its buffers carry the next one. */
  private spare: EngineCapture | undefined;
  private readonly waiting = new Map<number, { resolve(): void; reject(e: Error): void }>();
  private nextId = 1;
  private readonly threaded: boolean;
  /** History paths the thread holds (from the writes that succeeded since it started). */
  private historyPaths = 0;
  /** Buffers of a previous packed history state, for the next one. */
  private historyBuffers: ArrayBuffer[] = [];
  /** Runs each later slice of a capture as a measured task of the event loop (the service's). */
  timeTask: TimeTask = (_task, work) => work();

  /**
   * @param path the state file.
   * @param workerUrl the worker's script (default: next to this module in `dist/`).
   * @param oldGenerationMb the thread's old generation, MB (see {@link writerOldGenerationMb};
   *   default: V8's). After a thread ran out of it, the next one starts without a limit.
   * @param youngGenerationMb the thread's young generation, MB (see
   *   {@link writerYoungGenerationMb}; default 4).
   */
  /**
   * Files fsync'ed before each state is written, on the writer's thread (the history's spill
   * file: its appends are not fsync'ed, and the state names the batches in it).
   */
  syncFirst: readonly string[] = [];

  constructor(
    private readonly path: string,
    private readonly workerUrl: URL = WORKER_URL,
    private oldGenerationMb?: number,
    private readonly youngGenerationMb = WORKER_YOUNG_GENERATION_MB,
  ) {
    this.threaded = existsSync(fileURLToPath(workerUrl));
    // Started now, not at the first write: a thread's start-up is no part of a publish cycle.
    if (this.threaded) this.ensureWorker();
  }

  /**
   * How many history paths the writer's thread already has: a packed history state for the next
   * {@link write} needs only the paths from this index on (0 without a thread, or after a failure).
   */
  get historyPathsKnown(): number {
    return this.threaded ? this.historyPaths : 0;
  }

  /** The buffers the thread handed back, for the next packed history state (once). */
  takeHistoryBuffers(): ArrayBuffer[] {
    const buffers = this.historyBuffers;
    this.historyBuffers = [];
    return buffers;
  }

  /** Whether writes run in a worker thread (false when running from sources). */
  get inWorker(): boolean {
    return this.threaded;
  }

  /**
   * Undefined when the buffers of the next write hold `engine`'s nodes and meters, and the
   * history buffers handed back serve a packed history state whose arrays need
   * `historyNeedsBytes` (`HistoryOutput.packNeeds`); otherwise the worker makes them (room for
   * 1.25 times the counts, memory written once so it is resident) and the promise resolves once
   * they are back, to write then. Without it the capture allocates on the calling thread, and
   * fresh memory costs page faults there: at 100,000 meters a first capture took 150-250 ms
   * instead of about 5, and packing a history that had outgrown its buffers 100-190 ms
   * (measured). Never rejects: if the worker fails, the write allocates as it would have.
   */
  makeRoom(
    engine: EnergyEngine,
    historyNeedsBytes: readonly number[] = [],
  ): Promise<void> | undefined {
    if (!this.threaded) return undefined;
    const spare = this.spare;
    const room = spare === undefined ? undefined : captureRoom(spare);
    const engineFits =
      room !== undefined && room.nodes >= engine.nodeCount && room.meters >= engine.meterCount;
    const historyFits = poolServes(this.historyBuffers, historyNeedsBytes);
    if (engineFits && historyFits) return undefined;
    const worker = this.ensureWorker();
    this.spare = undefined;
    const id = this.nextId++;
    const history = historyFits
      ? undefined
      : { buffers: this.takeHistoryBuffers(), needsBytes: [...historyNeedsBytes] };
    const request: StateRoomRequest = {
      kind: "room",
      id,
      capture: spare,
      room: {
        nodes: Math.ceil(engine.nodeCount * ROOM_HEADROOM),
        meters: Math.ceil(engine.meterCount * ROOM_HEADROOM),
      },
      ...(history === undefined ? {} : { history }),
    };
    return new Promise<void>((resolve) => {
      this.waiting.set(id, { resolve, reject: () => resolve() });
      worker.postMessage(request, [
        ...(spare === undefined ? [] : captureBuffers(spare)),
        ...(history?.buffers ?? []),
      ]);
    });
  }

  /**
   * Captures `engine` now (take `meta` first: a history's credits must be absorbed before the
   * capture) and writes the state file with it. The capture is the engine's state at this call;
   * its meters are copied `sliceMeters` at a time, one turn of the event loop each, while
   * readings go on arriving (see `EnergyEngine.beginCapture`), then handed to the thread.
   * Resolves once the file is on disk (fsync'ed and renamed); rejects with the worker's error
   * otherwise, the old file untouched.
   */
  write(
    engine: EnergyEngine,
    meta: StateMeta,
    sliceMeters = STATE_CAPTURE_SLICE_METERS,
  ): Promise<void> {
    if (!this.threaded) {
      return writeState(this.path, toStateDocument(meta, engine.snapshot()), this.syncFirst);
    }
    const taking = engine.beginCapture(this.spare);
    this.spare = undefined;
    const id = this.nextId++;
    const history = meta.history;
    const packed = history !== undefined && isPackedHistoryState(history) ? history : undefined;
    // Until the reply, the thread may or may not have this write's paths.
    this.historyPaths = 0;
    return new Promise<void>((resolve, reject) => {
      const send = (): void => {
        this.waiting.set(id, {
          resolve: () => {
            if (packed !== undefined) this.historyPaths = packed.pathsFrom + packed.paths.length;
            resolve();
          },
          reject,
        });
        const { capture } = taking;
        const request: StateWriteRequest = {
          kind: "write",
          id,
          path: this.path,
          meta,
          capture,
          syncFirst: this.syncFirst,
        };
        // The thread as it is now (a new one if it failed since the capture began: that one
        // then refuses the capture, whose names it has not seen, and the next write starts over).
        this.ensureWorker().postMessage(request, [
          ...captureBuffers(capture),
          ...(packed === undefined ? [] : packedBuffers(packed)),
        ]);
      };
      const more = (): void => {
        try {
          if (this.timeTask("state_capture", () => taking.step(sliceMeters))) send();
          else nextSlice(more);
        } catch (error) {
          reject(error);
        }
      };
      // A capture of one slice at once; a larger one's meters in turns after this one's (which
      // also took the journal's rotation and the history's part).
      if (taking.capture.meters.count <= sliceMeters && taking.step()) send();
      else nextSlice(more);
    });
  }

  /** Stops the worker (a write in flight is abandoned: its temporary file never replaces the state). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker !== undefined) await worker.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker !== undefined) return this.worker;
    // A young generation sized by the fleet: the thread works once a cycle, its garbage can
    // wait, and its memory counts in the service's.
    const limitMb = this.oldGenerationMb;
    const worker = new Worker(this.workerUrl, {
      resourceLimits: {
        maxYoungGenerationSizeMb: this.youngGenerationMb,
        ...(limitMb === undefined ? {} : { maxOldGenerationSizeMb: limitMb }),
      },
    });
    worker.unref();
    worker.on("message", (reply: Reply) => {
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      // After a failure the next capture starts a new series (every name again).
      this.spare = reply.error === undefined ? reply.capture : undefined;
      if (reply.historyBuffers !== undefined) this.historyBuffers = reply.historyBuffers;
      if (reply.error === undefined) waiter?.resolve();
      else waiter?.reject(new Error(reply.error));
    });
    const fail = (error: Error): void => {
      // "exit" follows "error": should a newer thread hold the waiters by then, they are its own.
      if (this.worker !== worker && this.worker !== undefined) return;
      this.worker = undefined;
      this.spare = undefined;
      this.historyPaths = 0;
      for (const waiter of this.waiting.values()) waiter.reject(error);
      this.waiting.clear();
    };
    worker.on("error", (error: Error & { code?: string }) => {
      if (error.code !== "ERR_WORKER_OUT_OF_MEMORY" || limitMb === undefined) return fail(error);
      this.oldGenerationMb = undefined;
      fail(
        new Error(
          `the state writer thread ran out of its ${limitMb} MB heap; the next write runs in a thread without that limit`,
          { cause: error },
        ),
      );
    });
    worker.on("exit", (code) => fail(new Error(`state writer thread exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }
}
