// The ingest and cdc Glue jobs run the one script as Python shell jobs (1/16 DPU, no Spark): its script may import only
// what that runtime has, or the job fails on its first line after every deploy.
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { stages } from "../../../infra/stage";

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

test.each([
  ["IngestJob", "infra/ingest.ts"],
  ["CdcJob", "infra/cdc.ts"],
])(
  "infra deploys %s as a Python shell job of its stage's 1/16 or 1 DPU running that script, with no Spark workers",
  (name, file) => {
    const job = new RegExp(`new aws\\.glue\\.Job\\("${name}", \\{([\\s\\S]*?)\\n\\}\\);`).exec(
      read(file),
    )?.[1];
    expect(job).toBeDefined();
    expect(job).toMatch(/name: "pythonshell",\s+pythonVersion: "3\.9"/);
    expect(job).toMatch(/glueVersion: "3\.0"/);
    expect(job).toMatch(/maxCapacity: stageSettings\(\$app\.stage\)\.glue\.dpu,/);
    // A Python shell job takes 0.0625 or 1 DPU, nothing else (AWS Glue API, Job MaxCapacity).
    for (const stage of Object.values(stages)) expect([0.0625, 1]).toContain(stage.glue.dpu);
    expect(job).toMatch(
      /scriptLocation: \$interpolate`s3:\/\/\$\{bucket\.name\}\/\$\{glueScript\.key\}`/,
    );
    expect(job).not.toMatch(/workerType|numberOfWorkers/);
  },
);
