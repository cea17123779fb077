// The benchmark: each part prints a table and one `BENCH <name> <value> <unit>` line per figure.
import { cpus, totalmem } from "node:os";

const parts: Record<string, () => Promise<void>> = {
  ingest: async () => (await import("./ingest")).run(),
  cdc: async () => (await import("./cdc")).run(),
  api: async () => (await import("./api")).run(),
  start: async () => (await import("./start")).run(),
  "csv-reader": async () => (await import("./csv-reader.bench")).run(),
  kmeans: async () => (await import("./kmeans")).run(),
  sync: async () => (await import("./sync")).run(),
};

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!parts[name]) {
    console.error(`unknown part "${name}"; parts: ${Object.keys(parts).join(", ")}`);
    process.exit(2);
  }
}
console.log(
  `machine: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`,
);
for (const name of wanted.length ? wanted : Object.keys(parts)) {
  console.log(`\n== ${name} ==`);
  await parts[name]!();
}
