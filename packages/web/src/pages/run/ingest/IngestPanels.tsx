// The ingest pipeline's panels on the run page: counts, quarantine by rule and skipped rules in the
// main column; the lake files and schema changes beside them.
import type { RunDetail } from "../../../api/client";
import type { PipelinePanels } from "../panels";
import { IngestCounts } from "./IngestCounts";
import { IngestFiles } from "./IngestFiles";
import { QuarantineByRule } from "./QuarantineByRule";
import { SchemaChanges } from "./SchemaChanges";
import { SkippedRules } from "./SkippedRules";
import { ingestStatKeys, ingestStatsOf } from "./stats";

function Main({ run }: { run: RunDetail }) {
  const stats = ingestStatsOf(run);
  if (!stats) return null;
  return (
    <>
      <IngestCounts run={run} stats={stats} />
      <QuarantineByRule run={run} stats={stats} />
      <SkippedRules stats={stats} />
    </>
  );
}

function Side({ run }: { run: RunDetail }) {
  const stats = ingestStatsOf(run);
  if (!stats) return null;
  return (
    <>
      <IngestFiles run={run} stats={stats} />
      <SchemaChanges stats={stats} />
    </>
  );
}

export const ingestPanels: PipelinePanels = { Main, Side, shownKeys: ingestStatKeys };
