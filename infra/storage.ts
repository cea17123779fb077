// The data lake: one bucket whose top-level prefixes are the platform's stages of a file's life.
export const lakePrefixes = ["inbox/", "processed/", "error/", "dms/", "ml/"] as const;

export const bucket = new sst.aws.Bucket("DataLake", {
  // SST's lifecycle arg knows expiration only; the Glacier IR transition is added in transform.
  lifecycle: lakePrefixes.map((prefix) => ({
    id: `${prefix.slice(0, -1)}-archive`,
    prefix,
    expiresIn: "730 days" as const,
  })),
  transform: {
    lifecycle: (args) => {
      args.rules = $util.output(args.rules).apply((rules) =>
        (rules ?? []).map((rule) => ({
          ...rule,
          transitions: [{ days: 30, storageClass: "GLACIER_IR" }],
        })),
      );
    },
  },
});

/** The ARNs of the lake's objects under these prefixes, for IAM statements. */
export const lakeObjects = (...prefixes: string[]) =>
  prefixes.map((p) => $interpolate`${bucket.arn}/${p}*`);
