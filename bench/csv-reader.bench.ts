// Micro-benchmark of the CSV reader's hot path: parse + classify + staging output, on one core.
// Run: npx tsx bench/csv-reader.bench.ts [megabytes=100]
// Prints MB/s and rows/s for a generated 12-column CRM export fed in 64 KiB chunks.
// As `npm run bench -- csv-reader` (BENCH_CSV_MB, default 100) it also times csv-parse on the same
// bytes, and job-runner's recordChunks against csv-parse on the staged file it cuts: the figures
// behind keeping the hand-written reader on the hot path and csv-parse for small files.
import { Readable } from "node:stream";
import { type Options, parse } from "csv-parse";
import { readCsv } from "../packages/core/src/ingest/csv-reader";
import { recordChunks } from "../packages/core/src/ingest/job-runner";
import { csvRecords } from "../packages/core/src/util/csv-read";
import { figure, printTable } from "./report";

const FIRST = [
  "Anna",
  "José",
  "Li",
  "Mohammed",
  "Zoë",
  "Ólafur",
  "Grace",
  "Kwame",
  "Sofía",
  "Ivan",
];
const LAST = ["Smith", "García", "Nguyen", "O'Brien", "Müller", "Kowalski", "Tanaka", "Dubois"];
const CITY = ["Paris", "São Paulo", "New York, NY", "Zürich", "Tokyo", "Lagos", "Berlin"];

/** A deterministic pseudo-random generator, so every run reads the same bytes. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateCrm(targetBytes: number, seed = 1): { data: Buffer; rows: number } {
  const r = rng(seed);
  const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)]!;
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const lines = [
    "Customer ID,First Name,Last Name,Email,Phone,City,Signup Date,Last Order At,Lifetime Value,Orders,Opt In,Notes",
  ];
  let size = lines[0]!.length + 1;
  let rows = 0;
  while (size < targetBytes) {
    rows++;
    const first = pick(FIRST);
    const last = pick(LAST);
    const d = `20${String(10 + Math.floor(r() * 15))}-${String(1 + Math.floor(r() * 12)).padStart(2, "0")}-${String(1 + Math.floor(r() * 28)).padStart(2, "0")}`;
    const note = r() < 0.1 ? `Called back, said "later"\nfollow up` : r() < 0.5 ? "" : "VIP";
    const line = [
      String(100000 + rows),
      first,
      last,
      q(`${first}.${last}@example.com`.toLowerCase()),
      `+1-555-${String(Math.floor(r() * 10000)).padStart(4, "0")}`,
      q(pick(CITY)),
      d,
      `${d} ${String(Math.floor(r() * 24)).padStart(2, "0")}:${String(Math.floor(r() * 60)).padStart(2, "0")}:00`,
      (r() * 10000).toFixed(2),
      String(Math.floor(r() * 200)),
      r() < 0.5 ? "true" : "false",
      q(note),
    ].join(",");
    lines.push(line);
    size += Buffer.byteLength(line) + 1;
  }
  return { data: Buffer.from(`${lines.join("\n")}\n`), rows };
}

async function* chunked(data: Buffer, size: number) {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function main() {
  const mb = Number(process.argv[2] ?? 100);
  const { data, rows } = generateCrm(mb * 1024 * 1024);
  console.log(`generated ${(data.length / 1e6).toFixed(1)} MB, ${rows} rows, 12 columns`);
  for (let run = 1; run <= 3; run++) {
    let out = 0;
    const t0 = process.hrtime.bigint();
    const s = await readCsv(chunked(data, 64 * 1024), {
      onChunk: (c) => {
        out += c.length;
      },
    });
    const sec = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(
      `run ${run}: ${(data.length / 1e6 / sec).toFixed(0)} MB/s, ${Math.round(s.rowsRead / sec).toLocaleString("en")} rows/s` +
        ` (${sec.toFixed(2)} s, staged ${s.rowsStaged} rows, ${(out / 1e6).toFixed(1)} MB out, rss ${Math.round(process.memoryUsage().rss / 1e6)} MB)`,
    );
  }
}

/** Seconds for `work`, best of `runs`: the least disturbed run on a shared machine. */
async function best(runs: number, work: () => Promise<number>, expect: number, what: string) {
  let sec = Number.POSITIVE_INFINITY;
  for (let run = 0; run < runs; run++) {
    const t0 = process.hrtime.bigint();
    const n = await work();
    sec = Math.min(sec, Number(process.hrtime.bigint() - t0) / 1e9);
    // A parser that read something else would be fast for the wrong reason.
    if (n !== expect) throw new Error(`${what} counted ${n}, expected ${expect}`);
  }
  return sec;
}

