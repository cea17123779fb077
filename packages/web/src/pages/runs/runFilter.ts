// The runs list's filter as the URL holds it (so a view can be shared), and what follows from it.
import { parseStatuses } from "../../lib/status";
import type { RunFilter } from "../../queries/keys";

export const PAGE_SIZE = 50;

export function runFilterOf(search: URLSearchParams): RunFilter {
  const limit = Number(search.get("limit"));
  return {
    status: parseStatuses(search.get("status")),
    pipeline: (search.get("pipeline") ?? "").split(",").filter(Boolean),
    from: search.get("from") ?? undefined,
    to: search.get("to") ?? undefined,
    showResolved: search.get("resolved") === "show",
    cursor: search.get("cursor") ?? undefined,
    limit: Number.isInteger(limit) && limit > 0 && limit <= 500 ? limit : PAGE_SIZE,
  };
}

/** Whether anything but the page (cursor, limit) narrows the list. */
export const isFiltered = (f: RunFilter) =>
  f.status.length > 0 || f.pipeline.length > 0 || !!f.from || !!f.to;

/** The platform's pipelines, plus any a run or the URL names (an old run of a retired one). */
export const pipelineChoices = (...names: (readonly string[])[]) =>
  [...new Set(names.flat())].sort();
