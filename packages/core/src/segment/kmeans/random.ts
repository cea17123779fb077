// The seeded random numbers behind k-means: xoshiro128** (Blackman & Vigna, "Scrambled linear
// pseudorandom number generators", 2018; https://prng.di.unimi.it/xoshiro128starstar.c), seeded
// through splitmix32 so that nearby seeds give unrelated streams. 32-bit integer arithmetic only
// (Math.imul), so the same seed gives the same numbers on every platform and Node version.

/** splitmix32: one 32-bit output per call, used to fill xoshiro's state from a seed. */
function splitmix32(state: Uint32Array): number {
  state[0] = (state[0]! + 0x9e3779b9) >>> 0;
  let z = state[0]!;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

export class Rng {
  private readonly s = new Uint32Array(4);

  /**
   * `seed` is any safe integer; `stream` separates independent sequences drawn from one seed
   * (one per k-means start, one for the silhouette sample).
   */
  constructor(seed: number, stream = 0) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 2 ** 32) >>> 0;
    const mix = new Uint32Array([
      lo ^ Math.imul(hi, 0x27d4eb2d) ^ Math.imul(stream + 1, 0x165667b1),
    ]);
    for (let i = 0; i < 4; i++) this.s[i] = splitmix32(mix);
    // An all-zero state would stay zero; splitmix32 cannot give four zeros, but be explicit.
    if ((this.s[0]! | this.s[1]! | this.s[2]! | this.s[3]!) === 0) this.s[0] = 1;
  }

  /** The next 32-bit unsigned integer (xoshiro128**). */
  nextUint32(): number {
    const s = this.s;
    let s0 = s[0]!;
    let s1 = s[1]!;
    let s2 = s[2]!;
    let s3 = s[3]!;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
    return result;
  }

  /** A double in [0, 1) with 53 random bits. */
  next(): number {
    const a = this.nextUint32() >>> 5; // 27 bits
    const b = this.nextUint32() >>> 6; // 26 bits
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.min(n - 1, Math.floor(this.next() * n));
  }

  /**
   * `m` distinct indices from [0, n), ascending (Floyd's algorithm: m draws, no n-sized array).
   * Ascending order keeps whatever is computed over the sample independent of draw order.
   */
  sample(n: number, m: number): Int32Array {
    if (m >= n) return Int32Array.from({ length: n }, (_, i) => i);
    const chosen = new Set<number>();
    for (let j = n - m; j < n; j++) {
      const t = this.below(j + 1);
      chosen.add(chosen.has(t) ? j : t);
    }
    return Int32Array.from(chosen).sort();
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
