// SageMaker's built-in k-means, as the ML state machine calls it (CreateTrainingJob,
// CreateModel, CreateTransformJob), done by the local k-means on the lake: the twin the machine's
// SageMaker tasks are bound to when it runs off AWS, as the Glue job's twin (cdc/job-runner.ts) is
// for Glue. It reads the requests the machine builds and writes the files SageMaker writes, where
// SageMaker writes them (io.ts): the model artefact under
// S3OutputPath/<TrainingJobName>/output/model.tar.gz (here our model JSON: only this twin reads
// it — the Load step derives the centroids from the assignments on both runtimes), and each input
// object's transform output as <S3OutputPath>/<its name below the input prefix>.out, the id joined.
// A failed job throws as Step Functions reports one: States.TaskFailed, the job's description
// (with FailureReason) as the cause.
import type { ObjectStore } from "../../lake/lake";
import { fitKMeans, type KMeansModel, predict, readModel } from "../kmeans";
import {
  isTransformOutput,
  keyOfUri,
  parseTrainingRecord,
  recordsUnder,
  TRAINING_CONTENT_TYPE,
  TRANSFORM_SUFFIX,
  unloadLine,
} from "./io";

type Json = Record<string, unknown>;

export interface LocalSageMakerOptions {
  /** A reason to fail this training job with, or nothing to run it. */
  failTraining?: (jobName: string) => string | null | undefined;
  region?: string;
  account?: string;
}

const JOB_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

export function localSageMaker(
  deps: { lake: ObjectStore; bucket: string },
  opts: LocalSageMakerOptions = {},
) {
  const arn = (kind: string, name: string) =>
    `arn:aws:sagemaker:${opts.region ?? "eu-west-1"}:${opts.account ?? "123456789012"}:${kind}/${name.toLowerCase()}`;
  const models = new Map<string, { image: string; modelDataUrl: string }>();
  const key = (uri: string) => keyOfUri(uri, deps.bucket);

  return {
    /** createTrainingJob.sync: fit, write the artefact, answer DescribeTrainingJob. */
    async createTrainingJob(req: Json): Promise<Json> {
      const name = jobName(req.TrainingJobName);
      const hp = (req.HyperParameters ?? {}) as Record<string, unknown>;
      const k = intParam(hp, "k");
      const d = intParam(hp, "feature_dim");
      const [channel] = (req.InputDataConfig ?? []) as Json[];
      const source = (channel?.DataSource as Json | undefined)?.S3DataSource as Json | undefined;
      if (channel?.ChannelName !== "train" || channel?.ContentType !== TRAINING_CONTENT_TYPE) {
        throw new Error(`the train channel must be ${TRAINING_CONTENT_TYPE}`);
      }
      const output = String((req.OutputDataConfig as Json | undefined)?.S3OutputPath ?? "");
      const describe = (status: string, extra: Json = {}) => ({
        TrainingJobName: name,
        TrainingJobArn: arn("training-job", name),
        TrainingJobStatus: status,
        HyperParameters: hp,
        ...extra,
      });
      const failWith = opts.failTraining?.(name);
      if (failWith) throw taskFailed(describe("Failed", { FailureReason: failWith }));
      const values: number[] = [];
      for await (const r of recordsUnder(deps.lake, key(String(source?.S3Uri)))) {
        values.push(...parseTrainingRecord(r.record, d, `${r.key}, line ${r.line}`));
      }
      const n = values.length / d;
      let model: KMeansModel;
      try {
        const fit = await fitKMeans(Float64Array.from(values), {
          n,
          d,
          k,
          starts: intParam(hp, "local_lloyd_num_trials", 10),
          maxIterations: intParam(hp, "local_lloyd_max_iter", 300),
          tolerance: Number(hp.local_lloyd_tol ?? 1e-4),
          workers: 0,
        });
        model = fit.model;
      } catch (err) {
        throw taskFailed(describe("Failed", { FailureReason: `ClientError: ${String(err)}` }));
      }
      const artefact = `${output.replace(/\/+$/, "")}/${name}/output/model.tar.gz`;
      await deps.lake.put(key(artefact), JSON.stringify(model));
      return describe("Completed", { ModelArtifacts: { S3ModelArtifacts: artefact } });
    },

    /** createModel: remember the artefact under the model's name. */
    async createModel(req: Json): Promise<Json> {
      const name = jobName(req.ModelName);
      if (models.has(name)) throw new Error(`Cannot create already existing model "${name}"`);
      const container = (req.PrimaryContainer ?? {}) as Json;
      models.set(name, {
        image: String(container.Image),
        modelDataUrl: String(container.ModelDataUrl),
      });
      return { ModelArn: arn("model", name) };
    },

    /** createTransformJob.sync: score every input line, join, write `<input>.out`. */
    async createTransformJob(req: Json): Promise<Json> {
      const name = jobName(req.TransformJobName);
      const found = models.get(String(req.ModelName));
      if (!found) throw new Error(`Could not find model "${req.ModelName}"`);
      const model = readModel(JSON.parse(await text(deps.lake, key(found.modelDataUrl))));
      const input = (req.TransformInput ?? {}) as Json;
      const output = (req.TransformOutput ?? {}) as Json;
      if (input.SplitType !== "Line" || input.ContentType !== "text/csv") {
        throw new Error("this twin transforms CSV split by line");
      }
      if (output.Accept !== "text/csv" || output.AssembleWith !== "Line") {
        throw new Error("this twin answers CSV assembled by line");
      }
      const dp = (req.DataProcessing ?? {}) as Record<string, string>;
      const inPrefix = key(
        String(((input.DataSource as Json).S3DataSource as Json).S3Uri).replace(/\/?$/, "/"),
      );
      const outPrefix = key(String(output.S3OutputPath).replace(/\/?$/, "/"));
      const files = new Map<string, string[]>();
      for await (const r of recordsUnder(deps.lake, inPrefix)) {
        if (isTransformOutput(r.key)) continue;
        const fields = r.record.map((v) => v ?? "");
        const x = select(fields, dp.InputFilter ?? "$").map(Number);
        const p = predict(model, x);
        // As the model's CSV answer: closest_cluster as a float, then the distance.
        const answer = [p.segment.toFixed(1), String(p.distance)];
        const joined = dp.JoinSource === "Input" ? [...fields, ...answer] : answer;
        const out = `${outPrefix}${r.key.slice(inPrefix.length)}${TRANSFORM_SUFFIX}`;
        const lines = files.get(out) ?? [];
        lines.push(unloadLine(select(joined, dp.OutputFilter ?? "$")));
        files.set(out, lines);
      }
      for (const [k, lines] of files) await deps.lake.put(k, lines.join(""));
      return {
        TransformJobName: name,
        TransformJobArn: arn("transform-job", name),
        TransformJobStatus: "Completed",
        ModelName: req.ModelName,
      };
    },
  };
}

