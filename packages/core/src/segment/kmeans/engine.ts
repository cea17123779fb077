// Where the k-means steps run: on the calling thread, or on a pool of worker threads that share
// the data, the bounds and the assignments through SharedArrayBuffers. The main thread drives
// the iterations; each step is one round trip to every worker.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { type KBuffers, type KState, kmDrain, kmState } from "./kernels";
import { workerSource } from "./worker-source";

/** The steps the kernels know (kmBlock's switch). */
export const OP = {
  seedFirst: 0,
  seedTrials: 1,
  seedCommit: 2,
  full: 3,
  hamerly: 4,
  farthest: 5,
  inertia: 6,
} as const;
export type Op = (typeof OP)[keyof typeof OP];

/** Rows per block: depends on n only, so the sums are the same for any number of workers. */
export function blockSize(n: number): number {
  return Math.max(4096, Math.ceil(n / 256));
}

/** Below this many rows a fit runs on the calling thread unless `workers` says otherwise. */
export const SMALL_N = 50_000;

/** Workers for a fit of n rows: `requested` if given, else every core for large n, else none. */
export function workerCount(n: number, requested?: number): number {
  if (requested !== undefined) return requested;
  return n < SMALL_N ? 0 : Math.min(availableParallelism(), 8);
}

/** A Float64Array n × d on a SharedArrayBuffer: the workers read it without a copy. */
export function allocate(n: number, d: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(n * d * 8));
}

type Pending = { resolve: () => void; reject: (e: Error) => void };

/** Worker threads running the kernels; reusable across fits (chooseK fits one k after another). */
export class KMeansPool {
  private readonly pending = new Map<Worker, Pending>();
  private broken: Error | undefined;
  /** Blocks each worker took so far: how evenly the work spread. */
  readonly blocks: number[] = [];

  private constructor(private readonly workers: Worker[]) {
    for (const w of workers) {
      w.on("message", (m: { ok: boolean; error?: string; blocks?: number }) => {
        const at = this.workers.indexOf(w);
        this.blocks[at] = (this.blocks[at] ?? 0) + (m.blocks ?? 0);
        const p = this.pending.get(w);
        this.pending.delete(w);
        if (m.ok) p?.resolve();
        else p?.reject(new Error(`k-means worker failed: ${m.error}`));
      });
      const fail = (e: Error) => {
        this.broken ??= e;
        const p = this.pending.get(w);
        this.pending.delete(w);
        p?.reject(e);
      };
      w.on("error", fail);
      w.on("exit", (code) => fail(new Error(`k-means worker exited (code ${code})`)));
    }
  }

  static open(size: number): KMeansPool {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`pool size ${size}`);
    const src = workerSource();
    return new KMeansPool(Array.from({ length: size }, () => new Worker(src, { eval: true })));
  }

  get size(): number {
    return this.workers.length;
  }

  private all(msg: unknown): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    return Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            this.pending.set(w, { resolve, reject });
            w.postMessage(msg);
          }),
      ),
    ).then(() => undefined);
  }

  setup(buffers: KBuffers): Promise<void> {
    return this.all({ type: "setup", buffers });
  }

  run(op: Op, p: number[]): Promise<void> {
    return this.all({ type: "run", op, p });
  }

  async close(): Promise<void> {
    this.broken ??= new Error("k-means pool closed");
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** One fit's buffers and the way to run a step over every block. */
export interface Engine {
  st: KState;
  run(op: Op, p?: number[]): Promise<void>;
  close(): Promise<void>;
}

/** Float64 slots per block: k × d sums, k counts, the changed count, and room for 2k pairs. */
function strideOf(k: number, d: number): number {
  return k * d + 4 * k + 8;
}

/** The most k-means++ candidates per round (scikit-learn's 2 + ⌊ln k⌋). */
export function seedTrials(k: number): number {
  return 2 + Math.floor(Math.log(k));
}

export async function openEngine(
  data: Float64Array,
  n: number,
  d: number,
  k: number,
  opts: { workers: number; pool?: KMeansPool },
): Promise<Engine> {
  const threads = opts.pool ? opts.pool.size : opts.workers;
  const shared = threads > 1;
  const bytes = (len: number) => (shared ? new SharedArrayBuffer(len) : new ArrayBuffer(len));
  const size = blockSize(n);
  const nBlocks = Math.ceil(n / size);
  const stride = strideOf(k, d);
  let source = data;
  if (shared && !(data.buffer instanceof SharedArrayBuffer)) {
    // The workers need the rows on shared memory: one copy (allocate() avoids it).
    source = allocate(n, d);
    source.set(data.subarray(0, n * d));
  }
  const buffers: KBuffers = {
    dims: [n, d, k, nBlocks, size, stride, source.byteOffset],
    data: source.buffer,
    assign: bytes(n * 4),
    upper: bytes(n * 8),
    lower: bytes(n * 8),
    centroids: bytes(k * d * 8),
    shift: bytes(2 * k * 8),
    half: bytes(k * 8),
    cand: bytes(seedTrials(k) * d * 8),
    partial: bytes(nBlocks * stride * 8),
    counter: bytes(4),
  };
  const st = kmState(buffers);
  if (!shared) {
    return {
      st,
      run: async (op, p = []) => {
        st.counter[0] = 0;
        kmDrain(st, op, p);
      },
      close: async () => {},
    };
  }
  const pool = opts.pool ?? KMeansPool.open(threads);
  try {
    await pool.setup(buffers);
  } catch (e) {
    if (!opts.pool) await pool.close();
    throw e;
  }
  return {
    st,
    run: (op, p = []) => {
      st.counter[0] = 0;
      return pool.run(op, p);
    },
    close: async () => {
      if (!opts.pool) await pool.close();
    },
  };
}
