// The Plan step's Step Functions (machine.ts, Executions) when deployed: DescribeExecution tells
// whether the execution holding a table still runs; StartExecution carries a run's table on.
import {
  DescribeExecutionCommand,
  type SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { awsCall, errorName } from "../util/aws";
import type { Executions } from "./machine";

export function sfnExecutions(sfn: SFNClient): Executions {
  return {
    async isRunning(executionArn) {
      try {
        const d = await awsCall("Step Functions", "DescribeExecution", () =>
          sfn.send(new DescribeExecutionCommand({ executionArn })),
        );
        return d.status === "RUNNING";
      } catch (err) {
        if (errorName(err) === "ExecutionDoesNotExist") return false;
        throw err;
      }
    },
    async start(stateMachineArn, name, input) {
      try {
        await awsCall("Step Functions", "StartExecution", () =>
          sfn.send(
            new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
          ),
        );
      } catch (err) {
        // Started by an earlier attempt of this step, and already over: the table was carried on.
        if (errorName(err) !== "ExecutionAlreadyExists") throw err;
      }
    },
  };
}
