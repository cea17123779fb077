// Ingest state machine, Report: record what the Glue job did and move the file where it belongs.
import { type ReportStepInput, reportStep } from "@cdp/core/ingest/report-step";
import { ingestDeps } from "./ingest-deps";

export const handler = (input: ReportStepInput) => reportStep(ingestDeps(), input);
