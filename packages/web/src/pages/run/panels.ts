// What a pipeline adds to the run page: its panels in each column and the stats they show.
import type { ComponentType } from "react";
import type { RunDetail } from "../../api/client";

export interface PipelinePanels {
  /** Panels in the main column, under the retry. */
  Main: ComponentType<{ run: RunDetail }>;
  /** Panels in the side column, under the engine detail. */
  Side: ComponentType<{ run: RunDetail }>;
  /** The stats keys the panels show, left out of the Facts panel. */
  shownKeys: ReadonlySet<string>;
}
