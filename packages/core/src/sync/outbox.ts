// The dry run's outbox: exactly what a live run would send, one JSON record per line, in the lake
// under sync/outbox/<runId>/, with a manifest saying where it would go and how.
import type { ObjectStore } from "../lake/lake";
import type { SalesforceMapping } from "./mapping";
import type { OutRecord } from "./records";

export const OUTBOX_PREFIX = "sync/outbox/";

/** `sync/outbox/<runId>/contacts.jsonl` (Contact → contacts, Foo__c → foos). */
export function outboxKey(runId: string, object: string): string {
  return `${OUTBOX_PREFIX}${runId}/${object.toLowerCase().replace(/__c$/, "")}s.jsonl`;
}

export interface OutboxManifest {
  runId: string;
  object: string;
  externalIdField: string;
  records: number;
  /** How a live run would send them, and the API requests that would take. */
  transport: "collections" | "bulk";
  estimatedApiCalls: number;
  reason: string;
  createdAt: string;
}

export async function writeOutbox(
  lake: ObjectStore,
  runId: string,
  mapping: SalesforceMapping,
  records: OutRecord[],
  manifest: Omit<OutboxManifest, "runId" | "object" | "externalIdField" | "records" | "createdAt">,
): Promise<string> {
  const key = outboxKey(runId, mapping.object);
  await lake.put(
    key,
    (async function* () {
      const BATCH = 2000;
      for (let i = 0; i < records.length; i += BATCH) {
        let s = "";
        for (const r of records.slice(i, i + BATCH)) s += `${JSON.stringify(r.payload)}\n`;
        yield Buffer.from(s);
      }
    })(),
  );
  const full: OutboxManifest = {
    runId,
    object: mapping.object,
    externalIdField: mapping.externalId,
    records: records.length,
    createdAt: new Date().toISOString(),
    ...manifest,
  };
  await lake.put(`${OUTBOX_PREFIX}${runId}/manifest.json`, `${JSON.stringify(full, null, 2)}\n`);
  return key;
}
