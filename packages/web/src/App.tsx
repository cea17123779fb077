import { lazy, Suspense, useEffect } from "react";
import { Layout } from "./components/Layout";
import { PageBoundary, PageLoading } from "./components/PageBoundary";
import { EmptyState } from "./components/ui";
import { useAuth } from "./lib/auth";
import { Link, navigate, type Route, usePathname, useRoutes } from "./lib/router";
import { AlertsPage } from "./pages/alerts/AlertsPage";
import { AuditPage } from "./pages/audit/AuditPage";
import { CdcPage } from "./pages/cdc/CdcPage";
import { QualityPage } from "./pages/quality/QualityPage";
import { RunDetailPage } from "./pages/run/RunDetailPage";
import { RunsPage } from "./pages/runs/RunsPage";
import { SchemaPage } from "./pages/schema/SchemaPage";
import { SignInPage } from "./pages/sign-in/SignInPage";
import { SyncPage } from "./pages/sync/SyncPage";

// Charts (uPlot) load with the Metrics and Segments pages only, not with the runs list.
const MetricsPage = lazy(() =>
  import("./pages/metrics/MetricsPage").then((m) => ({ default: m.MetricsPage })),
);
const SegmentsPage = lazy(() =>
  import("./pages/segments/SegmentsPage").then((m) => ({ default: m.SegmentsPage })),
);

// Each page: a pattern and what it renders; each has a line in the Layout's nav too.
const routes: Route[] = [
  { path: "/", render: () => null },
  { path: "/runs", render: () => <RunsPage /> },
  { path: "/runs/:id", render: ({ id }) => <RunDetailPage key={id} id={id!} /> },
  { path: "/quality", render: () => <QualityPage /> },
  { path: "/schema", render: () => <SchemaPage /> },
  { path: "/cdc", render: () => <CdcPage /> },
  {
    path: "/segments",
    render: () => (
      <PageBoundary>
        <Suspense fallback={<PageLoading label="Loading segments" />}>
          <SegmentsPage />
        </Suspense>
      </PageBoundary>
    ),
  },
  { path: "/sync", render: () => <SyncPage /> },
  { path: "/alerts", render: () => <AlertsPage /> },
  { path: "/audit", render: () => <AuditPage /> },
  {
    path: "/metrics",
    render: () => (
      <PageBoundary>
        <Suspense fallback={<PageLoading label="Loading metrics" />}>
          <MetricsPage />
        </Suspense>
      </PageBoundary>
    ),
  },
];

function NotFound() {
  return (
    <EmptyState
      title="No such page"
      action={
        <Link to="/runs" className="text-sky-700 hover:underline">
          Go to runs
        </Link>
      }
    />
  );
}

export function App() {
  const auth = useAuth();
  const pathname = usePathname();
  useEffect(() => {
    if (pathname === "/") navigate("/runs", { replace: true });
  }, [pathname]);
  const page = useRoutes(routes, <NotFound />);
  if (auth.kind !== "ok") return <SignInPage auth={auth} />;
  return <Layout>{page}</Layout>;
}
