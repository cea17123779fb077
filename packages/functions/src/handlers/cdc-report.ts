// cdc state machine, Report: record what the Glue job applied and move the file where it belongs.
import { type ReportStepInput, reportStep } from "@cdp/core/cdc/report-step";
import { cdcDeps } from "./cdc-deps";

export const handler = (input: ReportStepInput) => reportStep(cdcDeps(), input);
