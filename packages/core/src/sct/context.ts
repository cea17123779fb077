// What the resolving steps share: the options, the report, and how to find a table or say a thing.
import type { Dialect } from "../warehouse/warehouse";
import type { Constraint, OraName, Pos, Table } from "./model";
import type { ReportItem, Severity } from "./report";
import type { TypeOptions } from "./types";

export interface Ctx {
  target: Dialect;
  typeOptions: TypeOptions;
  defaultSchema: string | null;
  report: ReportItem[];
}

export type Say = (
  pos: Pos,
  severity: Severity,
  kind: string,
  object: string | null,
  message: string,
  action?: string | null,
) => void;

export function sayer(ctx: Ctx): Say {
  return (pos, severity, kind, object, message, action = null) =>
    ctx.report.push({ line: pos.line, col: pos.col, severity, kind, object, message, action });
}

/** Lookup key of an Oracle table name; unqualified names live in the "" schema. */
export function tableKey(n: OraName): string {
  return `${n.schema ?? ""}.${n.name}`;
}

/** Finds a table by name: exactly, or an unqualified reference to the one table of that name. */
export function findTable(tables: Map<string, Table>, n: OraName): Table | undefined {
  const exact = tables.get(tableKey(n));
  if (exact || n.schema !== null) return exact;
  const same = [...tables.values()].filter((t) => t.name.name === n.name);
  return same.length === 1 ? same[0] : undefined;
}

export function short(s: string): string {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length > 120 ? `${one.slice(0, 117)}...` : one;
}

export function constraintKind(k: Constraint): string {
  return { primary: "PRIMARY KEY", unique: "UNIQUE", check: "CHECK", foreign: "FOREIGN KEY" }[
    k.kind
  ];
}

export function constraintLabel(table: string, k: Constraint): string {
  return k.name ? `${k.name} on ${table}` : `on ${table}`;
}
