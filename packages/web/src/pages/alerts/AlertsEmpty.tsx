// The alerts page with nothing to show, worded for the view it is in.
import { EmptyState } from "../../components/ui";

export type View = "open" | "resolved" | "acknowledged" | "all";

export function AlertsEmpty({ view }: { view: View }) {
  if (view === "open") {
    return (
      <EmptyState title="Nothing to look at">
        Every alert has been acknowledged or resolved (a failed run's alert resolves itself when a
        retry of it succeeds). New ones appear here when a file has rows quarantined or is rejected,
        or a run fails.
      </EmptyState>
    );
  }
  if (view === "resolved") {
    return (
      <EmptyState title="No resolved alerts">
        An alert about a failed run resolves itself when a retry of the run succeeds, and says which
        run resolved it.
      </EmptyState>
    );
  }
  return (
    <EmptyState title={view === "acknowledged" ? "No acknowledged alerts" : "No alerts yet"}>
      Alerts are raised when a file has rows quarantined or is rejected, and when a run fails.
      Locally they are kept here (and posted to <code>CDP_ALERT_WEBHOOK_URL</code> when set);
      deployed, they also go to the SNS topic.
    </EmptyState>
  );
}
