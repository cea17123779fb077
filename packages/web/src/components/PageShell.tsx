// Every console page's frame, so no page writes its own: the title row with "updated …" and
// Refresh, then one query deciding the body — a skeleton, a designed error, a designed blank,
// or the data.
import { type ReactNode, useEffect } from "react";
import { ApiError } from "../api/client";
import { UpdatedAt } from "./UpdatedAt";
import { Button, ErrorState, PageHeader, Panel } from "./ui";

/** What the shell reads of a TanStack query; a `UseQueryResult` fits. */
export interface ShellQuery<T> {
  data: T | undefined;
  error: Error | null;
  isPending: boolean;
  isError: boolean;
  isFetching: boolean;
  dataUpdatedAt: number;
  refetch: () => unknown;
}

export interface PageShellProps<T> {
  /** The heading. Without one the page draws its own (a run's id) and there is no title row. */
  title?: string;
  /** The tab's title, before " · CDP"; the heading when not given. */
  documentTitle?: string;
  query: ShellQuery<T>;
  /** Beside the heading, before "updated …": what the page shows, its view switch. */
  meta?: ReactNode;
  /** On the right of the title row, before Refresh. */
  actions?: ReactNode;
  /** What Refresh does when the page has more than `query` to refetch. */
  onRefresh?: () => void;
  /** Between the title row and the body: breadcrumbs, filters, notices, dialogs. */
  above?: ReactNode;
  /** After the body: paging, "the newest 200". */
  below?: ReactNode;
  /** Shown until the first answer. */
  loading: ReactNode;
  errorTitle: string | ((error: Error) => string);
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  /**
   * A table page: one panel holds every state and the data. Otherwise the data (and `loading`)
   * stand as they are and only the error and the empty state get a panel.
   */
  panel?: boolean;
  children: (data: T) => ReactNode;
}

export function PageShell<T>(props: PageShellProps<T>) {
  const { title, documentTitle, query } = props;
  const tab = documentTitle ?? title;
  useEffect(() => {
    if (tab) document.title = `${tab} · CDP`;
  }, [tab]);

  return (
    <div className="mx-auto flex max-w-[1400px] flex-col gap-3">
      {title ? (
        <PageHeader
          title={title}
          actions={
            <>
              {props.actions}
              <Button onClick={props.onRefresh ?? (() => void query.refetch())} title="Refresh now">
                Refresh
              </Button>
            </>
          }
        >
          {props.meta}
          <UpdatedAt at={query.dataUpdatedAt} fetching={query.isFetching} />
        </PageHeader>
      ) : null}
      {props.above}
      {props.panel ? (
        <Panel className="overflow-hidden">
          <Body {...props} />
        </Panel>
      ) : (
        <Body {...props} />
      )}
      {props.below}
    </div>
  );
}

function Body<T>({
  query,
  loading,
  errorTitle,
  isEmpty,
  empty,
  panel,
  children,
}: PageShellProps<T>) {
  // Table pages already sit in a panel; elsewhere a bare state would float on the page.
  const framed = (node: ReactNode) => (panel ? node : <Panel>{node}</Panel>);
  if (query.isPending) return loading;
  if (query.isError && query.error) {
    const error = query.error;
    // Trying a missing thing again finds it missing again.
    const missing = error instanceof ApiError && error.status === 404;
    return framed(
      <ErrorState
        title={typeof errorTitle === "function" ? errorTitle(error) : errorTitle}
        error={error}
        onRetry={missing ? undefined : () => void query.refetch()}
      />,
    );
  }
  const data = query.data as T;
  if (isEmpty?.(data)) return framed(empty);
  return children(data);
}
