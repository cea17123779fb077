// How the CDC page words a table's lag and its last change's sequence. Pure, tested without a browser.

/** Behind by more than this: the lag is shown in amber. */
export const LAG_WARN_SECONDS = 15 * 60;

/**
 * `caught up`, `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`; `—` while nothing was applied (the API
 * says null: there is no applied change to measure from).
 */
export function lagLabel(seconds: number | null): string {
  if (seconds === null) return "—";
  if (seconds <= 0) return "caught up";
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** What the lag means, for its tooltip. */
export function lagTitle(t: {
  lag: number | null;
  filesPending: number;
  newestPending: { name: string } | null;
  lastChange: unknown;
}): string {
  if (!t.lastChange) {
    return t.filesPending
      ? "Nothing applied yet: its files are waiting in dms/"
      : "Nothing applied yet";
  }
  if (!t.filesPending) return "No file is waiting in dms/: every delivered change is applied";
  const file = t.newestPending?.name ?? "the newest waiting file";
  if (t.lag === null) return `Behind ${file} (its time is unknown)`;
  return `The newest waiting file, ${file}, is ${lagLabel(t.lag)} newer than the last applied change's commit time`;
}

/**
 * A change sequence (`$AR_H_CHANGE_SEQ`: 16 digits of time, then 19 of change number) as it is;
 * a full load's rows carry zeros.
 */
export function seqLabel(seq: string): string {
  return /^0*$/.test(seq) ? "full load" : seq;
}
