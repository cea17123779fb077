// Run ids of the AWS engines. They carry their engine; names are encodeURIComponent-ed, so a ":"
// inside a Glue job name can't be taken for the separator (encode the whole id again when putting
// it in a URL path, as for any id):
//   glue:<jobName>:<jobRunId>                                a Glue job run
//   sfn:<stateMachineName>:<executionName>                   an execution's first attempt
//   sfn:<stateMachineName>:<executionName>:redrive-<n>       its n-th redrive (same execution ARN)
import { z } from "zod";

const enc = encodeURIComponent;

export function glueRunId(jobName: string, jobRunId: string): string {
  return `glue:${enc(jobName)}:${jobRunId}`;
}

export function sfnRunId(stateMachineName: string, executionName: string, attempt = 0): string {
  const base = `sfn:${enc(stateMachineName)}:${enc(executionName)}`;
  return attempt > 0 ? `${base}:redrive-${attempt}` : base;
}

const ExecutionArn = z.string().regex(/^arn:[^:]+:states:[^:]*:[^:]*:execution:[^:]+:[^:]+$/, {
  message: "not a Step Functions execution ARN",
});

/** The run id the console knows an execution's first attempt by, from the execution's ARN. */
export function runIdOfExecution(executionArn: string): string {
  const parts = ExecutionArn.parse(executionArn).split(":");
  return sfnRunId(parts[6]!, parts[7]!);
}

export interface GlueRunRef {
  engine: "glue";
  jobName: string;
  jobRunId: string;
}

export interface SfnRunRef {
  engine: "sfn";
  stateMachineName: string;
  executionName: string;
  attempt: number;
}

export type ParsedRunId = GlueRunRef | SfnRunRef;

/** A malformed %-escape throws: it is not one of our ids. */
function decode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

export function parseGlueRunId(id: string): GlueRunRef | null {
  const parts = id.split(":");
  if (parts[0] !== "glue" || parts.length !== 3 || !parts[1] || !parts[2]) return null;
  const jobName = decode(parts[1]);
  return jobName === null ? null : { engine: "glue", jobName, jobRunId: parts[2] };
}

export function parseSfnRunId(id: string): SfnRunRef | null {
  const parts = id.split(":");
  if (parts[0] !== "sfn" || (parts.length !== 3 && parts.length !== 4) || !parts[1] || !parts[2]) {
    return null;
  }
  let attempt = 0;
  if (parts.length === 4) {
    const m = /^redrive-([1-9]\d{0,5})$/.exec(parts[3] ?? "");
    if (!m) return null;
    attempt = Number(m[1]);
  }
  const stateMachineName = decode(parts[1]);
  const executionName = decode(parts[2]);
  if (stateMachineName === null || executionName === null) return null;
  return { engine: "sfn", stateMachineName, executionName, attempt };
}

export function parseRunId(id: string): ParsedRunId | null {
  return parseGlueRunId(id) ?? parseSfnRunId(id);
}

/** Deterministic restart names: `nightly` → `nightly-retry-1`, `nightly-retry-1` → `nightly-retry-2`. */
export function restartName(executionName: string): string {
  const m = /^(.*)-retry-(\d+)$/.exec(executionName);
  const base = m ? (m[1] ?? executionName) : executionName;
  const suffix = `-retry-${m ? Number(m[2]) + 1 : 1}`;
  // Execution names are at most 80 characters.
  return base.slice(0, 80 - suffix.length) + suffix;
}
