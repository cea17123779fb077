// What every flow's Lambda shares: its handler in packages/functions/src/handlers/, Node 22,
// Lambda's longest timeout (a plan or a bulk job may take minutes) and 1 GB. Each flow's module
// adds its links and updates the function after the ops store's migration.

export const handlerProps = (handler: string, description: string) => ({
  handler: `packages/functions/src/handlers/${handler}.handler`,
  description,
  runtime: "nodejs22.x" as const,
  timeout: "15 minutes" as const,
  memory: "1024 MB" as const,
});
