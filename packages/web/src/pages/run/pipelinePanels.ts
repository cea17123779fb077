// The run page's panels for each pipeline, keyed by the registry's pipeline names (the API's
// RunDetail types them). A pipeline without an entry shows the common panels and its stats as
// facts.
import type { ComponentType } from "react";
import type { RunDetail } from "../../api/client";
import { ingestPanels } from "./ingest/IngestPanels";

export interface PipelinePanels {
  /** Panels in the main column, under the retry. */
  Main: ComponentType<{ run: RunDetail }>;
  /** Panels in the side column, under the engine detail. */
  Side: ComponentType<{ run: RunDetail }>;
  /** The stats keys the panels show, left out of the Facts panel. */
  shownKeys: ReadonlySet<string>;
}

export const pipelinePanels: { [N in RunDetail["pipeline"]]?: PipelinePanels } = {
  ingest: ingestPanels,
};
