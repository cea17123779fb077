// Ingest state machine, Plan: stage the new inbox/ file and write its plan for the Glue job.
import { type PlanStepInput, planStep } from "@cdp/core/ingest/plan-step";
import { ingestDeps } from "./ingest-deps";

export const handler = (input: PlanStepInput) => planStep(ingestDeps(), input);
