// A segment run's files in the lake, and the results file's format: what SageMaker batch
// transform writes for the built-in k-means with the user id carried through, so the local run
// (TypeScript k-means) and the deployed one (SageMaker) leave the same files, read by one parser.
//
// The transform reads the features CSV (no header; the user id first, then the features) with
// ContentType text/csv, SplitType Line, and DataProcessing { InputFilter "$[1:]" (the model sees
// the features only), JoinSource "Input" (each output record is its input record followed by
// the prediction), OutputFilter "$[0,-2,-1]" (keep the id and the prediction) }; Accept text/csv,
// AssembleWith Line. K-means answers text/csv as `closest_cluster,distance_to_cluster`
// ("K-Means Response Formats", and "Associate Prediction Results with Input Records" in the
// SageMaker developer guide), and batch transform names each output after its input with `.out`
// appended. So a results line is `<user id>,<closest cluster>,<distance>`:
//
//   42,3.0,0.8172
//   "id, with a comma",0.0,1.25
//
// The cluster comes as a float (`3.0`); the distance is to the closest cluster's centroid in the
// space the model was fitted in. With Accept application/jsonlines (and a JSON input whose id
// attribute is kept by OutputFilter) the lines are instead
// `{"user_id":"42","SageMakerOutput":{"closest_cluster":3.0,"distance_to_cluster":0.8172}}`;
// the parser reads both.
import type { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import type { ObjectStore } from "../lake/lake";
import { csvField } from "../util/csv";
import { CsvReadError, csvRecords } from "../util/csv-read";
import { VisibleError } from "../util/error";
import { type KMeansModel, readModel } from "./kmeans";
import { SegmentProfile } from "./model";

/**
 * A run id as a lake folder name, the same for both paths: a local run's ULID as it is, a deployed
 * run's `sfn:cdp-prod-segment:abc` as `sfn_cdp-prod-segment_abc`.
 */
export const runFolder = (runId: string) => runId.replace(/[^A-Za-z0-9._-]/g, "_");

export const modelKey = (runId: string) => `ml/models/${runFolder(runId)}/model.json`;
export const profileKey = (runId: string) => `ml/models/${runFolder(runId)}/profile.json`;
export const featuresPrefix = (runId: string) => `ml/features/${runFolder(runId)}/`;
export const resultsPrefix = (runId: string) => `ml/segments/${runFolder(runId)}/`;

/** The features file the transform reads, and so its results file (`<input>.out`). */
export const FEATURES_FILE = "features.csv";
export const RESULTS_SUFFIX = ".out";
export const resultKey = (runId: string) =>
  `${resultsPrefix(runId)}${FEATURES_FILE}${RESULTS_SUFFIX}`;

/** CreateTransformJob's settings that produce this format (for the deployed path). */
export const TRANSFORM_FORMAT = {
  contentType: "text/csv",
  splitType: "Line",
  accept: "text/csv",
  assembleWith: "Line",
  dataProcessing: { InputFilter: "$[1:]", JoinSource: "Input", OutputFilter: "$[0,-2,-1]" },
} as const;

export interface ResultRow {
  userId: string;
  segment: number;
  distance: number;
}

/** One results line, as the transform writes it. */
export function resultLine(userId: string, segment: number, distance: number): string {
  return `${csvField(userId)},${segment.toFixed(1)},${distance}\n`;
}

/** Results lines as Buffers, one per batch of rows (for ObjectStore.put). */
export async function* encodeResults(
  batches: AsyncIterable<readonly ResultRow[]>,
): AsyncGenerator<Buffer> {
  for await (const rows of batches) {
    let s = "";
    for (const r of rows) s += resultLine(r.userId, r.segment, r.distance);
    if (s) yield Buffer.from(s);
  }
}

/** The features file the transform reads: the id, then each feature (no header). */
export function featuresLine(userId: string, values: ArrayLike<number>): string {
  let s = csvField(userId);
  for (let t = 0; t < values.length; t++) s += `,${values[t]}`;
  return `${s}\n`;
}

function bad(name: string, line: number, why: string) {
  return new VisibleError("input", "segment.bad_results", `${name}, record ${line}: ${why}`);
}

function checked(
  name: string,
  line: number,
  userId: unknown,
  c: unknown,
  dist: unknown,
  k?: number,
) {
  if (typeof userId !== "string" || userId === "") throw bad(name, line, "no user id");
  const segment = Number(c);
  const distance = Number(dist);
  if (
    c === null ||
    c === "" ||
    !Number.isInteger(segment) ||
    segment < 0 ||
    (k !== undefined && segment >= k)
  ) {
    throw bad(
      name,
      line,
      `closest_cluster ${JSON.stringify(c)} is not a segment${k ? ` (0 to ${k - 1})` : ""}`,
    );
  }
  if (dist === null || dist === "" || !Number.isFinite(distance) || distance < 0) {
    throw bad(name, line, `distance_to_cluster ${JSON.stringify(dist)} is not a distance`);
  }
  return { userId, segment, distance };
}

/**
 * The rows of one results file, in batches of up to `batch`: CSV (`id,…,cluster,distance`: the
 * id first, the prediction last, so a transform that kept every input column reads too) or JSON
 * lines. A record that is not a result is an error naming it; `k` bounds the segment numbers.
 */
export async function* parseResults(
  source: Readable | AsyncIterable<Uint8Array | string>,
  opts: { name?: string; k?: number; batch?: number } = {},
): AsyncGenerator<ResultRow[]> {
  const name = opts.name ?? "results file";
  const size = opts.batch ?? 10_000;
  let rows: ResultRow[] = [];
  let line = 0;
  const it = source[Symbol.asyncIterator]();
  // Sniff the format from the first byte that is not white space.
  const head: (Uint8Array | string)[] = [];
  let json = false;
  for (;;) {
    const next = await it.next();
    if (next.done) break;
    head.push(next.value);
    const text = typeof next.value === "string" ? next.value : Buffer.from(next.value).toString();
    const first = text.trimStart();
    if (first) {
      json = first.startsWith("{");
      break;
    }
  }
  async function* rest() {
    yield* head;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      yield next.value;
    }
  }
  if (json) {
    // A character split between two chunks is kept until its last byte comes.
    const decoder = new TextDecoder();
    let carry = "";
    const take = (l: string) => {
      line++;
      if (!l.trim()) return;
      let o: { SageMakerOutput?: { closest_cluster?: unknown; distance_to_cluster?: unknown } };
      try {
        o = JSON.parse(l);
      } catch {
        throw bad(name, line, "not JSON");
      }
      const out = o?.SageMakerOutput;
      const id = Object.entries(o ?? {}).find(([k]) => k !== "SageMakerOutput")?.[1];
      rows.push(
        checked(
          name,
          line,
          typeof id === "number" ? String(id) : id,
          out?.closest_cluster,
          out?.distance_to_cluster,
          opts.k,
        ),
      );
    };
    for await (const chunk of rest()) {
      const lines = (
        carry + (typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true }))
      ).split("\n");
      carry = lines.pop()!;
      for (const l of lines) take(l);
      if (rows.length >= size) {
        yield rows;
        rows = [];
      }
    }
    carry += decoder.decode();
    if (carry) take(carry);
  } else {
    try {
      for await (const rec of csvRecords(rest(), name)) {
        line++;
        if (rec.length < 3)
          throw bad(
            name,
            line,
            `${rec.length} fields, expected id,closest_cluster,distance_to_cluster`,
          );
        rows.push(checked(name, line, rec[0], rec[rec.length - 2], rec[rec.length - 1], opts.k));
        if (rows.length >= size) {
          yield rows;
          rows = [];
        }
      }
    } catch (err) {
      if (err instanceof CsvReadError) throw bad(name, err.line ?? line, err.message);
      throw err;
    }
  }
  if (rows.length) yield rows;
}

async function readJson(lake: ObjectStore, key: string, what: string): Promise<unknown> {
  if (!(await lake.exists(key))) {
    throw new VisibleError("not_found", "segment.not_found", `no ${what} (${key})`);
  }
  return JSON.parse(await text(await lake.get(key)));
}

export async function readProfile(lake: ObjectStore, runId: string): Promise<SegmentProfile> {
  return SegmentProfile.parse(await readJson(lake, profileKey(runId), `profile for run ${runId}`));
}

export async function readRunModel(lake: ObjectStore, runId: string): Promise<KMeansModel> {
  return readModel(await readJson(lake, modelKey(runId), `model for run ${runId}`));
}
