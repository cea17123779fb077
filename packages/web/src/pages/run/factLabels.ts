// The words for a run's stats in its Facts panel.

const factLabels: Record<string, string> = {
  rowsRead: "Rows read",
  rowsLoaded: "Rows loaded",
  rowsQuarantined: "Rows quarantined",
  columnsAdded: "Columns added",
};

export function humanize(key: string): string {
  return (
    factLabels[key] ??
    key
      .replace(/([a-z])([A-Z])/g, "$1 $2")
      .replace(/^./, (c) => c.toUpperCase())
      .replace(/ ([A-Z])/g, (_, c: string) => ` ${c.toLowerCase()}`)
  );
}
