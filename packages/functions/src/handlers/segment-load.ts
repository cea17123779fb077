// ML state machine, Load: centroids from the assignments, labels, the segments table, the run.
import { type LoadStepInput, loadStep } from "@cdp/core/segment/sagemaker/load-step";
import { segmentDeps } from "./segment-deps";

export const handler = (input: LoadStepInput) => loadStep(segmentDeps(), input);
