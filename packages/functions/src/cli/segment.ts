// `cdp segment`: segments users by k-means on the features in packages/core/src/segment/features.ts
// and waits for the run; `cdp segment explain USER_ID`: why a user is in their segment.
import { countsOf } from "@cdp/core/pipelines";
import { featureNames, MISSING } from "@cdp/core/segment/features";
import { segment as segmentPipeline } from "@cdp/core/segment/pipeline";
import type { Command } from "./commands";
import { CliError, connect, ok } from "./connect";
import { duration } from "./format";

const USAGE = `cdp segment [--table T] [--key K] [--features a,b,c] [--k N|auto] [--scale standard|none]
            [--starts N] [--seed S] [--missing median|mean|zero|skip] [--json]
cdp segment explain USER_ID [--run R] [--json]

Segments every user of a warehouse table by k-means on the features configured in
packages/core/src/segment/features.ts, and waits for the run. The model goes to the lake
(ml/models/<run>/model.json, with profile.json: labels, centroids, drift), each user's segment to
ml/segments/<run>/features.csv.out (SageMaker batch transform's format: id,cluster,distance) and
to the warehouse table _cdp.segments (the latest run: _cdp.segments_latest).
  --table T      the table, T or schema.T (default customers); one row per user
  --key K        its key column (default user_id)
  --features L   features by name, comma-separated (default: the configured defaults)
  --k N|auto     segments, or auto: 2 to 8 chosen by silhouette (default auto)
  --scale S      standard (default: each feature to mean 0, sd 1) or none
  --starts N     k-means++ starts, the best kept (default 10)
  --seed S       the same seed and data give the same segments (default 42)
  --missing M    what a missing value becomes, for every feature: median (the default rule),
                 mean, zero, or skip (the user is left out); counted either way
  --json         print {runId, status, k, inertia, silhouette, sizes, labels, modelKey, resultKey}
explain: the user's segment in the latest run (or --run R), their features, the distance to each
segment's centroid, and the features that decided between the nearest and the runner-up.
Exit status: 0 when the run succeeded, 1 otherwise, 2 for usage errors.`;

function int(name: string, v: unknown, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new CliError(`--${name} must be an integer ≥ ${min}, not ${v}`, 2);
  return n;
}

/** The run's arguments from the flags (the API checks them again against the pipeline's schema). */
export function segmentArgs(values: Record<string, unknown>): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  if (values.table) args.table = values.table;
  if (values.key) args.key = values.key;
  if (values.features) {
    const names = String(values.features)
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const unknown = names.filter((n) => !featureNames().includes(n));
    if (unknown.length || !names.length) {
      throw new CliError(
        `unknown feature${unknown.length === 1 ? "" : "s"} ${unknown.join(", ") || "(none given)"}: configured are ${featureNames().join(", ")} (packages/core/src/segment/features.ts)`,
        2,
      );
    }
    args.features = names;
  }
  if (values.k !== undefined) args.k = values.k === "auto" ? "auto" : int("k", values.k, 1);
  if (values.scale !== undefined) {
    if (values.scale !== "standard" && values.scale !== "none") {
      throw new CliError(`--scale must be standard or none, not ${values.scale}`, 2);
    }
    args.scale = values.scale;
  }
  const starts = int("starts", values.starts, 1);
  if (starts !== undefined) args.starts = starts;
  const seed = int("seed", values.seed, 0);
  if (seed !== undefined) args.seed = seed;
  if (values.missing !== undefined) {
    if (!MISSING.includes(values.missing as never)) {
      throw new CliError(`--missing must be ${MISSING.join(", ")}, not ${values.missing}`, 2);
    }
    args.missing = values.missing;
  }
  return args;
}

const pct = (x: number) => `${Math.round(x * 100)} %`;
const num = (x: number | null | undefined, digits = 4) =>
  x === null || x === undefined ? "–" : Number(x.toPrecision(digits)).toString();

