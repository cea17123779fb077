// Generated CRM exports: the sample a newcomer sees on first start, and the benchmark's input.
// Deterministic (seeded), 12 columns, with a chosen share of bad rows of every kind we catch.

const FIRST = [
  "Ana",
  "Ben",
  "Chloé",
  "Dmitri",
  "Eun-ji",
  "Farah",
  "Gus",
  "Hana",
  "Ivo",
  "Jun",
  "Kemal",
  "Lea",
  "Mateo",
  "Nia",
  "Omar",
  "Pia",
];
const LAST = [
  "Silva",
  "Okafor",
  "Müller",
  "Chen",
  "Kowalski",
  "Haddad",
  "O'Brien",
  "Tanaka",
  "García",
  "Novak",
  "Rossi",
  "Smith",
];
const CITIES = [
  "Lisbon",
  "Lagos",
  "Berlin",
  "Taipei",
  "Kraków",
  "Beirut",
  "Dublin",
  "Osaka",
  "Madrid",
  "Zagreb",
  "Rome",
  "Austin",
];
const COUNTRIES = ["PT", "NG", "DE", "TW", "PL", "LB", "IE", "JP", "ES", "HR", "IT", "US"];

export const CUSTOMER_HEADER = [
  "user_id",
  "first_name",
  "last_name",
  "email",
  "phone",
  "city",
  "country",
  "signup_date",
  "last_purchase_at",
  "total_spend",
  "orders_count",
  "is_subscribed",
];

/** A small, fast, seeded PRNG (mulberry32). */
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

