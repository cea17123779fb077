// Sample failing rows grouped for display: one compact table per warehouse table, its columns
// the union of its samples' columns, and in each row the column the failure is about.
import type { QualityFailure } from "../../api/client";

export interface SampleGroup {
  columns: string[];
  rows: QualityFailure[];
}

export function groupSamples(items: QualityFailure[]): [string, SampleGroup][] {
  const byTable = new Map<string, SampleGroup>();
  for (const f of items) {
    const g = byTable.get(f.tableName) ?? { columns: [], rows: [] };
    for (const c of Object.keys(f.row ?? {})) if (!g.columns.includes(c)) g.columns.push(c);
    g.rows.push(f);
    byTable.set(f.tableName, g);
  }
  return [...byTable];
}

/** The column a failure is about, when its rule or description names one. */
export function failingColumn(
  f: Pick<QualityFailure, "rule" | "description">,
  columns: string[],
): string | undefined {
  return columns.find(
    (c) =>
      f.rule === `type_${c}` ||
      f.rule === `not_null_${c}` ||
      f.rule.startsWith(`${c}_`) ||
      new RegExp(`(^|[^a-z0-9_])${c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}([^a-z0-9_]|$)`).test(
        f.description,
      ),
  );
}
