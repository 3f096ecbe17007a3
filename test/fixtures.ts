/**
 * Builders for settlement records in the national wire format. Amounts are given in fen and written as
 * yuan strings, so every record is internally consistent unless a test overrides a field on purpose.
 */
import { makeCertno } from "../src/domain/certno.js";
import { formatYuan } from "../src/domain/money.js";
import { parseSettlement, type Settlement } from "../src/domain/settlement.js";
import { type Accumulators, cloneAccumulators, emptyAccumulators } from "../src/engine/accumulators.js";
import { type Adjudication, adjudicate } from "../src/engine/adjudicate.js";
import { type CompiledPlan, compilePlan, type PolicyTerms } from "../src/engine/compile.js";
import { derivePreExisting } from "../src/engine/preexisting.js";
import { getProduct } from "../src/products/index.js";

export interface RecordSpec {
  setlId: string;
  psnNo?: string;
  /** 医保范围内自付, fen */
  inScope?: number;
  /** 全自费, fen (part of 医保范围外) */
  fullOwnPay?: number;
  /** 超限价自费, fen (part of 医保范围外) */
  overLimit?: number;
  /** 统筹基金 paid, fen */
  pooled?: number;
  criticalIllness?: number;
  largeAmount?: number;
  medType?: string;
  setlTime?: string;
  begntime?: string | null;
  region?: string;
  institution?: string;
  diagnosis?: string;
  items?: { code: string; amount: number }[];
  extra?: Record<string, unknown>;
}

export const TEST_CERTNO = makeCertno("532621", "19800101", 123);

export function record(spec: RecordSpec): Record<string, unknown> {
  const inScope = spec.inScope ?? 0;
  const fullOwnPay = spec.fullOwnPay ?? 0;
  const overLimit = spec.overLimit ?? 0;
  const pooled = spec.pooled ?? 100_000;
  const criticalIllness = spec.criticalIllness ?? 0;
  const largeAmount = spec.largeAmount ?? 0;
  const burden = inScope + fullOwnPay + overLimit;
  const fund = pooled + criticalIllness + largeAmount;
  const setlTime = spec.setlTime ?? "2023-10-10 10:00:00";
  const rec: Record<string, unknown> = {
    setl_id: spec.setlId,
    psn_no: spec.psnNo ?? "P0001",
    certno: TEST_CERTNO,
    psn_name: "测试",
    insutype: "390",
    med_type: spec.medType ?? "21",
    setl_time: setlTime,
    fixmedins_code: spec.institution ?? "H53260100001",
    mdtrtarea_admvs: spec.region ?? "532621",
    dise_codg: spec.diagnosis ?? "I63.900",
    medfee_sumamt: formatYuan(burden + fund),
    fulamt_ownpay_amt: formatYuan(fullOwnPay),
    overlmt_selfpay: formatYuan(overLimit),
    hifp_pay: formatYuan(pooled),
    hifmi_pay: formatYuan(criticalIllness),
    hifob_pay: formatYuan(largeAmount),
    fund_pay_sumamt: formatYuan(fund),
    psn_part_amt: formatYuan(burden),
  };
  if (spec.begntime !== null) rec.begntime = spec.begntime ?? setlTime;
  if (spec.items !== undefined) {
    rec.feedetail = spec.items.map((i) => ({
      med_list_codg: i.code,
      det_item_fee_sumamt: formatYuan(i.amount),
    }));
  }
  return { ...rec, ...spec.extra };
}

export const yuanToFen = (y: number) => Math.round(y * 100);

/* ------------------------------------------------------------------------------------------------------------
 * Engine harness: one person's policy under one plan, fed events one at a time like batch.ts does.
 * ---------------------------------------------------------------------------------------------------------- */

/** Parses a record built by `record`, failing the test loudly when the fixture itself is invalid. */
export function settlement(spec: RecordSpec): Settlement {
  const parsed = parseSettlement(record(spec));
  if (!parsed.ok) throw new Error(`fixture ${spec.setlId} rejected: ${JSON.stringify(parsed.error)}`);
  return parsed.settlement;
}

export interface Person {
  readonly plan: CompiledPlan;
  readonly terms: PolicyTerms;
  readonly acc: Accumulators;
  /** Adjudicates the next event (caller feeds them in setl_time order). */
  run(spec: RecordSpec): Adjudication;
  snapshot(): Accumulators;
}

/** A person insured under `productId`/`planId`, with pre-existing flags derived from `history`. */
export function person(productId: string, planId?: string, history: readonly RecordSpec[] = []): Person {
  const plan = compilePlan(getProduct(productId), planId);
  return personOn(plan, history);
}

export function personOn(plan: CompiledPlan, history: readonly RecordSpec[] = []): Person {
  const terms: PolicyTerms = {
    coverage: plan.coverage,
    cohort: undefined,
    preExisting: derivePreExisting(plan, plan.coverage.start, history.map(settlement)),
  };
  const acc = emptyAccumulators(plan);
  return {
    plan,
    terms,
    acc,
    run: (spec) => adjudicate(plan, terms, acc, settlement(spec)),
    snapshot: () => cloneAccumulators(acc),
  };
}

/** Whole yuan → fen, for readability of hand-computed expectations. */
export const Y = (yuanAmount: number): number => yuanAmount * 100;

/** The line for a liability id, failing when absent. */
export function lineOf(a: Adjudication, liabilityId: string): Adjudication["lines"][number] {
  const line = a.lines.find((l) => l.liabilityId === liabilityId);
  if (line === undefined)
    throw new Error(`no line ${liabilityId} in ${a.setlId}: ${a.lines.map((l) => l.liabilityId)}`);
  return line;
}

/** Chuxiong local treatment region (楚雄市) and an out-of-region one (昆明五华区). */
export const CX_LOCAL = "532301";
export const CX_AWAY = "530102";
/** Designated institutions from the seed catalogs. */
export const WS_HOSPITAL = "H53260100001";
export const WS_PHARMACY = "P53260100001";
export const CX_HOSPITAL = "H53230100001";
export const CX_PHARMACY = "P53230100001";

/** A JSONL line for the batch / CLI. */
export const jsonl = (spec: RecordSpec): string => JSON.stringify(record(spec));
