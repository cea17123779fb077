// The loops over rows: seeding distances, the full (Lloyd) and the Hamerly assignment steps,
// the farthest points for an empty cluster, and the inertia. Rows are cut into fixed blocks
// (their size depends on n only) and each block writes its own partial results (sums, or the
// changes to the segment sums) into its slot of `partial`; the main thread adds the slots up in
// block order. So which thread ran a block, and how many threads there were, never changes a
// result, bit for bit.
//
// Every function here is a self-contained function declaration: no imports, no closures, no
// module state. worker-source.ts ships their source text to the worker threads (a worker then
// needs no TypeScript loader), so they may only call each other.

/** Views on the buffers one fit shares between the main thread and its workers. */
export interface KState {
  n: number;
  d: number;
  k: number;
  nBlocks: number;
  blockSize: number;
  /** Float64 slots per block in `partial`. */
  stride: number;
  /** n × d, row-major. */
  data: Float64Array;
  /** The segment of each row (−1 before the first assignment). */
  assign: Int32Array;
  /** Hamerly's bounds: ≥ the distance to the assigned centroid; ≤ the distance to any other. */
  upper: Float64Array;
  lower: Float64Array;
  /** k × d. */
  centroids: Float64Array;
  /** How far each centroid moved in the last update (Euclidean). */
  shift: Float64Array;
  /** How far a row's lower bound drops if it is in segment j: the largest shift of the others. */
  drop: Float64Array;
  /** Half the distance from each centroid to its nearest other centroid. */
  half: Float64Array;
  /** Seeding: the candidate centres, row-major. */
  cand: Float64Array;
  partial: Float64Array;
  /** Next block to take (Atomics.add), reset by the main thread before each step. */
  counter: Int32Array;
}

/** What crosses to a worker: the buffers (shared) and the sizes. */
export interface KBuffers {
  /** n, d, k, nBlocks, blockSize, stride, byte offset of the data in its buffer. */
  dims: number[];
  data: ArrayBufferLike;
  assign: ArrayBufferLike;
  upper: ArrayBufferLike;
  lower: ArrayBufferLike;
  centroids: ArrayBufferLike;
  /** shift, then drop (2k values). */
  shift: ArrayBufferLike;
  half: ArrayBufferLike;
  cand: ArrayBufferLike;
  partial: ArrayBufferLike;
  counter: ArrayBufferLike;
}

export function kmState(b: KBuffers): KState {
  const n = b.dims[0]!;
  const d = b.dims[1]!;
  return {
    n,
    d,
    k: b.dims[2]!,
    nBlocks: b.dims[3]!,
    blockSize: b.dims[4]!,
    stride: b.dims[5]!,
    data: new Float64Array(b.data, b.dims[6]!, n * d),
    assign: new Int32Array(b.assign, 0, n),
    upper: new Float64Array(b.upper, 0, n),
    lower: new Float64Array(b.lower, 0, n),
    centroids: new Float64Array(b.centroids),
    shift: new Float64Array(b.shift, 0, b.dims[2]!),
    drop: new Float64Array(b.shift, b.dims[2]! * 8, b.dims[2]!),
    half: new Float64Array(b.half),
    cand: new Float64Array(b.cand),
    partial: new Float64Array(b.partial),
    counter: new Int32Array(b.counter),
  };
}

/** Squared Euclidean distance from row i of `x` to row j of `c` (both with d columns). */
export function kmDist2(x: Float64Array, i: number, c: Float64Array, j: number, d: number): number {
  const xo = i * d;
  const co = j * d;
  let s = 0;
  for (let t = 0; t < d; t++) {
    const v = x[xo + t]! - c[co + t]!;
    s += v * v;
  }
  return s;
}

/**
 * Seeding, one block. mode 0: closest[i] = D²(x, cand 0), slot 0 = Σ closest. mode 1: slot j =
 * Σ min(closest, D²(x, cand j)) for the t candidates. mode 2: closest = min(closest, D²(x,
 * cand 0)), slot 0 = Σ closest. `upper` holds closest while seeding.
 */
