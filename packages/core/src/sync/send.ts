// Delivering the owed records: passes of the cheaper transport for what is left, until every
// record was accepted, failed for good, or the run must stop. A pass's per-record errors that a
// retry may get past (UNABLE_TO_LOCK_ROW) and a bulk job's unprocessed records go into the next
// pass after a backoff — only those records, so nothing accepted is sent twice.
import { faultPoint } from "../util/fault";
import { backoffMs, chooseTransport, type StopSync, sleep } from "./budget";
import { bulkPass, type PollPolicy } from "./bulk";
import { collectionsPass, type PassContext, type RetryPolicy } from "./collections";
import type { OutRecord } from "./records";
import type { Outcome } from "./state";

export interface DeliverOptions {
  retry: RetryPolicy;
  poll: PollPolicy;
  bulkThreshold: number | null;
  /** Passes in all: the first, then retries of what a retry may fix. */
  maxPasses: number;
}

export interface Delivery {
  /** Each sent record's last outcome. */
  outcomes: Map<string, Outcome>;
  /** Owed and never sent. */
  unsent: OutRecord[];
  stop: StopSync | null;
  transports: ("collections" | "bulk")[];
  bulkJobs: string[];
}

export async function deliver(
  ctx: PassContext,
  owed: OutRecord[],
  opts: DeliverOptions,
): Promise<Delivery> {
  const outcomes = new Map<string, Outcome>();
  const transports: ("collections" | "bulk")[] = [];
  const bulkJobs: string[] = [];
  const pass: PassContext = {
    ...ctx,
    async record(batch) {
      for (const o of batch) outcomes.set(o.record.externalId, o);
      await ctx.record(batch);
      await faultPoint("sync.batch");
    },
  };
  let pending = owed;
  let stop: StopSync | null = null;
  for (let n = 0; pending.length && n < opts.maxPasses; n++) {
    if (n > 0) {
      await ctx.step("sending again what a retry may fix", {
        records: pending.length,
        pass: n + 1,
      });
      await sleep(backoffMs(n - 1, opts.retry.baseMs, opts.retry.maxMs));
    }
    const transport = chooseTransport(pending.length, opts.bulkThreshold);
    if (!transports.includes(transport)) transports.push(transport);
    const r =
      transport === "bulk"
        ? await bulkPass(pass, pending, opts.poll, bulkJobs)
        : await collectionsPass(pass, pending);
    pending = r.again;
    if (r.stop) {
      stop = r.stop;
      break;
    }
  }
  const unsent = owed.filter((r) => !outcomes.has(r.externalId));
  return { outcomes, unsent, stop, transports, bulkJobs };
}
