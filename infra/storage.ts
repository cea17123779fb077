// The data lake: one bucket whose top-level prefixes are the platform's stages of a file's life,
// kept as packages/core/src/lake/retention.ts says (data archived, then expired; per-run scratch
// expired soon; unfinished uploads aborted). Who may touch which prefix is written with the code
// that touches it (packages/core/src/*/iam.ts).
import {
  ABORT_UPLOADS_AFTER_DAYS,
  ARCHIVE_AFTER_DAYS,
  DATA_DAYS,
  DATA_PREFIXES,
  SCRATCH,
} from "../packages/core/src/lake/retention";

export const bucket = new sst.aws.Bucket("DataLake", {
  lifecycle: [
    ...DATA_PREFIXES.map((prefix) => ({
      id: `${prefix.slice(0, -1)}-archive`,
      prefix,
      expiresIn: `${DATA_DAYS} days` as const,
    })),
    ...SCRATCH.map(({ prefix, days }) => ({
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
