// cdc state machine, Plan: take the table's turn, stage and plan its next DMS file for the Glue job.
import { type PlanStepInput, planStep } from "@cdp/core/cdc/plan-step";
import { cdcDeps } from "./cdc-deps";

export const handler = (input: PlanStepInput) => planStep(cdcDeps(), input);
