// The worker threads' program, as source text: the kernels' own function sources and a line
// that starts the worker loop. A worker started from a string needs no file beside the code
// and no TypeScript loader, so the same path works under vitest, tsx, the `cdp` command and a
// bundle (where the functions may be renamed, but consistently: each body names the others as
// they are declared).
import {
  kmBlock,
  kmDist2,
  kmDrain,
  kmFarthest,
  kmFull,
  kmHamerly,
  kmInertia,
  kmMove,
  kmSeed,
  kmState,
  kmWorkerMain,
} from "./kernels";

const KERNELS = [
  kmState,
  kmDist2,
  kmSeed,
  kmMove,
  kmFull,
  kmHamerly,
  kmFarthest,
  kmInertia,
  kmBlock,
  kmDrain,
  kmWorkerMain,
];

let source: string | undefined;

export function workerSource(): string {
  source ??= [
    '"use strict";',
    // esbuild's keepNames (tsx) may wrap nested functions in __name(); keep it harmless.
    "var __name = function (f) { return f; };",
    ...KERNELS.map((f) => f.toString()),
    `${kmWorkerMain.name}(require("node:worker_threads").parentPort);`,
  ].join("\n");
  return source;
}
