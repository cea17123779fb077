// "Run segmentation now": starts the `segment` pipeline as the Runs page starts any pipeline, then
// follows the run; when it has finished, the segments are fetched again (a new run, new sizes).
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { RunStatus } from "../../components/RunStatus";
import { Button, Spinner } from "../../components/ui";
import { Link } from "../../lib/router";
import { isActive } from "../../lib/status";
import { segmentKeys } from "../../queries/keys";
import { usePipelines } from "../../queries/usePipelines";
import { useRun } from "../../queries/useRun";
import { useStartRun } from "../../queries/useStartRun";

/** Can this platform start `segment` from the console (locally yes; deployed, by schedule)? */
export function useCanSegment() {
  const pipelines = usePipelines();
  return !!pipelines.data?.items.some((p) => p.name === "segment" && p.startable);
}

function Started({ id }: { id: string }) {
  const run = useRun(id);
  const status = run.data?.status;
  const queryClient = useQueryClient();
  const done = !!status && !isActive(status);
  useEffect(() => {
    if (done) void queryClient.invalidateQueries({ queryKey: segmentKeys.all });
  }, [done, queryClient]);
  return (
    <span className="flex items-center gap-1.5 text-[12px] text-zinc-600" role="status">
      {status && isActive(status) ? <Spinner /> : null}
      <Link to={`/runs/${id}`} className="font-mono text-sky-700 hover:underline">
        {id}
      </Link>
      {status ? <RunStatus status={status} /> : null}
    </span>
  );
}

export function RunSegmentation({ variant = "default" }: { variant?: "default" | "primary" }) {
  const start = useStartRun();
  const can = useCanSegment();
  const [started, setStarted] = useState<string | null>(null);
  if (!can) return null;
  return (
    <span className="flex items-center gap-2">
      {started ? <Started id={started} /> : null}
      {start.isError ? (
        <span role="alert" className="text-[12px] text-red-700">
          {start.error.message}
        </span>
      ) : null}
      <Button
        variant={variant}
        disabled={start.isPending}
        title="Start the segment pipeline: features from the warehouse, k-means, labels, drift"
        onClick={() =>
          start.mutate(
            { pipeline: "segment", args: {} },
            { onSuccess: ({ run }) => setStarted(run.id) },
          )
        }
      >
        {start.isPending ? <Spinner /> : null}
        Run segmentation now
      </Button>
    </span>
  );
}
