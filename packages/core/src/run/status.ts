// Glue's JobRunState and Step Functions' ExecutionStatus, mapped into our closed set in one place.
import type { Status } from "./run";

export function fromGlue(state: string | undefined): Status {
  switch (state) {
    case "STARTING":
    case "WAITING":
      return "QUEUED";
    case "RUNNING":
    case "STOPPING":
      return "RUNNING";
    case "SUCCEEDED":
      return "SUCCEEDED";
    case "STOPPED":
      return "STOPPED";
    case "TIMEOUT":
      return "TIMED_OUT";
    default:
      // FAILED, ERROR, EXPIRED and anything newer than this code
      return "FAILED";
  }
}

export function fromStepFunctions(status: string | undefined): Status {
  switch (status) {
    case "PENDING_REDRIVE":
      return "QUEUED";
    case "RUNNING":
      return "RUNNING";
    case "SUCCEEDED":
      return "SUCCEEDED";
    case "TIMED_OUT":
      return "TIMED_OUT";
    case "ABORTED":
      return "STOPPED";
    default:
      return "FAILED";
  }
}

export function sfnStatusesFor(status: Status): string[] {
  switch (status) {
    case "QUEUED":
      return ["PENDING_REDRIVE"];
    case "RUNNING":
      return ["RUNNING"];
    case "SUCCEEDED":
      return ["SUCCEEDED"];
    case "FAILED":
      return ["FAILED"];
    case "TIMED_OUT":
      return ["TIMED_OUT"];
    case "STOPPED":
      return ["ABORTED"];
  }
}
