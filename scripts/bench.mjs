#!/usr/bin/env node
// `npm run bench [-- part]`: the performance figures. Parts: ingest, cdc, api, start, csv-reader, kmeans, sync (default: all).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const r = spawnSync(
  join(root, "node_modules/.bin/tsx"),
  [join(root, "bench/main.ts"), ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: "inherit",
  },
);
process.exit(r.status ?? 1);
