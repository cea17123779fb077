import type { ReactNode } from "react";
import { authMode, signOut, useAuth } from "../lib/auth";
import { Link, usePathname } from "../lib/router";
import { AlertBadge } from "./AlertBadge";
import { HealthIndicator } from "./HealthIndicator";

interface NavItem {
  to: string;
  label: string;
  /** The paths this item is "current" for. */
  matches: (pathname: string) => boolean;
  badge?: ReactNode;
}

// Each page gets one line here and one route in App.tsx.
const nav: NavItem[] = [
  { to: "/runs", label: "Runs", matches: (p) => p === "/runs" || p.startsWith("/runs/") },
  { to: "/quality", label: "Quality", matches: (p) => p === "/quality" },
  { to: "/schema", label: "Schema", matches: (p) => p === "/schema" },
  { to: "/cdc", label: "CDC", matches: (p) => p === "/cdc" },
  { to: "/segments", label: "Segments", matches: (p) => p === "/segments" },
  { to: "/sync", label: "Sync", matches: (p) => p === "/sync" },
  { to: "/metrics", label: "Metrics", matches: (p) => p === "/metrics" },
  { to: "/alerts", label: "Alerts", matches: (p) => p === "/alerts", badge: <AlertBadge /> },
  { to: "/audit", label: "Audit", matches: (p) => p === "/audit" },
];

/** Deployed: who is signed in, and the way out. Locally the token is the whole story. */
function Account() {
  const auth = useAuth();
  if (authMode !== "cognito" || auth.kind !== "ok") return null;
  return (
    <div className="flex items-center gap-2 border-l border-zinc-200 pl-3 text-[12px]">
      <span className="max-w-48 truncate text-zinc-500" title={auth.user}>
        {auth.user ?? "signed in"}
      </span>
      <button
        type="button"
        onClick={signOut}
        className="rounded px-1 text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900"
      >
        Sign out
      </button>
    </div>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const pathname = usePathname();
  return (
    <div className="flex min-h-screen flex-col">
      <header className="sticky top-0 z-10 flex h-10 shrink-0 items-center gap-3 border-b border-zinc-200 bg-white px-4 sm:gap-6">
        <Link
          to="/runs"
          className="flex shrink-0 items-center gap-2 font-semibold tracking-tight text-zinc-900"
        >
          <span aria-hidden className="grid size-4 place-items-center rounded-[3px] bg-zinc-900">
            <span className="size-1.5 rounded-full bg-zinc-50" />
          </span>
          CDP
        </Link>
        {/* Scrolls sideways on a narrow screen rather than pushing the page wider than it;
            positioned, so what is absolutely placed inside (a badge's sr-only text) scrolls too. */}
        <nav
          aria-label="Main"
          className="relative flex h-full min-w-0 items-stretch gap-1 overflow-x-auto [scrollbar-width:none]"
        >
          {nav.map((item) => {
            const current = item.matches(pathname);
            return (
              <Link
                key={item.to}
                to={item.to}
                aria-current={current ? "page" : undefined}
                className={`flex shrink-0 items-center border-b-2 px-2 text-[13px] whitespace-nowrap ${
                  current
                    ? "border-zinc-900 font-medium text-zinc-900"
                    : "border-transparent text-zinc-500 hover:text-zinc-900"
                }`}
              >
                {item.label}
                {item.badge}
              </Link>
            );
          })}
        </nav>
        <div className="ml-auto flex shrink-0 items-center gap-3">
          <HealthIndicator />
          <Account />
        </div>
      </header>
      <main className="flex-1 px-4 py-3">{children}</main>
    </div>
  );
}
