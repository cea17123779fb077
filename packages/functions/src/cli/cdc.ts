// `cdp cdc PATH`: AWS DMS files (a folder laid out as DMS writes it, or one file) go to the
// lake's dms/ and are applied as a cdc run; prints what each table got.
import { createReadStream, readdirSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { isDmsFileName } from "@cdp/core/cdc/files";
import { cdc as cdcPipeline } from "@cdp/core/cdc/pipeline";
import { localLake } from "@cdp/core/lake/local";
import type { Command } from "./commands";
import { CliError, connect, ok } from "./connect";
import { duration } from "./format";

interface Found {
  path: string;
  /** `<SCHEMA>/<TABLE>`: the names of the file's folder and of the folder above it. */
  source: string;
  name: string;
}

/** DMS files at PATH: the file itself, or the files up to two folders below it. */
export function findDmsFiles(path: string): Found[] {
  const at = (file: string): Found => {
    const table = dirname(resolve(file));
    return {
      path: file,
      source: `${basename(dirname(table))}/${basename(table)}`,
      name: basename(file),
    };
  };
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) throw new CliError(`cannot read ${path}: no such file or folder`, 2);
  if (stat.isFile()) {
    if (!isDmsFileName(basename(path))) {
      throw new CliError(`${path} is not a DMS file (LOAD00000001.csv, <time>.csv, or .csv.gz)`, 2);
    }
    return [at(path)];
  }
  const found: Found[] = [];
  const walk = (dir: string, depth: number) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      if (e.name.startsWith(".")) continue;
      const full = join(dir, e.name);
      if (e.isFile() && isDmsFileName(e.name)) found.push(at(full));
      else if (e.isDirectory() && depth < 2) walk(full, depth + 1);
    }
  };
  walk(path, 0);
  return found;
}

/** The narrowest lake path covering the keys: the key itself, a table's folder, or dms/. */
export function coveringPath(keys: string[]): string {
  if (keys.length === 1) return keys[0]!;
  const split = keys.map((k) => k.split("/").slice(0, -1));
  const common: string[] = [];
  for (let i = 0; i < split[0]!.length; i++) {
    const part = split[0]![i]!;
    if (!split.every((s) => s[i] === part)) break;
    common.push(part);
  }
  return `${common.join("/")}/`;
}

export const cdc: Command = {
  usage: `cdp cdc PATH [--key K] [--json]

Applies AWS DMS files — full load (LOAD00000001.csv …) and changes (<yyyymmdd-hhmmssffff>.csv) — to
their warehouse tables: <SCHEMA>/<TABLE> → <schema>.<table>. PATH is a folder laid out as DMS
writes it (<SCHEMA>/<TABLE>/<file>), one table's folder, or one file in its <SCHEMA>/<TABLE>/
folder. The files are copied into the lake's dms/ and applied in order with whatever else waits
there for the same tables: full loads first, then changes by sequence; a change older than what a
table holds is skipped; a file applied before is skipped.
  --key K   the key column (default: the table's key in rules.ts, else its first data column)
  --json    print {runId, status, tables: [{table, filesApplied, filesSkipped, inserted, updated, deleted, skippedStale, quarantined}]},
            plus failedFiles: [{key, errorKey, reason}] when a file failed, and error when the run did
Exit status: 0 when every file applied (or was skipped), 1 otherwise, 2 for usage errors.`,
  options: { key: { type: "string" }, json: { type: "boolean" } },
  positionals: [1, 1],
  async run({ dir, values, positionals }) {
    const found = findDmsFiles(positionals[0]!);
    if (!found.length) {
      throw new CliError(
        `no DMS files under ${positionals[0]} (expected <SCHEMA>/<TABLE>/LOAD00000001.csv or <SCHEMA>/<TABLE>/<time>.csv)`,
        2,
      );
    }
    const s = await connect(dir, "cdp cdc");
    try {
      // Into the lake the platform reads (the running server's, or the one opened here); a name
      // already waiting there gets a unique suffix rather than replacing it.
      const lake = s.platform?.lake ?? localLake(dir.lake);
      const keys: string[] = [];
      for (const f of found) {
        keys.push(
          await lake.putNew(
            `dms/${f.source}/${f.name}`,
            createReadStream(f.path, { highWaterMark: 1 << 20 }),
          ),
        );
      }
      const key = values.key as string | undefined;
      const { run } = await ok(
        await s.api.api.runs.$post({
          json: {
            pipeline: cdcPipeline.name,
            args: { path: coveringPath(keys), ...(key ? { key } : {}) },
          },
          query: { wait: "true" },
        }),
      );
      if (run.pipeline !== cdcPipeline.name) {
        throw new CliError(`the server answered with a ${run.pipeline} run, not a cdc run`, 1);
      }
      const st = run.stats;
      const tables = st.tables.map((t) => ({
        table: t.table,
        filesApplied: t.filesApplied,
        filesSkipped: t.filesSkipped,
        inserted: t.inserted,
        updated: t.updated,
        deleted: t.deleted,
        skippedStale: t.skippedStale,
        quarantined: t.quarantined,
      }));
      if (values.json) {
        // Failures only when there are some: a clean run prints the documented shape alone.
        // Field by field, like `tables`: the printed shape is a contract, not the stats' shape.
        const failedFiles = st.failedFiles.map((f) => ({
          key: f.key,
          errorKey: f.errorKey,
          reason: f.reason,
        }));
        const out = {
          runId: run.id,
          status: run.status,
          tables,
          ...(failedFiles.length ? { failedFiles } : {}),
          ...(run.error ? { error: run.error } : {}),
        };
        console.log(JSON.stringify(out, null, 2));
      } else {
        const took =
          run.startedAt && run.finishedAt
            ? duration(Date.parse(run.finishedAt) - Date.parse(run.startedAt))
            : "";
        console.log(
          `${run.id} cdc ${run.status}${took ? ` in ${took}` : ""}: ${run.subject ?? ""}`,
        );
        for (const t of st.tables) {
          const files = [`${t.filesApplied} files applied`];
          if (t.filesSkipped) files.push(`${t.filesSkipped} skipped (applied before)`);
          if (t.filesFailed) files.push(`${t.filesFailed} failed`);
          console.log(
            `  ${t.table}: ${files.join(", ")} · ${t.inserted} inserted · ${t.updated} updated · ${t.deleted} deleted` +
              `${t.skippedStale ? ` · ${t.skippedStale} stale (older than the table's)` : ""}` +
              `${t.quarantined ? ` · ${t.quarantined} quarantined` : ""}`,
          );
        }
        for (const r of st.rejectsKeys) console.log(`  rejects: lake/${r}`);
        for (const f of st.failedFiles)
          console.log(`  failed: lake/${f.errorKey} (why: .reason.txt beside it)`);
        if (run.error) console.log(`  error: ${run.error}`);
      }
      return run.status === "SUCCEEDED" ? 0 : 1;
    } finally {
      await s.close();
    }
  },
};
