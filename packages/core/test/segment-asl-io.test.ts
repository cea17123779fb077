// The files the ML state machine exchanges with SageMaker: the parsers read SageMaker's documented
// formats (K-Means Response Formats; the CSV join of batch transform), refuse what is not them with
// the place and the reason, the twin's JSONPath filters follow the guide's examples, and the
// Redshift export is an UNLOAD that writes exactly what SageMaker reads.
import { Readable } from "node:stream";
import { describe, expect, test } from "vitest";
import {
  featureColumns,
  scoreSelect,
  scratchOf,
  trainSelect,
  unloadSql,
} from "../src/segment/sagemaker/export-sql";
import { parseKMeansAnswer, parseTransformRecord, unloadLine } from "../src/segment/sagemaker/io";
import { select } from "../src/segment/sagemaker/local-sagemaker";
import { csvRecords } from "../src/util/csv-read";

const records = async (text: string) => {
  const out: (string | null)[][] = [];
  for await (const r of csvRecords(Readable.from([text]))) out.push(r);
  return out;
};

describe("SageMaker's k-means output", () => {
  test("the documented CSV and JSON Lines answers read as segment and distance", () => {
    // K-Means Response Formats: CSV `1.0,3.0`; JSONLINES `{"closest_cluster": 1.0, …}`.
    expect(parseKMeansAnswer("1.0,3.0", "text/csv")).toEqual({ segment: 1, distance: 3 });
    expect(parseKMeansAnswer("2.0,5.0\r", "text/csv")).toEqual({ segment: 2, distance: 5 });
    expect(
      parseKMeansAnswer(
        '{"closest_cluster": 2.0, "distance_to_cluster": 5.0}',
        "application/jsonlines",
      ),
    ).toEqual({ segment: 2, distance: 5 });
    expect(() => parseKMeansAnswer("1.5,3.0", "text/csv")).toThrow(
      /closest_cluster is not a segment/,
    );
    expect(() => parseKMeansAnswer("1.0", "text/csv")).toThrow(/not closest,distance/);
  });

  test("a hand-written batch transform output — the input row, then the answer appended — gives each user's id, features and segment, quoted ids included", async () => {
    const sample = [
      "u-1,-0.5,1.25,1.0,0.75",
      '"doe, jane",0.1,-2,0.0,2.0039',
      '"say ""hi""",1e-7,3,2.0,0',
    ].join("\n");
    const rows = (await records(sample)).map((r, i) => parseTransformRecord(r, 2, `line ${i + 1}`));
    expect(rows).toEqual([
      { userId: "u-1", features: [-0.5, 1.25], segment: 1, distance: 0.75 },
      { userId: "doe, jane", features: [0.1, -2], segment: 0, distance: 2.0039 },
      { userId: 'say "hi"', features: [1e-7, 3], segment: 2, distance: 0 },
    ]);
  });

  test("an output that is not the joined format says where and why", async () => {
    const [short] = await records("u-1,0.5,1.0,0.75\n");
    expect(() => parseTransformRecord(short!, 2, "part_000.out, line 1")).toThrow(
      "part_000.out, line 1: 4 fields; expected the id, 2 features, closest_cluster and distance_to_cluster",
    );
    const [noId] = await records(",0.5,1,1.0,0.75\n");
    expect(() => parseTransformRecord(noId!, 2, "x")).toThrow(/a row without a user id/);
    const [nan] = await records("u,abc,1,1.0,0.75\n");
    expect(() => parseTransformRecord(nan!, 2, "x")).toThrow(/feature 1 is "abc"/);
  });

  test("the lines the twin and the export write read back as they were written", async () => {
    const text = unloadLine(["a,b", 1.5, -2]) + unloadLine(['q"q', 0, 3e-9]);
    expect(text).toBe('"a,b",1.5,-2\n"q""q",0,3e-9\n');
    expect(await records(text)).toEqual([
      ["a,b", "1.5", "-2"],
      ['q"q', "0", "3e-9"],
    ]);
  });
});

describe("batch transform's JSONPath filters on a CSV row (as the twin applies them)", () => {
  const row = ["id", "a", "b", "c", "d", "e"];
  test("the guide's examples: $ keeps the row, $[1:] drops the id, $[1:4] is the second through fifth columns, indexes may count from the end", () => {
    expect(select(row, "$")).toEqual(row);
    expect(select(row, "$[1:]")).toEqual(["a", "b", "c", "d", "e"]);
    expect(select(row, "$[1:4]")).toEqual(["a", "b", "c", "d"]);
    expect(select(row, "$[:1]")).toEqual(["id", "a"]);
    expect(select(row, "$[0,-2,-1]")).toEqual(["id", "d", "e"]);
    expect(() => select(row, "$[9]")).toThrow(/outside a row/);
  });
});

describe("the feature export on Redshift", () => {
  const scratch = scratchOf("01jabc");
  const cols = featureColumns([
    { name: "user_id", type: "character varying" },
    { name: "spend", type: "numeric" },
    { name: "orders", type: "integer" },
  ]);
  const scaler = { mean: [120.5, 3], std: [40.25, 1] };

  test("UNLOADs standardised features as headerless CSV, one writer, files of at most 100 MB, the query's quotes escaped once more", () => {
    const sql = unloadSql(
      trainSelect(scratch, cols, scaler),
      "s3://cdp-lake/ml/features/run/train/part_",
      "arn:aws:iam::123456789012:role/copy",
    );
    expect(sql).toMatch(
      /^UNLOAD \('SELECT \(CAST\("spend" AS FLOAT8\) - \(120\.5\)\) \/ \(40\.25\) AS "spend", /,
    );
    expect(sql).toMatch(
      /TO 's3:\/\/cdp-lake\/ml\/features\/run\/train\/part_' IAM_ROLE 'arn:aws:iam::123456789012:role\/copy' FORMAT AS CSV PARALLEL OFF MAXFILESIZE 100 MB$/,
    );
    expect(sql).not.toMatch(/HEADER|NULL AS|ADDQUOTES/);
    // The usable-row filter's literals would end the UNLOAD's string if not doubled.
    const score = unloadSql(scoreSelect(scratch, cols, scaler), "s3://b/p/", "r");
    expect(score).toContain('CAST("user_id" AS VARCHAR(65535)) AS "user_id"');
    expect(score).toContain('STRPOS(CAST("user_id" AS VARCHAR(65535)), CHR(10)) = 0');
    expect(unloadSql("SELECT 'x'", "s3://b/p/", "r")).toMatch(/^UNLOAD \('SELECT ''x'''\)/);
  });

  test("a feature query must lead with the key and give numbers after it", () => {
    expect(cols).toEqual({ key: "user_id", features: ["spend", "orders"] });
    expect(() => featureColumns([{ name: "user_id", type: "text" }])).toThrow(
      /at least one feature/,
    );
    expect(() =>
      featureColumns([
        { name: "user_id", type: "text" },
        { name: "city", type: "text" },
      ]),
    ).toThrow(/must give numbers after the key column: city is text/);
    expect(() =>
      featureColumns([
        { name: "user_id", type: "text" },
        { name: "?column?", type: "integer" },
      ]),
    ).toThrow(/not a usable name/);
  });
});
