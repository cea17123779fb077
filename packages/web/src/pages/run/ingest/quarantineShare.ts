// The quarantined share of an ingest run's rows against its table's reject threshold, and where
// the share bar and the threshold marker sit on the bar (in % of its width).
import type { IngestStats } from "./stats";

export interface QuarantineShare {
  share: number;
  threshold: number | null;
  over: boolean;
  /** The filled part of the bar. */
  barPercent: number;
  /** The threshold marker's position, when there is a threshold. */
  markerPercent: number | null;
}

export function quarantineShare(
  stats: Pick<IngestStats, "rowsRead" | "rowsQuarantined" | "rejectThreshold">,
): QuarantineShare {
  const share = stats.rowsRead ? stats.rowsQuarantined / stats.rowsRead : 0;
  const threshold = stats.rejectThreshold;
  const over = threshold !== null && share > threshold;
  // The bar's full width is a little past the threshold, so both a small share and the
  // threshold marker are visible; a share beyond that fills it.
  const scale = Math.max(threshold !== null ? threshold * 1.25 : 1, share) || 1;
  return {
    share,
    threshold,
    over,
    barPercent: Math.min(100, (share / scale) * 100),
    markerPercent: threshold !== null ? (threshold / scale) * 100 : null,
  };
}
