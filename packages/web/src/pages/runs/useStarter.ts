// Starting a pipeline from the Runs page: which one, whether the selftest should fail, and the
// notice either way. The header's button and the empty list's "Run selftest" share it.
import { useState } from "react";
import { usePipelines } from "../../queries/usePipelines";
import { useStartRun } from "../../queries/useStartRun";
import type { Notice } from "./NoticeBar";
import { pipelineToStart } from "./startable";

export function useStarter(setNotice: (n: Notice) => void) {
  const start = useStartRun();
  const pipelines = usePipelines();
  const [chosen, setChosen] = useState<string | null>(null);
  const [fail, setFail] = useState(false);
  const startable = pipelines.data?.items.filter((p) => p.startable).map((p) => p.name) ?? [];
  const toStart = pipelineToStart(chosen, startable);
  // Only the selftest knows how to fail on purpose.
  const failing = fail && toStart === "selftest";

  const run = (pipeline: string, failOnPurpose: boolean) =>
    start.mutate(
      { pipeline, args: failOnPurpose ? { fail: true } : {} },
      {
        onSuccess: ({ run }) => setNotice({ kind: "started", run, fail: failOnPurpose }),
        onError: (e) => setNotice({ kind: "error", message: e.message }),
      },
    );

  return {
    pipelines,
    startable,
    toStart,
    choose: setChosen,
    fail,
    setFail,
    pending: start.isPending,
    start: () => {
      if (toStart) run(toStart, failing);
    },
    startSelftest: () => {
      setChosen("selftest");
      run("selftest", false);
    },
  };
}

export type Starter = ReturnType<typeof useStarter>;
