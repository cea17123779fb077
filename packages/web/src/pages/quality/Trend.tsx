// Quality failures per UTC day over the window, with the peak day's count.
import type { QualitySummary } from "../../api/client";
import { Panel } from "../../components/ui";
import type { QualityWindow } from "../../queries/keys";
import { sinceOf } from "../../queries/useQualitySummary";
import { DayBars } from "./DayBars";
import { days, peak } from "./dayBuckets";

export function Trend({
  overTime,
  window,
}: {
  overTime: QualitySummary["overTime"];
  window: QualityWindow;
}) {
  const data = days(overTime, sinceOf(window), Date.now());
  return (
    <Panel
      title="Per day (UTC)"
      actions={
        <span className="text-[12px] text-zinc-500 tabular-nums">
          peak {peak(data).toLocaleString()} / day
        </span>
      }
    >
      <DayBars data={data} />
    </Panel>
  );
}
