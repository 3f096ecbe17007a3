/**
 * Server-side tables (issue 14), the service half: a page request checked once (page / page_size, or the
 * older limit / offset), a WHERE built from typed filters whose placeholders claims/sql-params.ts SqlParams numbers (no SQL
 * parameter is ever counted by hand), a whitelisted ORDER BY, and the page with its COUNT — or, for an Excel
 * export, every filtered row up to EXPORT_MAX_ROWS. Every list's filters are program-scoped by the caller's
 * first `eq("…program_id", …)`.
 */
import {
  EXPORT_MAX_ROWS,
  PAGE_SIZE_DEFAULT,
  PAGE_SIZE_MAX,
  SORT_ORDERS,
  type SortOrder,
} from "../contract/paging.js";
import type { Queryable, SqlParam } from "../db/database.js";
import { parseBusinessTime } from "../domain/time.js";
import { SqlParams } from "./claims/sql-params.js";
import { ServiceError } from "./context.js";

const bad = (message: string, field: string) => new ServiceError("invalid", "invalid_value", message, field);

/** The casts a placeholder may carry (PostgreSQL cannot always infer an untyped parameter's type). */
export type SqlCast = "text" | "int" | "bigint" | "timestamptz" | "boolean" | "text[]";

/** ANDed conditions; a filter whose value is absent adds nothing. */
export class Filter {
  private readonly parts: string[] = [];

  /**
   * `params`: another filter's, when this one writes a second WHERE of the same statement (a subquery's), so
   * that both number their placeholders in one sequence.
   */
  constructor(readonly params: SqlParams = new SqlParams()) {}

  /** A placeholder for a value used elsewhere in the statement (a join, a lateral). */
  p(value: SqlParam, cast?: SqlCast): string {
    const placeholder = this.params.add(value);
    return cast === undefined ? placeholder : `${placeholder}::${cast}`;
  }

  /** `column = value` when value is given. */
  eq(column: string, value: string | number | boolean | null | undefined): this {
    if (value === undefined || value === null) return this;
    const cast = typeof value === "number" ? "bigint" : typeof value === "boolean" ? "boolean" : "text";
    this.parts.push(`${column} = ${this.p(value, cast)}`);
    return this;
  }

  /** `column >= from` and `column < to` for the instants given. */
  between(column: string, range: { from: Date | null; to: Date | null }): this {
    if (range.from !== null) this.parts.push(`${column} >= ${this.p(range.from, "timestamptz")}`);
    if (range.to !== null) this.parts.push(`${column} < ${this.p(range.to, "timestamptz")}`);
    return this;
  }

  /** Free text: any of `columns` starts with the text (case-insensitive; % and _ taken literally). */
  startsWith(columns: readonly string[], text: string | undefined): this {
    const t = text?.trim();
    if (t === undefined || t === "" || columns.length === 0) return this;
    const like = this.p(`${t.replace(/[\\%_]/g, (c) => `\\${c}`)}%`, "text");
    this.parts.push(`(${columns.map((c) => `${c} ilike ${like}`).join(" or ")})`);
    return this;
  }

  /** Any condition, its values placed through `p`. */
  where(build: (p: (value: SqlParam, cast?: SqlCast) => string) => string): this {
    this.parts.push(build((value, cast) => this.p(value, cast)));
    return this;
  }

  sql(): string {
    return this.parts.length === 0 ? "" : `where ${this.parts.join(" and ")}`;
  }
}

export interface PageSpec {
  page: number;
  pageSize: number;
  limit: number;
  offset: number;
}

/**
 * The page asked for: `page` / `page_size` (1-based), or a list's older `limit` / `offset` (both answered).
 * Out of range → 400 naming the field.
 */
export function pageSpec(q: {
  page?: number | undefined;
  pageSize?: number | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}): PageSpec {
  const byLimit = q.pageSize === undefined && q.page === undefined;
  const size = q.pageSize ?? q.limit ?? PAGE_SIZE_DEFAULT;
  const sizeField = q.pageSize !== undefined || q.limit === undefined ? "page_size" : "limit";
  if (!Number.isInteger(size) || size < 1 || size > PAGE_SIZE_MAX)
    throw bad(`${sizeField} 须在 1 到 ${PAGE_SIZE_MAX} 之间`, sizeField);
  if (byLimit && q.offset !== undefined) {
    if (!Number.isInteger(q.offset) || q.offset < 0) throw bad("offset 须为非负整数", "offset");
    return { page: Math.floor(q.offset / size) + 1, pageSize: size, limit: size, offset: q.offset };
  }
  const page = q.page ?? 1;
  if (!Number.isInteger(page) || page < 1 || page > 1_000_000) throw bad("page 须为从 1 开始的页码", "page");
  return { page, pageSize: size, limit: size, offset: (page - 1) * size };
}

