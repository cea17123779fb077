// The data lake: one bucket whose top-level prefixes are the platform's stages of a file's life,
// and how long each is kept. Who may touch which prefix is written with the code that touches it
// (packages/core/src/*/iam.ts).

/** Data: what arrived, was ingested or rejected, and what replication and ML wrote. */
export const lakePrefixes = ["inbox/", "processed/", "error/", "dms/", "ml/"] as const;

/** Archived to Glacier Instant Retrieval after this many days, deleted after `DATA_DAYS`. */
const ARCHIVE_AFTER_DAYS = 30;
const DATA_DAYS = 730;

/**
 * Per-run scratch and how long a leftover may stay. The steps delete their own working files when
 * a run ends (packages/core/src/ingest/machine.ts, removeWorkFiles); these rules remove what a
 * crashed run left. Nothing in the console reads them. Step Functions can redrive an execution for
 * 14 days after it ended, and a redriven Load or Report reads its run's files again, so nothing a
 * redrive needs goes sooner: a day more than that, as a run's files are written when it starts
 * (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html).
 */
const scratch: { prefix: string; days: number }[] = [
  // The normalised staging CSV and malformed records (Plan writes, Redshift COPYs, Report deletes).
  { prefix: "staging/", days: 15 },
  // The rows Redshift UNLOADs for Report to read (Report deletes them).
  { prefix: "rejects/", days: 15 },
  // The plan and the job's results: the run's record for debugging a recent run; the ops store
  // keeps everything the console shows.
  { prefix: "plans/", days: 30 },
  { prefix: "results/", days: 30 },
  // Temporary files of jobs (Glue's TempDir); nothing of ours stays there.
  { prefix: "tmp/", days: 7 },
];

/** A multipart upload that neither completed nor was aborted (a killed Lambda) is removed. */
const ABORT_UPLOADS_AFTER_DAYS = 7;

export const bucket = new sst.aws.Bucket("DataLake", {
  lifecycle: [
    ...lakePrefixes.map((prefix) => ({
      id: `${prefix.slice(0, -1)}-archive`,
      prefix,
      expiresIn: `${DATA_DAYS} days` as const,
    })),
    ...scratch.map(({ prefix, days }) => ({
      id: `${prefix.slice(0, -1)}-scratch`,
      prefix,
      expiresIn: `${days} days` as const,
    })),
  ],
  // SST's lifecycle arg knows expiration only: the Glacier IR transition of the data prefixes and
  // the bucket-wide multipart clean-up are added here.
  transform: {
    lifecycle: (args) => {
      args.rules = $util.output(args.rules).apply((rules) => [
        ...(rules ?? []).map((rule) =>
          rule.id.endsWith("-archive")
            ? { ...rule, transitions: [{ days: ARCHIVE_AFTER_DAYS, storageClass: "GLACIER_IR" }] }
            : rule,
        ),
        {
          id: "abort-incomplete-uploads",
          status: "Enabled",
          filter: {},
          abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_UPLOADS_AFTER_DAYS },
        },
      ]);
    },
  },
});
