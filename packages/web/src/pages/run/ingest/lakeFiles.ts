// Where an ingest run's file went in the lake: where it arrived, where it is now, the reason the
// whole file failed, and its rejects file — only those that exist.
import type { RunDetail } from "../../../api/client";
import type { IngestStats } from "./stats";

export interface LakeFile {
  label: string;
  key: string;
  note?: string;
}

export function lakeFiles(
  run: Pick<RunDetail, "args">,
  stats: Pick<IngestStats, "sourceKey" | "errorKey"> & { rejectsKey?: string | null },
): LakeFile[] {
  const arrived = typeof run.args.sourceKey === "string" ? run.args.sourceKey : null;
  const fileFailed = !!stats.errorKey && stats.errorKey === stats.sourceKey;
  // Runs recorded before rejectsKey existed named their rejects file in errorKey only.
  const rejects = stats.rejectsKey ?? (!fileFailed ? stats.errorKey : null);
  const rows: LakeFile[] = [];
  if (arrived) rows.push({ label: "Arrived as", key: arrived });
  if (stats.sourceKey && stats.sourceKey !== arrived) {
    rows.push({
      label: "Now at",
      key: stats.sourceKey,
      note: fileFailed ? "moved to error/, not loaded" : "loaded, moved to processed/",
    });
  }
  if (fileFailed && stats.errorKey) {
    rows.push({ label: "Why it failed", key: `${stats.errorKey}.reason.txt` });
  }
  if (rejects) {
    rows.push({ label: "Rejected rows", key: rejects, note: "CSV, the failed rule on each row" });
  }
  return rows;
}
