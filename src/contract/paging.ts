/**
 * Server-side tables (issue 14): the one contract of a console list — which page, how many rows, sorted by
 * what, and the answer's shape (`items`, `total`, `page`, `page_size`). A list route spreads `PageQueryShape`
 * into its own strict query beside its filters and answers `pagedOf(Item)`; its Excel export takes the same
 * query without page and page_size. Older lists (audit, policies) keep their `limit`/`offset` and their
 * own item key, and take `page`/`page_size` as well (services/paging.ts reads either).
 */
import { z } from "zod";
import { digits } from "./primitives.js";

/** The most rows one page holds; a larger `page_size` is refused (400 naming page_size). */
export const PAGE_SIZE_MAX = 200;
/** Rows per page when the query names none. */
export const PAGE_SIZE_DEFAULT = 50;
/** The most rows one Excel export holds; a larger list is refused (422) with what to do. */
export const EXPORT_MAX_ROWS = 20_000;
/** The Excel workbook's media type (every export answers it). */
export const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

export const SORT_ORDERS = ["asc", "desc"] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

/** page, page_size, order: spread into a list's query (its `sort` names its own sortable columns). */
export const PageQueryShape = {
  page: digits(6, "页码（从 1 开始，默认 1）").optional(),
  page_size: digits(4, `每页条数 1–${PAGE_SIZE_MAX}（默认 ${PAGE_SIZE_DEFAULT}）`).optional(),
  order: z.enum(SORT_ORDERS).optional().describe("排序方向：asc 升序、desc 降序（缺省按列表的默认顺序）"),
};

/** The `sort` parameter of a list: one of its sortable columns. */
export const sortOf = <const K extends readonly [string, ...string[]]>(keys: K, byDefault: K[number]) =>
  z.enum(keys).optional().describe(`排序字段（默认 ${byDefault}）`);

/** Paging fields every answer carries. */
export const PageFields = {
  total: z.number().int().describe("符合筛选条件的总数"),
  page: z.number().int().describe("页码（从 1 开始）"),
  page_size: z.number().int().describe("每页条数"),
};

/** The answer of a server-side table. */
export const pagedOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), ...PageFields });

export interface Paged<T> {
  items: T[];
  total: number;
  page: number;
  page_size: number;
}
