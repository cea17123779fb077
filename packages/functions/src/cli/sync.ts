// `cdp sync salesforce`: a sync run of the latest segmentation to Salesforce, waited for; prints
// what it sent and what Salesforce said (or, in a dry run, where the outbox is).
import { localLake } from "@cdp/core/lake/local";
import { sync as syncPipeline } from "@cdp/core/sync/pipeline";
import type { Command } from "./commands";
import { CliError, connect, ok } from "./connect";
import { duration } from "./format";

export const sync: Command = {
  usage: `cdp sync salesforce [--dry-run] [--json]

Sends each user's segment from the latest segmentation run to Salesforce — only the records that
changed since Salesforce last accepted them, plus those it did not accept last time — upserted by
the external id (sync/mapping.ts), and waits for the run. With no credentials configured
(SALESFORCE_* in the environment or <data-dir>/secrets.env) it is a dry run.
  --dry-run  write what would be sent to the lake's outbox (sync/outbox/<runId>/) and call nothing
  --json     print {runId, status, sent, created, updated, failed, skippedUnchanged, apiCalls,
             unsent, dryRun, outbox, error}
Exit status: 0 when every record owed was accepted (or written to the outbox), 1 otherwise, 2 for
usage errors.`,
  options: { "dry-run": { type: "boolean" }, json: { type: "boolean" } },
  positionals: [1, 1],
  async run({ dir, values, positionals }) {
    if (positionals[0] !== "salesforce") {
      throw new CliError(`cdp sync: unknown target "${positionals[0]}" (have: salesforce)`, 2);
    }
    const s = await connect(dir, "cdp sync");
    try {
      const { run } = await ok(
        await s.api.api.runs.$post({
          json: { pipeline: syncPipeline.name, args: values["dry-run"] ? { dryRun: true } : {} },
          query: { wait: "true" },
        }),
      );
      if (run.pipeline !== syncPipeline.name) {
        throw new CliError(`the server answered with a ${run.pipeline} run, not a sync run`, 1);
      }
      const st = run.stats;
      const lake = s.platform?.lake ?? localLake(dir.lake);
      const outbox = st.outboxKey ? lake.locate(st.outboxKey) : null;
      if (values.json) {
        console.log(
          JSON.stringify(
            {
              runId: run.id,
              status: run.status,
              sent: st.sent,
              created: st.created,
              updated: st.updated,
              failed: st.failed,
              skippedUnchanged: st.skippedUnchanged,
              apiCalls: st.apiCalls,
              unsent: st.unsent,
              dryRun: st.mode === "dry_run",
              outbox,
              error: run.error,
            },
            null,
            2,
          ),
        );
      } else {
        const took =
          run.startedAt && run.finishedAt
            ? duration(Date.parse(run.finishedAt) - Date.parse(run.startedAt))
            : "";
        console.log(
          `${run.id} sync ${run.status}${took ? ` in ${took}` : ""}: ${run.subject ?? ""}`,
        );
        if (run.status === "SUCCEEDED" && !st.segmentRunId) {
          console.log("  nothing to sync: no segmentation run yet (run `cdp segment` first)");
        } else if (st.mode === "dry_run") {
          console.log(`  dry run (${st.dryRunReason}): ${st.sent} records written to ${outbox}`);
          console.log(`  ${st.skippedUnchanged} unchanged since Salesforce last accepted them`);
        } else {
          const parts = [
            `${st.sent} sent`,
            `${st.created} created`,
            `${st.updated} updated`,
            `${st.failed} failed`,
          ];
          if (st.unsent) parts.push(`${st.unsent} not sent`);
          parts.push(`${st.skippedUnchanged} unchanged`, `${st.apiCalls} API calls`);
          console.log(
            `  ${parts.join(" · ")}${st.transport !== "none" ? ` (${st.transport})` : ""}`,
          );
        }
        if (run.error) console.log(`  error: ${run.error}`);
        if (st.failed) console.log(`  per-record errors: GET /api/sync/runs/${run.id}/errors`);
      }
      return run.status === "SUCCEEDED" ? 0 : 1;
    } finally {
      await s.close();
    }
  },
};
