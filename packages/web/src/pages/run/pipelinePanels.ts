// The run page's panels for each pipeline, keyed by the registry's pipeline names (the API's
// RunDetail types them). A pipeline without an entry shows the common panels and its stats as
// facts.
import type { RunDetail } from "../../api/client";
import { ingestPanels } from "./ingest/IngestPanels";
import type { PipelinePanels } from "./panels";

export const pipelinePanels: { [N in RunDetail["pipeline"]]?: PipelinePanels } = {
  ingest: ingestPanels,
};
