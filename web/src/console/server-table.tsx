/**
 * Server-side tables (issue 14): an antd Table whose paging, sorting and filters are the server's
 * (src/contract/paging.ts) — it asks for `page`, `page_size`, `sort`, `order` and the page's filters, shows
 * the server's `total`, goes back to page 1 when a filter changes, and offers 导出 Excel of the same filters
 * through the download button (download.tsx), which shows progress and says what to do when it fails.
 * `itemsKey` names the list's rows in the answer (`items`; older lists keep their own key, e.g. `entries`).
 */
import { Alert, Space, Table, type TableColumnsType, type TableProps } from "antd";
import type { SorterResult } from "antd/es/table/interface";
import { useEffect, useMemo, useState } from "react";
import { DownloadButtons } from "./download.js";
import { base, useLoad, useTr } from "./pages/common.js";

/** The page sizes offered; the server refuses more than PAGE_SIZE_MAX (200). */
const SIZES = [20, 50, 100, 200];

export interface ServerTableProps<T> {
  /** The list's path under the program's base, e.g. "/claims". */
  path: string;
  /** The page's filters (absent or "" values are left out); a change goes back to page 1. */
  filters: Readonly<Record<string, string | undefined>>;
  columns: TableColumnsType<T>;
  rowKey: keyof T & string;
  /** The answer's key holding the rows (default "items"). */
  itemsKey?: string;
  /** The export's path (e.g. "/claims.xlsx") and file name without extension; none: no export button. */
  exportPath?: string;
  exportName?: string;
  /** Column keys that sort on the server (column key → the list's `sort` value). */
  sortable?: Readonly<Record<string, string>>;
  /** Text when nothing matches the filters. */
  empty: string;
  /** Accessible name of the table's region. */
  label: string;
  pageSize?: number;
  /** Bump to reload the current page (after an action changed the rows). */
  reloadKey?: number;
  /** Rows that open to their details. */
  expandable?: TableProps<T>["expandable"];
  /** Row handlers (e.g. a click that opens the row's details below the table). */
  onRow?: TableProps<T>["onRow"];
}

function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, v);
  return q.toString();
}

export function ServerTable<T extends object>(props: ServerTableProps<T>) {
  const tr = useTr();
  const [page, setPage] = useState(1);
  const [size, setSize] = useState(props.pageSize ?? 20);
  const [sort, setSort] = useState<{ sort?: string; order?: "asc" | "desc" }>({});
  const filterKey = query({ ...props.filters });
  // A new filter starts again at the first page.
  // biome-ignore lint/correctness/useExhaustiveDependencies: filterKey is the filters' identity
  useEffect(() => setPage(1), [filterKey]);
  const listQuery = query({ ...props.filters, ...sort, page: String(page), page_size: String(size) });
  const exportQuery = query({ ...props.filters, ...sort });
  const data = useLoad<Record<string, unknown> & { total: number }>(`${props.path}?${listQuery}`, [
    props.reloadKey,
  ]);
  const rows = (data.data?.[props.itemsKey ?? "items"] as T[] | undefined) ?? [];
  const columns = useMemo(
    () =>
      props.columns.map((c) => {
        const key = String(c.key ?? ("dataIndex" in c ? c.dataIndex : ""));
        const s = props.sortable?.[key];
        if (s === undefined) return c;
        return {
          ...c,
          sorter: true,
          sortOrder:
            sort.sort === s ? (sort.order === "asc" ? ("ascend" as const) : ("descend" as const)) : null,
        };
      }),
    [props.columns, props.sortable, sort],
  );
  return (
    <section aria-label={props.label}>
      <Space orientation="vertical" style={{ width: "100%" }} size={8}>
        {props.exportPath === undefined ? null : (
          <DownloadButtons
            path={() => `${base()}${props.exportPath}?${exportQuery}`}
            name={props.exportName ?? tr({ zh: "清单", en: "list" })}
            formats={["xlsx"]}
            disabled={data.data?.total === 0}
          />
        )}
        {data.error === undefined ? null : <Alert type="error" role="alert" showIcon title={data.error} />}
        <Table<T>
          aria-label={props.label}
          rowKey={props.rowKey}
          expandable={props.expandable}
          onRow={props.onRow}
          size="small"
          loading={data.loading}
          dataSource={rows}
          columns={columns}
          // The placeholder's own grey fails contrast (axe): the words in the body's colour.
          locale={{ emptyText: <span style={{ color: "rgba(0, 0, 0, 0.88)" }}>{props.empty}</span> }}
          onChange={(p, _f, sorter) => {
            const s = (Array.isArray(sorter) ? sorter[0] : sorter) as SorterResult<T> | undefined;
            const key = s === undefined ? undefined : String(s.columnKey ?? s.field ?? "");
            const next = key === undefined || s?.order == null ? undefined : props.sortable?.[key];
            const order = s?.order === "ascend" ? "asc" : "desc";
            const changedSort = next !== sort.sort || (next !== undefined && order !== sort.order);
            setSort(next === undefined ? {} : { sort: next, order });
            if (p.pageSize !== undefined && p.pageSize !== size) {
              setSize(p.pageSize);
              setPage(1);
            } else setPage(changedSort ? 1 : (p.current ?? 1));
          }}
          pagination={{
            current: page,
            pageSize: size,
            total: data.data?.total ?? 0,
            showSizeChanger: true,
            pageSizeOptions: SIZES,
            showTotal: (total) => tr({ zh: `共 ${total} 条`, en: `${total} in all` }),
          }}
        />
      </Space>
    </section>
  );
}
