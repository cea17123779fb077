// The few primitives every page uses, so buttons and states look the same everywhere.
import type { ButtonHTMLAttributes, ReactNode } from "react";
import { ApiError } from "../api/client";

type Variant = "default" | "primary" | "ghost";

const variants: Record<Variant, string> = {
  default: "border border-zinc-300 bg-white text-zinc-800 shadow-xs hover:bg-zinc-50",
  primary: "border border-zinc-900 bg-zinc-900 text-white shadow-xs hover:bg-zinc-700",
  ghost: "border border-transparent text-zinc-700 hover:bg-zinc-100",
};

export function Button({
  variant = "default",
  className = "",
  type = "button",
  ...rest
}: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant }) {
  return (
    <button
      type={type}
      className={`inline-flex h-7 items-center gap-1.5 whitespace-nowrap rounded-md px-2.5 text-[12px] font-medium disabled:cursor-not-allowed disabled:opacity-50 ${variants[variant]} ${className}`}
      {...rest}
    />
  );
}

export function Spinner({ className = "" }: { className?: string }) {
  return (
    <span
      aria-hidden
      className={`inline-block size-3 animate-spin rounded-full border-[1.5px] border-current border-r-transparent ${className}`}
    />
  );
}

export function Panel({
  title,
  actions,
  children,
  className = "",
}: {
  title?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  return (
    <section className={`rounded-md border border-zinc-200 bg-white ${className}`}>
      {title ? (
        <header className="flex h-8 items-center justify-between border-b border-zinc-100 px-3">
          <h2 className="text-xxs font-semibold tracking-wide text-zinc-500 uppercase">{title}</h2>
          {actions}
        </header>
      ) : null}
      {children}
    </section>
  );
}

/** A designed blank: what this is, why it is empty, what to do next. */
export function EmptyState({
  title,
  children,
  action,
}: {
  title: string;
  children?: ReactNode;
  action?: ReactNode;
}) {
  return (
    <div className="flex flex-col items-center gap-2 px-6 py-12 text-center">
      <p className="font-medium text-zinc-800">{title}</p>
      {children ? <div className="max-w-md text-zinc-500">{children}</div> : null}
      {action ? <div className="mt-1">{action}</div> : null}
    </div>
  );
}

export function ErrorState({
  title,
  error,
  onRetry,
}: {
  title: string;
  error: Error;
  onRetry?: () => void;
}) {
  const code = error instanceof ApiError ? error.error : undefined;
  return (
    <div role="alert" className="flex flex-col items-center gap-2 px-6 py-12 text-center">
      <p className="font-medium text-zinc-800">{title}</p>
      <p className="max-w-lg text-zinc-600">{error.message}</p>
      {code ? <code className="text-xxs text-zinc-400">{code}</code> : null}
      {onRetry ? (
        <Button onClick={onRetry} className="mt-1">
          Try again
        </Button>
      ) : null}
    </div>
  );
}

export function Kbd({ children }: { children: ReactNode }) {
  return (
    <code className="rounded border border-zinc-200 bg-zinc-50 px-1 py-px text-[12px] text-zinc-800">
      {children}
    </code>
  );
}