/** A list's sortable columns: the wire's key → its SQL expression; ties broken by `tieBreak` (unique). */
export interface SortSpec<K extends string> {
  columns: Readonly<Record<K, string>>;
  byDefault: NoInfer<K>;
  order: SortOrder;
  tieBreak: string;
}

/** The ORDER BY of `sort` / `order` (checked: unknown → 400 naming the field). */
export function orderBy<K extends string>(
  spec: SortSpec<K>,
  sort: string | undefined,
  order: string | undefined,
): string {
  const key = (sort ?? spec.byDefault) as K;
  const column = Object.hasOwn(spec.columns, key) ? spec.columns[key] : undefined;
  if (column === undefined)
    throw bad(`未知的排序字段 ${key}（可用：${Object.keys(spec.columns).join("、")}）`, "sort");
  const dir = order ?? (sort === undefined ? spec.order : "asc");
  if (!(SORT_ORDERS as readonly string[]).includes(dir)) throw bad("order 须为 asc 或 desc", "order");
  return `order by ${column} ${dir}, ${spec.tieBreak} ${dir}`;
}

/** A list statement: `select <select> from <from> <filter> <order>`. */
export interface ListStatement {
  select: string;
  from: string;
  filter: Filter;
  order: string;
}

/** One page of the rows and the filtered total. */
export async function selectPage<R>(
  db: Queryable,
  s: ListStatement,
  page: PageSpec,
): Promise<{ rows: R[]; total: number }> {
  const where = s.filter.sql();
  const values = s.filter.params.values;
  const [count] = await db.query<{ n: number | string }>(
    `select count(*)::int as n from ${s.from} ${where}`,
    values,
  );
  const n = values.length;
  const rows = await db.query<R>(
    `select ${s.select} from ${s.from} ${where} ${s.order} limit $${n + 1}::int offset $${n + 2}::int`,
    [...values, page.limit, page.offset],
  );
  return { rows, total: Number(count?.n ?? 0) };
}

/** Every filtered row, for an export; more than `max` → 422 saying to narrow the filters. */
export async function selectAll<R>(
  db: Queryable,
  s: ListStatement,
  what: string,
  max: number = EXPORT_MAX_ROWS,
): Promise<R[]> {
  const values = s.filter.params.values;
  const n = values.length;
  const rows = await db.query<R>(
    `select ${s.select} from ${s.from} ${s.filter.sql()} ${s.order} limit $${n + 1}::int`,
    [...values, max + 1],
  );
  if (rows.length > max)
    throw new ServiceError(
      "unprocessable",
      "export_too_large",
      `符合条件的${what}超过一次导出的上限 ${max} 条：请增加筛选条件（如缩短日期范围）后再导出`,
      "from",
    );
  return rows;
}

/**
 * Beijing calendar days from … to (both inclusive) → [from, to) instants; bad day or to < from → 400 naming
 * the field (`fields` when the query names them otherwise, e.g. updated_from / updated_to).
 */
export function dayRange(
  from: string | undefined,
  to: string | undefined,
  fields: { from: string; to: string } = { from: "from", to: "to" },
): { from: Date | null; to: Date | null } {
  // The message names the field as a person reads it; `field` names it for programs.
  const start = (day: string, field: string, words: string) => {
    const ms = /^\d{4}-\d{2}-\d{2}$/.test(day) ? parseBusinessTime(day) : undefined;
    if (ms === undefined) throw bad(`${words}不是有效的日期：应为 yyyy-mm-dd，如 2023-10-10`, field);
    return new Date(ms);
  };
  const f = from === undefined ? null : start(from, fields.from, "起始日期");
  const t = to === undefined ? null : new Date(start(to, fields.to, "截止日期").getTime() + 24 * 3600_000);
  if (f !== null && t !== null && t <= f) throw bad("截止日期不能早于起始日期", fields.to);
  return { from: f, to: t };
}

/** The answer's paging fields. */
export const pageFields = (page: PageSpec, total: number) => ({
  total,
  page: page.page,
  page_size: page.pageSize,
});
