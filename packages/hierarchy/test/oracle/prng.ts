/**
 * A small seeded pseudo-random generator (sfc32). The oracle's scenarios are expanded from a
 * seed with it, so a scenario is a pure function of its parameters: fast-check shrinks the
 * parameters and every run of the same parameters produces the same message stream.
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** A generator for `seed` (any integer); `salt` derives independent streams from one seed. */
  constructor(seed: number, salt = 0) {
    this.a = 0x9e3779b9 ^ salt;
    this.b = 0x243f6a88 + Math.imul(salt, 0x85ebca6b);
    this.c = 0xb7e15162;
    this.d = seed | 0;
    for (let i = 0; i < 15; i++) this.uint32();
  }

  /** The next 32-bit unsigned integer. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 4_294_967_296;
  }

  /** A uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One of `items`, uniformly. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** A number in [min, max] whose logarithm is uniform (durations from seconds to a month). */
  logUniform(min: number, max: number): number {
    return Math.exp(Math.log(min) + this.next() * (Math.log(max) - Math.log(min)));
  }

  /**
   * A Poisson-distributed count with mean `mean`: Knuth's method for small means, the normal
   * approximation from 30 on (where `exp(-mean)` would lose its precision).
   */
  poisson(mean: number): number {
    if (mean >= 30) {
      const gaussian =
        Math.sqrt(-2 * Math.log(1 - this.next())) * Math.cos(2 * Math.PI * this.next());
      return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian));
    }
    const limit = Math.exp(-mean);
    let k = 0;
    for (let p = this.next(); p > limit; p *= this.next()) k++;
    return k;
  }
}