export function kmSeed(st: KState, from: number, to: number, o: number, mode: number, t: number) {
  const { data, d, cand, upper: closest, partial } = st;
  if (mode === 1) {
    for (let j = 0; j < t; j++) partial[o + j] = 0;
    for (let i = from; i < to; i++) {
      const c = closest[i]!;
      for (let j = 0; j < t; j++) {
        const v = kmDist2(data, i, cand, j, d);
        partial[o + j]! += Math.min(v, c);
      }
    }
    return;
  }
  let s = 0;
  for (let i = from; i < to; i++) {
    const v = kmDist2(data, i, cand, 0, d);
    if (mode === 0 || v < closest[i]!) closest[i] = v;
    s += closest[i]!;
  }
  partial[o] = s;
}

/**
 * Row i moves from segment `from` (−1: none yet) to `to`: the block's slot gets the change to
 * the segment sums and counts. Only rows that move cost anything, so a late iteration, where
 * few rows move, is cheap; the main thread keeps the running sums.
 */
export function kmMove(st: KState, i: number, from: number, to: number, o: number) {
  const { data, d, k, partial } = st;
  const xo = i * d;
  const add = o + to * d;
  if (from >= 0) {
    const sub = o + from * d;
    for (let t = 0; t < d; t++) {
      const v = data[xo + t]!;
      partial[sub + t]! -= v;
      partial[add + t]! += v;
    }
    partial[o + k * d + from]! -= 1;
  } else {
    for (let t = 0; t < d; t++) partial[add + t]! += data[xo + t]!;
  }
  partial[o + k * d + to]! += 1;
}

/**
 * Assignment by every distance (Lloyd's step, and the first step of Hamerly's): the nearest
 * centroid (lowest index on a tie), exact bounds; in the block's slot the changes to the sums
 * and counts, then the rows that moved and the distances computed.
 */
export function kmFull(st: KState, from: number, to: number, o: number) {
  const { data, d, k, centroids, assign, upper, lower, partial } = st;
  const end = o + k * d + k;
  for (let s = o; s <= end; s++) partial[s] = 0;
  let changed = 0;
  for (let i = from; i < to; i++) {
    let best = 0;
    let b1 = Number.POSITIVE_INFINITY;
    let b2 = Number.POSITIVE_INFINITY;
    for (let j = 0; j < k; j++) {
      const v = kmDist2(data, i, centroids, j, d);
      if (v < b1) {
        b2 = b1;
        b1 = v;
        best = j;
      } else if (v < b2) b2 = v;
    }
    const a = assign[i]!;
    if (a !== best) {
      changed++;
      kmMove(st, i, a, best, o);
      assign[i] = best;
    }
    upper[i] = Math.sqrt(b1);
    lower[i] = Math.sqrt(b2);
  }
  partial[end] = changed;
  partial[end + 1] = (to - from) * k;
}

/**
 * Hamerly's step (G. Hamerly, "Making k-means even faster", SDM 2010): one upper bound (to the
 * assigned centroid) and one lower bound (to every other) per row, moved by how far the
 * centroids moved; a row's distances are computed only when the bounds cannot prove its
 * centroid is still the nearest. The proof needs a 1e-9 relative margin, so that rounding in
 * the bounds never keeps a row where Lloyd's step (exact distances) would move it: the two
 * steps give the same assignments.
 */
export function kmHamerly(st: KState, from: number, to: number, o: number) {
  const { data, d, k, centroids, assign, upper, lower, shift, drop, half, partial } = st;
  const end = o + k * d + k;
  for (let s = o; s <= end; s++) partial[s] = 0;
  const safe = 1 + 1e-9;
  let changed = 0;
  let dists = 0;
  for (let i = from; i < to; i++) {
    const a = assign[i]!;
    let u = upper[i]! + shift[a]!;
    let l = lower[i]! - drop[a]!;
    const m = Math.max(half[a]!, l);
    if (!(u * safe < m)) {
      u = Math.sqrt(kmDist2(data, i, centroids, a, d));
      dists++;
      if (!(u * safe < m)) {
        dists += k;
        let best = 0;
        let b1 = Number.POSITIVE_INFINITY;
        let b2 = Number.POSITIVE_INFINITY;
        for (let j = 0; j < k; j++) {
          const v = kmDist2(data, i, centroids, j, d);
          if (v < b1) {
            b2 = b1;
            b1 = v;
            best = j;
          } else if (v < b2) b2 = v;
        }
        u = Math.sqrt(b1);
        l = Math.sqrt(b2);
        if (best !== a) {
          changed++;
          kmMove(st, i, a, best, o);
          assign[i] = best;
        }
      }
    }
    upper[i] = u;
    lower[i] = l;
  }
  partial[end] = changed;
  partial[end + 1] = dists;
}

