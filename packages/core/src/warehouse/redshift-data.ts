// Redshift through the Data API (Serverless workgroup or provisioned cluster): no connections to
// hold, credentials from Secrets Manager. Statements are submitted, polled until they finish, and
// their results paged. Used by the Lambdas (describe the target table, clean up after a failure);
// the Glue job talks to the same API from Python.

import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  type DescribeStatementCommandOutput,
  ExecuteStatementCommand,
  type Field,
  GetStatementResultCommand,
  RedshiftDataClient,
  type SqlParameter,
} from "@aws-sdk/client-redshift-data";
import { awsClientConfig, lazyClient } from "../util/aws";
import { VisibleError } from "../util/error";
import type { SqlRunner, Warehouse } from "./warehouse";

export const redshiftDataClient = lazyClient(() => new RedshiftDataClient(awsClientConfig));

export interface RedshiftDataConfig {
  database: string;
  /** Redshift Serverless workgroup, or… */
  workgroupName?: string;
  /** …a provisioned cluster. */
  clusterIdentifier?: string;
  /** Secrets Manager secret holding the database user's credentials. */
  secretArn?: string;
  /** How often to poll a running statement: first wait, and the cap as it backs off (ms). */
  pollMs?: { first: number; max: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `$1`-style placeholders (what our SQL uses for PostgreSQL) → the Data API's `:name` parameters.
 * Quoted strings and identifiers are left alone. The Data API has no NULL or empty parameter
 * value, so those are written into the SQL as literals.
 */
export function toNamedParameters(
  sql: string,
  params: readonly unknown[] = [],
): { sql: string; parameters: SqlParameter[] } {
  if (!params.length) return { sql, parameters: [] };
  const used = new Set<number>();
  let out = "";
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"') {
      const end = closingQuote(sql, i, ch);
      out += sql.slice(i, end + 1);
      i = end;
      continue;
    }
    const m = ch === "$" ? /^\$(\d+)/.exec(sql.slice(i)) : null;
    if (!m) {
      out += ch;
      continue;
    }
    const n = Number(m[1]);
    if (n < 1 || n > params.length) throw new Error(`no value for parameter $${n}`);
    const v = params[n - 1];
    if (v === null || v === undefined) out += "NULL";
    else if (String(v) === "") out += "''";
    else {
      out += `:p${n}`;
      used.add(n);
    }
    i += m[0].length - 1;
  }
  const parameters = [...used]
    .sort((a, b) => a - b)
    .map((n) => ({ name: `p${n}`, value: paramValue(params[n - 1]) }));
  return { sql: out, parameters };
}

function closingQuote(sql: string, start: number, q: string): number {
  for (let i = start + 1; i < sql.length; i++) {
    if (sql[i] !== q) continue;
    if (sql[i + 1] === q) i++;
    else return i;
  }
  return sql.length - 1;
}

function paramValue(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function fieldValue(f: Field): unknown {
  if (f.isNull) return null;
  if (f.stringValue !== undefined) return f.stringValue;
  if (f.longValue !== undefined) return f.longValue;
  if (f.doubleValue !== undefined) return f.doubleValue;
  if (f.booleanValue !== undefined) return f.booleanValue;
  if (f.blobValue !== undefined) return Buffer.from(f.blobValue);
  return null;
}

export function redshiftDataWarehouse(
  config: RedshiftDataConfig,
  client: RedshiftDataClient = redshiftDataClient(),
): Warehouse {
  if (!config.workgroupName === !config.clusterIdentifier) {
    throw new Error(
      "the Redshift Data API needs exactly one of workgroupName or clusterIdentifier",
    );
  }
  const target = {
    Database: config.database,
    WorkgroupName: config.workgroupName,
    ClusterIdentifier: config.clusterIdentifier,
    SecretArn: config.secretArn,
  };
  const poll = config.pollMs ?? { first: 100, max: 2000 };

  async function wait(id: string, what: string): Promise<DescribeStatementCommandOutput> {
    for (let delay = poll.first; ; delay = Math.min(delay * 1.5, poll.max)) {
      const d = await client.send(new DescribeStatementCommand({ Id: id }));
      if (d.Status === "FINISHED") return d;
      if (d.Status === "FAILED" || d.Status === "ABORTED") {
        const failed = d.SubStatements?.find((s) => s.Status === "FAILED");
        const why = failed?.Error ?? d.Error ?? d.Status.toLowerCase();
        throw new Error(`Redshift ${what} ${d.Status.toLowerCase()}: ${why}`);
      }
      await sleep(delay);
    }
  }

  async function results<T>(id: string): Promise<T[]> {
    const rows: T[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new GetStatementResultCommand({ Id: id, NextToken: token }));
      const names = (page.ColumnMetadata ?? []).map((c, i) => c.label ?? c.name ?? `column${i}`);
      for (const record of page.Records ?? []) {
        rows.push(Object.fromEntries(record.map((f, i) => [names[i], fieldValue(f)])) as T);
      }
      token = page.NextToken;
    } while (token);
    return rows;
  }

  const runner: SqlRunner = {
    async query<T>(sql: string, params?: unknown[]) {
      const named = toNamedParameters(sql, params);
      const { Id } = await client.send(
        new ExecuteStatementCommand({
          ...target,
          Sql: named.sql,
          Parameters: named.parameters.length ? named.parameters : undefined,
        }),
      );
      const done = await wait(Id!, "statement");
      return done.HasResultSet ? results<T>(Id!) : [];
    },
  };

  return {
    kind: "redshift",
    dialect: "redshift",
    ...runner,
    /**
     * The Data API runs a batch in one transaction, so the statements are collected and sent as
     * one BatchExecuteStatement when `fn` returns: inside, `query` returns no rows and takes no
     * parameters.
     */
    async transaction(fn) {
      const sqls: string[] = [];
      const out = await fn({
        async query<T>(sql: string, params?: unknown[]) {
          if (params?.length) {
            throw new Error("statements in a Redshift Data API transaction take no parameters");
          }
          sqls.push(sql);
          return [] as T[];
        },
      });
      if (sqls.length) {
        const { Id } = await client.send(
          new BatchExecuteStatementCommand({ ...target, Sqls: sqls }),
        );
        await wait(Id!, "transaction");
      }
      return out;
    },
    async readSession() {
      // The Data API runs statements as the workgroup's admin secret, with no session to hold a
      // read-only role in: rather than trust a filter, nothing runs here (read-only-sql.ts says so
      // before it gets this far).
      throw new VisibleError("input", "sql.unsupported", "no read-only session on Redshift");
    },
    async copyCsv() {
      throw new Error(
        "the Redshift Data API cannot stream rows into a table: Redshift loads files from S3 with the plan's COPY statement (run by the Glue job)",
      );
    },
    async close() {},
  };
}
