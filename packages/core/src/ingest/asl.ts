// The ingest state machine's definition (Amazon States Language), built from the ARNs it calls.
// Infra deploys exactly this JSON; the tests execute exactly this JSON with every Task bound to a
// local handler. An S3 "Object Created" event for inbox/ starts it:
//
//   Plan (Lambda) ─► Ingestible? ─► Load (Glue job, .sync) ─► Report (Lambda) ─► WithinThreshold? ─► Done
//                        │ not ingestible ─► NotIngestible (Fail)              └─► TooManyRejects (Fail)
//                        └ nothing to do ─► NothingToIngest (Succeed)
//   any error in Plan, Load or Report ─► ReportFailure (Lambda) ─► Failed (Fail)
//
// Every failure ends in a Fail state, so the console never redrives an execution of it (a redrive
// resumes at the failed state: it would only fail there again); its retry starts a new execution
// that re-ingests the file from where the failed run left it (ingestRetry in machine.ts).

/** The service integrations the machine uses, and nothing else. */
export const ingestIntegrations = {
  lambdaInvoke: "arn:aws:states:::lambda:invoke",
  glueStartJobRunSync: "arn:aws:states:::glue:startJobRun.sync",
} as const;

/** State names, for bindings in tests and links from the console. */
export const IngestState = {
  plan: "Plan",
  ingestible: "Ingestible",
  notIngestible: "NotIngestible",
  nothingToIngest: "NothingToIngest",
  load: "Load",
  report: "Report",
  withinThreshold: "WithinThreshold",
  tooManyRejects: "TooManyRejects",
  done: "Done",
  reportFailure: "ReportFailure",
  failed: "Failed",
} as const;

/** Errors the ingest machine ends with (the execution's `error`), for alarms and the console. */
export const IngestError = {
  fileRejected: "Ingest.FileRejected",
  qualityThreshold: "Ingest.QualityThreshold",
} as const;

export interface IngestMachineParams {
  planFunctionArn: string;
  reportFunctionArn: string;
  failureFunctionArn: string;
  glueJobName: string;
}

export type AslState = Record<string, unknown>;
export interface AslDefinition {
  Comment: string;
  StartAt: string;
  TimeoutSeconds: number;
  States: Record<string, AslState>;
}

/** Lambda's own transient failures (not the function's errors): retried with backoff and jitter. */
export const lambdaRetry = {
  ErrorEquals: [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
  ],
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
  MaxDelaySeconds: 60,
  JitterStrategy: "FULL",
};

const toFailure = [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "ReportFailure" }];

export const LAMBDA_TIMEOUT = 900;
/** Above the Glue job's own timeout (infra sets 120 minutes), so Glue reports the timeout. */
const LOAD_TIMEOUT = 3 * 3600;

