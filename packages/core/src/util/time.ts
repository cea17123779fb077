// Timestamps as the Run model and the API carry them.

/** ISO 8601 in UTC, or null when there is no time (not started, not finished). */
export function iso(d: Date | undefined | null): string | null {
  return d ? d.toISOString() : null;
}