async function csvParseRecords(data: Buffer, options: Options = {}): Promise<number> {
  let n = 0;
  for await (const _ of Readable.from(chunked(data, 64 * 1024)).pipe(parse(options))) n++;
  return n;
}

export async function run() {
  const mb = Number(process.env.BENCH_CSV_MB ?? 100);
  const { data, rows } = generateCrm(mb * 1024 * 1024);
  console.log(`input: ${(data.length / 1e6).toFixed(1)} MB, ${rows} rows, 12 columns, best of 3`);

  const staged: Buffer[] = [];
  const fast = await best(
    3,
    async () => {
      staged.length = 0;
      const s = await readCsv(chunked(data, 64 * 1024), { onChunk: (c) => staged.push(c) });
      return s.rowsRead;
    },
    rows,
    "the fast reader",
  );
  // csv-parse alone, then as the rejects-file reader uses it (csvRecords: raw records, nulls),
  // then with the per-field `cast` csvRecords avoids, on a smaller file of the same kind.
  const lib = await best(3, () => csvParseRecords(data), rows + 1, "csv-parse");
  const records = await best(
    3,
    async () => {
      let n = 0;
      for await (const _ of csvRecords(Readable.from(chunked(data, 64 * 1024)))) n++;
      return n;
    },
    rows + 1,
    "csvRecords",
  );
  const small = generateCrm(Math.min(2, mb) * 1024 * 1024);
  const nullCast: Options = { cast: (v, c) => (v === "" && !c.quoting ? null : v) };
  const cast = await best(3, () => csvParseRecords(small.data, nullCast), small.rows + 1, "cast");

  // recordChunks cuts the staged file (the fast reader's output, no header) at record ends; any
  // csv-parse chunker must at least parse that file, so csv-parse's time on it is its floor.
  const stagedFile = Buffer.concat(staged);
  staged.length = 0;
  const chunks = await best(
    3,
    async () => {
      let bytes = 0;
      for await (const c of recordChunks(Readable.from(chunked(stagedFile, 64 * 1024))))
        bytes += c.length;
      return bytes;
    },
    stagedFile.length,
    "recordChunks",
  );
  const libStaged = await best(3, () => csvParseRecords(stagedFile), rows, "csv-parse (staged)");

  const mbps = (bytes: number, sec: number) => bytes / 1e6 / sec;
  printTable([
    {
      reader: "fast reader (parse, UTF-8, types, staging)",
      s: fast,
      "MB/s": mbps(data.length, fast),
    },
    { reader: "csv-parse (records only)", s: lib, "MB/s": mbps(data.length, lib) },
    { reader: "csvRecords (csv-parse raw, nulls)", s: records, "MB/s": mbps(data.length, records) },
    {
      reader: `csv-parse with a null cast (${(small.data.length / 1e6).toFixed(1)} MB)`,
      s: cast,
      "MB/s": mbps(small.data.length, cast),
    },
    { reader: "recordChunks, staged file", s: chunks, "MB/s": mbps(stagedFile.length, chunks) },
    { reader: "csv-parse, staged file", s: libStaged, "MB/s": mbps(stagedFile.length, libStaged) },
  ]);
  figure("csv_reader_fast_mb_per_s", mbps(data.length, fast), "MB/s", 0);
  figure("csv_reader_csv_parse_mb_per_s", mbps(data.length, lib), "MB/s", 0);
  figure("csv_reader_csv_records_mb_per_s", mbps(data.length, records), "MB/s", 0);
  figure("csv_reader_csv_parse_cast_mb_per_s", mbps(small.data.length, cast), "MB/s", 1);
  figure("csv_reader_fast_over_csv_parse", lib / fast, "x");
  figure("csv_reader_record_chunks_mb_per_s", mbps(stagedFile.length, chunks), "MB/s", 0);
  figure("csv_reader_record_chunks_over_csv_parse", libStaged / chunks, "x");
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
