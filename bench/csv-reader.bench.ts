// Micro-benchmark of the CSV reader's hot path: parse + classify + staging output, on one core.
// Run: npx tsx bench/csv-reader.bench.ts [megabytes=100]
// Prints MB/s and rows/s for a generated 12-column CRM export fed in 64 KiB chunks.
import { readCsv } from "../packages/core/src/ingest/csv-reader";

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

if (import.meta.url === `file://${process.argv[1]}`) await main();
