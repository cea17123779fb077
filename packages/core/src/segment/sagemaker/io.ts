// The files the deployed segmentation exchanges with SageMaker's built-in k-means, byte for byte as
// the services write and read them, and the lake keys they live under. The local twin of SageMaker
// (local-sagemaker.ts) writes and reads exactly these, so the Load step parses one format on both
// runtimes.
//
// Keys of one run (`<run>`: the run id made safe for a key, machine.ts `runFolder`):
//   ml/features/<run>/train/part_000…  training input: standardised features, no id (Export: UNLOAD)
//   ml/features/<run>/score/part_000…  transform input: user id, then the same features (Export)
//   ml/models/<run>/<job>/output/model.tar.gz   SageMaker's model artefact (MXNet; never read here)
//   ml/models/<run>/model.json          the KMeansModel we derive from the assignments (Load)
//   ml/segments/<run>/transform/<input part>.out   batch transform output, id joined (SageMaker)
//   ml/segments/_loaded/<run>.json      the run is loaded (Load, last): what starts the Salesforce sync
//
// Sources (AWS documentation, read for this file):
// - Training CSV: "Amazon SageMaker requires that a CSV file does not have a header record … To
//   run unsupervised learning algorithms that don't have a target, specify the number of label
//   columns in the content type … 'text/csv;label_size=0'" (SageMaker Developer Guide, Common Data
//   Formats for Training). k-means trains from CSV in File mode only; the train channel is
//   recommended ShardedByS3Key (K-Means Algorithm, Input/Output Interface).
// - The artefact: "model.tar.gz … contains model_algo-1, which is a serialized Apache MXNet
//   object" (Common Data Formats for Training, Trained Model Deserialization) — unreadable without
//   MXNet, so the centroids are derived from the assignments (load-step.ts).
// - Inference output, Accept text/csv: "The first value in each line corresponds to
//   closest_cluster. The second value … distance_to_cluster", e.g. `1.0,3.0`; application/jsonlines:
//   `{"closest_cluster": 1.0, "distance_to_cluster": 3.0}` (K-Means Response Formats).
// - Batch transform join: "For CSV data, SageMaker takes each row as a JSON array and joins the
//   transformed data with the input by appending each transformed row to the end of the input";
//   InputFilter `$[1:]` drops the id column before the model sees the row; "For CSV files, you
//   cannot use embedded newline characters"; CSV should follow RFC 4180 (Associate Prediction
//   Results with Input Records; API DataProcessing). So a joined line is
//   `<id>,<f1>,…,<fd>,<closest_cluster>,<distance_to_cluster>` (OutputFilter `$`: we keep the
//   features, as the Load step needs them for the centroids and distances).
// - Output objects: "batch transform stores the transformed data with an .out suffix" beside the
//   input's name; an .out file is written only when its whole input object succeeded
//   (API TransformOutput, S3OutputPath).
// - Redshift UNLOAD … FORMAT AS CSV: comma-delimited; "If a field contains delimiters, double
//   quotation marks, newline characters, or carriage returns, then the field … is enclosed in
//   double quotation marks. A double quotation mark within a data field is escaped by an
//   additional double quotation mark"; without NULL AS a NULL is a zero-length field; no header
//   unless HEADER; PARALLEL OFF writes `<prefix>000`, `<prefix>001`, … each at most MAXFILESIZE
//   (UNLOAD, Redshift Database Developer Guide). Features are never NULL here: the Export step
//   counts and skips rows with a NULL feature or a line break in the id (export-sql.ts).
import type { Readable } from "node:stream";
import type { ObjectStore } from "../../lake/lake";
import { csvRecords } from "../../util/csv-read";
import { VisibleError } from "../../util/error";

/** The training channel's content type: CSV whose first 0 columns are the label. */
export const TRAINING_CONTENT_TYPE = "text/csv;label_size=0";
/** The transform's input content type and what it asks the model for. */
export const TRANSFORM_CONTENT_TYPE = "text/csv";
export const TRANSFORM_ACCEPT = "text/csv";
/** The id column leaves the row the model sees, and comes back joined to its answer. */
export const DATA_PROCESSING = { InputFilter: "$[1:]", JoinSource: "Input", OutputFilter: "$" };
/** What batch transform appends to an input object's name. */
export const TRANSFORM_SUFFIX = ".out";
/** UNLOAD … PARALLEL OFF names its files `<prefix>000`, `<prefix>001`, …; ours are `part_000`. */
export const PART_PREFIX = "part_";

/** The lake keys of one run's ML files (see the header). `run` is safe in a key. */
export function mlKeys(run: string) {
  const features = `ml/features/${run}/`;
  return {
    features,
    train: `${features}train/`,
    score: `${features}score/`,
    models: `ml/models/${run}/`,
    model: `ml/models/${run}/model.json`,
    segments: `ml/segments/${run}/`,
    transform: `ml/segments/${run}/transform/`,
    loaded: `${LOADED_PREFIX}${run}.json`,
  };
}

/**
 * Where the Load step says a run is loaded, once, after its segments are in the warehouse and the
 * run is recorded SUCCEEDED. The deployed sync starts on an object created here (infra/salesforce.ts),
 * not on SageMaker's output parts, which land one by one before anything is loaded.
 */
export const LOADED_PREFIX = "ml/segments/_loaded/";

export const s3Uri = (bucket: string, key: string) => `s3://${bucket}/${key}`;

/** `s3://bucket/key` → key, checking the bucket is the lake's. */
export function keyOfUri(uri: string, bucket: string): string {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  if (!m || m[1] !== bucket) throw new Error(`${uri} is not in the lake bucket ${bucket}`);
  return m[2]!;
}