export type LocalSageMaker = ReturnType<typeof localSageMaker>;

/**
 * The JSONPath subset batch transform applies to a CSV row (a JSON array): `$`, an index list
 * `$[0,-2,-1]` (negative from the end) or a slice `$[1:]`, `$[:5]`, `$[2:5]` (end inclusive,
 * as the guide's examples read: `$[1:4]` is the second through fifth columns).
 */
export function select(row: string[], path: string): string[] {
  if (path === "$") return row;
  const m = /^\$\[(.*)\]$/.exec(path);
  if (!m) throw new Error(`unsupported filter for CSV: ${path}`);
  const body = m[1]!;
  const at = (i: number) => (i < 0 ? row.length + i : i);
  const slice = /^(-?\d*):(-?\d*)$/.exec(body);
  if (slice) {
    const from = slice[1] ? at(Number(slice[1])) : 0;
    const to = slice[2] ? at(Number(slice[2])) : row.length - 1;
    return row.slice(from, to + 1);
  }
  return body.split(",").map((s) => {
    const i = at(Number(s.trim()));
    if (!Number.isInteger(i) || i < 0 || i >= row.length) {
      throw new Error(`${path}: index outside a row of ${row.length} fields`);
    }
    return row[i]!;
  });
}

function jobName(v: unknown): string {
  const s = String(v ?? "");
  if (!JOB_NAME.test(s)) throw new Error(`"${s}" is not a valid SageMaker job or model name`);
  return s;
}

function intParam(hp: Record<string, unknown>, name: string, fallback?: number): number {
  const v = hp[name];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== "string" || !/^\d+$/.test(v)) {
    throw new Error(`hyperparameter ${name} must be a positive integer as a string, got ${v}`);
  }
  return Number(v);
}

function taskFailed(description: Json): Error {
  return Object.assign(new Error(JSON.stringify(description)), { name: "States.TaskFailed" });
}

async function text(lake: ObjectStore, key: string): Promise<string> {
  let out = "";
  for await (const c of await lake.get(key)) out += c;
  return out;
}