/**
 * The block's `m` rows farthest from their assigned centroid (squared distance, then lowest
 * row first), as (distance², row) pairs sorted that way; (−1, −1) pads a short list.
 */
export function kmFarthest(st: KState, from: number, to: number, o: number, m: number) {
  const { data, d, centroids, assign, partial } = st;
  let count = 0;
  for (let i = from; i < to; i++) {
    const v = kmDist2(data, i, centroids, assign[i]!, d);
    if (count === m && !(v > partial[o + 2 * (m - 1)]!)) continue;
    let p = count < m ? count++ : m - 1;
    while (p > 0 && partial[o + 2 * (p - 1)]! < v) {
      partial[o + 2 * p] = partial[o + 2 * (p - 1)]!;
      partial[o + 2 * p + 1] = partial[o + 2 * (p - 1) + 1]!;
      p--;
    }
    partial[o + 2 * p] = v;
    partial[o + 2 * p + 1] = i;
  }
  for (let p = count; p < m; p++) {
    partial[o + 2 * p] = -1;
    partial[o + 2 * p + 1] = -1;
  }
}

/** Σ squared distance from each row to its assigned centroid, in slot 0. */
export function kmInertia(st: KState, from: number, to: number, o: number) {
  const { data, d, centroids, assign, partial } = st;
  let s = 0;
  for (let i = from; i < to; i++) s += kmDist2(data, i, centroids, assign[i]!, d);
  partial[o] = s;
}

/** Runs step `op` (see OP in engine.ts) on block b with the step's parameters p. */
export function kmBlock(st: KState, op: number, p: number[], b: number) {
  const from = b * st.blockSize;
  const to = Math.min(st.n, from + st.blockSize);
  const o = b * st.stride;
  switch (op) {
    case 0:
    case 1:
    case 2:
      kmSeed(st, from, to, o, op, p[0]!);
      break;
    case 3:
      kmFull(st, from, to, o);
      break;
    case 4:
      kmHamerly(st, from, to, o);
      break;
    case 5:
      kmFarthest(st, from, to, o, p[0]!);
      break;
    case 6:
      kmInertia(st, from, to, o);
      break;
    default:
      throw new Error(`unknown k-means step ${op}`);
  }
}

/**
 * Takes blocks until none is left (the counter is shared, so threads balance themselves).
 * Returns how many this thread took.
 */
export function kmDrain(st: KState, op: number, p: number[]): number {
  let taken = 0;
  for (let b = Atomics.add(st.counter, 0, 1); b < st.nBlocks; b = Atomics.add(st.counter, 0, 1)) {
    kmBlock(st, op, p, b);
    taken++;
  }
  return taken;
}

/** A worker's loop: `setup` with the buffers of a fit, then `run` steps until terminated. */
export function kmWorkerMain(port: {
  on(event: "message", fn: (msg: unknown) => void): void;
  postMessage(msg: unknown): void;
}) {
  let st: KState | null = null;
  port.on("message", (raw) => {
    const msg = raw as { type: string; buffers?: KBuffers; op?: number; p?: number[] };
    try {
      let blocks = 0;
      if (msg.type === "setup") st = kmState(msg.buffers!);
      else if (st) blocks = kmDrain(st, msg.op!, msg.p!);
      else throw new Error("k-means worker: run before setup");
      port.postMessage({ ok: true, blocks });
    } catch (e) {
      port.postMessage({ ok: false, error: e instanceof Error ? (e.stack ?? e.message) : `${e}` });
    }
  });
}
