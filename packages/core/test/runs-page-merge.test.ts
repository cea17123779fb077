// The AWS runs list's k-way merge and its cursor, on in-memory sources: newest first across
// sources, every run exactly once however the pages are cut, and cursors bound to their filter.
import { describe, expect, test } from "vitest";
import {
  after,
  decodeCursor,
  encodeCursor,
  fingerprint,
  keyOf,
  mergePage,
  type Source,
} from "../src/run/aws/merge";
import { type Info, ListFilter, noFailureFacts, type Status } from "../src/run/run";
import type { VisibleError } from "../src/util/error";

const t0 = Date.parse("2024-06-01T00:00:00Z");

function run(id: string, minute: number, status: Status = "SUCCEEDED"): Info {
  return {
    id,
    pipeline: "p",
    engine: "glue",
    status,
    createdAt: new Date(t0 + minute * 60_000).toISOString(),
    startedAt: null,
    finishedAt: null,
    args: {},
    error: null,
    stats: {},
    retryOf: null,
    retriedBy: null,
    ...noFailureFacts,
  };
}

/** A paged API over runs, newest first like GetJobRuns; the token is the next offset. */
function source(key: string, runs: Info[], pageSize = 2) {
  const sorted = [...runs].sort((a, b) => (after(keyOf(a), keyOf(b)) ? 1 : -1));
  const fetched: (string | undefined)[] = [];
  const s: Source & { fetched: typeof fetched } = {
    key,
    fetched,
    async fetch(token) {
      fetched.push(token);
      const from = token ? Number(token) : 0;
      const items = sorted.slice(from, from + pageSize);
      const next = from + pageSize < sorted.length ? String(from + pageSize) : undefined;
      return { items, next, reachedFrom: false };
    },
  };
  return s;
}

const opts = { pageSize: 2, maxPages: 20 };

async function all(sources: Source[], filter: ListFilter, o = opts) {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await mergePage(sources, ListFilter.parse({ ...filter, cursor }), o);
    ids.push(...page.items.map((r) => r.id));
    cursor = page.nextCursor ?? undefined;
    pages++;
  } while (cursor && pages < 100);
  return { ids, pages };
}

