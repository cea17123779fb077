// The few primitives every page uses, so buttons and states look the same everywhere.
import type { ButtonHTMLAttributes, ReactNode } from "react";
import { ApiError } from "../api/client";
import { Link } from "../lib/router";

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

/** A few exclusive views (time windows, acknowledged or not) as links, so each is a URL. */
export function Segmented({
  label,
  options,
}: {
  label: string;
  options: { to: string; label: ReactNode; current: boolean; title?: string }[];
}) {
  return (
    <nav
      aria-label={label}
      className="inline-flex h-6 items-stretch overflow-hidden rounded-md border border-zinc-200 bg-white text-[12px]"
    >
      {options.map((o) => (
        <Link
          key={o.to}
          to={o.to}
          title={o.title}
          aria-current={o.current ? "true" : undefined}
          className={`flex items-center gap-1 border-r border-zinc-200 px-2 last:border-r-0 ${
            o.current
              ? "bg-zinc-800 font-medium text-white"
              : "text-zinc-600 hover:bg-zinc-50 hover:text-zinc-900"
          }`}
        >
          {o.label}
        </Link>
      ))}
    </nav>
  );
}

/** A labelled select for a URL filter; "" means all. */
export function FilterSelect({
  label,
  value,
  options,
  onChange,
  allLabel = "All",
}: {
  label: string;
  value: string;
  options: string[];
  onChange: (value: string) => void;
  allLabel?: string;
}) {
  const all = value && !options.includes(value) ? [...options, value] : options;
  return (
    <label className="flex items-center gap-1.5 text-[12px] text-zinc-500">
      {label}
      <select
        value={value}
        onChange={(e) => onChange(e.target.value)}
        className="h-6 max-w-52 rounded-md border border-zinc-200 bg-white px-1.5 text-[12px] text-zinc-800"
      >
        <option value="">{allLabel}</option>
        {all.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A page's title row: the heading, what it shows, and its controls on the right. */
export function PageHeader({
  title,
  children,
  actions,
}: {
  title: string;
  children?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <div className="flex flex-wrap items-center gap-3">
      <h1 className="text-[15px] font-semibold text-zinc-900">{title}</h1>
      {children}
      {actions ? (
        <div className="ml-auto flex flex-wrap items-center justify-end gap-2">{actions}</div>
      ) : null}
    </div>
  );
}

export function TableSkeleton({ rows = 4, label }: { rows?: number; label: string }) {
  return (
    <div role="status" aria-busy="true" aria-label={label}>
      {Array.from({ length: rows }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: placeholder rows have no identity
        <div key={i} className="flex h-8 items-center gap-6 border-b border-zinc-100 px-3">
          <span className="h-2.5 w-24 animate-pulse rounded bg-zinc-100" />
          <span className="h-2.5 w-48 animate-pulse rounded bg-zinc-100" />
          <span className="h-2.5 w-16 animate-pulse rounded bg-zinc-100" />
        </div>
      ))}
    </div>
  );
}
