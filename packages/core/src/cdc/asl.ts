// The cdc apply state machine's definition (Amazon States Language), built from the ARNs it calls.
// Infra deploys exactly this JSON; the tests execute exactly this JSON with every Task bound to a
// local handler. An S3 "Object Created" event for a key under dms/ starts it:
//
//   ┌► Plan (Lambda) ─► NextStep? ─ apply ─► Apply (Glue job, .sync) ─► Report (Lambda) ─┐
//   │                      │ next (a file settled in Plan: applied before, empty, unusable) │
//   └──────────────────────┴────────────────────────────────────────────────────────────┘
//                          ├ queued ─► Queued (Succeed): a live run holds the table and applies this file
//                          ├ nothing ─► NothingToApply (Succeed): no file waits (applied already)
//                          └ done ─► Done (Succeed), or FilesFailed (Fail) when a file could not be applied
//   an error in Plan, Apply or Report ─► (which step) ─► ReportFailure (Lambda) ─► Failed (Fail)
//
// The run that takes a table's turn applies its files one at a time, in order, until none waits
// (turn.ts explains the per-table lock). Every failure ends in a Fail state, so the console never
// redrives an execution of it; its retry starts a new execution that puts the failed run's files
// back into dms/ and applies the table again (cdcRetry in machine.ts).
import { type AslDefinition, ingestIntegrations, LAMBDA_TIMEOUT, lambdaRetry } from "../ingest/asl";

/** The service integrations the machine uses, and nothing else (ingest's two). */
export const cdcIntegrations = ingestIntegrations;

/** State names, for bindings in tests and links from the console. */
export const CdcState = {
  plan: "Plan",
  nextStep: "NextStep",
  apply: "Apply",
  report: "Report",
  queued: "Queued",
  nothingToApply: "NothingToApply",
  done: "Done",
  filesFailed: "FilesFailed",
  planFailed: "PlanFailed",
  applyFailed: "ApplyFailed",
  reportFailed: "ReportFailed",
  reportFailure: "ReportFailure",
  failed: "Failed",
} as const;

/** Errors the machine ends with (the execution's `error`), for alarms and the console. */
export const CdcError = { filesFailed: "Cdc.FilesFailed" } as const;

export interface CdcMachineParams {
  planFunctionArn: string;
  reportFunctionArn: string;
  failureFunctionArn: string;
  glueJobName: string;
}

/** Above the Glue job's own timeout (infra sets 120 minutes), so Glue reports the timeout. */
const APPLY_TIMEOUT = 3 * 3600;

/**
 * A run hands its table on after 12 hours (turn.ts), so an execution lasts that and one more file
 * at most; the rest is margin. An execution that times out leaves its file in dms/ for the next.
 */
const MACHINE_TIMEOUT = 24 * 3600;

