// Bulk API 2.0 upsert: one ingest job per 100 MB of CSV — create, upload, close, poll with
// backoff, then its results. jsforce's `bulk2` drives the job; the CSV is ours and is uploaded
// with a plain request, because of two jsforce 3.10 behaviours of `job.uploadData`
// (api/bulk2.ts, request.ts, http-api.ts; test/sync-jsforce.test.ts shows each):
// - array input adds an empty `Id` column and writes null as `#N/A`; we write the CSV: no Id,
//   and `#N/A` exactly where the payload says null (Bulk CSV: an empty value leaves a field as
//   it is, #N/A sets it to null — "Valid CSV Record Rows"), so both transports mean the same.
// - its PUT streams the body: a 503 makes jsforce re-send it with an empty body (the job then
//   fails "No data was uploaded"), and a 401 re-sends it with a body nobody writes (it hangs).
//   Our PUT carries the CSV as a string, is not retried by jsforce, and is re-sent whole after a
//   401; after a 503 the whole job is retried (a job takes one upload), as after any job that
//   failed before processing a record.
import { parse } from "csv-parse/sync";
import { errorMessage } from "../util/error";
import { BULK_JOB_CALLS, backoffMs, MAX_JOB_BYTES, StopSync, sleep } from "./budget";
import { type PassContext, type PassResult, retrying, stopFor } from "./collections";
import { isUnavailable, RETRYABLE_RECORD_CODES } from "./connection";
import type { SalesforceMapping } from "./mapping";
import type { OutRecord } from "./records";
import type { Outcome } from "./state";

export interface PollPolicy {
  /** The first status check after closing the job; each next one waits twice as long. */
  initialMs: number;
  maxMs: number;
  /** How long a job may take before the run gives up on it (its records are sent again later). */
  timeoutMs: number;
}

type JobInfo = {
  id: string;
  state: string;
  numberRecordsProcessed?: number;
  numberRecordsFailed?: number;
  errorMessage?: string;
};

/** A job that failed as a whole (nothing processed): send its records in a new job. */
class RetryJob extends Error {}

/** One CSV value: null → #N/A (set to null), text quoted when it must be. */
export function bulkValue(v: unknown): string {
  if (v === null || v === undefined) return "#N/A";
  const s = typeof v === "object" ? JSON.stringify(v) : String(v);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The CSV for these records: the mapping's fields as the header, LF line endings. */
export function bulkCsv(mapping: SalesforceMapping, records: OutRecord[]): string {
  const fields = mapping.fields.map((f) => f.field);
  const lines = [fields.join(",")];
  for (const r of records) lines.push(fields.map((f) => bulkValue(r.payload[f])).join(","));
  return `${lines.join("\n")}\n`;
}

/** Records cut into jobs of at most MAX_JOB_BYTES of CSV each. */
export function jobGroups(
  mapping: SalesforceMapping,
  records: OutRecord[],
  maxBytes = MAX_JOB_BYTES,
) {
  const groups: OutRecord[][] = [];
  let current: OutRecord[] = [];
  let bytes = 0;
  const fields = mapping.fields.map((f) => f.field);
  for (const r of records) {
    const size = Buffer.byteLength(fields.map((f) => bulkValue(r.payload[f])).join(",")) + 1;
    if (current.length && bytes + size > maxBytes) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(r);
    bytes += size;
  }
  if (current.length) groups.push(current);
  return groups;
}

export async function bulkPass(
  ctx: PassContext,
  records: OutRecord[],
  poll: PollPolicy,
  jobs: string[],
): Promise<PassResult> {
  const again: OutRecord[] = [];
  const groups = jobGroups(ctx.mapping, records);
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g]!;
    const rest = () => groups.slice(g).flat();
    for (let attempt = 0; ; attempt++) {
      if (!ctx.budget.allows(BULK_JOB_CALLS)) {
        return {
          again,
          unsent: rest(),
          stop: new StopSync(
            "API_BUDGET",
            ctx.budget.waitMessage(BULK_JOB_CALLS * (groups.length - g)),
          ),
        };
      }
      try {
        again.push(...(await runJob(ctx, group, poll, jobs)));
        break;
      } catch (err) {
        if (err instanceof RetryJob && attempt < ctx.retry.attempts) {
          await ctx.step("bulk job failed as a whole: sending its records in a new job", {
            reason: err.message,
          });
          await sleep(backoffMs(attempt, ctx.retry.baseMs, ctx.retry.maxMs));
          continue;
        }
        const stop =
          err instanceof RetryJob
            ? new StopSync("UNAVAILABLE", `Bulk API 2.0 jobs kept failing: ${err.message}`)
            : stopFor(err, `a Bulk API 2.0 job of ${group.length} records`);
        return { again, unsent: rest(), stop };
      }
    }
  }
  return { again, unsent: [], stop: null };
}

