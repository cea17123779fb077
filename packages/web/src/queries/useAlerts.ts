import { queryOptions, useQuery } from "@tanstack/react-query";
import { api, call } from "../api/client";
import { type AlertFilter, alertKeys } from "./keys";

/**
 * Alerts arrive when a run finishes, wherever it was started (the inbox watcher, a schedule),
 * so the unacknowledged list polls gently like the health light; the others do not.
 */
export const ALERT_POLL_MS = 30_000;

export const alertsQueryOptions = (f: AlertFilter) =>
  queryOptions({
    queryKey: alertKeys.list(f),
    queryFn: () =>
      call(
        api.alerts.$get({
          query: {
            unacknowledged: f.unacknowledged ? "true" : undefined,
            open: f.open ? "true" : undefined,
            resolved: f.resolved ? "true" : undefined,
            limit: String(f.limit),
          },
        }),
      ),
    refetchInterval: f.unacknowledged || f.open ? ALERT_POLL_MS : false,
  });

export const useAlerts = (f: AlertFilter, enabled = true) =>
  useQuery({ ...alertsQueryOptions(f), enabled });

/** Not acknowledged, resolved ones included. */
export const UNACKNOWLEDGED: AlertFilter = { unacknowledged: true, limit: 200 };

/**
 * The list behind the nav badge and the Alerts page's default view: neither acknowledged nor
 * resolved (a run a retry resolved asks for nothing more). One key, one request.
 */
export const OPEN: AlertFilter = { unacknowledged: true, open: true, limit: 200 };