export function cdcStateMachine(p: CdcMachineParams): AslDefinition {
  const S = CdcState;
  const caught = (next: string) => [
    { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: next },
  ];
  const failedIn = (what: string) => ({
    Type: "Pass",
    Result: what,
    ResultPath: "$.failedIn",
    Next: S.reportFailure,
  });
  return {
    Comment:
      "CDP cdc: the DMS files of one table (dms/<SCHEMA>/<TABLE>/) applied to its warehouse table in order. Plan (Lambda) takes the table's turn and stages and plans its next file; the Glue job runs the plan on Redshift; Report (Lambda) records the outcome and moves the file to processed/dms/ (or error/dms/); then the next file.",
    StartAt: S.plan,
    TimeoutSeconds: MACHINE_TIMEOUT,
    States: {
      [S.plan]: {
        Type: "Task",
        Comment:
          "Take the table's turn (or find it held by a live run); read its next file into staging/<workId>.csv, describe the table, write plans/<workId>.json — or settle the file here (applied before, no changes, unusable).",
        Resource: cdcIntegrations.lambdaInvoke,
        Parameters: {
          FunctionName: p.planFunctionArn,
          Payload: { "event.$": "$", "executionArn.$": "$$.Execution.Id" },
        },
        ResultSelector: {
          "action.$": "$.Payload.action",
          "runId.$": "$.Payload.runId",
          "status.$": "$.Payload.status",
          "reason.$": "$.Payload.reason",
          "planKey.$": "$.Payload.planKey",
          "fileKey.$": "$.Payload.fileKey",
          "table.$": "$.Payload.table",
        },
        ResultPath: "$.plan",
        TimeoutSeconds: LAMBDA_TIMEOUT,
        Retry: [lambdaRetry],
        Catch: caught(S.planFailed),
        Next: S.nextStep,
      },
      [S.nextStep]: {
        Type: "Choice",
        Choices: [
          { Variable: "$.plan.action", StringEquals: "apply", Next: S.apply },
          { Variable: "$.plan.action", StringEquals: "next", Next: S.plan },
          { Variable: "$.plan.action", StringEquals: "queued", Next: S.queued },
          { Variable: "$.plan.action", StringEquals: "nothing", Next: S.nothingToApply },
          {
            And: [
              { Variable: "$.plan.action", StringEquals: "done" },
              { Variable: "$.plan.status", StringEquals: "FAILED" },
            ],
            Next: S.filesFailed,
          },
        ],
        Default: S.done,
      },
      [S.apply]: {
        Type: "Task",
        Comment:
          "The Glue job runs the plan: prepare, COPY, checks, the last change of each key, then the apply and its ledger row in one transaction (when few enough rows were rejected), UNLOAD of rejected rows, cleanup; writes results/<workId>.json.",
        Resource: cdcIntegrations.glueStartJobRunSync,
        Parameters: {
          JobName: p.glueJobName,
          Arguments: {
            "--run_id.$": "$.plan.runId",
            "--plan_key.$": "$.plan.planKey",
            "--lake_bucket.$": "$.detail.bucket.name",
          },
        },
        ResultSelector: { "jobRunId.$": "$.Id", "state.$": "$.JobRunState" },
        ResultPath: "$.apply",
        TimeoutSeconds: APPLY_TIMEOUT,
        Retry: [
          {
            // Other tables' runs hold the job's slots (MaxConcurrentRuns): wait our turn.
            ErrorEquals: ["Glue.ConcurrentRunsExceededException", "Glue.ThrottlingException"],
            IntervalSeconds: 30,
            MaxAttempts: 20,
            BackoffRate: 1.5,
            MaxDelaySeconds: 300,
            JitterStrategy: "FULL",
          },
        ],
        Catch: caught(S.applyFailed),
        Next: S.report,
      },
      [S.report]: {
        Type: "Task",
        Comment:
          "Read results/<workId>.json, the ledger's counts and the UNLOADed rejects; write the rejects file and failure records, move the file, add it to the run's stats.",
        Resource: cdcIntegrations.lambdaInvoke,
        Parameters: {
          FunctionName: p.reportFunctionArn,
          Payload: {
            "runId.$": "$.plan.runId",
            "planKey.$": "$.plan.planKey",
            "jobRunId.$": "$.apply.jobRunId",
          },
        },
        ResultSelector: {
          "fileKey.$": "$.Payload.fileKey",
          "outcome.$": "$.Payload.outcome",
          "movedTo.$": "$.Payload.movedTo",
        },
        ResultPath: "$.report",
        TimeoutSeconds: LAMBDA_TIMEOUT,
        Retry: [lambdaRetry],
        Catch: caught(S.reportFailed),
        Next: S.plan,
      },
      [S.queued]: {
        Type: "Succeed",
        Comment: "Another execution's run holds the table; it applies this file before it ends.",
      },
      [S.nothingToApply]: {
        Type: "Succeed",
        Comment: "No file waits in the table's folder: this one was applied already.",
      },
      [S.done]: { Type: "Succeed", Comment: "Every file of the table that waited was applied." },
      [S.filesFailed]: {
        Type: "Fail",
        Comment:
          "The table's other files were applied; the ones that could not be are in error/dms/ with the reason beside them.",
        Error: CdcError.filesFailed,
        CausePath: "$.plan.reason",
      },
      [S.planFailed]: failedIn("planning"),
      [S.applyFailed]: failedIn("applying (Glue job)"),
      [S.reportFailed]: failedIn("reporting"),
      [S.reportFailure]: {
        Type: "Task",
        Comment:
          "Record the error on the run (its table is free again), drop the job's scratch tables, move the file being applied to error/dms/ with a reason file, alert.",
        Resource: cdcIntegrations.lambdaInvoke,
        Parameters: {
          FunctionName: p.failureFunctionArn,
          Payload: { "state.$": "$", "executionArn.$": "$$.Execution.Id" },
        },
        ResultSelector: {
          "runId.$": "$.Payload.runId",
          "error.$": "$.Payload.error",
          "errorKey.$": "$.Payload.errorKey",
        },
        ResultPath: "$.failure",
        TimeoutSeconds: LAMBDA_TIMEOUT,
        Retry: [lambdaRetry],
        Next: S.failed,
      },
      [S.failed]: { Type: "Fail", ErrorPath: "$.error.Error", CausePath: "$.failure.error" },
    },
  };
}