// ── Writing, as UNLOAD writes ────────────────────────────────────────────────────────────────

const UNLOAD_QUOTES = /[",\r\n]/;

/** One field as Redshift's UNLOAD … FORMAT AS CSV writes it; null as nothing. */
export function unloadField(value: string | number | null): string {
  if (value === null) return "";
  const s = typeof value === "number" ? formatNumber(value) : value;
  return UNLOAD_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A line of an UNLOADed CSV file: fields joined by commas, ended by LF. */
export function unloadLine(values: readonly (string | number | null)[]): string {
  return `${values.map(unloadField).join(",")}\n`;
}

/** A float as text both Redshift and SageMaker's CSV reader take (shortest round trip). */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
  return String(v);
}

// ── Reading ─────────────────────────────────────────────────────────────────────────────────

/** A training row: d numbers. */
export function parseTrainingRecord(record: (string | null)[], d: number, where: string): number[] {
  if (record.length !== d) {
    throw badFile(where, `${record.length} values where the training set has ${d} features`);
  }
  return record.map((v, t) => parseNumber(v, where, `feature ${t + 1}`));
}

export interface ScoreRow {
  userId: string;
  features: number[];
}

/** A transform input row: the id, then d numbers. */
export function parseScoreRecord(record: (string | null)[], d: number, where: string): ScoreRow {
  if (record.length !== d + 1) {
    throw badFile(where, `${record.length} fields; expected the id and ${d} features`);
  }
  const [id, ...rest] = record;
  if (id === null || id === undefined || id === "") throw badFile(where, "a row without a user id");
  return { userId: id, features: rest.map((v, t) => parseNumber(v, where, `feature ${t + 1}`)) };
}

/** The model's answer for one row (the K-Means Response Formats). */
export interface KMeansAnswer {
  /** closest_cluster: 0 … k − 1, written as a float (`1.0`). */
  segment: number;
  /** distance_to_cluster, as SageMaker computed it. */
  distance: number;
}

/** A line of k-means output for Accept text/csv (`1.0,3.0`) or application/jsonlines. */
export function parseKMeansAnswer(
  line: string,
  accept: "text/csv" | "application/jsonlines",
): KMeansAnswer {
  if (accept === "application/jsonlines") {
    const o = JSON.parse(line) as { closest_cluster?: unknown; distance_to_cluster?: unknown };
    return answer(o.closest_cluster, o.distance_to_cluster, line);
  }
  const parts = line.trim().split(",");
  if (parts.length !== 2) throw badFile("k-means output", `"${line}" is not closest,distance`);
  return answer(Number(parts[0]), Number(parts[1]), line);
}

function answer(cluster: unknown, distance: unknown, line: string): KMeansAnswer {
  if (typeof cluster !== "number" || !Number.isInteger(cluster) || cluster < 0) {
    throw badFile("k-means output", `closest_cluster is not a segment number in "${line}"`);
  }
  if (typeof distance !== "number" || !Number.isFinite(distance) || distance < 0) {
    throw badFile("k-means output", `distance_to_cluster is not a distance in "${line}"`);
  }
  return { segment: cluster, distance };
}

/** A joined line of the transform output: the score row, then the model's answer. */
export interface TransformRow extends ScoreRow, KMeansAnswer {}

export function parseTransformRecord(
  record: (string | null)[],
  d: number,
  where: string,
): TransformRow {
  if (record.length !== d + 3) {
    throw badFile(
      where,
      `${record.length} fields; expected the id, ${d} features, closest_cluster and distance_to_cluster`,
    );
  }
  const row = parseScoreRecord(record.slice(0, d + 1), d, where);
  const [cluster, distance] = record.slice(d + 1);
  return { ...row, ...answer(Number(cluster), Number(distance), record.join(",")) };
}

/** The objects batch transform wrote under `prefix`, in key order (one per input part). */
export async function transformOutputs(lake: ObjectStore, prefix: string): Promise<string[]> {
  const keys = (await lake.list(prefix)).map((o) => o.key).filter(isTransformOutput);
  return keys.sort();
}

export const isTransformOutput = (key: string) => key.endsWith(TRANSFORM_SUFFIX);

/** Every joined row of a run's transform output, file by file. */
export async function* transformRows(
  lake: ObjectStore,
  prefix: string,
  d: number,
): AsyncGenerator<TransformRow> {
  const keys = await transformOutputs(lake, prefix);
  if (!keys.length)
    throw badFile(prefix, `no ${TRANSFORM_SUFFIX} file: the transform wrote nothing`);
  for (const key of keys) {
    let line = 0;
    for await (const record of csvRecords(await lake.get(key), key)) {
      line++;
      yield parseTransformRecord(record, d, `${key}, line ${line}`);
    }
  }
}

/** Every record of every object under `prefix`, in key order. */
export async function* recordsUnder(
  lake: ObjectStore,
  prefix: string,
): AsyncGenerator<{ key: string; line: number; record: (string | null)[] }> {
  const keys = (await lake.list(prefix)).map((o) => o.key).sort();
  for (const key of keys) {
    let line = 0;
    const body: Readable = await lake.get(key);
    for await (const record of csvRecords(body, key)) yield { key, line: ++line, record };
  }
}

function parseNumber(v: string | null, where: string, what: string): number {
  const n = v === null || v.trim() === "" ? Number.NaN : Number(v);
  if (!Number.isFinite(n)) throw badFile(where, `${what} is ${v === null ? "empty" : `"${v}"`}`);
  return n;
}

function badFile(where: string, why: string): VisibleError {
  return new VisibleError("input", "segment.bad_ml_file", `${where}: ${why}`);
}
