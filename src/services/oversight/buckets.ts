/**
 * Buckets of a person's cumulative payout for the payout distribution, in fen, upper bounds inclusive.
 * The same bounds are in oversight_payout_bucket() (db/migrations/009_oversight.sql): change both together.
 */
import type { Fen } from "../../domain/money.js";

export interface PayoutBucket {
  readonly index: number;
  /** Exclusive lower bound, fen. */
  readonly above: Fen;
  /** Inclusive upper bound, fen; undefined for the open top bucket. */
  readonly upTo: Fen | undefined;
  readonly label: string;
}

const BOUNDS: readonly (Fen | undefined)[] = [
  100_000,
  500_000,
  1_000_000,
  2_000_000,
  5_000_000,
  10_000_000,
  20_000_000,
  50_000_000,
  undefined,
];

const LABELS = [
  "0–1千元",
  "1千–5千元",
  "5千–1万元",
  "1万–2万元",
  "2万–5万元",
  "5万–10万元",
  "10万–20万元",
  "20万–50万元",
  "50万元以上",
];

export const PAYOUT_BUCKETS: readonly PayoutBucket[] = BOUNDS.map((upTo, index) => ({
  index,
  above: index === 0 ? 0 : (BOUNDS[index - 1] as Fen),
  upTo,
  label: LABELS[index] as string,
}));

/** The bucket of a cumulative payout (-1 for nothing paid), as the SQL function computes it. */
export function payoutBucket(fen: Fen): number {
  if (fen <= 0) return -1;
  const i = BOUNDS.findIndex((b) => b === undefined || fen <= b);
  return i;
}
