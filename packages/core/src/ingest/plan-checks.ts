// The plan's check phase: the column checks folded into scans that keep the failing rows (with a
// flag per check), one insert per check from those few rows, and the SQL rules, a scan each.
import { type CompiledChecks, rejectColumns } from "../quality/compile";
import { literal } from "../warehouse/ident";
import { statementBytes } from "../warehouse/limits";
import type { Dialect } from "../warehouse/warehouse";
import { packBySize } from "./redshift-plan";

export interface CheckStatement {
  rule: string;
  sql: string;
  concurrent: boolean;
}

/**
 * The check statements, and the scratch tables the scans create. On PostgreSQL every column check
 * is folded into one scan (run as two halves of the rows at once: the conditions are the costly
 * part, and one statement runs on one core). On Redshift the folded scan of a wide file would
 * pass the Data API's 100 KB, so the checks are split into as many scans as needed.
 */
export function planChecks(p: {
  compiled: CompiledChecks;
  dialect: Dialect;
  /** Quoted record-number column, staging and rejects tables; `CREATE [UNLOGGED] TABLE`. */
  row: string;
  staging: string;
  rejects: string;
  create: string;
  /** The two half-tables of the g-th scan. */
  scanTables: (g: number) => [string, string];
}): { check: CheckStatement[]; scratch: string[] } {
  const { row, staging, rejects, create, dialect } = p;
  const conds = p.compiled.conditions.map((c, i) => ({
    ...c,
    flag: `CASE WHEN ${c.where} THEN 1 ELSE 0 END AS "_cdp_f${i}"`,
    test: `(${c.where})`,
    i,
  }));
  const scan = (table: string, half: number, group: typeof conds) =>
    `${create} ${table} AS SELECT s.*, ${group.map((c) => c.flag).join(", ")} FROM ${staging} AS s ` +
    `WHERE MOD(s.${row}, 2) = ${half} AND (${group.map((c) => c.test).join(" OR ")})`;
  const groups =
    dialect === "redshift" && conds.length
      ? packBySize(
          conds,
          // The statement with no condition, the widest scan table's name, and each
          // condition's flag, test and separators.
          statementBytes(scan(p.scanTables(conds.length)[1], 1, [])),
          (c) => statementBytes(c.flag) + statementBytes(c.test) + 6,
        )
      : conds.length
        ? [conds]
        : [];

  const check: CheckStatement[] = [];
  const scratch: string[] = [];
  groups.forEach((group, g) => {
    const halves = p.scanTables(g);
    scratch.push(...halves);
    for (const [half, table] of halves.entries()) {
      check.push({
        rule: group.map((c) => c.rule).join(", "),
        concurrent: true,
        sql: scan(table, half, group),
      });
    }
  });
  for (const r of p.compiled.sqlRules) check.push({ rule: r.rule, concurrent: true, sql: r.sql });
  groups.forEach((group, g) => {
    const [a, b] = p.scanTables(g);
    const bothHalves = `(SELECT * FROM ${a} UNION ALL SELECT * FROM ${b})`;
    for (const c of group) {
      const lit = (v: string) => literal(v, dialect);
      check.push({
        rule: c.rule,
        concurrent: false,
        sql:
          `INSERT INTO ${rejects} (${rejectColumns}) SELECT ${row}, ${lit(c.rule)}, ${lit(c.errorType)}, ` +
          `${lit(c.severity)}, ${c.description} FROM ${bothHalves} AS f WHERE "_cdp_f${c.i}" = 1`,
      });
    }
  });
  return { check, scratch };
}
