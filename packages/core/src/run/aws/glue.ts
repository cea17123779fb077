// The Glue engine of the AWS operations adapter: a job's runs listed with GetJobRuns, one run read
// with GetJobRun, and retried by starting the job again with the same arguments.
import {
  GetJobRunCommand,
  GetJobRunsCommand,
  type GlueClient,
  type JobRun,
  StartJobRunCommand,
} from "@aws-sdk/client-glue";
import { awsCall, errorName } from "../../util/aws";
import { canonical } from "../../util/canonical";
import { VisibleError } from "../../util/error";
import { createId } from "../../util/id";
import { iso } from "../../util/time";
import { runNotFound } from "../errors";
import { type Info, isActive, type ListFilter, noFailureFacts } from "../run";
import { fromGlue } from "../status";
import { claimPrefix, claimRetry, releaseClaim, settleClaim } from "./claims";
import {
  type AwsEngine,
  consoleUrl,
  type EngineContext,
  type LoadedRun,
  startedRetry,
} from "./engine";
import { enrich, enrichOne } from "./enrich";
import { glueRunId, parseGlueRunId } from "./ids";
import { reachesFrom, type Source } from "./merge";

export interface GlueJobConfig {
  name: string;
  /** The pipeline its runs belong to (default: the job name). */
  pipeline?: string;
}

interface GlueJob {
  name: string;
  pipeline: string;
}

const activeStates = new Set(["STARTING", "RUNNING", "WAITING"]);

function glueInfo(job: GlueJob, r: JobRun): Info {
  const status = fromGlue(r.JobRunState);
  const started = r.StartedOn ?? r.LastModifiedOn ?? new Date(0);
  return {
    id: glueRunId(job.name, r.Id ?? "unknown"),
    pipeline: job.pipeline,
    engine: "glue",
    status,
    createdAt: started.toISOString(),
    startedAt: iso(r.StartedOn),
    finishedAt: isActive(status) ? null : iso(r.CompletedOn ?? r.LastModifiedOn),
    args: { ...(r.Arguments ?? {}) },
    error: r.ErrorMessage ?? null,
    stats: {},
    retryOf: r.PreviousRunId ? glueRunId(job.name, r.PreviousRunId) : null,
    retriedBy: null,
    ...noFailureFacts,
  };
}

