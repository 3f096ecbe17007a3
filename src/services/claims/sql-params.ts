/**
 * Numbered SQL parameters for statements assembled from parts (settleClaim's one write): each value added
 * answers the placeholder that stands for it, so no part counts how many parameters came before it.
 */
import type { SqlParam } from "../../db/database.js";

export class SqlParams {
  readonly values: SqlParam[] = [];

  /** Adds a value; returns its placeholder (`$n`). */
  add(value: SqlParam): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** Adds values in order; returns their placeholders. */
  addAll(values: readonly SqlParam[]): string[] {
    return values.map((v) => this.add(v));
  }
}
