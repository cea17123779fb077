// The ingest state machine's steps (asl.ts): Plan, Report and ReportFailure, the verbs its Lambdas
// call, and the two documents they exchange with the Glue job through the lake:
//
//   plans/<ingestId>.json    IngestJob: the Plan and what the job needs around it (written by Plan)
//   results/<ingestId>.json  IngestJobResults: what the checks found, whether it merged (the job)
//   staging/<ingestId>.csv   the normalised staging CSV Redshift COPYs (Plan; removed by Report)
//   rejects/<ingestId>/…     the rejected rows the job UNLOADed (removed by Report)
//
// Every step works on the ports only, so the same code runs in the Lambdas (S3, Redshift Data API,
// Aurora) and in the tests, which execute the deployed definition against a lake folder and
// PGlite/PostgreSQL. Two ids: `runId` is the run the console shows (the execution's id, as the
// AWS operations adapter names it: sfn:<stateMachine>:<execution>); `ingestId` (run_<ulid>) names
// the run's staging tables and lake files, which need a short, SQL-safe name.
import { text } from "node:stream/consumers";
import { z } from "zod";
import type { Notifier } from "../alert/alert";
import type { ObjectStore } from "../lake/lake";
import type { Metrics } from "../metric/metric";
import type { OpsDb } from "../ops/db";
import type { ExecutionRetry } from "../run/aws/sfn-retry";
import type { Warehouse } from "../warehouse/warehouse";
import type { RuleCountRow } from "./findings";
import type { QualityConfig } from "./model";
import type { Plan } from "./plan";

export interface MachineDeps {
  lake: ObjectStore;
  /** Plan: describe the target table; ReportFailure: drop a crashed job's staging tables. */
  warehouse: Warehouse;
  ops: OpsDb;
  notifier: Notifier;
  metrics: Metrics;
  quality?: QualityConfig;
  /** Warehouse schema of the loaded tables (default "public"). */
  schema?: string;
  /**
   * Redshift: the lake bucket its COPY reads the staging file from and its UNLOAD writes rejects
   * to, and the IAM role it assumes for both. Needed when the warehouse's dialect is redshift.
   */
  s3?: { bucket: string; iamRole: string };
}

/** plans/<ingestId>.json: everything the Glue job (or its local stand-in) needs. */
export interface IngestJob {
  version: 1;
  runId: string;
  ingestId: string;
  sourceKey: string;
  table: string;
  key: string;
  rowsRead: number;
  rowsStaged: number;
  malformedCount: number;
  rejectThreshold: number;
  /** The most rejected records (malformed included) with which the file still loads. */
  maxQuarantined: number;
  stagingKey: string;
  /** Malformed records (they never reached staging), for the rejects file; null when none. */
  malformedKey: string | null;
  resultsKey: string;
  rejectsPrefix: string;
  /**
   * One row with one column `merge`: 1 when the good rows are to be merged (some rows were staged
   * and no more than maxQuarantined records were rejected), else 0. Run after the checks.
   */
  mergeWhen: string;
  plan: Plan;
}

/** results/<ingestId>.json, written by the job once the plan has run. */
export interface IngestJobResults {
  version: 1;
  ingestId: string;
  /** Rows of plan.report.failuresByRule. */
  failuresByRule: RuleCountRow[];
  /** plan.report.quarantined: staged rows failing an error rule (malformed records not included). */
  quarantined: number;
  merged: boolean;
  /** plan.report.loaded when merged, else 0. */
  loaded: number;
  /**
   * plan.report.changes' row when merged into an existing table: how many of `loaded` were new
   * keys and changed rows (`updated` null when not counted). Absent: a new table (all inserted),
   * or a job from before the split was counted.
   */
  changes?: { inserted: number; updated: number | null } | null;
}

export const ObjectCreated = z.looseObject({
  detail: z.looseObject({
    bucket: z.looseObject({ name: z.string().min(1) }),
    object: z.looseObject({ key: z.string().min(1) }),
  }),
});
export type ObjectCreated = z.infer<typeof ObjectCreated>;