/** Glue arguments are strings; ours may be any JSON value. */
function glueArgs(args: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(args).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

// The CloudWatch console's hash routes escape "%" as "$25".
const cwEnc = (s: string) => encodeURIComponent(s).replace(/%/g, "$25");

export function glueEngine(
  glue: GlueClient,
  ctx: EngineContext,
  config: (string | GlueJobConfig)[],
): AwsEngine {
  const { db, region, pageSize } = ctx;
  const jobs: GlueJob[] = config.map((j) =>
    typeof j === "string"
      ? { name: j, pipeline: j }
      : { name: j.name, pipeline: j.pipeline ?? j.name },
  );
  const logLink = (group: string, stream: string) =>
    `${consoleUrl(region)}/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${cwEnc(group)}/log-events/${cwEnc(stream)}`;

  const getJobRuns = (job: GlueJob, token: string | undefined) =>
    awsCall("Glue", "GetJobRuns", () =>
      glue.send(
        new GetJobRunsCommand({ JobName: job.name, MaxResults: pageSize, NextToken: token }),
      ),
    );

  function sources(f: ListFilter): Source[] {
    const from = f.from ? Date.parse(f.from) : undefined;
    return jobs
      .filter((job) => !f.pipeline?.length || f.pipeline.includes(job.pipeline))
      .map((job) => ({
        key: `glue:${job.name}`,
        async fetch(token) {
          const out = await getJobRuns(job, token);
          const items = (out.JobRuns ?? []).map((r) => glueInfo(job, r));
          // Glue returns a job's runs newest first, and has no time filter: stop at `from` ourselves.
          return { items, next: out.NextToken || undefined, reachedFrom: reachesFrom(items, from) };
        },
      }));
  }

  async function load(id: string): Promise<LoadedRun> {
    const parsed = parseGlueRunId(id);
    const job = parsed && jobs.find((j) => j.name === parsed.jobName);
    if (!parsed || !job || parsed.jobRunId.startsWith(claimPrefix)) throw runNotFound(id);
    let run: JobRun | undefined;
    try {
      const out = await awsCall("Glue", "GetJobRun", () =>
        glue.send(
          new GetJobRunCommand({
            JobName: job.name,
            RunId: parsed.jobRunId,
            PredecessorsIncluded: false,
          }),
        ),
      );
      run = out.JobRun;
    } catch (err) {
      if (errorName(err) === "EntityNotFoundException") throw runNotFound(id);
      throw err;
    }
    if (!run) throw runNotFound(id);
    return loaded(job, run, await enrichOne(db, glueInfo(job, run)));
  }

  function loaded(job: GlueJob, run: JobRun, info: Info): LoadedRun {
    return {
      info,
      sameWork: "arguments",

      async twinAndSuccessor() {
        const want = canonical(glueArgs(info.args));
        let token: string | undefined;
        const recent: JobRun[] = [];
        // Active runs are the newest; two pages is plenty and keeps this bounded.
        for (let page = 0; page < 2; page++) {
          const out = await getJobRuns(job, token);
          recent.push(...(out.JobRuns ?? []));
          token = out.NextToken;
          if (!token) break;
        }
        const successor = recent.find((r) => r.PreviousRunId && r.PreviousRunId === run.Id);
        const active = await enrich(
          db,
          recent
            .filter((r) => r.Id !== run.Id && activeStates.has(r.JobRunState ?? ""))
            .map((r) => glueInfo(job, r)),
        );
        const twin = active.find((r) => canonical(glueArgs(r.args)) === want) ?? null;
        return { twin, successor: successor?.Id ? glueRunId(job.name, successor.Id) : null };
      },

      preview() {
        const n = Object.keys(info.args).length;
        return {
          action: "rerun",
          description: `Starts Glue job ${job.name} again (StartJobRun) with the ${n} argument${n === 1 ? "" : "s"} this run was launched with.`,
        };
      },

      detail() {
        const group = run.LogGroupName ?? "/aws-glue/jobs";
        const runId = run.Id ?? "";
        return {
          engineDetail: {
            jobName: job.name,
            jobRunId: runId,
            state: run.JobRunState,
            attempt: run.Attempt ?? 0,
            previousRunId: run.PreviousRunId ?? null,
            errorMessage: run.ErrorMessage ?? null,
            arguments: run.Arguments ?? null,
            dpuSeconds: run.DPUSeconds ?? null,
            executionTimeSeconds: run.ExecutionTime ?? null,
            timeoutMinutes: run.Timeout ?? null,
            workerType: run.WorkerType ?? null,
            numberOfWorkers: run.NumberOfWorkers ?? null,
            maxCapacity: run.MaxCapacity ?? null,
            glueVersion: run.GlueVersion ?? null,
            logGroups: { output: `${group}/output`, error: `${group}/error` },
          },
          links: [
            {
              label: "Glue job run",
              url: `${consoleUrl(region)}/gluestudio/home?region=${region}#/job/${encodeURIComponent(job.name)}/run/${runId}`,
            },
            { label: "Output log", url: logLink(`${group}/output`, runId) },
            { label: "Error log", url: logLink(`${group}/error`, runId) },
          ],
        };
      },

      retry: () => rerun(job, info),
    };
  }

  async function rerun(job: GlueJob, failed: Info): Promise<Info> {
    // Glue names the run only once it has started: claim under a placeholder id meanwhile.
    const claimId = glueRunId(job.name, `${claimPrefix}${createId("run")}`);
    await claimRetry(db, failed.id, {
      id: claimId,
      pipeline: job.pipeline,
      engine: "glue",
      args: failed.args,
    });
    let jobRunId: string | undefined;
    try {
      const out = await awsCall("Glue", "StartJobRun", () =>
        glue.send(new StartJobRunCommand({ JobName: job.name, Arguments: glueArgs(failed.args) })),
      );
      jobRunId = out.JobRunId;
    } catch (err) {
      await releaseClaim(db, claimId);
      if (errorName(err) === "ConcurrentRunsExceededException") {
        throw new VisibleError(
          "conflict",
          "run.already_running",
          `Glue refused to start ${job.name}: it already runs as many runs as it may at once (${(err as Error).message})`,
        );
      }
      throw err;
    }
    if (!jobRunId) {
      await releaseClaim(db, claimId);
      throw new Error(`Glue StartJobRun for ${job.name} returned no JobRunId`);
    }
    const id = glueRunId(job.name, jobRunId);
    await settleClaim(db, claimId, { id });
    return startedRetry(failed, {
      id,
      pipeline: job.pipeline,
      engine: "glue",
      status: "QUEUED",
      createdAt: new Date().toISOString(),
      startedAt: null,
      args: failed.args,
    });
  }

  return { owns: (id) => parseGlueRunId(id) !== null, sources, load };
}
