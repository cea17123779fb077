// The run page's shape while the run loads: a heading and the two columns.
export function RunSkeleton() {
  return (
    <div role="status" aria-busy="true" aria-label="Loading run" className="flex flex-col gap-3">
      <div className="h-6 w-96 animate-pulse rounded bg-zinc-200/70" />
      <div className="grid grid-cols-1 gap-3 lg:grid-cols-[minmax(0,1fr)_28rem]">
        <div className="h-48 animate-pulse rounded-md bg-zinc-100" />
        <div className="h-48 animate-pulse rounded-md bg-zinc-100" />
      </div>
    </div>
  );
}
