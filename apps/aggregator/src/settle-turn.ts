import { performance } from "node:perf_hooks";

/**
 * The background work the service spreads over turns of the event loop every second: carrying
 * readings up the tree, moving the history's credits into its ledger, making the next growth's
 * memory resident. Each call does at most a slice of its kind of work.
 */
export interface SettleWork {
  /** Settles a batch of devices; true while more wait. */
  settle(): boolean;
  /** Takes the history's credits for at most `budgetMs`; true while more wait. */
  credit(budgetMs: number): boolean;
  /** Makes a slice of the next growth resident; true while more remains. */
  grow(): boolean;
}

/**
 * Time a settle turn's settling and crediting share, ms: crediting gets what settling left.
 * (Crediting had 6 ms of its own before; on the 100,000-device benchmark a settle turn then
 * took up to 19 ms: 8 ms settling, 11 ms crediting.)
 */
export const SETTLE_TURN_BUDGET_MS = 6;

/**
 * A growth slice (page faults: 8-11 ms for 1 MB on the virtual machines measured) only starts
 * in a turn that has used less than this so far, ms, so that it never follows a full share of
 * settling and crediting; at most {@link MAX_GROWTH_DEFERRALS} turns in a row skip it.
 */
export const GROWTH_AFTER_MS = 1;

/**
 * Turns in a row that may leave growth out (settling or crediting left work waiting, or the turn
 * had used {@link GROWTH_AFTER_MS}) before a turn of growth alone.
 */
export const MAX_GROWTH_DEFERRALS = 2;

/**
 * Runs settle turns: settling first (a turn that leaves devices waiting does nothing else), then
 * crediting within what is left of {@link SETTLE_TURN_BUDGET_MS}, then a growth slice if the turn
 * is still nearly unused; a turn of growth alone once {@link MAX_GROWTH_DEFERRALS} turns in a row
 * had no room for it. A chain of turns ends with the first turn that left nothing waiting and
 * found no growth to prepare.
 */
export class SettleTurns {
  #growthDeferrals = 0;

  constructor(
    private readonly work: SettleWork,
    private readonly budgetMs = SETTLE_TURN_BUDGET_MS,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  /** One turn; true when another should follow (work remains or was left for later). */
  turn(): boolean {
    if (this.#growthDeferrals >= MAX_GROWTH_DEFERRALS) {
      // Growth waited long enough (a fleet appearing keeps settling and crediting busy for many
      // turns, and its tables fill meanwhile): this turn is its own. The turns before may have
      // left work waiting, so the chain goes on; it ends with a later turn that finds nothing.
      this.#growthDeferrals = 0;
      this.work.grow();
      return true;
    }
    if (this.#settleAndCredit()) {
      this.#growthDeferrals++;
      return true;
    }
    this.#growthDeferrals = 0;
    return this.work.grow();
  }

  /**
   * Settling, then crediting in what settling left of the share; true when the turn has no room
   * for growth: work waits, or the turn has used {@link GROWTH_AFTER_MS} already (growth then
   * goes in the next turn, which starts with little to settle or credit).
   */
  #settleAndCredit(): boolean {
    const startedMs = this.nowMs();
    if (this.work.settle()) return true;
    const leftMs = this.budgetMs - (this.nowMs() - startedMs);
    // Settling used the share: credits in the next turn, which starts with little to settle.
    if (leftMs <= 0 || this.work.credit(leftMs)) return true;
    return this.nowMs() - startedMs >= GROWTH_AFTER_MS;
  }
}
