// The console's small tables (quarantine by rule, failures by rule, alerts): TanStack Table for
// the model, one look for the markup. The runs table keeps its own, richer markup.
import {
  type ColumnDef,
  createColumnHelper,
  type RowData,
  tableFeatures,
  useTable,
} from "@tanstack/react-table";
import type { CSSProperties, HTMLAttributes, ReactNode } from "react";

/** Per column: its width and alignment classes, applied to header and cells alike. */
export interface ColumnLook {
  className?: string;
}

export const dataTableFeatures = tableFeatures({ columnMeta: {} as ColumnLook });
export type DataColumn<T extends RowData> = ColumnDef<typeof dataTableFeatures, T, unknown>;
export const columnsFor = <T extends RowData>() =>
  createColumnHelper<typeof dataTableFeatures, T>();

export function DataTable<T extends RowData>({
  columns,
  data,
  rowId,
  rowProps,
  label,
  dense = false,
}: {
  columns: DataColumn<T>[];
  data: T[];
  rowId: (row: T) => string;
  rowProps?: (row: T) => HTMLAttributes<HTMLTableRowElement> & Record<`data-${string}`, string>;
  label?: string;
  dense?: boolean;
}) {
  const table = useTable({ features: dataTableFeatures, columns, data, getRowId: rowId });
  return (
    <table aria-label={label} className="w-full table-fixed border-collapse text-left">
      <TableHead
        groups={table.getHeaderGroups()}
        cellClass={(h) => `h-7 ${h.column.columnDef.meta?.className ?? ""}`}
        render={(h) => <table.FlexRender header={h} />}
      />
      <tbody>
        {table.getRowModel().rows.map((row) => {
          const { className = "", ...props } = rowProps?.(row.original) ?? {};
          return (
            <tr
              key={row.id}
              className={`border-b border-zinc-100 last:border-b-0 ${dense ? "h-7" : "h-8"} ${className || "hover:bg-zinc-50"}`}
              {...props}
            >
              {row.getAllCells().map((cell) => (
                <td
                  key={cell.id}
                  className={`truncate px-3 align-middle ${cell.column.columnDef.meta?.className ?? ""}`}
                >
                  <table.FlexRender cell={cell} />
                </td>
              ))}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Header rows in the console's look, for this table and the runs table's own markup. */
export function TableHead<H extends { id: string; isPlaceholder: boolean }>({
  groups,
  cellClass,
  cellStyle,
  render,
}: {
  groups: { id: string; headers: H[] }[];
  /** Height and width of each header cell. */
  cellClass: (header: H) => string;
  /** A width no class can say (computed). */
  cellStyle?: (header: H) => CSSProperties | undefined;
  render: (header: H) => ReactNode;
}) {
  return (
    <thead>
      {groups.map((group) => (
        <tr key={group.id} className="border-b border-zinc-200">
          {group.headers.map((header) => (
            <th
              key={header.id}
              scope="col"
              className={`px-3 text-xxs font-semibold tracking-wide text-zinc-500 uppercase ${cellClass(header)}`}
              style={cellStyle?.(header)}
            >
              {header.isPlaceholder ? null : render(header)}
            </th>
          ))}
        </tr>
      ))}
    </thead>
  );
}
