// `cdp sct convert ORACLE.sql`: the AWS Schema Conversion Tool's step, done locally and without a
// server — Oracle DDL in, Redshift (or PostgreSQL) DDL out, and a report of what was not converted.
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { convertOracleDdl } from "@cdp/core/sct/convert";
import { formatItem, summarize } from "@cdp/core/sct/report";
import type { Command } from "./commands";
import { CliError } from "./connect";

const usage = `cdp sct convert ORACLE.sql [-o FILE] [--target redshift|postgres] [--schema OWNER] [--char-semantics] [--json]

Converts an Oracle DDL script (DBMS_METADATA/SQL Developer export or a SQL*Plus install script) to
Redshift DDL: types mapped, keys kept, DISTKEY/SORTKEY from the primary key, sequences and id
triggers turned into identity columns. The DDL goes to stdout (or -o FILE); the report of what was
not converted, or converted with a caveat, goes to stderr with each item's line.
  -o, --output FILE   write the DDL to FILE (its folders are created)
  --target T          redshift (default) or postgres (the local warehouse)
  --schema OWNER      schema for tables the script does not qualify (the Oracle owner, e.g. CRM)
  --char-semantics    VARCHAR2(n)/CHAR(n) without BYTE or CHAR count characters
                      (the Oracle database has NLS_LENGTH_SEMANTICS=CHAR)
  --json              print {target, tables, ddl, report} instead
Exit status: 0 when tables were converted (even with report items), 1 when the file cannot be read
or no table could be converted, 2 for usage errors.`;

/** Oracle scripts are UTF-8 more often than not; a Windows-1252/Latin-1 export is read as such. */
function readScript(file: string): { text: string; latin1: boolean } {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (!stat) throw new CliError(`cannot read ${file}: no such file`, 1);
  if (!stat.isFile()) throw new CliError(`cannot read ${file}: not a file`, 1);
  const bytes = readFileSync(file);
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes), latin1: false };
  } catch {
    return { text: new TextDecoder("latin1").decode(bytes), latin1: true };
  }
}

export const sct: Command = {
  usage,
  options: {
    output: { type: "string", short: "o" },
    target: { type: "string" },
    schema: { type: "string" },
    "char-semantics": { type: "boolean" },
    json: { type: "boolean" },
  },
  positionals: [2, 2],
  async run({ values, positionals }) {
    const [verb, file] = positionals as [string, string];
    if (verb !== "convert") throw new CliError(`unknown sct command "${verb}"\n\n${usage}`, 2);
    const target = (values.target as string | undefined) ?? "redshift";
    if (target !== "redshift" && target !== "postgres") {
      throw new CliError(`--target must be redshift or postgres, not "${target}"\n\n${usage}`, 2);
    }
    const { text, latin1 } = readScript(file);
    if (latin1)
      console.error(`cdp sct: ${file} is not UTF-8; read as Latin-1 (Windows-1252 exports)`);
    const result = convertOracleDdl(text, {
      target,
      schema: (values.schema as string | undefined) ?? null,
      lengthSemantics: values["char-semantics"] ? "CHAR" : "BYTE",
      fileName: file,
    });
    const output = values.output as string | undefined;
    if (output) {
      mkdirSync(dirname(output), { recursive: true });
      writeFileSync(output, result.ddl);
    }
    if (values.json) {
      console.log(
        JSON.stringify(
          { target, tables: result.tables, ddl: result.ddl, report: result.report },
          null,
          2,
        ),
      );
    } else {
      if (!output) process.stdout.write(result.ddl);
      for (const item of result.report) console.error(formatItem(item, file));
      const where = output ? ` into ${output}` : "";
      console.error(
        `cdp sct: ${result.tables.length} tables converted for ${target}${where}; ${summarize(result.report)}`,
      );
    }
    return result.tables.length ? 0 : 1;
  },
};
