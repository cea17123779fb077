// Schema changes as the API lists them (one row per column) regrouped into steps: per table, the
// files that changed it, newest first, each with what it created, added and widened.
import type { SchemaChange } from "../../api/client";

export type ChangeKind = "create" | "add" | "widen";

/** The API sends `change` as text; anything new reads as an addition until the web learns it. */
export const kindOf = (c: string): ChangeKind => (c === "create" || c === "widen" ? c : "add");

/** One file's changes to one table. */
export interface Step {
  runId: string;
  sourceKey: string;
  createdAt: string;
  created: SchemaChange[];
  added: SchemaChange[];
  widened: SchemaChange[];
}

export function stepsOf(changes: SchemaChange[]): Map<string, Step[]> {
  const tables = new Map<string, Map<string, Step>>();
  for (const c of changes) {
    const runs = tables.get(c.tableName) ?? new Map<string, Step>();
    const step = runs.get(c.runId) ?? {
      runId: c.runId,
      sourceKey: c.sourceKey,
      createdAt: c.createdAt,
      created: [],
      added: [],
      widened: [],
    };
    const kind = kindOf(c.change);
    (kind === "create" ? step.created : kind === "widen" ? step.widened : step.added).push(c);
    runs.set(c.runId, step);
    tables.set(c.tableName, runs);
  }
  return new Map(
    [...tables].map(([t, runs]) => [
      t,
      [...runs.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt)),
    ]),
  );
}

/** Columns a table's history created or added (widening changes no count). */
export const columnCount = (steps: Step[]) =>
  steps.reduce((n, s) => n + s.created.length + s.added.length, 0);

/** Where a column's name came from, when ingest renamed the file's header. */
export const renamedFrom = (c: SchemaChange): string | null =>
  c.originalName && c.originalName !== c.columnName ? c.originalName : null;
