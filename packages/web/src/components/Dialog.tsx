// A modal on the platform's own <dialog>: focus trap, Escape, inert page and top layer for free,
// so no dialog library. `dismissable` false holds it open while something is in flight.
import { type ReactNode, useEffect, useId, useRef } from "react";

export function Dialog({
  open,
  onClose,
  title,
  children,
  footer,
  dismissable = true,
  testId,
}: {
  open: boolean;
  onClose: () => void;
  title: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
  dismissable?: boolean;
  testId?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      data-testid={testId}
      onCancel={(e) => {
        // Escape: close through our state, or not at all while held open.
        e.preventDefault();
        if (dismissable) onClose();
      }}
      className="m-auto w-[min(44rem,calc(100vw-2rem))] rounded-md border border-zinc-200 bg-white p-0 text-[13px] text-zinc-900 shadow-lg backdrop:bg-zinc-900/25"
    >
      {open ? (
        <div className="flex max-h-[80vh] flex-col">
          <header className="flex h-10 shrink-0 items-center justify-between border-b border-zinc-100 px-4">
            <h2 id={titleId} className="font-semibold">
              {title}
            </h2>
            <button
              type="button"
              onClick={onClose}
              disabled={!dismissable}
              aria-label="Dismiss"
              className="rounded px-1 text-zinc-400 hover:text-zinc-800 disabled:opacity-30"
            >
              ✕
            </button>
          </header>
          <div className="min-h-0 flex-1 overflow-y-auto px-4 py-3">{children}</div>
          {footer ? (
            <footer className="flex shrink-0 items-center justify-end gap-2 border-t border-zinc-100 px-4 py-2.5">
              {footer}
            </footer>
          ) : null}
        </div>
      ) : null}
    </dialog>
  );
}
