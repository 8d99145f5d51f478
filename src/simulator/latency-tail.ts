// The simulator's long tail: a share of requests waits much longer for its first token, as a real provider's
// slowest percentiles do. Hedged requests exist for that tail, so the benchmark needs one it can repeat: the draw
// is seeded, and the draw order is the order in which requests reach their handler.

export type LatencyTailOptions = {
  /** The share of requests (0..1) that draw the tail; 0 turns it off. */
  tailRatio?: number;
  /** The extra wait, in ms, of a request that draws it. */
  tailMs?: number;
  /** Seeds the draws; absent: Math.random. */
  seed?: number;
};

/** Draws the tail for the next request: `tailMs` with probability `tailRatio`, else 0. */
export type TailDraw = () => number;

export function createTailDraw(options: LatencyTailOptions): TailDraw {
  const ratio = options.tailRatio ?? 0;
  const extraMs = options.tailMs ?? 0;
  if (!(ratio >= 0 && ratio <= 1)) throw new RangeError(`tailRatio must be between 0 and 1, got ${ratio}`);
  if (!(Number.isFinite(extraMs) && extraMs >= 0)) throw new RangeError(`tailMs must be a non-negative number, got ${extraMs}`);
  const random = options.seed === undefined ? Math.random : mulberry32(options.seed);
  // With the tail off nothing depends on the draw, so none is made.
  if (ratio === 0 || extraMs === 0) return () => 0;
  return () => (random() < ratio ? extraMs : 0);
}

/** A small seeded generator (mulberry32): the same seed draws the same sequence of numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
