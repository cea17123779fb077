// The sync state machine's definition (Amazon States Language), built from the ARNs it calls.
// Infra deploys exactly this JSON (infra/salesforce.ts); the tests execute exactly this JSON with
// its Lambdas bound to their steps. The Object Created event of a segmentation run's loaded marker
// (ml/segments/_loaded/<run>.json, written by the ML machine's Load step) starts it; so may an
// operator, with `cdp sync salesforce`'s arguments as the input:
//
//   ┌► Sync (Lambda) ─► Turn? ─ wait ─► WaitForTurn (Wait) ─┐
//   └────────────────────────────────────────────────────────┘
//                        ├ SUCCEEDED ─► Done (Succeed)
//                        └ else ─► SyncFailed (Fail): the run recorded why (per-record errors,
//                                  the API budget, REQUEST_LIMIT_EXCEEDED, bad credentials)
//   an error in Sync ─► ReportFailure (Lambda) ─► Failed (Fail)
//
// Sync takes the sync's turn (turn.ts: one at a time) and runs the sync the CLI runs; a run that
// ends FAILED was recorded, alerted and its unsent records kept by the step itself. Lambda's own
// transient errors are retried as in the other machines (nothing is sent twice: a retried Sync
// re-enters its run, and what Salesforce accepted is in the snapshot). Every failure ends in a
// Fail state, so the console never redrives an execution of it (machine.ts, syncRetry).
import {
  type AslDefinition,
  ingestIntegrations,
  LAMBDA_TIMEOUT,
  lambdaRetry,
} from "../../ingest/asl";

/** The service integrations the machine uses, and nothing else: Lambda. */
export const syncIntegrations = { lambdaInvoke: ingestIntegrations.lambdaInvoke } as const;

/** State names, for bindings in tests and links from the console. */
export const SyncState = {
  sync: "Sync",
  turn: "Turn",
  waitForTurn: "WaitForTurn",
  done: "Done",
  syncFailed: "SyncFailed",
  reportFailure: "ReportFailure",
  failed: "Failed",
} as const;

/** Errors the machine ends with (the execution's `error`), for alarms and the console. */
export const SyncError = { runFailed: "Sync.RunFailed" } as const;

export interface SyncMachineParams {
  syncFunctionArn: string;
  failureFunctionArn: string;
}

/** How long an execution waits before asking for the sync's turn again. */
export const TURN_WAIT_SECONDS = 60;

/**
 * A sync takes one Lambda invocation (15 minutes at most); an execution may wait for a few others
 * before its turn. One that times out waiting started no run: the next loaded segmentation's
 * execution (or a run by hand) sends what it would have.
 */
const MACHINE_TIMEOUT = 3 * 3600;

export function syncStateMachine(p: SyncMachineParams): AslDefinition {
  const S = SyncState;
  return {
    Comment:
      "CDP sync: each user's segment (the latest segmentation) to Salesforce by external id. Sync (Lambda) takes the sync's turn, diffs against what Salesforce accepted, sends what changed by sObject Collections or Bulk API 2.0 and records every record's outcome and the run.",
    StartAt: S.sync,
    TimeoutSeconds: MACHINE_TIMEOUT,
    States: {
      [S.sync]: {
        Type: "Task",
        Comment:
          "Take the sync's turn (or find it held: wait); read the credentials from the secret (none: a dry run to sync/outbox/); diff, send, record each record's outcome; finish the run.",
        Resource: syncIntegrations.lambdaInvoke,
        Parameters: {
          FunctionName: p.syncFunctionArn,
          Payload: { "input.$": "$$.Execution.Input", "executionArn.$": "$$.Execution.Id" },
        },
        ResultSelector: {
          "action.$": "$.Payload.action",
          "runId.$": "$.Payload.runId",
          "status.$": "$.Payload.status",
          "error.$": "$.Payload.error",
          "holder.$": "$.Payload.holder",
          "summary.$": "$.Payload.summary",
        },
        ResultPath: "$.sync",
        TimeoutSeconds: LAMBDA_TIMEOUT,
        Retry: [lambdaRetry],
        Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: S.reportFailure }],
        Next: S.turn,
      },
      [S.turn]: {
        Type: "Choice",
        Choices: [
          { Variable: "$.sync.action", StringEquals: "wait", Next: S.waitForTurn },
          { Variable: "$.sync.status", StringEquals: "SUCCEEDED", Next: S.done },
        ],
        Default: S.syncFailed,
      },
      [S.waitForTurn]: {
        Type: "Wait",
        Comment: "Another run holds the sync (one at a time): ask again after this.",
        Seconds: TURN_WAIT_SECONDS,
        Next: S.sync,
      },
      [S.done]: { Type: "Succeed", Comment: "Every record owed was accepted (or none was owed)." },
      [S.syncFailed]: {
        Type: "Fail",
        Comment:
          "The run is recorded FAILED with why; the records Salesforce did not accept are kept and owed by the next run.",
        Error: SyncError.runFailed,
        CausePath: "$.sync.error",
      },
      [S.reportFailure]: {
        Type: "Task",
        Comment: "Record the run FAILED with the error that stopped the Sync step, and alert.",
        Resource: syncIntegrations.lambdaInvoke,
        Parameters: {
          FunctionName: p.failureFunctionArn,
          Payload: {
            "state.$": "$",
            "input.$": "$$.Execution.Input",
            "executionArn.$": "$$.Execution.Id",
          },
        },
        ResultSelector: { "runId.$": "$.Payload.runId", "error.$": "$.Payload.error" },
        ResultPath: "$.failure",
        TimeoutSeconds: LAMBDA_TIMEOUT,
        Retry: [lambdaRetry],
        Next: S.failed,
      },
      [S.failed]: { Type: "Fail", ErrorPath: "$.error.Error", CausePath: "$.failure.error" },
    },
  };
}