/**
 * What the console's retry adds to the failed execution's input: the run it retries and where
 * that run left the file (a failure moves it to error/<table>/, under a name made unique when
 * taken). The event's key stays the inbox key the file arrived under: it names the table and the
 * work, as for the first run.
 */
export const RetryOf = z.object({ runId: z.string().min(1), sourceKey: z.string().min(1) });
export type RetryOf = z.infer<typeof RetryOf>;

/** The ingest machine's input: the S3 Object Created event, and `retry` on a console retry. */
export const IngestInput = ObjectCreated.extend({ retry: RetryOf.optional() });
export type IngestInput = z.infer<typeof IngestInput>;

/** The first of `keys` that is in the lake (or null). */
export async function firstExisting(
  lake: ObjectStore,
  keys: (string | null | undefined)[],
): Promise<string | null> {
  for (const key of keys) if (key && (await lake.exists(key))) return key;
  return null;
}

/**
 * The console's retry of a failed ingest execution (its descriptor's `stateMachine.retry`): every
 * failure in the machine ends in a Fail state (ReportFailure → Failed, NotIngestible,
 * TooManyRejects), so a redrive would only fail again there. It starts a new execution instead,
 * with the same event and `retry` pointing at where the failed run left the file (its recorded
 * stats, else an earlier retry's); the Plan step reads the file from there.
 */
export const ingestRetry: ExecutionRetry = {
  redrive: false,
  restart({ input, run }) {
    const event = IngestInput.safeParse(input);
    if (!event.success) return { input, does: "runs the same input again" };
    const { sourceKey, table } = run.stats as { sourceKey?: unknown; table?: unknown };
    const where =
      typeof sourceKey === "string" && sourceKey ? sourceKey : event.data.retry?.sourceKey;
    const into = typeof table === "string" && table ? ` into ${table}` : "";
    const inboxKey = event.data.detail.object.key;
    if (!where) {
      const { retry: _, ...same } = input;
      return {
        input: same,
        does: `re-ingests ${inboxKey}${into} from wherever the failed run left it (inbox/, or error/ with the reason beside it)`,
      };
    }
    return {
      input: { ...input, retry: { runId: run.id, sourceKey: where } satisfies RetryOf },
      does: `re-ingests ${where}${into}`,
    };
  },
};

export const ExecutionArn = z
  .string()
  .regex(/^arn:[^:]+:states:[^:]*:[^:]*:execution:[^:]+:[^:]+$/, {
    message: "not a Step Functions execution ARN",
  });

export const artifactKeys = (ingestId: string) => ({
  planKey: `plans/${ingestId}.json`,
  resultsKey: `results/${ingestId}.json`,
  stagingKey: `staging/${ingestId}.csv`,
  malformedKey: `staging/${ingestId}.malformed.json`,
  rejectsPrefix: `rejects/${ingestId}/`,
});

export async function readJson<T>(lake: ObjectStore, key: string): Promise<T> {
  return JSON.parse(await text(await lake.get(key))) as T;
}

/** S3 event keys may come URL-encoded (`a+b%2Cc.csv`); take whichever names an object. */
export async function eventKey(lake: ObjectStore, key: string): Promise<string> {
  if (await lake.exists(key)) return key;
  try {
    const decoded = decodeURIComponent(key.replace(/\+/g, " "));
    if (decoded !== key && (await lake.exists(decoded))) return decoded;
  } catch {
    // not %-encoded after all
  }
  return key;
}

export async function* objectsUnder(lake: ObjectStore, prefix: string) {
  for (const o of await lake.list(prefix)) yield await lake.get(o.key);
}

/** Remove the run's working files; the plan and results stay as the run's record. */

export async function removeWorkFiles(lake: ObjectStore, job: Pick<IngestJob, "ingestId">) {
  const keys = artifactKeys(job.ingestId);
  const unloaded = await lake.list(keys.rejectsPrefix).catch(() => []);
  for (const key of [keys.stagingKey, keys.malformedKey, ...unloaded.map((o) => o.key)]) {
    await lake.delete(key).catch(() => {});
  }
}

/**
 * After the job: what the checks found, the rejects file and failure records (from the rows the
 * job UNLOADed), the file to processed/ (or error/ past the reject threshold), the run's stats,
 * metrics and alerts.
 */