export function ingestStateMachine(p: IngestMachineParams): AslDefinition {
  const S = IngestState;
  return {
    Comment:
      "CDP ingest: one CSV from inbox/ into its warehouse table. Plan (Lambda) stages the file and writes the plan; the Glue job runs the plan on Redshift; Report (Lambda) records the outcome and moves the file to processed/ or error/.",
    StartAt: S.plan,
    TimeoutSeconds: 4 * 3600,
    States: {
      [S.plan]: {
        Type: "Task",
        Comment:
          "Record the run, read the file once into staging/<runId>.csv, describe the target table, write plans/<runId>.json.",
        Resource: ingestIntegrations.lambdaInvoke,
        Parameters: {
          FunctionName: p.planFunctionArn,
          Payload: { "event.$": "$", "executionArn.$": "$$.Execution.Id" },
        },
        ResultSelector: {
          "runId.$": "$.Payload.runId",
          "planKey.$": "$.Payload.planKey",
          "table.$": "$.Payload.table",
          "sourceKey.$": "$.Payload.sourceKey",
          "skip.$": "$.Payload.skip",
          "rejected.$": "$.Payload.rejected",
          "reason.$": "$.Payload.reason",
        },
        ResultPath: "$.plan",
        TimeoutSeconds: LAMBDA_TIMEOUT,
        Retry: [lambdaRetry],
        Catch: toFailure,
        Next: S.ingestible,
      },
      [S.ingestible]: {
        Type: "Choice",
        Choices: [
          {
            And: [
              { Variable: "$.plan.skip", BooleanEquals: true },
              { Variable: "$.plan.rejected", BooleanEquals: true },
            ],
            Next: S.notIngestible,
          },
          { Variable: "$.plan.skip", BooleanEquals: true, Next: S.nothingToIngest },
        ],
        Default: S.load,
      },
      [S.notIngestible]: {
        Type: "Fail",
        Comment: "The plan step moved the file to error/ with a reason file beside it.",
        Error: IngestError.fileRejected,
        CausePath: "$.plan.reason",
      },
      [S.nothingToIngest]: {
        Type: "Succeed",
        Comment: "The file is already being ingested by another run, or is no longer in the inbox.",
      },
      [S.load]: {
        Type: "Task",
        Comment:
          "The Glue job runs the plan: prepare, COPY, checks, report queries, select + merge in one transaction (when few enough rows were rejected), UNLOAD of rejected rows, cleanup; writes results/<runId>.json.",
        Resource: ingestIntegrations.glueStartJobRunSync,
        Parameters: {
          JobName: p.glueJobName,
          Arguments: {
            "--run_id.$": "$.plan.runId",
            "--plan_key.$": "$.plan.planKey",
            "--lake_bucket.$": "$.detail.bucket.name",
          },
        },
        ResultSelector: { "jobRunId.$": "$.Id", "state.$": "$.JobRunState" },
        ResultPath: "$.load",
        TimeoutSeconds: LOAD_TIMEOUT,
        Retry: [
          {
            // Another file's run holds the job's only slot (MaxConcurrentRuns): wait our turn.
            ErrorEquals: ["Glue.ConcurrentRunsExceededException", "Glue.ThrottlingException"],
            IntervalSeconds: 30,
            MaxAttempts: 20,
            BackoffRate: 1.5,
            MaxDelaySeconds: 300,
            JitterStrategy: "FULL",
          },
        ],
        Catch: toFailure,
        Next: S.report,
      },
      [S.report]: {
        Type: "Task",
        Comment:
          "Read results/<runId>.json and the UNLOADed rejects, write the rejects file and failure records, move the file, record stats, metrics and alerts.",
        Resource: ingestIntegrations.lambdaInvoke,
        Parameters: {
          FunctionName: p.reportFunctionArn,
          Payload: {
            "runId.$": "$.plan.runId",
            "planKey.$": "$.plan.planKey",
            "jobRunId.$": "$.load.jobRunId",
          },
        },
        ResultSelector: {
          "status.$": "$.Payload.status",
          "error.$": "$.Payload.error",
          "rowsLoaded.$": "$.Payload.rowsLoaded",
          "rowsQuarantined.$": "$.Payload.rowsQuarantined",
          "sourceKey.$": "$.Payload.sourceKey",
          "errorKey.$": "$.Payload.errorKey",
        },
        ResultPath: "$.report",
        TimeoutSeconds: LAMBDA_TIMEOUT,
        Retry: [lambdaRetry],
        Catch: toFailure,
        Next: S.withinThreshold,
      },
      [S.withinThreshold]: {
        Type: "Choice",
        Choices: [{ Variable: "$.report.status", StringEquals: "FAILED", Next: S.tooManyRejects }],
        Default: S.done,
      },
      [S.tooManyRejects]: {
        Type: "Fail",
        Comment: "Too many rows failed quality rules: nothing was loaded; the file is in error/.",
        Error: IngestError.qualityThreshold,
        CausePath: "$.report.error",
      },
      [S.done]: { Type: "Succeed" },
      [S.reportFailure]: {
        Type: "Task",
        Comment:
          "Record the error on the run, clean up, move the file to error/ with a reason file, alert.",
        Resource: ingestIntegrations.lambdaInvoke,
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
      [S.failed]: {
        Type: "Fail",
        ErrorPath: "$.error.Error",
        CausePath: "$.failure.error",
      },
    },
  };
}

/** Every Task's Resource in a definition, for checking the machine uses only what it should. */
export function taskResources(def: { States: Record<string, AslState> }): string[] {
  const out: string[] = [];
  for (const state of Object.values(def.States)) {
    if (state.Type === "Task") out.push(String(state.Resource));
    for (const branch of (state.Branches as AslDefinition[] | undefined) ?? [])
      out.push(...taskResources(branch));
    const inner = (state.ItemProcessor ?? state.Iterator) as AslDefinition | undefined;
    if (inner) out.push(...taskResources(inner));
  }
  return out;
}
