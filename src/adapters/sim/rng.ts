/**
 * Deterministic pseudo-random numbers for the simulator. Never Math.random: a run is a pure
 * function of its seed.
 *
 * - `hashSeed(...parts)`: cyrb53 over the parts (type-tagged and separated, so `hashSeed(1, 'a')`
 *   and `hashSeed('1a')` differ), a non-negative integer below 2^53.
 * - `createRng(seed)`: sfc32 (Small Fast Counter, 128-bit state), seeded through splitmix32 from
 *   the low and high 32 bits of the seed; returns uniforms in [0, 1).
 * - `gaussian(rng)`: one standard normal by Box-Muller. Always consumes exactly two uniforms, so
 *   callers that need a fixed number of draws per step can count on it.
 */

/** Uniform in [0, 1). */
export type Rng = () => number;

/** cyrb53 string hash of the parts; stable across runs and platforms. */
export function hashSeed(...parts: readonly (string | number)[]): number {
  const str = parts.map((p) => (typeof p === 'number' ? `n${p}` : `s${p}`)).join('\u001f');
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < str.length; i++) {
    const ch = str.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

function splitmix32(a: number): () => number {
  let s = a | 0;
  return () => {
    s = (s + 0x9e3779b9) | 0;
    let t = s ^ (s >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    t ^= t >>> 15;
    return t >>> 0;
  };
}

/** sfc32 generator seeded from any finite number (integers up to 2^53 use all their bits). */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`rng seed must be finite, got ${seed}`);
  const n = Math.trunc(Math.abs(seed));
  const lo = n >>> 0;
  const hi = Math.floor(n / 4294967296) >>> 0;
  const sm = splitmix32(lo ^ Math.imul(hi, 0x85ebca6b) ^ (seed < 0 ? 0x5bd1e995 : 0));
  let a = sm();
  let b = sm() ^ hi;
  let c = sm();
  let d = sm();
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** Standard normal draw (Box-Muller, exactly two uniforms). */
export function gaussian(rng: Rng): number {
  const u = 1 - rng(); // (0, 1]: log is finite
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
