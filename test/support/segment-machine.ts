// The ML state machine run locally: its definition with test ARNs, the Lambdas bound to their real
// steps, and the SageMaker tasks bound to the local k-means twin (local-sagemaker.ts), which reads
// and writes the files SageMaker would. Shared by the machine's tests.
import { SegmentState, segmentStateMachine } from "../../packages/core/src/segment/sagemaker/asl";
import { exportStep } from "../../packages/core/src/segment/sagemaker/export-step";
import { failureStep } from "../../packages/core/src/segment/sagemaker/failure-step";
import { loadStep } from "../../packages/core/src/segment/sagemaker/load-step";
import type { LocalSageMaker } from "../../packages/core/src/segment/sagemaker/local-sagemaker";
import type { SegmentMachineDeps } from "../../packages/core/src/segment/sagemaker/machine";
import { asLambdaInvoke, type Json, type TaskHandler } from "./local-sfn";

const region = "eu-west-1";
const account = "123456789012";

export const segmentParams = {
  exportFunctionArn: `arn:aws:lambda:${region}:${account}:function:cdp-test-SegmentExport`,
  loadFunctionArn: `arn:aws:lambda:${region}:${account}:function:cdp-test-SegmentLoad`,
  failureFunctionArn: `arn:aws:lambda:${region}:${account}:function:cdp-test-SegmentFailure`,
  sagemakerRoleArn: `arn:aws:iam::${account}:role/cdp-test-SegmentSageMakerRole`,
  kmeansImage: `438346466558.dkr.ecr.${region}.amazonaws.com/kmeans:1`,
  jobPrefix: "cdp-test-segment",
};

export const segmentDefinition = segmentStateMachine(segmentParams);

export const SEGMENT_MACHINE_NAME = "cdp-test-segment";

/** A local handler for every Task state: the steps, and the SageMaker twin for SageMaker. */
export function segmentHandlers(
  deps: () => SegmentMachineDeps,
  sagemaker: LocalSageMaker,
): Record<string, TaskHandler> {
  const S = SegmentState;
  const payload = (i: Json) => (i as { Payload: never }).Payload;
  return {
    [S.export]: (i) => asLambdaInvoke(exportStep(deps(), payload(i))),
    [S.train]: async (i) => (await sagemaker.createTrainingJob(i as never)) as Json,
    [S.createModel]: async (i) => (await sagemaker.createModel(i as never)) as Json,
    [S.transform]: async (i) => (await sagemaker.createTransformJob(i as never)) as Json,
    [S.load]: (i) => asLambdaInvoke(loadStep(deps(), payload(i))),
    [S.reportFailure]: (i) => asLambdaInvoke(failureStep(deps(), payload(i))),
  };
}
