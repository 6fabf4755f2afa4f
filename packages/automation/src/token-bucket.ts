/** A rate limit: `ratePerSecond` tokens a second, at most that many saved up. */
export class TokenBucket {
  private tokens: number;
  private atMs = Number.NaN;

  constructor(private readonly ratePerSecond: number) {
    this.tokens = ratePerSecond;
  }

  /** Takes one token if there is one at `nowMs`. */
  take(nowMs: number): boolean {
    if (!Number.isNaN(this.atMs) && nowMs > this.atMs) {
      this.tokens = Math.min(
        this.ratePerSecond,
        this.tokens + ((nowMs - this.atMs) / 1000) * this.ratePerSecond,
      );
    }
    if (Number.isNaN(this.atMs) || nowMs > this.atMs) this.atMs = nowMs;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
