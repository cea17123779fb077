// What a function that uses the ops store (Aurora through the RDS Data API) may do: the Data API's
// statement and transaction calls on the one cluster, and reading its credentials secret, which
// the Data API does with the caller's permissions. Nothing else: no password in the function's
// environment, no connection.
import type { Statement } from "../util/iam";

export function opsStoreStatements(a: { clusterArn: string; secretArn: string }): Statement[] {
  return [
    {
      actions: [
        "rds-data:ExecuteStatement",
        "rds-data:BatchExecuteStatement",
        "rds-data:BeginTransaction",
        "rds-data:CommitTransaction",
        "rds-data:RollbackTransaction",
      ],
      resources: [a.clusterArn],
    },
    { actions: ["secretsmanager:GetSecretValue"], resources: [a.secretArn] },
  ];
}