export const segment: Command = {
  usage: USAGE,
  options: {
    table: { type: "string" },
    key: { type: "string" },
    features: { type: "string" },
    k: { type: "string" },
    scale: { type: "string" },
    starts: { type: "string" },
    seed: { type: "string" },
    missing: { type: "string" },
    run: { type: "string" },
    json: { type: "boolean" },
  },
  positionals: [0, 2],
  async run({ dir, values, positionals }) {
    if (positionals.length) {
      if (positionals[0] !== "explain" || positionals.length !== 2) {
        throw new CliError(`unexpected ${positionals.join(" ")}\n\n${USAGE}`, 2);
      }
      return explain(dir, positionals[1]!, values);
    }
    if (values.run) throw new CliError(`--run goes with explain\n\n${USAGE}`, 2);
    const args = segmentArgs(values);
    const s = await connect(dir, "cdp segment");
    try {
      const { run } = await ok(
        await s.api.api.runs.$post({
          json: { pipeline: segmentPipeline.name, args },
          query: { wait: "true" },
        }),
      );
      if (run.pipeline !== segmentPipeline.name) {
        throw new CliError(`the server answered with a ${run.pipeline} run, not a segment run`, 1);
      }
      const st = run.stats;
      if (values.json) {
        const out = {
          runId: run.id,
          status: run.status,
          k: st.k,
          inertia: st.inertia,
          silhouette: st.silhouette,
          sizes: st.sizes,
          labels: st.labels,
          modelKey: st.modelKey,
          resultKey: st.resultKey,
          ...(run.error ? { error: run.error } : {}),
        };
        console.log(JSON.stringify(out, null, 2));
        return run.status === "SUCCEEDED" ? 0 : 1;
      }
      const took =
        run.startedAt && run.finishedAt
          ? duration(Date.parse(run.finishedAt) - Date.parse(run.startedAt))
          : "";
      console.log(
        `${run.id} segment ${run.status}${took ? ` in ${took}` : ""}: ${run.subject ?? ""}`,
      );
      if (run.status !== "SUCCEEDED") {
        console.log(`  error: ${run.error ?? "(none given)"}`);
        return 1;
      }
      console.log(`  ${countsOf(run) ?? ""}`);
      console.log(`  features: ${st.features.map((f) => f.name).join(", ")}`);
      for (const f of st.features.filter((f) => f.imputed || f.skipped)) {
        const what = f.skipped
          ? `${f.skipped} users skipped`
          : `${f.imputed} filled with the ${f.missing} (${num(f.fill)})`;
        console.log(`    ${f.name}: ${f.missingCount} missing, ${what}`);
      }
      for (const f of st.featuresSkipped) console.log(`    ${f.name} not used: ${f.reason}`);
      console.log(
        `  k = ${st.k} (${st.kChosenBy === "silhouette" ? "chosen by silhouette" : "given"}) · inertia ${num(st.inertia)} (${st.scale === "none" ? "raw" : "standardised"} space) · silhouette ${num(st.silhouette, 3)}`,
      );
      const total = st.sizes.reduce((a, b) => a + b, 0);
      st.sizes.forEach((n, j) => {
        console.log(
          `  ${String(j).padStart(3)}  ${String(n).padStart(8)}  ${pct(total ? n / total : 0).padStart(5)}  ${st.labels[j] ?? ""}`,
        );
      });
      console.log(`  model: lake/${st.modelKey}`);
      console.log(
        `  results: lake/${st.resultKey} · warehouse _cdp.segments (latest: _cdp.segments_latest)`,
      );
      if (st.previousRunId) {
        console.log(
          `  since ${st.previousRunId}: ${st.moved} users changed segment, ${st.stayed} stayed`,
        );
      }
      return 0;
    } finally {
      await s.close();
    }
  },
};

async function explain(
  dir: Parameters<Command["run"]>[0]["dir"],
  userId: string,
  values: Record<string, unknown>,
) {
  const s = await connect(dir, "cdp segment explain");
  try {
    const why = await ok(
      await s.api.api.segments.users[":id"].$get({
        param: { id: userId },
        query: values.run ? { run: String(values.run) } : {},
      }),
    );
    if (values.json) {
      console.log(JSON.stringify(why, null, 2));
      return 0;
    }
    console.log(
      `user ${why.userId} in ${why.runId}: segment ${why.segment} "${why.label}" (distance ${num(why.distance)})`,
    );
    if (!why.features) {
      console.log(
        "  the user's features cannot be computed now (gone from the table, or the features changed)",
      );
      return 0;
    }
    console.log(
      `  features: ${why.features.map((f) => `${f.name} ${num(f.value)}${f.imputed ? " (filled)" : ""}`).join(" · ")}`,
    );
    for (const d of why.distances) {
      console.log(
        `  ${String(d.segment).padStart(3)}  ${num(d.distance).padStart(8)}  ${d.label}${d.segment === why.current?.segment ? "  ← nearest" : ""}`,
      );
    }
    if (why.consistent === false) {
      console.log(
        `  the data changed since the run: the model now puts the user in segment ${why.current?.segment}`,
      );
    }
    if (why.runnerUp !== null) {
      const decided = why.decidedBy.filter((f) => f.contribution > 0).slice(0, 3);
      console.log(
        `  decided against segment ${why.runnerUp} by: ${decided.map((f) => `${f.name} ${num(f.value)} (nearest ${num(f.nearest)}, runner-up ${num(f.runnerUp)}; ${pct(f.share)})`).join(", ")}`,
      );
    }
    return 0;
  } finally {
    await s.close();
  }
}
