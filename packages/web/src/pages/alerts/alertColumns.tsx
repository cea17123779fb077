// The alerts table's columns: a checkbox to pick alerts for a bulk acknowledge (open alerts
// only), and the last one acknowledges an alert in place — or says what resolved it.
import type { Alert } from "../../api/client";
import { RunId } from "../../components/CopyId";
import { columnsFor } from "../../components/DataTable";
import { SeverityDot } from "../../components/Severity";
import { RelativeTime } from "../../components/Time";
import { Spinner } from "../../components/ui";
import { Link } from "../../lib/router";
import { kindLabel } from "./kindLabel";

const col = columnsFor<Alert>();

export interface Selection {
  selected: ReadonlySet<string>;
  toggle: (id: string) => void;
}

/** What resolved an alert (the API says "resolved by run run_… (retry succeeded)"), the run a link. */
function Resolution({ alert }: { alert: Alert }) {
  const text = alert.resolution ?? "resolved";
  const id = /run_[0-9A-Za-z]+/.exec(text)?.[0];
  return (
    <div
      className="py-1 text-right text-[12px] leading-4 text-emerald-800"
      title={text}
      data-testid="alert-resolution"
    >
      <div>✓ {id ? "resolved (retry succeeded) by" : text}</div>
      {id ? (
        <div className="truncate">
          <Link to={`/runs/${id}`} className="font-mono text-[11px] underline">
            {id}
          </Link>
        </div>
      ) : null}
    </div>
  );
}

/**
 * Where the alert's runbook section is: a link when the runbook has a web address
 * (CDP_RUNBOOK_URL, the deploying commit, the repository's remote), else its path in the repository.
 */
function Runbook({ address }: { address: string }) {
  if (/^https?:\/\//i.test(address)) {
    return (
      <a
        href={address}
        target="_blank"
        rel="noreferrer"
        className="text-[12px] text-sky-700 underline"
        data-testid="alert-runbook"
      >
        What to do (runbook)
      </a>
    );
  }
  return (
    <div
      className="truncate font-mono text-[11px] text-zinc-500"
      title="What to do: this section of the runbook in the repository"
      data-testid="alert-runbook"
    >
      Runbook: {address}
    </div>
  );
}

export function alertColumns(
  acknowledge: (id: string) => void,
  pending: string | null,
  selection?: Selection,
) {
  const pick = selection
    ? [
        col.display({
          id: "pick",
          header: () => <span className="sr-only">Select</span>,
          cell: (c) => {
            const a = c.row.original;
            return (
              <input
                type="checkbox"
                aria-label={`Select ${a.title}`}
                checked={selection.selected.has(a.id)}
                onChange={() => selection.toggle(a.id)}
              />
            );
          },
          meta: { className: "w-9" },
        }),
      ]
    : [];
  return col.columns([
    ...pick,
    col.accessor("kind", {
      header: "Kind",
      cell: (c) => (
        <span className="inline-flex items-center gap-1.5 whitespace-nowrap">
          <SeverityDot value={c.row.original.severity} />
          {kindLabel(c.getValue())}
        </span>
      ),
      meta: { className: "w-32" },
    }),
    col.accessor("title", {
      header: "Alert",
      cell: (c) => (
        <div className="min-w-0 py-1.5" title={c.row.original.message}>
          <div
            className={`truncate ${c.row.original.acknowledgedAt ? "" : "font-medium text-zinc-900"}`}
          >
            {c.getValue()}
          </div>
          <div className="truncate text-[12px] text-zinc-500">{c.row.original.message}</div>
          <Runbook address={c.row.original.runbook} />
        </div>
      ),
    }),
    col.accessor("runId", {
      header: "Run",
      cell: (c) => {
        const id = c.getValue();
        return id ? <RunId id={id} /> : <span className="text-zinc-400">—</span>;
      },
      meta: { className: "w-[20.5rem]" },
    }),
    col.accessor("createdAt", {
      header: "Raised",
      cell: (c) => <RelativeTime iso={c.getValue()} />,
      meta: { className: "w-24" },
    }),
    col.display({
      id: "ack",
      header: () => <span className="sr-only">Acknowledge</span>,
      cell: (c) => {
        const a = c.row.original;
        if (a.resolvedAt && !a.acknowledgedAt) return <Resolution alert={a} />;
        if (a.acknowledgedAt) {
          return (
            <span
              className="text-[12px] whitespace-nowrap text-zinc-400"
              title={`Acknowledged${a.acknowledgedBy ? ` by ${a.acknowledgedBy}` : ""}`}
            >
              ✓ <RelativeTime iso={a.acknowledgedAt} />
              {a.acknowledgedBy ? ` · ${a.acknowledgedBy}` : ""}
            </span>
          );
        }
        return (
          <button
            type="button"
            onClick={() => acknowledge(a.id)}
            disabled={pending === a.id}
            aria-label={`Acknowledge ${a.title}`}
            className="inline-flex h-6 items-center gap-1 rounded border border-zinc-300 bg-white px-2 text-[12px] font-medium text-zinc-800 hover:bg-zinc-50 disabled:opacity-50"
          >
            {pending === a.id ? <Spinner /> : null}
            Acknowledge
          </button>
        );
      },
      meta: { className: "w-72 text-right" },
    }),
  ]);
}
