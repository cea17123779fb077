// When a run the console was watching finishes, what it produced — quality failures, schema
// changes, alerts, metrics — is new: refetch exactly those, instead of polling them while idle.
import type { Query, QueryClient } from "@tanstack/react-query";
import type { RunStatusValue } from "../api/client";
import { isActive } from "../lib/status";
import { alertKeys, metricKeys, qualityKeys, runKeys, schemaKeys } from "./keys";

type RunLike = { id: string; status: RunStatusValue };

const active = new Set<string>();

function runsIn(data: unknown): RunLike[] {
  if (typeof data !== "object" || data === null) return [];
  const d = data as { items?: RunLike[]; id?: string; status?: RunStatusValue; chain?: RunLike[] };
  if (Array.isArray(d.items)) return d.items;
  if (d.id && d.status) return [{ id: d.id, status: d.status }, ...(d.chain ?? [])];
  return [];
}

/** For the QueryCache's onSuccess: every fetched runs list or run passes through here. */
export function onRunsFetched(
  queryClient: QueryClient,
  data: unknown,
  query: Query<unknown, unknown, unknown>,
) {
  if (query.queryKey[0] !== runKeys.all[0]) return;
  let finished = false;
  for (const r of runsIn(data)) {
    if (isActive(r.status)) active.add(r.id);
    else if (active.delete(r.id)) finished = true;
  }
  if (!finished) return;
  for (const queryKey of [qualityKeys.all, schemaKeys.all, alertKeys.all, metricKeys.all]) {
    void queryClient.invalidateQueries({ queryKey });
  }
}