describe("runs page merge", () => {
  test("runs of every source come newest first; equal start times order by id, descending", async () => {
    const a = source("a", [run("a1", 1), run("a3", 3), run("a5", 5)]);
    const b = source("b", [run("b2", 2), run("b4", 4), run("b5", 5)]);
    const page = await mergePage([a, b], ListFilter.parse({}), opts);
    expect(page.items.map((r) => r.id)).toEqual(["b5", "a5", "b4", "a3", "b2", "a1"]);
    expect(page.nextCursor).toBeNull();
  });

  test("paging with a cursor returns every run exactly once, however small the pages and budget", async () => {
    const runs = Array.from({ length: 17 }, (_, i) => run(`r${String(i).padStart(2, "0")}`, i));
    const make = () => [
      source(
        "a",
        runs.filter((_, i) => i % 3 === 0),
      ),
      source(
        "b",
        runs.filter((_, i) => i % 3 === 1),
        3,
      ),
      source(
        "c",
        runs.filter((_, i) => i % 3 === 2),
        1,
      ),
    ];
    const expected = runs.map((r) => r.id).reverse();
    for (const limit of [1, 2, 5, 50]) {
      expect((await all(make(), { limit })).ids).toEqual(expected);
    }
    const tight = await all(make(), { limit: 50 }, { pageSize: 2, maxPages: 1 });
    expect(tight.pages).toBeGreaterThan(1);
    expect(tight.ids).toEqual(expected);
  });

  test("status and time filters apply to every source", async () => {
    const a = source("a", [run("a1", 1, "FAILED"), run("a2", 2), run("a3", 3, "FAILED")]);
    const b = source("b", [run("b1", 1, "FAILED"), run("b4", 4, "FAILED")]);
    const filter = {
      status: ["FAILED" as const],
      from: new Date(t0 + 60_000).toISOString(),
      to: new Date(t0 + 3 * 60_000).toISOString(),
    };
    expect((await all([a, b], filter)).ids).toEqual(["a3", "b1", "a1"]);
  });

  test("a source exhausted on one page is not read again on the next", async () => {
    const a = source("a", [run("a5", 5)]);
    const b = source("b", [run("b1", 1), run("b2", 2), run("b3", 3), run("b4", 4)]);
    const first = await mergePage([a, b], ListFilter.parse({ limit: 3 }), opts);
    expect(first.items.map((r) => r.id)).toEqual(["a5", "b4", "b3"]);
    const second = await mergePage(
      [a, b],
      ListFilter.parse({ limit: 3, cursor: first.nextCursor! }),
      opts,
    );
    expect(second.items.map((r) => r.id)).toEqual(["b2", "b1"]);
    expect(second.nextCursor).toBeNull();
    expect(a.fetched).toEqual([undefined]);
    // A full page reads no further: b's next page is read by the request that needs it.
    expect(b.fetched).toEqual([undefined, "2"]);
  });

  test("a source with runs left is re-read from the page that holds its next run", async () => {
    const a = source("a", [run("a1", 1)]);
    const b = source("b", [run("b2", 2), run("b3", 3), run("b4", 4), run("b5", 5)]);
    const first = await mergePage([a, b], ListFilter.parse({ limit: 3 }), opts);
    expect(first.items.map((r) => r.id)).toEqual(["b5", "b4", "b3"]);
    const second = await mergePage(
      [a, b],
      ListFilter.parse({ limit: 3, cursor: first.nextCursor! }),
      opts,
    );
    expect(second.items.map((r) => r.id)).toEqual(["b2", "a1"]);
    expect(second.nextCursor).toBeNull();
    expect(a.fetched).toEqual([undefined, undefined]);
    expect(b.fetched).toEqual([undefined, "2", "2"]);
  });

  test("a source that reached `from` stops being read", async () => {
    const reads: (string | undefined)[] = [];
    const old: Source = {
      key: "old",
      async fetch(token) {
        reads.push(token);
        return { items: [run("x9", 9), run("x0", 0)], next: "more", reachedFrom: true };
      },
    };
    const page = await mergePage(
      [old],
      ListFilter.parse({ from: new Date(t0 + 60_000).toISOString() }),
      opts,
    );
    expect(page).toEqual({ items: [run("x9", 9)], nextCursor: null });
    expect(reads).toEqual([undefined]);
  });

  test("a cursor is bound to the filter, sources and page size it was issued for", async () => {
    const sources = [source("a", [run("a1", 1), run("a2", 2), run("a3", 3)])];
    const failed = ListFilter.parse({ status: ["FAILED"] });
    const print = fingerprint(failed, sources, 2);
    expect(fingerprint(ListFilter.parse({ status: ["FAILED"] }), sources, 2)).toBe(print);
    expect(fingerprint(ListFilter.parse({}), sources, 2)).not.toBe(print);
    expect(fingerprint(failed, [...sources, source("b", [])], 2)).not.toBe(print);
    expect(fingerprint(failed, sources, 3)).not.toBe(print);

    const cursor = (await mergePage(sources, ListFilter.parse({ limit: 1 }), opts)).nextCursor!;
    const misuse = (await mergePage(sources, ListFilter.parse({ ...failed, cursor }), opts).catch(
      (x: unknown) => x,
    )) as VisibleError;
    expect(misuse).toMatchObject({ kind: "input", code: "run.bad_cursor" });
    expect(misuse.message).toMatch(/different filter/);
  });

  test("cursors round-trip; anything else is refused as not ours", () => {
    const state = { v: 1 as const, f: "abc", b: [t0, "a1"] as [number, string], s: { a: "2" } };
    expect(decodeCursor(encodeCursor(state), "abc")).toEqual(state);
    for (const bad of [
      "garbage",
      Buffer.from("{}").toString("base64url"),
      Buffer.from(JSON.stringify({ v: 2, f: "abc", s: {} })).toString("base64url"),
      Buffer.from(JSON.stringify({ v: 1, f: "abc", s: null })).toString("base64url"),
    ]) {
      expect(() => decodeCursor(bad, "abc")).toThrow(
        expect.objectContaining({ kind: "input", code: "run.bad_cursor" }),
      );
    }
  });
});
