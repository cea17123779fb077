// The ML state machine's definition, as infra deploys it: valid ASL calling only the integrations
// we mean it to, SageMaker asked for the formats the Load step parses (the id carried through the
// batch transform), every working state caught — naming itself — into ReportFailure → Failed, and
// the console never redriving it. (segment-asl.test.ts executes it.)
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, test } from "vitest";
import {
  segmentDefinition as definition,
  segmentParams,
} from "../../../test/support/segment-machine";
import { taskResources } from "../src/ingest/asl";
import { SegmentState as S, segmentIntegrations } from "../src/segment/sagemaker/asl";
import { FailedIn } from "../src/segment/sagemaker/failure-step";
import { segmentRetry } from "../src/segment/sagemaker/machine";

// asl-validator ships no types.
const aslValidator = createRequire(import.meta.url)("asl-validator") as (definition: object) => {
  isValid: boolean;
  errorsText: (separator?: string) => string;
};

type Params = Record<string, unknown> & {
  FunctionName?: string;
  InputDataConfig?: { ContentType: string; DataSource: { S3DataSource: Record<string, string> } }[];
  DataProcessing?: Record<string, string>;
  TransformInput?: Record<string, unknown>;
  TransformOutput?: Record<string, unknown>;
  AlgorithmSpecification?: Record<string, string>;
  PrimaryContainer?: Record<string, string>;
};
interface StateView {
  Type: string;
  Next?: string;
  Result?: string;
  Resource?: string;
  Parameters: Params;
  Retry?: { ErrorEquals: string[] }[];
  Catch?: { ErrorEquals: string[]; ResultPath: string; Next: string }[];
}
const states = () => definition.States as unknown as Record<string, StateView>;

describe("the ML state machine's definition", () => {
  test("is valid Amazon States Language", () => {
    const { isValid, errorsText } = aslValidator(definition as never);
    expect(errorsText("\n"), "asl-validator").toBe("");
    expect(isValid).toBe(true);
  });

  test("calls only Lambda and SageMaker (training .sync, model, transform .sync), with the given functions, role and image", () => {
    expect(new Set(taskResources(definition))).toEqual(new Set(Object.values(segmentIntegrations)));
    const st = states();
    expect(st[S.export]!.Parameters.FunctionName).toBe(segmentParams.exportFunctionArn);
    expect(st[S.load]!.Parameters.FunctionName).toBe(segmentParams.loadFunctionArn);
    expect(st[S.reportFailure]!.Parameters.FunctionName).toBe(segmentParams.failureFunctionArn);
    expect(st[S.train]!.Parameters).toMatchObject({
      RoleArn: segmentParams.sagemakerRoleArn,
      AlgorithmSpecification: {
        TrainingImage: segmentParams.kmeansImage,
        TrainingInputMode: "File",
      },
    });
    expect(st[S.createModel]!.Parameters).toMatchObject({
      ExecutionRoleArn: segmentParams.sagemakerRoleArn,
      PrimaryContainer: { Image: segmentParams.kmeansImage },
    });
    // The job names start with the prefix the machine's role is granted (segment/sagemaker/iam.ts).
    expect(st[S.export]!.Parameters.Payload).toMatchObject({ jobPrefix: segmentParams.jobPrefix });
  });

  test("asks SageMaker for the files the Load step reads: CSV training without a label, CSV scoring line by line with the id filtered out and joined back", () => {
    const st = states();
    const [train] = st[S.train]!.Parameters.InputDataConfig!;
    expect(train!.ContentType).toBe("text/csv;label_size=0");
    expect(train!.DataSource.S3DataSource).toMatchObject({ S3DataType: "S3Prefix" });
    const t = st[S.transform]!.Parameters;
    expect(t.TransformInput).toMatchObject({ ContentType: "text/csv", SplitType: "Line" });
    expect(t.TransformOutput).toMatchObject({ Accept: "text/csv", AssembleWith: "Line" });
    expect(t.DataProcessing).toEqual({
      InputFilter: "$[1:]",
      JoinSource: "Input",
      OutputFilter: "$",
    });
    expect(t.MaxPayloadInMB).toBeLessThanOrEqual(100);
  });

  test("every working state is caught, naming itself, into ReportFailure → Failed; Lambda's transient errors are retried; a failed execution is never redriven", () => {
    const st = states();
    const caughtInto = [
      [S.export, S.exportFailed],
      [S.train, S.trainFailed],
      [S.createModel, S.createModelFailed],
      [S.transform, S.transformFailed],
      [S.load, S.loadFailed],
    ] as const;
    for (const [name, pass] of caughtInto) {
      expect(st[name]!.Catch).toEqual([
        { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: pass },
      ]);
      expect(st[pass]).toMatchObject({ Type: "Pass", Next: S.reportFailure });
      // The failure step knows every name a Pass state gives it.
      expect(FailedIn.safeParse(st[pass]!.Result).success, pass).toBe(true);
    }
    for (const name of [S.export, S.load, S.reportFailure]) {
      expect(st[name]!.Retry![0]!.ErrorEquals).toContain("Lambda.TooManyRequestsException");
    }
    expect(st[S.reportFailure]!.Next).toBe(S.failed);
    expect(st[S.failed]!.Type).toBe("Fail");
    expect(segmentRetry.redrive).toBe(false);
  });

  test("is the definition infra deploys: infra/ml.ts builds it with this builder", () => {
    const infra = readFileSync(new URL("../../../infra/ml.ts", import.meta.url), "utf8");
    expect(infra).toMatch(/from "\.\.\/packages\/core\/src\/segment\/sagemaker\/asl"/);
    expect(infra).toMatch(/JSON\.stringify\(\s*segmentStateMachine\(/);
  });
});
