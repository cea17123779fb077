// ML state machine, Export: record the run, UNLOAD the standardised features for SageMaker.
import { type ExportStepInput, exportStep } from "@cdp/core/segment/sagemaker/export-step";
import { segmentDeps } from "./segment-deps";

export const handler = (input: ExportStepInput) => exportStep(segmentDeps(), input);
