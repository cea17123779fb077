// Printing figures: an aligned table for people, `BENCH name value unit` lines for machines.
export function figure(name: string, value: number, unit: string, digits = 2) {
  console.log(`BENCH ${name} ${Number(value.toFixed(digits))}${unit ? ` ${unit}` : ""}`);
}

export function printTable(rows: Record<string, string | number>[]) {
  const cols = Object.keys(rows[0] ?? {});
  const cell = (v: string | number) =>
    typeof v === "number" ? v.toLocaleString("en-US", { maximumFractionDigits: 2 }) : v;
  const widths = cols.map((c) =>
    Math.max(c.length, ...rows.map((r) => String(cell(r[c]!)).length)),
  );
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join("  ");
  console.log(line(cols));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const r of rows) console.log(line(cols.map((c) => String(cell(r[c]!)))));
}
