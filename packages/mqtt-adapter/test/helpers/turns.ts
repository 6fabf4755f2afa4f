/**
 * Numbers the turns of the event loop: `turn()` moves on once per turn (a `setImmediate`
 * chain) until `stop()`. Tests group what happened by it to see what shared a turn.
 */
export function turnCounter(): { turn(): number; stop(): void } {
  let turn = 0;
  let ticking = true;
  const tick = () => {
    turn++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  return {
    turn: () => turn,
    stop: () => {
      ticking = false;
    },
  };
}

/** Keeps the thread busy for `ms`, as a slow message handler would. */
export function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {}
}
