// `cdp ingest FILE`: the file goes to the lake's inbox and is ingested as a run; prints the result.
import { createReadStream, statSync } from "node:fs";
import { basename } from "node:path";
import { Readable } from "node:stream";
import { ingest as ingestPipeline } from "@cdp/core/ingest/pipeline";
import type { Command } from "./commands";
import { CliError, connect, ok } from "./connect";
import { duration } from "./format";

export const ingest: Command = {
  usage: `cdp ingest FILE [--table T] [--key K] [--json]

Loads a CSV file into the warehouse: upsert by key, new columns added, bad rows quarantined.
  --table T   the table (default: the file name without a trailing date or number)
  --key K     the key column to upsert by (default: the table's key in rules.ts, else user_id)
  --json      print {runId, status, table, rowsRead, rowsLoaded, rowsQuarantined, columnsAdded, sourceKey, errorKey}
Exit status: 0 when the file loaded, 1 when it failed, 2 for usage errors.`,
  options: { table: { type: "string" }, key: { type: "string" }, json: { type: "boolean" } },
  positionals: [1, 1],
  async run({ dir, values, positionals }) {
    const file = positionals[0]!;
    const stat = statSync(file, { throwIfNoEntry: false });
    if (!stat) throw new CliError(`cannot read ${file}: no such file`, 2);
    if (!stat.isFile()) throw new CliError(`cannot read ${file}: not a file`, 2);
    const s = await connect(dir, "cdp ingest");
    try {
      const body = Readable.toWeb(
        createReadStream(file, { highWaterMark: 1 << 20 }),
      ) as ReadableStream;
      const res = await s.api.api.ingest.$post(
        {
          query: {
            name: basename(file),
            table: values.table as string | undefined,
            key: values.key as string | undefined,
            wait: "true",
          },
        },
        {
          init: {
            body,
            duplex: "half",
          } as RequestInit,
        },
      );
      const { run } = await ok(res);
      if (run.pipeline !== ingestPipeline.name) {
        throw new CliError(`the server answered with a ${run.pipeline} run, not an ingest`, 1);
      }
      const st = run.stats;
      const result = {
        runId: run.id,
        status: run.status,
        table: st.table ?? (typeof run.args.table === "string" ? run.args.table : null),
        rowsRead: st.rowsRead,
        rowsLoaded: st.rowsLoaded,
        rowsQuarantined: st.rowsQuarantined,
        rowsInserted: st.rowsInserted,
        rowsUpdated: st.rowsUpdated,
        rowsUnchanged: st.rowsUnchanged,
        columnsAdded: st.columnsAdded,
        sourceKey: st.sourceKey,
        errorKey: st.errorKey,
        rejectsKey: st.rejectsKey,
      };
      if (values.json) console.log(JSON.stringify(result, null, 2));
      else {
        const took =
          run.startedAt && run.finishedAt
            ? duration(Date.parse(run.finishedAt) - Date.parse(run.startedAt))
            : "";
        const about = run.subject ?? result.table;
        console.log(`${run.id} ingest ${run.status}${took ? ` in ${took}` : ""}: ${about}`);
        const split =
          result.rowsLoaded > 0
            ? ` (${result.rowsInserted} new, ${result.rowsUpdated ?? "?"} updated, ${result.rowsUnchanged ?? "?"} unchanged)`
            : "";
        console.log(
          `  read ${result.rowsRead}, loaded ${result.rowsLoaded}${split}, quarantined ${result.rowsQuarantined}`,
        );
        if (result.columnsAdded.length)
          console.log(`  columns added: ${result.columnsAdded.join(", ")}`);
        if (result.sourceKey) console.log(`  source kept at lake/${result.sourceKey}`);
        if (result.errorKey && result.errorKey === result.sourceKey) {
          console.log(`  why: lake/${result.errorKey}.reason.txt`);
        }
        if (result.rejectsKey) console.log(`  rejects: lake/${result.rejectsKey}`);
        if (run.error) console.log(`  error: ${run.error}`);
      }
      return run.status === "SUCCEEDED" ? 0 : 1;
    } finally {
      await s.close();
    }
  },
};
