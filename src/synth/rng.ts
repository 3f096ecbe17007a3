/**
 * Seeded randomness for synthetic data. The bits come from pure-rand's xoroshiro128+ (the generator
 * fast-check uses); the distributions on top are written out here so the output for a seed depends only on
 * this file and that algorithm, not on a library's distribution helpers.
 *
 * Every synthetic person gets an independent stream derived from (seed, person index), so the first N persons
 * of a file are the same whatever --persons says, and generation could be split across processes.
 */

import { xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";

const TWO_POW_32 = 4294967296;

/** splitmix32-style finaliser: spreads (seed, stream) over the generator's 128-bit state. */
function mix32(x: number): number {
  let z = x | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) | 0;
}

function stateFor(seed: number, stream: number): [number, number, number, number] {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / TWO_POW_32) >>> 0;
  const base = mix32(lo ^ mix32(hi + 0x9e3779b9) ^ mix32(stream + 0x7f4a7c15));
  const state: [number, number, number, number] = [
    mix32(base + 0x243f6a88),
    mix32(base ^ 0x85a308d3),
    mix32(base + 0x13198a2e),
    mix32(base ^ 0x03707344),
  ];
  // xoroshiro's state must not be all zero.
  if ((state[0] | state[1] | state[2] | state[3]) === 0) state[0] = 1;
  return state;
}

export class Rng {
  private readonly gen: RandomGenerator;
  private spare = 0;
  private hasSpare = false;

  /** `stream` selects an independent sequence for the same seed (a person index, or a purpose tag). */
  constructor(seed: number, stream = 0) {
    this.gen = xoroshiro128plusFromState(stateFor(seed, stream));
    // Let the state diffuse before use.
    for (let i = 0; i < 4; i++) this.gen.next();
  }

  /** Uniform in [0, 1), 32-bit resolution. */
  float(): number {
    return (this.gen.next() >>> 0) / TWO_POW_32;
  }

  /** Uniform in (0, 1]: safe to take a logarithm or a negative power of. */
  openFloat(): number {
    return ((this.gen.next() >>> 0) + 1) / TWO_POW_32;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  between(min: number, max: number): number {
    return min + (max - min) * this.float();
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /** Standard normal (Marsaglia polar method). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.float() - 1;
      v = 2 * this.float() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * m;
    this.hasSpare = true;
    return u * m;
  }

  /** Lognormal given its median (e^μ) and σ of the underlying normal. */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Pareto type I: P(X > x) = (xm / x)^α for x ≥ xm. */
  pareto(xm: number, alpha: number): number {
    return xm * this.openFloat() ** (-1 / alpha);
  }

  /** Poisson count (Knuth's product method; a rounded normal above λ = 30). */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0;
    if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.normal()));
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = this.float();
    while (p > limit) {
      k++;
      p *= this.float();
    }
    return k;
  }

  /** Index into a cumulative weight table (last entry = total). */
  weighted(cumulative: Float64Array): number {
    const x = this.float() * (cumulative[cumulative.length - 1] as number);
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cumulative[mid] as number) > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

export function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((w, i) => {
    sum += w;
    out[i] = sum;
  });
  return out;
}
