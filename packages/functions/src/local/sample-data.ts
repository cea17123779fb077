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
