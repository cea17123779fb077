// The audit log keeps free-form detail beside the run ids ("engine glue"); this is its one line.

/** The detail's set fields as "key value · key value", objects as JSON. */
export function auditDetail(detail: Record<string, unknown>): string {
  return Object.entries(detail)
    .filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => `${k} ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(" · ");
}
