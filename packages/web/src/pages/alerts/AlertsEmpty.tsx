// The alerts page with nothing to show, worded for the view it is in.
import { EmptyState } from "../../components/ui";

export type View = "unacknowledged" | "acknowledged" | "all";

export function AlertsEmpty({ view }: { view: View }) {
  if (view === "unacknowledged") {
    return (
      <EmptyState title="Nothing to look at">
        Every alert has been acknowledged. New ones appear here when a file has rows quarantined or
        is rejected, or a run fails.
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