export interface CustomerFileOptions {
  rows: number;
  /** Share of rows that break a rule (default 1 %). */
  badShare?: number;
  seed?: number;
  /** First user_id (default 1). */
  firstId?: number;
  /** Extra columns appended to every row: name → value for row i. */
  extra?: Record<string, (i: number) => string>;
  /** Add this to every total_spend (an upsert that changes every row). */
  spendDelta?: number;
  /** Include records with a field missing (default true). */
  malformed?: boolean;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** The file as CSV lines (header first), generated lazily so memory stays flat. */
export function* customerCsv(o: CustomerFileOptions): Generator<string> {
  const rnd = random(o.seed ?? 42);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const extra = Object.entries(o.extra ?? {});
  yield `${[...CUSTOMER_HEADER, ...extra.map(([k]) => k)].join(",")}\n`;
  const bad = o.badShare ?? 0.01;
  const first = o.firstId ?? 1;
  for (let i = 0; i < o.rows; i++) {
    const id = first + i;
    const fn = pick(FIRST);
    const ln = pick(LAST);
    const country = pick(COUNTRIES);
    const day = 1 + (id % 28);
    const month = 1 + (id % 12);
    const spend = (((id * 7919) % 100000) / 100 + (o.spendDelta ?? 0)).toFixed(2);
    const fields = [
      String(id),
      fn,
      ln.includes("'") ? ln : ln,
      `${fn
        .toLowerCase()
        .normalize("NFD")
        .replace(/[^a-z]/g, "")}.${id}@example.com`,
      `+1-555-${String(id % 10000).padStart(4, "0")}`,
      pick(CITIES),
      country,
      `20${pad(15 + (id % 10))}-${pad(month)}-${pad(day)}`,
      `2026-${pad(month)}-${pad(day)}T${pad(id % 24)}:${pad(id % 60)}:00`,
      spend,
      String(id % 50),
      id % 3 === 0 ? "true" : "false",
      ...extra.map(([, f]) => f(i)),
    ];
    if (rnd() < bad) {
      switch (Math.floor(rnd() * (o.malformed === false ? 4 : 5))) {
        case 0:
          fields[3] = ""; // email missing
          break;
        case 1:
          fields[3] = "not-an-email"; // email malformed
          break;
        case 2:
          fields[9] = `-${fields[9]}`; // negative spend
          break;
        case 3:
          fields[9] = "n/a"; // does not parse as a number
          break;
        default:
          fields.pop(); // a field short
      }
    }
    yield `${fields.map((f) => (/[",\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(",")}\n`;
  }
}

/** The first-start sample: an export with a few bad rows, and a second that adds a column. */
export function sampleFiles(): { key: string; lines: () => Generator<string> }[] {
  const tiers = ["bronze", "silver", "gold"];
  return [
    {
      key: "inbox/customers/customers_2026-11-01.csv",
      lines: () => customerCsv({ rows: 500, badShare: 0.02, seed: 1 }),
    },
    {
      key: "inbox/customers/customers_2026-11-02.csv",
      lines: () =>
        customerCsv({
          rows: 120,
          badShare: 0,
          seed: 2,
          firstId: 451,
          spendDelta: 10,
          extra: { loyalty_tier: (i) => tiers[i % 3]! },
        }),
    },
  ];
}

/** One DMS change as the sample writes it: op, change number, then the row (a delete: its key). */
type SampleChange = ["I" | "U" | "D", number, ...string[]];

const DMS_HEADER = [
  "Op",
  "dms_commit_ts",
  "CUSTOMER_ID",
  "FIRST_NAME",
  "LAST_NAME",
  "EMAIL",
  "CITY",
  "TOTAL_SPEND",
  "dms_change_seq",
];

/**
 * A DMS file of CRM.CUSTOMERS as the DMS S3 target writes it (AddColumnName, IncludeOpForFullLoad,
 * TimestampColumnName dms_commit_ts, dms_change_seq added by the table mapping). Rows of one
 * transaction share a commit time; the change sequence orders them.
 */
function* dmsCsv(commitTs: string, seqTime: string, changes: SampleChange[]): Generator<string> {
  yield `${DMS_HEADER.join(",")}\n`;
  for (const [op, n, ...row] of changes) {
    const seq = n ? `${seqTime}${String(n).padStart(19, "0")}` : "";
    const data = op === "D" ? [row[0]!, "", "", "", "", ""] : row;
    yield `${[op, commitTs, ...data, seq].join(",")}\n`;
  }
}

function sampleCustomer(id: number, spendDelta = 0): string[] {
  const first = FIRST[id % FIRST.length]!;
  const last = LAST[(id * 5) % LAST.length]!.replace("'", "");
  const email = `${first
    .toLowerCase()
    .normalize("NFD")
    .replace(/[^a-z]/g, "")}.${last
    .toLowerCase()
    .normalize("NFD")
    .replace(/[^a-z]/g, "")}${id}@example.com`;
  return [
    String(id),
    first,
    last,
    email,
    CITIES[id % CITIES.length]!,
    (id * 13.5 + spendDelta).toFixed(2),
  ];
}

/**
 * The first-start DMS sample: a full load of CRM.CUSTOMERS (20 rows), then two change batches —
 * updates, inserts and deletes, one transaction touching a customer twice at one commit time, an
 * update of a customer the full load never had, and a change with a broken email (quarantined).
 */
export function dmsSampleFiles(): { key: string; lines: () => Generator<string> }[] {
  const dir = "dms/CRM/CUSTOMERS";
  const ids = Array.from({ length: 20 }, (_, i) => 1001 + i);
  const withEmail = (row: string[], email: string) => [...row.slice(0, 3), email, ...row.slice(4)];
  return [
    {
      key: `${dir}/LOAD00000001.csv`,
      lines: () =>
        dmsCsv(
          "2026-11-01 08:00:00.000000",
          "",
          ids.map((id) => ["I", 0, ...sampleCustomer(id)] as SampleChange),
        ),
    },
    {
      key: `${dir}/20261101-0905000000.csv`,
      lines: () =>
        dmsCsv("2026-11-01 09:01:12.345678", "2026110109011234", [
          ["U", 1, ...sampleCustomer(1001, 40)],
          ["U", 2, ...sampleCustomer(1002, 15)],
          // one transaction: two updates of one customer at the same commit time
          ["U", 4, ...sampleCustomer(1003, 99)],
          ["U", 3, ...sampleCustomer(1003, 50)],
          ["I", 5, ...sampleCustomer(1021)],
          ["I", 6, ...sampleCustomer(1022)],
          ["D", 7, "1004"],
        ]),
    },
    {
      key: `${dir}/20261101-0910000000.csv`,
      lines: () =>
        dmsCsv("2026-11-01 09:07:40.000000", "2026110109074000", [
          ["U", 1, ...sampleCustomer(1005, 25)],
          ["U", 2, ...withEmail(sampleCustomer(1006, 5), "not-an-email")],
          ["I", 3, ...sampleCustomer(1023)],
          ["D", 4, "1021"],
          ["U", 5, ...sampleCustomer(1030)],
          ["U", 6, ...sampleCustomer(1007, 12)],
          ["U", 7, ...sampleCustomer(1008, 3)],
        ]),
    },
  ];
}
