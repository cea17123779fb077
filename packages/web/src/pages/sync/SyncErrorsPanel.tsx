// One sync run's records Salesforce did not accept: the error code and message of each, its
// external id, and — a row opened — the fields that were sent, as Salesforce received them. The
// run's reason (failed, waiting for budget, dry run) heads it; "Retry failed records" sits on top.
import { Fragment, useState } from "react";
import type { SyncRecord, SyncRun } from "../../api/client";
import { CopyButton } from "../../components/CopyId";
import { TableHead } from "../../components/DataTable";
import { RelativeTime } from "../../components/Time";
import { Button, EmptyState, ErrorState, Panel, Spinner, TableSkeleton } from "../../components/ui";
import { isActive } from "../../lib/status";
import { useSyncErrors } from "../../queries/useSyncErrors";
import { RetryFailed } from "./RetryFailed";
import { noteTone } from "./syncColumns";
import { payloadFields, runNote } from "./syncView";

const headers = [
  { id: "externalId", label: "External id", className: "w-[16rem]" },
  { id: "status", label: "Outcome", className: "w-24" },
  { id: "errorCode", label: "Error code", className: "w-[20rem]" },
  { id: "message", label: "Message", className: "" },
  { id: "attempts", label: "Tries", className: "w-16 text-right" },
  { id: "updatedAt", label: "When", className: "w-24" },
].map((h) => ({ ...h, isPlaceholder: false }));

function Payload({ record }: { record: SyncRecord }) {
  const fields = payloadFields(record.payload);
  return (
    <div className="flex items-start gap-3 bg-zinc-50 px-3 py-2" data-testid="sync-payload">
      <dl className="grid min-w-0 flex-1 grid-cols-[max-content_1fr] gap-x-4 gap-y-0.5 text-[12px]">
        {fields.map((f) => (
          <Fragment key={f.field}>
            <dt className="font-mono text-zinc-500">{f.field}</dt>
            <dd
              data-field={f.field}
              className={`min-w-0 font-mono [overflow-wrap:anywhere] ${f.empty ? "text-zinc-400 italic" : "text-zinc-900"}`}
            >
              {f.value}
            </dd>
          </Fragment>
        ))}
      </dl>
      <span className="flex items-center gap-1 text-[11px] text-zinc-500">
        sent by {record.transport}
        <CopyButton text={JSON.stringify(record.payload, null, 2)} label="Copy the payload of" />
      </span>
    </div>
  );
}

function RecordRow({ record }: { record: SyncRecord }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <tr
        className="h-8 border-b border-zinc-100 hover:bg-zinc-50"
        data-sync-record={record.externalId}
      >
        <td className="truncate px-3">
          <button
            type="button"
            aria-expanded={open}
            onClick={() => setOpen(!open)}
            title={open ? "Hide the payload sent" : "Show the payload sent"}
            className="inline-flex max-w-full items-center gap-1 font-mono text-[12px] text-zinc-900 hover:text-sky-700"
          >
            <span
              aria-hidden
              className={`text-zinc-400 transition-transform ${open ? "rotate-90" : ""}`}
            >
              ▸
            </span>
            <span className="truncate">{record.externalId}</span>
          </button>
        </td>
        <td className="truncate px-3">
          {record.status === "failed" ? (
            <span className="font-medium text-red-700">refused</span>
          ) : (
            <span className="text-amber-800" title="The run stopped before sending it">
              not sent
            </span>
          )}
        </td>
        <td className="truncate px-3 font-mono text-[12px]" title={record.errorCode ?? undefined}>
          {record.errorCode ?? <span className="text-zinc-400">—</span>}
        </td>
        <td className="truncate px-3" title={record.message ?? undefined}>
          {record.message ?? <span className="text-zinc-400">—</span>}
        </td>
        <td className="px-3 text-right tabular-nums">{record.attempts}</td>
        <td className="truncate px-3">
          <RelativeTime iso={record.updatedAt} />
        </td>
      </tr>
      {open ? (
        <tr className="border-b border-zinc-100">
          <td colSpan={headers.length} className="p-0">
            <Payload record={record} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

function Records({ run }: { run: SyncRun }) {
  const going = isActive(run.status);
  const errors = useSyncErrors(run.runId, !going);
  if (going) {
    return (
      <EmptyState title={`${run.runId} is still running`}>
        Its records show here once it has finished.
      </EmptyState>
    );
  }
  if (errors.isPending) return <TableSkeleton rows={2} label="Loading the records" />;
  if (errors.isError) {
    return (
      <ErrorState
        title="Couldn't load the records"
        error={errors.error}
        onRetry={() => void errors.refetch()}
      />
    );
  }
  const records = errors.data.pages.flatMap((p) => p.items);
  if (!records.length) {
    return run.dryRun ? (
      <EmptyState title="A dry run sends nothing to Salesforce">
        What would have been sent is in the outbox
        {run.outboxKey ? (
          <>
            {" "}
            <code className="text-zinc-700">{run.outboxKey}</code>
          </>
        ) : null}
        .
      </EmptyState>
    ) : (
      <EmptyState title="Salesforce accepted every record of this run" />
    );
  }
  return (
    <section aria-label="Records not accepted" className="overflow-x-auto">
      <table className="w-full min-w-[980px] table-fixed border-collapse text-left">
        <TableHead
          groups={[{ id: "records", headers }]}
          cellClass={(h) => `h-7 ${h.className}`}
          render={(h) => h.label}
        />
        <tbody>
          {records.map((r) => (
            <RecordRow key={r.externalId} record={r} />
          ))}
        </tbody>
      </table>
      {errors.hasNextPage ? (
        <div className="flex justify-center border-t border-zinc-100 py-2">
          <Button disabled={errors.isFetchingNextPage} onClick={() => void errors.fetchNextPage()}>
            {errors.isFetchingNextPage ? <Spinner /> : null}
            Show more
          </Button>
        </div>
      ) : null}
    </section>
  );
}

export function SyncErrorsPanel({ run, runs }: { run: SyncRun; runs: SyncRun[] }) {
  const note = runNote(run);
  return (
    <Panel
      title={
        <>
          Records not accepted{" "}
          <span className="font-mono font-normal tracking-normal normal-case">· {run.runId}</span>
        </>
      }
    >
      <RetryFailed key={run.runId} run={run} runs={runs} />
      {note ? (
        <p
          data-testid="sync-run-note"
          className={`border-b border-zinc-100 px-3 py-1.5 text-[12px] ${noteTone[note.tone]}`}
        >
          <span className="font-medium">{note.label}:</span> {note.text}
        </p>
      ) : null}
      <Records run={run} />
    </Panel>
  );
}
