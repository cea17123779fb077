// The ingest Glue job runs as a Python shell job (1/16 DPU, no Spark): its script may import only
// what that runtime has, or the job fails on its first line after every deploy.
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), "utf8");

// Python shell 3.9 on Glue 3.0 ships boto3 and awsglue.utils (getResolvedOptions), not pyspark:
// https://docs.aws.amazon.com/glue/latest/dg/add-job-python.html
const available = new Set(["json", "sys", "time", "boto3", "awsglue.utils"]);

test("the ingest script imports only what a Python shell job has", () => {
  const script = read("packages/functions/src/glue/ingest.py");
  const imports = [...script.matchAll(/^(?:import ([\w.]+)|from ([\w.]+) import)/gm)].map(
    ([, plain, from]) => (plain ?? from)!,
  );
  expect(imports.length).toBeGreaterThan(0);
  expect(imports.filter((m) => !available.has(m))).toEqual([]);
});

test("infra deploys it as a Python shell job of 1/16 DPU, with no Spark workers", () => {
  const job = /new aws\.glue\.Job\("IngestJob", \{([\s\S]*?)\n\}\);/.exec(
    read("infra/ingest.ts"),
  )?.[1];
  expect(job).toBeDefined();
  expect(job).toMatch(/name: "pythonshell",\s+pythonVersion: "3\.9"/);
  expect(job).toMatch(/glueVersion: "3\.0"/);
  expect(job).toMatch(/maxCapacity: 0\.0625/);
  expect(job).not.toMatch(/workerType|numberOfWorkers/);
});
