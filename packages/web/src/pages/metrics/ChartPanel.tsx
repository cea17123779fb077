// A chart's panel: its title, a one-line summary on the right, the chart below.
import type { ReactNode } from "react";
import { Panel } from "../../components/ui";

export function ChartPanel({
  title,
  summary,
  children,
  testId,
  className = "",
}: {
  title: string;
  summary: ReactNode;
  children: ReactNode;
  testId: string;
  className?: string;
}) {
  return (
    <Panel
      className={className}
      title={title}
      actions={<span className="text-[12px] text-zinc-500 tabular-nums">{summary}</span>}
    >
      <div className="px-2 pt-2 pb-1" data-testid={testId}>
        {children}
      </div>
    </Panel>
  );
}
