/**
 * The service's own slices of work (the publisher's later slices, the history's observations,
 * cuts and spill steps, the settle turns, a state capture's meters) take turns: at most one of
 * them runs in a turn of the event loop, the rest in the turns after, first come first served.
 *
 * Each slice keeps to a budget of its own (8 ms or so), but slices scheduled with
 * `setImmediate` all run in the same check phase, back to back: a publish cycle's next
 * publisher slice, a history slice and a history cut made one stall of 25-40 ms on the
 * 100,000-device benchmark while none of them took more than 10. Between two slices scheduled
 * here the event loop reads its sockets and runs its timers.
 */

/** A slice waiting for its turn (see {@link nextSlice}). */
export interface ScheduledSlice {
  /** Takes the slice out of the queue if it has not run yet (it never will); else nothing. */
  cancel(): void;
}

interface Entry {
  run: (() => void) | undefined;
}

/** Waiting slices, oldest first: a few at most (each chain schedules its next as it runs). */
const queue: Entry[] = [];
let armed = false;

/** Runs `run` in a later turn of the event loop, one slice of the queue's a turn (FIFO). */
export function nextSlice(run: () => void): ScheduledSlice {
  const entry: Entry = { run };
  queue.push(entry);
  arm();
  return {
    cancel() {
      entry.run = undefined;
    },
  };
}

/** A promise resolved in a later turn, one slice of the queue's a turn (see {@link nextSlice}). */
export function nextSliceTurn(): Promise<void> {
  return new Promise((resolve) => nextSlice(resolve));
}

/** Slices waiting (cancelled ones not yet skipped included). */
export function slicesWaiting(): number {
  return queue.length;
}

function arm(): void {
  if (armed) return;
  armed = true;
  setImmediate(runOne);
}

function runOne(): void {
  armed = false;
  let run: (() => void) | undefined;
  while (run === undefined && queue.length > 0) run = queue.shift()!.run;
  try {
    run?.();
  } finally {
    if (queue.length > 0) arm();
  }
}
