// The runs list over several paged sources (a Glue job, or a state machine × status filter), merged
// into one newest-first stream with a cursor. Pure: sources are fetched through callbacks.
//
// The cursor is base64url JSON: the filter's fingerprint, the sort key (start time, id) of the
// last run returned, and per source the NextToken of the API page holding its next run (0 = first
// page; absent = source exhausted). Pages are re-read from those tokens and runs at or above the
// last key skipped, so pages never repeat or skip a run even when sources are read unevenly.
import { createHash } from "node:crypto";
import { canonical } from "../../util/canonical";
import { VisibleError } from "../../util/error";
import type { Info, ListFilter, Page } from "../run";

export interface SourcePage {
  items: Info[];
  next: string | undefined;
  /** The page reached runs older than `from`: nothing further can match. */
  reachedFrom: boolean;
}

export interface Source {
  /** Stable for a given filter: the cursor keeps each source's token under it. */
  key: string;
  fetch(token: string | undefined): Promise<SourcePage>;
}

/** Does the page reach runs older than `from` (newest-first pages: nothing further matches)? */
export function reachesFrom(items: Info[], from: number | undefined): boolean {
  return from !== undefined && items.some((i) => Date.parse(i.createdAt) < from);
}

export type SortKey = [number, string];

export const keyOf = (r: Info): SortKey => [Date.parse(r.createdAt), r.id];

/** Does `a` come after `b` in newest-first order (older, or as old with a smaller id)? */
export function after(a: SortKey, b: SortKey): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}

export interface CursorState {
  v: 1;
  /** The fingerprint of the filter the cursor was issued for. */
  f: string;
  /** The sort key of the last run returned. */
  b: SortKey | null;
  /** Per source key: the token of the page holding its next run (0: the first page). */
  s: Record<string, string | 0>;
}

export function encodeCursor(c: CursorState): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

export function decodeCursor(cursor: string, fingerprint: string): CursorState {
  let c: CursorState;
  try {
    c = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as CursorState;
  } catch {
    throw new VisibleError("input", "run.bad_cursor", "the cursor is not one this API issued");
  }
  if (c?.v !== 1 || typeof c.s !== "object" || c.s === null) {
    throw new VisibleError("input", "run.bad_cursor", "the cursor is not one this API issued");
  }
  if (c.f !== fingerprint) {
    throw new VisibleError(
      "input",
      "run.bad_cursor",
      "the cursor belongs to a different filter; list again without it",
    );
  }
  return c;
}

/**
 * What a cursor is only valid with: the filter, the sources it reads and their page size (an API
 * NextToken is only valid with the arguments it was issued for).
 */
export function fingerprint(f: ListFilter, sources: readonly Source[], pageSize: number): string {
  return createHash("sha256")
    .update(
      canonical({
        status: f.status ?? null,
        pipeline: f.pipeline ?? null,
        from: f.from ?? null,
        to: f.to ?? null,
        sources: sources.map((s) => s.key),
        pageSize,
      }),
    )
    .digest("base64url")
    .slice(0, 16);
}

interface SourceState {
  source: Source;
  /** Token of the page in `buf` (undefined: the first page). */
  at: string | undefined;
  buf: Info[] | null;
  next: string | undefined;
  exhausted: boolean;
}

/**
 * One page of the merged stream: up to `f.limit` runs matching the filter, newest first, after the
 * cursor's. Reads at most `maxPages` source pages (more when restoring every source needs it).
 */
export async function mergePage(
  sources: readonly Source[],
  f: ListFilter & { limit: number },
  opts: { pageSize: number; maxPages: number },
): Promise<Page<Info>> {
  const print = fingerprint(f, sources, opts.pageSize);
  const cursor = f.cursor ? decodeCursor(f.cursor, print) : null;
  let boundary: SortKey | null = cursor?.b ?? null;
  const from = f.from ? Date.parse(f.from) : undefined;
  const to = f.to ? Date.parse(f.to) : undefined;
  const statuses = f.status?.length ? new Set(f.status) : null;
  const matches = (r: Info) => {
    const [t] = keyOf(r);
    return (
      (!statuses || statuses.has(r.status)) &&
      (from === undefined || t >= from) &&
      (to === undefined || t <= to) &&
      (!boundary || after(keyOf(r), boundary))
    );
  };

  const states: SourceState[] = [];
  for (const source of sources) {
    const saved = cursor ? cursor.s[source.key] : 0;
    if (saved === undefined) continue; // exhausted in an earlier page
    states.push({
      source,
      at: saved === 0 ? undefined : saved,
      buf: null,
      next: undefined,
      exhausted: false,
    });
  }
  // Restoring every source costs a page each; leave room to always make progress.
  let budget = Math.max(opts.maxPages, states.length + 2);

  /** Make sure the state's next run is in `buf`, or that it has none; false when out of budget. */
  async function fill(s: SourceState): Promise<boolean> {
    while (s.buf === null || (s.buf.length === 0 && !s.exhausted)) {
      if (s.buf !== null) {
        s.at = s.next;
        s.buf = null;
      }
      if (budget <= 0) return false;
      budget--;
      const page = await s.source.fetch(s.at);
      s.buf = page.items.filter(matches).sort((a, b) => (after(keyOf(a), keyOf(b)) ? 1 : -1));
      s.next = page.next;
      s.exhausted = !page.next || page.reachedFrom;
    }
    return true;
  }

  const items: Info[] = [];
  let stalled = !(await Promise.all(states.map(fill))).every(Boolean);
  while (!stalled && items.length < f.limit) {
    let best: SourceState | null = null;
    for (const s of states) {
      const head = s.buf?.[0];
      if (head && (!best || after(keyOf(best.buf![0]!), keyOf(head)))) best = s;
    }
    if (!best) break;
    const run = best.buf!.shift()!;
    items.push(run);
    boundary = keyOf(run);
    // A full page needs no look-ahead: the cursor keeps the source's next token.
    if (items.length < f.limit) stalled = !(await fill(best));
  }

  const s: Record<string, string | 0> = {};
  for (const st of states) {
    if (st.buf === null) s[st.source.key] = st.at ?? 0;
    else if (st.buf.length) s[st.source.key] = st.at ?? 0;
    else if (!st.exhausted && st.next) s[st.source.key] = st.next;
  }
  const more = Object.keys(s).length > 0;
  return {
    items,
    nextCursor: more ? encodeCursor({ v: 1, f: print, b: boundary, s }) : null,
  };
}
