// How long the deployed lake keeps what, by prefix: the bucket's lifecycle rules (infra/storage.ts)
// are made from this table, and the IAM test checks that every key the deployed flows write falls
// under one of its rules.

/** Data: what arrived, was ingested or rejected, and what replication and ML wrote. */
export const DATA_PREFIXES = ["inbox/", "processed/", "error/", "dms/", "ml/"] as const;
/** Data moves to Glacier Instant Retrieval after this many days… */
export const ARCHIVE_AFTER_DAYS = 30;
/** …and is deleted after this many. */
export const DATA_DAYS = 730;

/**
 * Per-run scratch and how long a leftover may stay. The steps delete their own working files when
 * a run ends (ingest/machine.ts, removeWorkFiles); these rules remove what a crashed run left.
 * Nothing in the console reads them. Step Functions can redrive an execution for 14 days after it
 * ended, and a redriven Load or Report reads its run's files again, so nothing a redrive needs
 * goes sooner: a day more than that, as a run's files are written when it starts
 * (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html).
 */
export const SCRATCH: readonly { prefix: string; days: number; what: string }[] = [
  {
    prefix: "staging/",
    days: 15,
    what: "the normalised staging CSV and malformed records (Plan writes, Redshift COPYs, Report deletes)",
  },
  {
    prefix: "rejects/",
    days: 15,
    what: "the rows Redshift UNLOADs for Report to read (Report deletes them)",
  },
  {
    prefix: "plans/",
    days: 30,
    what: "the plan: the run's record for debugging a recent run (the ops store keeps what the console shows)",
  },
  { prefix: "results/", days: 30, what: "the Glue job's results, beside the plan" },
  { prefix: "tmp/", days: 7, what: "temporary files of jobs; nothing of ours stays there" },
  {
    prefix: "sync/",
    days: 30,
    what: "a dry sync's outbox (sync/outbox/<runId>/): what would have been sent to Salesforce",
  },
];

/** Kept as long as the stage: deployed with it. */
export const KEPT: readonly { prefix: string; what: string }[] = [
  { prefix: "assets/", what: "the Glue job's script, uploaded by each deploy" },
];

/** An upload that neither completed nor was aborted (a killed Lambda) is removed after this. */
export const ABORT_UPLOADS_AFTER_DAYS = 7;

/** The rule a key falls under, if any. */
export function retentionOf(key: string): string | undefined {
  if (DATA_PREFIXES.some((p) => key.startsWith(p))) return `data, ${DATA_DAYS} days`;
  const scratch = SCRATCH.find((s) => key.startsWith(s.prefix));
  if (scratch) return `scratch, ${scratch.days} days`;
  if (KEPT.some((k) => key.startsWith(k.prefix))) return "kept";
  return undefined;
}
