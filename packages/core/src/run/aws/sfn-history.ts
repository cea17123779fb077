// How one attempt of a Step Functions execution ended, read from its history: an execution that
// was redriven keeps one ARN, so an earlier attempt's status, times and failed state live only in
// the events between its ExecutionStarted/ExecutionRedriven and the next.
import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from "@aws-sdk/client-sfn";
import { awsCall } from "../../util/aws";
import type { Status } from "../run";

export interface SfnFacts {
  status: Status | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  failedState: string | null;
  error: string | null;
  cause: string | null;
  failedEvent: { type: string; error?: string; cause?: string; resource?: string } | null;
}

const terminalEvents: Record<string, Status> = {
  ExecutionFailed: "FAILED",
  ExecutionTimedOut: "TIMED_OUT",
  ExecutionAborted: "STOPPED",
};

/** The `…EventDetails` member a history event carries, whatever its type. */
function eventDetails(e: HistoryEvent): Record<string, unknown> {
  for (const [k, v] of Object.entries(e)) {
    if (k.endsWith("EventDetails") && v && typeof v === "object")
      return v as Record<string, unknown>;
  }
  return {};
}

/** The facts of attempt `attempt` (0: the first run) of an execution redriven `redriveCount` times. */
export async function sfnFacts(
  sfn: SFNClient,
  arn: string,
  attempt: number,
  redriveCount: number,
): Promise<SfnFacts> {
  const facts: SfnFacts = {
    status: null,
    startedAt: null,
    finishedAt: null,
    failedState: null,
    error: null,
    cause: null,
    failedEvent: null,
  };
  let segment = redriveCount;
  let token: string | undefined;
  // Newest first; each ExecutionRedriven event starts an attempt. Read only as far as needed.
  for (let page = 0; page < 10; page++) {
    const out = await awsCall("Step Functions", "GetExecutionHistory", () =>
      sfn.send(
        new GetExecutionHistoryCommand({
          executionArn: arn,
          reverseOrder: true,
          maxResults: 200,
          nextToken: token,
        }),
      ),
    );
    for (const e of out.events ?? []) {
      const type = e.type ?? "";
      if (segment === attempt) {
        const details = eventDetails(e);
        const terminal = terminalEvents[type];
        if (terminal && !facts.status) {
          facts.status = terminal;
          facts.finishedAt = e.timestamp ?? null;
          facts.error = (details.error as string | undefined) ?? null;
          facts.cause = (details.cause as string | undefined) ?? null;
        } else if (facts.status && !facts.failedState) {
          if (type.endsWith("StateEntered")) {
            facts.failedState = (e.stateEnteredEventDetails?.name as string | undefined) ?? null;
          } else if (!facts.failedEvent && /(Failed|TimedOut|Aborted)$/.test(type)) {
            facts.failedEvent = {
              type,
              error: details.error as string | undefined,
              cause: details.cause as string | undefined,
              resource: details.resource as string | undefined,
            };
          }
        }
        if (type === "ExecutionRedriven" || type === "ExecutionStarted") {
          facts.startedAt = e.timestamp ?? null;
          return facts;
        }
      } else if (type === "ExecutionRedriven") {
        segment--;
      }
    }
    token = out.nextToken;
    if (!token) break;
  }
  return facts;
}