/** One job, start to results; returns the records to send again. */
async function runJob(
  ctx: PassContext,
  records: OutRecord[],
  poll: PollPolicy,
  jobs: string[],
): Promise<OutRecord[]> {
  const { conn } = ctx.session;
  const { mapping } = ctx;
  const job = conn.bulk2.createJob({
    object: mapping.object,
    operation: "upsert",
    externalIdFieldName: mapping.externalId,
    contentType: "CSV",
    lineEnding: "LF",
    columnDelimiter: "COMMA",
  });
  await retrying(ctx.retry, () => job.open());
  jobs.push(job.id);
  try {
    await conn.request(
      {
        method: "PUT",
        url: `/services/data/v${conn.version}/jobs/ingest/${job.id}/batches`,
        body: bulkCsv(mapping, records),
        headers: { "content-type": "text/csv" },
      },
      { retry: { maxRetries: 0 } },
    );
  } catch (err) {
    if (!isUnavailable(err)) throw err;
    await job.abort().catch(() => {});
    throw new RetryJob(`the upload to job ${job.id} failed: ${errorMessage(err)}`);
  }
  await retrying(ctx.retry, () => job.close());
  await ctx.step("bulk job uploaded", { job: job.id, records: records.length });
  const info = await pollJob(job, poll);
  const processed = info.numberRecordsProcessed ?? 0;
  if (info.state !== "JobComplete" && processed === 0) {
    throw new RetryJob(
      `job ${job.id} ended ${info.state}${info.errorMessage ? `: ${info.errorMessage}` : ""}`,
    );
  }

  const byId = new Map(records.map((r) => [r.externalId, r]));
  const ext = mapping.externalId;
  const outcomes: Outcome[] = [];
  const seen = new Set<string>();
  const rows = async (get: () => Promise<string>) =>
    parse(await retrying(ctx.retry, get), {
      columns: true,
      skip_empty_lines: true,
      bom: true,
    }) as Record<string, string>[];

  for (const row of await rows(() => job.getSuccessfulResults(true))) {
    const record = byId.get(row[ext] ?? "");
    if (!record || seen.has(record.externalId)) continue;
    seen.add(record.externalId);
    outcomes.push({
      record,
      status: "succeeded",
      created: row.sf__Created === "true",
      sfId: row.sf__Id || null,
      transport: "bulk",
    });
  }
  const again: OutRecord[] = [];
  if ((info.numberRecordsFailed ?? 0) > 0) {
    for (const row of await rows(() => job.getFailedResults(true))) {
      const record = byId.get(row[ext] ?? "");
      if (!record || seen.has(record.externalId)) continue;
      seen.add(record.externalId);
      const { code, message } = parseBulkError(row.sf__Error ?? "");
      if (RETRYABLE_RECORD_CODES.has(code)) again.push(record);
      outcomes.push({ record, status: "failed", errorCode: code, message, transport: "bulk" });
    }
  }
  if (processed < records.length) {
    // Left unprocessed when the job failed part way: sent again (a new job, or collections).
    for (const row of await rows(() => job.getUnprocessedRecords(true))) {
      const record = byId.get(row[ext] ?? "");
      if (record && !seen.has(record.externalId)) {
        seen.add(record.externalId);
        again.push(record);
      }
    }
  }
  // Anything no result named is sent again rather than assumed delivered.
  for (const r of records) if (!seen.has(r.externalId)) again.push(r);
  await ctx.record(outcomes);
  await ctx.step("bulk job results", {
    job: job.id,
    state: info.state,
    succeeded: outcomes.filter((o) => o.status === "succeeded").length,
    failed: outcomes.filter((o) => o.status === "failed").length,
    again: again.length,
  });
  return again;
}

/** Poll with backoff (initialMs, doubling to maxMs) until the job is done, failed or aborted. */
async function pollJob(
  job: { id: string; check(): Promise<JobInfo> },
  poll: PollPolicy,
): Promise<JobInfo> {
  const deadline = Date.now() + poll.timeoutMs;
  let wait = poll.initialMs;
  for (;;) {
    await sleep(wait);
    const info = await job.check();
    if (info.state === "JobComplete" || info.state === "Failed" || info.state === "Aborted")
      return info;
    if (Date.now() + Math.min(poll.maxMs, wait * 2) > deadline) {
      throw new StopSync(
        "UNAVAILABLE",
        `Bulk API 2.0 job ${job.id} was still ${info.state} after ${Math.round(poll.timeoutMs / 1000)} s; its records are sent again by a later run`,
      );
    }
    wait = Math.min(poll.maxMs, wait * 2);
  }
}

/** `UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record:--` → code and message. */
export function parseBulkError(s: string): { code: string; message: string } {
  const i = s.indexOf(":");
  if (i < 0) return { code: s.trim() || "UNKNOWN", message: s };
  // The message, then `:<fields> --` (the fields may be empty).
  const message = s
    .slice(i + 1)
    .replace(/\s*--\s*$/, "")
    .replace(/:[A-Za-z0-9_,]*$/, "")
    .trim();
  return { code: s.slice(0, i).trim(), message: message || s };
}
