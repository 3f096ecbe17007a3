/**
 * Table columns every console page writes the same way. An amount column: the API's yuan string grouped by
 * thousands ("1,234.50", "—" when absent), right-aligned so the decimal points line up.
 */
import type { TableColumnType } from "antd";
import { yuan } from "../../shared/format.js";

/** A right-aligned yuan column over the row's `dataIndex` (a yuan string from the API). */
export function yuanColumn<T>(title: string, dataIndex: keyof T & string): TableColumnType<T> {
  return { title, dataIndex, align: "right", render: yuan };
}
