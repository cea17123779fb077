// An empty runs list, worded for why: past the last page, filtered to nothing, or no runs yet.
import { Button, EmptyState } from "../../components/ui";
import { navigate, withSearch } from "../../lib/router";

export function RunsEmpty({
  filtered,
  paged,
  canSelftest,
  onSelftest,
}: {
  filtered: boolean;
  paged: boolean;
  canSelftest: boolean;
  onSelftest: () => void;
}) {
  if (paged) {
    return (
      <EmptyState
        title="No older runs"
        action={
          <Button onClick={() => navigate(withSearch({ cursor: undefined }))}>
            Back to newest
          </Button>
        }
      />
    );
  }
  if (filtered) {
    return (
      <EmptyState
        title="No runs match these filters"
        action={<Button onClick={() => navigate("/runs")}>Clear filters</Button>}
      >
        Runs are kept with their status; try another status or pipeline.
      </EmptyState>
    );
  }
  return (
    <EmptyState
      title="No runs yet"
      action={canSelftest ? <Button onClick={onSelftest}>Run selftest</Button> : null}
    >
      A run appears here whenever a pipeline starts: a CSV dropped into{" "}
      <code className="text-zinc-700">lake/inbox/</code>, a scheduled segmentation, a sync.
      {canSelftest
        ? " The selftest checks the ops store, warehouse and lake in a few seconds."
        : ""}
    </EmptyState>
  );
}
