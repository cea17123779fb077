// The Step Functions engine of the AWS operations adapter: a state machine's executions listed with
// ListExecutions, each attempt (first run, then each redrive) a run of its own, retried as its
// pipeline says (sfn-retry.ts): by RedriveExecution when the machine may be redriven and the
// execution can be, else by StartExecution — with the same input, or the input the pipeline makes
// from the failed run (where its file is now).
import { createHash } from "node:crypto";
import {
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  type ExecutionListItem,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  type SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { awsCall, errorName } from "../../util/aws";
import { canonical } from "../../util/canonical";
import { iso } from "../../util/time";
import { alreadyRetried, runNotFound } from "../errors";
import { type Info, isFailed, type ListFilter } from "../run";
import { sfnStatusesFor } from "../status";
import { claimRetry, releaseClaim, settleClaim } from "./claims";
import {
  type AwsEngine,
  consoleUrl,
  type EngineContext,
  type LoadedRun,
  startedRetry,
} from "./engine";
import { enrichOne } from "./enrich";
import { parseSfnRunId, restartName, sfnRunId } from "./ids";
import { reachesFrom, type Source } from "./merge";
import { type SfnFacts, sfnFacts } from "./sfn-history";
import {
  executionArnOf,
  parseInput,
  type StateMachine,
  sfnError,
  sfnInfo,
  stateMachine,
} from "./sfn-info";
import type { ExecutionRetry, RestartPlan } from "./sfn-retry";

export interface StateMachineConfig {
  arn: string;
  pipeline: string;
  /** How its failed executions are retried: its pipeline descriptor's (default: redrive when allowed). */
  retry?: ExecutionRetry;
}

interface Execution {
  sm: StateMachine;
  arn: string;
  described: DescribeExecutionOutput;
  /** The attempt the run id names (0: the first run, n: the n-th redrive). */
  attempt: number;
  /** How that attempt ended, from the history (failed or earlier attempts only). */
  facts: SfnFacts | null;
}

export function sfnEngine(
  sfn: SFNClient,
  ctx: EngineContext,
  config: StateMachineConfig[],
): AwsEngine {
  const { db, region, pageSize } = ctx;
  const machines = config.map(stateMachine);

  function sources(f: ListFilter): Source[] {
    const from = f.from ? Date.parse(f.from) : undefined;
    // ListExecutions filters by one status at a time; PENDING_REDRIVE only applies to Map Runs.
    const statuses = f.status?.length
      ? [...new Set(f.status.flatMap(sfnStatusesFor))].filter((s) => s !== "PENDING_REDRIVE")
      : [undefined];
    const wanted = machines.filter((sm) => !f.pipeline?.length || f.pipeline.includes(sm.pipeline));
    return wanted.flatMap((sm) =>
      statuses.map((statusFilter) => ({
        key: `sfn:${sm.name}${statusFilter ? `:${statusFilter}` : ""}`,
        async fetch(token: string | undefined) {
          const out = await awsCall("Step Functions", "ListExecutions", () =>
            sfn.send(
              new ListExecutionsCommand({
                stateMachineArn: sm.arn,
                statusFilter: statusFilter as ExecutionListItem["status"],
                maxResults: pageSize,
                nextToken: token,
              }),
            ),
          );
          const items = (out.executions ?? []).map((e) => sfnInfo(sm, e));
          return { items, next: out.nextToken || undefined, reachedFrom: reachesFrom(items, from) };
        },
      })),
    );
  }

  async function load(id: string): Promise<LoadedRun> {
    const parsed = parseSfnRunId(id);
    const sm = parsed && machines.find((m) => m.name === parsed.stateMachineName);
    if (!parsed || !sm) throw runNotFound(id);
    const arn = executionArnOf(sm, parsed.executionName);
    let described: DescribeExecutionOutput;
    try {
      described = await awsCall("Step Functions", "DescribeExecution", () =>
        sfn.send(new DescribeExecutionCommand({ executionArn: arn })),
      );
    } catch (err) {
      if (errorName(err) === "ExecutionDoesNotExist") throw runNotFound(id);
      throw err;
    }
    const redriveCount = described.redriveCount ?? 0;
    if (parsed.attempt > redriveCount) throw runNotFound(id);
    let info = sfnInfo(sm, described);
    let facts: SfnFacts | null = null;
    if (parsed.attempt < redriveCount) {
      // An earlier attempt: the execution has moved on, its history tells how that attempt ended.
      facts = await sfnFacts(sfn, arn, parsed.attempt, redriveCount);
      info = {
        ...info,
        id,
        status: facts.status ?? "FAILED",
        startedAt: iso(facts.startedAt) ?? info.createdAt,
        finishedAt: iso(facts.finishedAt),
        error: sfnError(facts.error, facts.cause),
        retryOf:
          parsed.attempt > 0 ? sfnRunId(sm.name, parsed.executionName, parsed.attempt - 1) : null,
        retriedBy: sfnRunId(sm.name, parsed.executionName, parsed.attempt + 1),
      };
    } else if (isFailed(info.status)) {
      facts = await sfnFacts(sfn, arn, parsed.attempt, redriveCount);
      if (!info.error) info = { ...info, error: sfnError(facts.error, facts.cause) };
    }
    const x: Execution = { sm, arn, described, attempt: parsed.attempt, facts };
    return loaded(x, await enrichOne(db, info));
  }

  /** The new execution a restart starts: the pipeline's input for it, else the same input. */
  function restartPlan(x: Execution, failed: Info): RestartPlan | null {
    return x.sm.retry.restart?.({ input: parseInput(x.described.input), run: failed }) ?? null;
  }

  function loaded(x: Execution, info: Info): LoadedRun {
    const e = x.described;
    const preview = (): ReturnType<LoadedRun["preview"]> => {
      if (x.sm.retry.redrive && e.redriveStatus === "REDRIVABLE") {
        return {
          action: "redrive",
          description: `Redrives execution ${e.name} (RedriveExecution): it resumes from the state that failed${x.facts?.failedState ? ` (${x.facts.failedState})` : ""}, keeping the steps that succeeded.`,
        };
      }
      const start = `Starts a new execution ${restartName(e.name ?? "")} of ${x.sm.name}`;
      const plan = restartPlan(x, info);
      if (plan)
        return { action: "restart", description: `${start} (StartExecution) that ${plan.does}.` };
      const why = !x.sm.retry.redrive
        ? ""
        : `; it cannot be redriven${e.redriveStatusReason ? ` (${e.redriveStatusReason})` : ""}`;
      return {
        action: "restart",
        description: `${start} with the same input (StartExecution)${why}.`,
      };
    };
    return {
      info,
      sameWork: "input",

      async twinAndSuccessor() {
        const want = canonical(parseInput(e.input));
        const out = await awsCall("Step Functions", "ListExecutions", () =>
          sfn.send(
            new ListExecutionsCommand({
              stateMachineArn: x.sm.arn,
              statusFilter: "RUNNING",
              maxResults: 20,
            }),
          ),
        );
        for (const running of (out.executions ?? []).slice(0, 10)) {
          if (running.executionArn === x.arn) continue;
          const d = await awsCall("Step Functions", "DescribeExecution", () =>
            sfn.send(new DescribeExecutionCommand({ executionArn: running.executionArn })),
          );
          if (canonical(parseInput(d.input)) === want) {
            return { twin: sfnInfo(x.sm, d), successor: null };
          }
        }
        return { twin: null, successor: null };
      },

      preview,

      detail: () => ({
        engineDetail: {
          stateMachineArn: x.sm.arn,
          executionArn: x.arn,
          name: e.name,
          attempt: x.attempt,
          executionStatus: e.status,
          input: e.input ?? null,
          failedState: x.facts?.failedState ?? null,
          error: x.facts?.error ?? e.error ?? null,
          cause: x.facts?.cause ?? e.cause ?? null,
          failedEvent: x.facts?.failedEvent ?? null,
          redriveCount: e.redriveCount ?? 0,
          redriveStatus: e.redriveStatus ?? null,
          redriveStatusReason: e.redriveStatusReason ?? null,
        },
        links: [
          {
            label: "Step Functions execution",
            url: `${consoleUrl(region)}/states/home?region=${region}#/v2/executions/details/${x.arn}`,
          },
        ],
      }),

      retry: () => (preview().action === "redrive" ? redrive(x, info) : restart(x, info)),
    };
  }

  async function restart(x: Execution, failed: Info): Promise<Info> {
    const name = restartName(x.described.name ?? "");
    const id = sfnRunId(x.sm.name, name);
    const plan = restartPlan(x, failed);
    const input = plan ? JSON.stringify(plan.input) : x.described.input;
    const args = plan?.input ?? parseInput(x.described.input);
    await claimRetry(db, failed.id, { id, pipeline: x.sm.pipeline, engine: "sfn", args });
    try {
      const out = await awsCall("Step Functions", "StartExecution", () =>
        sfn.send(new StartExecutionCommand({ stateMachineArn: x.sm.arn, name, input })),
      );
      const startedAt = out.startDate ?? new Date();
      await settleClaim(db, id, { status: "RUNNING", startedAt });
      return startedRetry(failed, {
        id,
        pipeline: x.sm.pipeline,
        engine: "sfn",
        status: "RUNNING",
        createdAt: startedAt.toISOString(),
        startedAt: startedAt.toISOString(),
        args,
      });
    } catch (err) {
      // The name is deterministic: if it exists, this retry was already started (keep the record).
      if (errorName(err) === "ExecutionAlreadyExists") throw alreadyRetried(failed.id, id);
      await releaseClaim(db, id);
      throw err;
    }
  }

  async function redrive(x: Execution, failed: Info): Promise<Info> {
    const redriveCount = x.described.redriveCount ?? 0;
    const id = sfnRunId(x.sm.name, x.described.name ?? "", redriveCount + 1);
    const args = parseInput(x.described.input);
    await claimRetry(db, failed.id, { id, pipeline: x.sm.pipeline, engine: "sfn", args });
    // Same failure, same token: Step Functions redrives once however often it is asked.
    const clientToken = createHash("sha256").update(`${x.arn}#${redriveCount}`).digest("hex");
    let redriveDate: Date;
    try {
      const out = await awsCall("Step Functions", "RedriveExecution", () =>
        sfn.send(new RedriveExecutionCommand({ executionArn: x.arn, clientToken })),
      );
      redriveDate = out.redriveDate ?? new Date();
    } catch (err) {
      await releaseClaim(db, id);
      // It stopped being redrivable since we looked (e.g. the 14-day window closed): start anew.
      if (errorName(err) === "ExecutionNotRedrivable") return restart(x, failed);
      throw err;
    }
    await settleClaim(db, id, { status: "RUNNING", startedAt: redriveDate });
    // The same execution: it keeps its start (the sort key) and pipeline.
    return startedRetry(failed, {
      ...failed,
      id,
      status: "RUNNING",
      startedAt: redriveDate.toISOString(),
      args,
    });
  }

  return { owns: (id) => parseSfnRunId(id) !== null, sources, load };
}
