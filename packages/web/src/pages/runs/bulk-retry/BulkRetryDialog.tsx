// "Retry all failed matching this filter": count on the server, confirm, then follow the NDJSON
// progress to a summary. The filter is the URL's, not the page on screen.
import { type ReactNode, useState } from "react";
import { Dialog } from "../../../components/Dialog";
import { Button, Spinner } from "../../../components/ui";
import { plural } from "../../../lib/bulkRetry";
import type { RunFilter } from "../../../queries/keys";
import { BULK_MAX, type useRetryAll } from "../../../queries/useRetryAll";
import { useRetryable } from "../../../queries/useRetryable";
import { BulkConfirm, toRetry } from "./BulkConfirm";
import { BulkFailure, BulkProgressView } from "./BulkProgress";
import { BulkSummary } from "./BulkSummary";
import { describeBulkFilter } from "./bulkFilter";

export function BulkRetryDialog({
  open,
  filter,
  bulk,
  onClose,
}: {
  open: boolean;
  filter: RunFilter;
  bulk: ReturnType<typeof useRetryAll>;
  onClose: () => void;
}) {
  const retryable = useRetryable(filter, open && bulk.isIdle);
  const [includeNeedsFix, setIncludeNeedsFix] = useState(false);
  const running = bulk.isPending;
  const count = retryable.data ? toRetry(retryable.data, includeNeedsFix) : 0;
  const close = () => {
    setIncludeNeedsFix(false);
    onClose();
  };

  let body: ReactNode;
  let footer: ReactNode;
  if (bulk.isIdle) {
    body = retryable.isPending ? (
      <p role="status" className="flex items-center gap-2 py-3 text-zinc-500">
        <Spinner /> Counting the failed runs that match…
      </p>
    ) : retryable.isError ? (
      <p role="alert" className="py-2 text-red-800">
        Couldn't count the runs: {retryable.error.message}
      </p>
    ) : (
      <BulkConfirm
        retryable={retryable.data}
        includeNeedsFix={includeNeedsFix}
        onIncludeNeedsFix={setIncludeNeedsFix}
      />
    );
    footer = (
      <>
        <Button onClick={close}>Cancel</Button>
        {count > 0 ? (
          <Button variant="primary" onClick={() => bulk.mutate({ filter, includeNeedsFix })}>
            Retry{" "}
            {retryable.data?.capped ? `up to ${plural(BULK_MAX, "run")}` : plural(count, "run")}
          </Button>
        ) : null}
      </>
    );
  } else if (running) {
    body = <BulkProgressView progress={bulk.progress} expected={retryable.data} />;
    footer = (
      <Button variant="primary" disabled>
        <Spinner /> Retrying…
      </Button>
    );
  } else if (bulk.isError) {
    body = <BulkFailure error={bulk.error} progress={bulk.progress} />;
    footer = <Button onClick={close}>Close</Button>;
  } else {
    body = bulk.data ? <BulkSummary done={bulk.data} /> : null;
    footer = (
      <Button variant="primary" onClick={close}>
        Close
      </Button>
    );
  }

  return (
    <Dialog
      open={open}
      onClose={close}
      dismissable={!running}
      title="Retry failed runs matching this filter"
      footer={footer}
      testId="bulk-retry"
    >
      <p className="mb-2.5 text-[12px] text-zinc-500" data-testid="bulk-filter">
        {describeBulkFilter(filter)}
      </p>
      {body}
    </Dialog>
  );
}
