// `cdp sct convert`: an Oracle DDL script → Redshift (or PostgreSQL) DDL and a report of what was not
// converted. The CLI's pure core, with no file system: the script in, the SQL and the report out.
//
// Names follow the CDC apply: every Oracle name goes through normalizeName (CRM.CUSTOMERS →
// crm.customers, "FirstName" → first_name), the same function the apply uses for DMS's schema,
// table and column names, so the converted tables are the ones the apply writes to.
import { normalizeName } from "../warehouse/ident";
import type { Dialect } from "../warehouse/warehouse";
import { type Ctx, findTable, tableKey } from "./context";
import { emit, type OutSchema } from "./emit";
import { type OraName, type Script, type Sequence, showName, type Table } from "./model";
import { parseScript } from "./parse";
import { type ReportItem, sortReport } from "./report";
import { buildTables } from "./resolve";
import type { TypeOptions } from "./types";

export interface ConvertOptions {
  target: Dialect;
  /** Schema for tables the script does not qualify (the Oracle owner, e.g. CRM). */
  schema?: string | null;
  /** Oracle's NLS_LENGTH_SEMANTICS, for VARCHAR2(n) without BYTE/CHAR (default BYTE). */
  lengthSemantics?: TypeOptions["lengthSemantics"];
  /** The script's name, for the header of the output. */
  fileName?: string;
}

export interface ConvertResult {
  ddl: string;
  statements: string[];
  report: ReportItem[];
  /** Converted tables, schema-qualified as emitted (crm.customers). */
  tables: string[];
}

export function convertOracleDdl(src: string, opts: ConvertOptions): ConvertResult {
  const script = parseScript(src);
  const report: ReportItem[] = [];
  const ctx: Ctx = {
    target: opts.target,
    typeOptions: { lengthSemantics: opts.lengthSemantics ?? "BYTE" },
    defaultSchema: opts.schema ? normalizeName(opts.schema) || null : null,
    report,
  };
  for (const n of script.notes) {
    report.push({
      line: n.pos.line,
      col: n.pos.col,
      severity: "caveat",
      kind: n.kind,
      object: n.name,
      message: n.message,
      action: null,
    });
  }
  for (const s of script.skipped) {
    report.push({
      line: s.pos.line,
      col: s.pos.col,
      severity: s.reason === "ignored" ? "note" : "not-converted",
      kind: s.kind,
      object: s.name,
      message: s.reason,
      action: s.action,
    });
  }
  const tables = dedupeTables(script, report);
  foldAlterations(script, tables, report);
  foldTriggersAndSequences(script, tables, report, opts.target);
  foldComments(script, tables, report);
  const out: OutSchema = buildTables(tables, script, ctx);
  const target = opts.target === "redshift" ? "Amazon Redshift" : "PostgreSQL";
  const header = [
    `${target} DDL converted from the Oracle script ${opts.fileName ?? "(stdin)"} by \`cdp sct convert\`.`,
    "Review the conversion report before running it: what it lists was not converted, or converted with a caveat.",
  ];
  if (!out.tables.length) header.push("No table could be converted.");
  const { ddl, statements } = emit(out, opts.target, header);
  return {
    ddl,
    statements,
    report: sortReport(report),
    tables: out.tables.map((t) => (t.schema ? `${t.schema}.${t.name}` : t.name)),
  };
}

function dedupeTables(script: Script, report: ReportItem[]): Map<string, Table> {
  const tables = new Map<string, Table>();
  for (const t of script.tables) {
    const key = tableKey(t.name);
    const first = tables.get(key);
    if (first) {
      report.push({
        line: t.pos.line,
        col: t.pos.col,
        severity: "not-converted",
        kind: "TABLE",
        object: showName(t.name),
        message: `not converted (created a second time; the one at line ${first.pos.line} is kept)`,
        action: "remove one of them",
      });
      continue;
    }
    tables.set(key, t);
  }
  return tables;
}

