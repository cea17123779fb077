// Generated DMS change files for the cdc benchmark: a source table of `keys` customers changed
// `changes` times — 60 % updates, 25 % inserts, 15 % deletes of a live key (an insert needs a key
// that is not live, an update or delete one that is) — in transactions of 1–5 rows sharing a
// commit time, ordered by a 35-digit change sequence, cut into `files` files named by time.
// Deterministic (seeded); written streaming, so memory stays flat.
import { once } from "node:events";
import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";

export const CDC_COLUMNS = [
  "CUSTOMER_ID",
  "FIRST_NAME",
  "LAST_NAME",
  "EMAIL",
  "CITY",
  "COUNTRY",
  "TOTAL_SPEND",
  "ORDERS_COUNT",
  "UPDATED_AT",
];

function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ["Ana", "Ben", "Chloe", "Dmitri", "Farah", "Gus", "Hana", "Ivo", "Jun", "Kemal"];
const LASTS = ["Silva", "Okafor", "Muller", "Chen", "Kowalski", "Haddad", "Tanaka", "Rossi"];
const CITIES = ["Lisbon", "Lagos", "Berlin", "Taipei", "Krakow", "Beirut", "Osaka", "Rome"];
const COUNTRIES = ["PT", "NG", "DE", "TW", "PL", "LB", "JP", "IT"];

export interface CdcFiles {
  /** Files in name (time) order, each `<dir>/CRM/CUSTOMERS/<name>`. */
  files: string[];
  counts: { I: number; U: number; D: number };
}

/** A set of live keys with O(1) random pick, add and remove. */
class KeySet {
  private readonly items: number[] = [];
  private readonly at = new Map<number, number>();
  get size() {
    return this.items.length;
  }
  has(k: number) {
    return this.at.has(k);
  }
  add(k: number) {
    this.at.set(k, this.items.length);
    this.items.push(k);
  }
  delete(k: number) {
    const i = this.at.get(k)!;
    const last = this.items.pop()!;
    if (last !== k) {
      this.items[i] = last;
      this.at.set(last, i);
    }
    this.at.delete(k);
  }
  pick(r: number) {
    return this.items[Math.floor(r * this.items.length)]!;
  }
}

export async function writeCdcFiles(
  dir: string,
  o: { changes: number; keys: number; files: number; seed?: number },
): Promise<CdcFiles> {
  const rnd = random(o.seed ?? 11);
  const folder = join(dir, "CRM", "CUSTOMERS");
  mkdirSync(folder, { recursive: true });
  const live = new KeySet();
  const dead: number[] = Array.from({ length: o.keys }, (_, i) => i + 1); // the keys not live
  const counts = { I: 0, U: 0, D: 0 };
  const files: string[] = [];
  const perFile = Math.ceil(o.changes / o.files);
  let n = 0;
  let clock = Date.UTC(2026, 10, 1, 9, 0, 0);
  for (let f = 0; f < o.files; f++) {
    const start = new Date(clock);
    const p = (x: number, w = 2) => String(x).padStart(w, "0");
    const name = `${start.getUTCFullYear()}${p(start.getUTCMonth() + 1)}${p(start.getUTCDate())}-${p(start.getUTCHours())}${p(start.getUTCMinutes())}${p(start.getUTCSeconds())}0000.csv`;
    const path = join(folder, name);
    files.push(path);
    const w = createWriteStream(path);
    let buf = `Op,dms_commit_ts,${CDC_COLUMNS.join(",")},dms_change_seq\n`;
    const end = Math.min(o.changes, n + perFile);
    while (n < end) {
      // One transaction: 1–5 changes at one commit time.
      clock += 1 + Math.floor(rnd() * 40);
      const t = new Date(clock);
      const ts = `${t.toISOString().slice(0, 10)} ${t.toISOString().slice(11, 19)}.${p(t.getUTCMilliseconds(), 3)}000`;
      const seqTime = `${t
        .toISOString()
        .replace(/[-:TZ.]/g, "")
        .slice(0, 14)}${p(Math.floor(t.getUTCMilliseconds() / 10))}`;
      const size = Math.min(end - n, 1 + Math.floor(rnd() * 5));
      for (let i = 0; i < size; i++, n++) {
        const r = rnd();
        let op: "I" | "U" | "D" = r < 0.6 ? "U" : r < 0.85 ? "I" : "D";
        if (op !== "I" && live.size === 0) op = "I";
        if (op === "I" && dead.length === 0) op = "U";
        let key: number;
        if (op === "I") {
          const at = Math.floor(rnd() * dead.length);
          key = dead[at]!;
          dead[at] = dead[dead.length - 1]!;
          dead.pop();
          live.add(key);
        } else {
          key = live.pick(rnd());
          if (op === "D") {
            live.delete(key);
            dead.push(key);
          }
        }
        counts[op]++;
        const seq = `${seqTime}${String(n + 1).padStart(19, "0")}`;
        if (op === "D") {
          buf += `D,${ts},${key},,,,,,,,,${seq}\n`;
        } else {
          const first = NAMES[(key + n) % NAMES.length]!;
          const last = LASTS[key % LASTS.length]!;
          buf +=
            `${op},${ts},${key},${first},${last},${first.toLowerCase()}.${key}@example.com,` +
            `${CITIES[(key + n) % CITIES.length]},${COUNTRIES[key % COUNTRIES.length]},` +
            `${((key * 7919 + n) % 100000) / 100},${n % 50},${ts.slice(0, 19)},${seq}\n`;
        }
        if (buf.length > 1 << 20) {
          if (!w.write(buf)) await once(w, "drain");
          buf = "";
        }
      }
    }
    w.end(buf);
    await once(w, "finish");
  }
  return { files, counts };
}