function foldAlterations(script: Script, tables: Map<string, Table>, report: ReportItem[]) {
  for (const a of script.alterations) {
    const t = findTable(tables, a.table);
    if (!t) {
      report.push({
        line: a.pos.line,
        col: a.pos.col,
        severity: "not-converted",
        kind: "ALTER TABLE",
        object: showName(a.table),
        message: "not converted (the table is not created in this script)",
        action: "convert the script that creates the table together with this one",
      });
      continue;
    }
    if (a.kind === "constraint") t.constraints.push(a.constraint);
    else if (a.kind === "column") t.columns.push(a.column);
    else {
      const col =
        t.columns.find((c) => c.name === a.column) ??
        t.columns.find((c) => c.name.toUpperCase() === a.column.toUpperCase());
      if (!col) {
        report.push({
          line: a.pos.line,
          col: a.pos.col,
          severity: "not-converted",
          kind: "ALTER TABLE",
          object: `${showName(a.table)}.${a.column}`,
          message: "not converted (no such column in the table)",
          action: "check the script",
        });
      } else if (a.kind === "notnull") col.notNull = a.notNull;
      else {
        col.default = a.value;
        col.defaultPos = a.pos;
      }
    }
  }
}

function sequenceKey(n: OraName): string {
  return `${n.schema ?? ""}.${n.name}`;
}

function findSequence(seqs: Map<string, Sequence>, n: OraName): Sequence | undefined {
  const exact = seqs.get(sequenceKey(n));
  if (exact || n.schema !== null) return exact;
  const same = [...seqs.values()].filter((s) => s.name.name === n.name);
  return same.length === 1 ? same[0] : undefined;
}

function foldTriggersAndSequences(
  script: Script,
  tables: Map<string, Table>,
  report: ReportItem[],
  target: Dialect,
) {
  const seqs = new Map<string, Sequence>();
  for (const s of script.sequences) seqs.set(sequenceKey(s.name), s);
  const used = new Map<Sequence, string>();
  const identityFrom = (seqName: OraName) => {
    const s = findSequence(seqs, seqName);
    return { seq: s, start: s?.start ?? null, increment: s?.increment ?? null };
  };
  for (const tr of script.triggers) {
    const where = tr.table ? ` on ${showName(tr.table)}` : "";
    const none =
      target === "redshift" ? "Redshift has no triggers" : "the replica runs no Oracle triggers";
    let message = `not converted (${none})`;
    // What the trigger wrote in Oracle reaches the warehouse as DMS changes of its own.
    let action =
      "DMS replicates what it did in Oracle; move its logic into the load only for rows that reach the warehouse another way";
    const t = tr.table ? findTable(tables, tr.table) : undefined;
    const col = t && tr.idFill ? t.columns.find((c) => c.name === tr.idFill!.column) : undefined;
    if (tr.idFill && t && col) {
      const { seq, start, increment } = identityFrom(tr.idFill.sequence);
      col.identity = { source: "trigger", start, increment, sequence: tr.idFill.sequence };
      if (seq) used.set(seq, `${showName(t.name)}.${col.name}`);
      message = `not converted (${none}): its id from ${showName(tr.idFill.sequence)} became an identity on ${showName(t.name)}.${col.name}`;
      action = tr.otherLogic
        ? "it does more than fill the id: move the rest into the load"
        : "nothing else to do";
    }
    report.push({
      line: tr.pos.line,
      col: tr.pos.col,
      severity: "not-converted",
      kind: "TRIGGER",
      object: `${showName(tr.name)}${where}`,
      message,
      action,
    });
  }
  for (const t of tables.values()) {
    for (const col of t.columns) {
      if (col.default?.kind !== "nextval") continue;
      const { seq, start, increment } = identityFrom(col.default.sequence);
      col.identity = { source: "sequence", start, increment, sequence: col.default.sequence };
      col.default = null;
      if (seq) used.set(seq, `${showName(t.name)}.${col.name}`);
    }
  }
  for (const s of script.sequences) {
    const by = used.get(s);
    if (by) {
      report.push({
        line: s.pos.line,
        col: s.pos.col,
        severity: "note",
        kind: "SEQUENCE",
        object: showName(s.name),
        message: `became the identity of ${by}`,
        action: null,
      });
    }
  }
  // What is left are sequences no column draws from.
  script.sequences = script.sequences.filter((s) => !used.has(s));
}

function foldComments(script: Script, tables: Map<string, Table>, report: ReportItem[]) {
  for (const cm of script.comments) {
    const t = findTable(tables, cm.table);
    if (!t) {
      report.push({
        line: cm.pos.line,
        col: cm.pos.col,
        severity: "note",
        kind: "COMMENT",
        object: showName(cm.table),
        message: "ignored (the table is not created in this script)",
        action: null,
      });
      continue;
    }
    if (cm.on === "table") t.comment = cm.text;
    else if (cm.column) t.columnComments.set(cm.column, cm.text);
  }
}
