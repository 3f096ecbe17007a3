/** A program's reserve on the wire (contract/reserve.ts): fen → yuan strings, ratios as decimal strings. */
import {
  cumulative,
  METHOD_ORDER,
  type MethodId,
  type MethodResult,
  yuanText,
} from "../../actuarial/reserve.js";
import type { ProgramReserveView } from "../../contract/reserve.js";
import { formatYuan } from "../../domain/money.js";
import { type ProgramReserve, RESERVE_METHOD_NAMES } from "../../services/reserve.js";

/** Decimals of a development factor on the wire: enough to recompute a projection to the fen on the console. */
const FACTOR_DECIMALS = 6;
const YEARS_DECIMALS = 2;
const MONTHS_PER_YEAR = 12;

const BASIS =
  "《健康保险管理办法》第四十九条：至少两种方法，取最大值为最佳估计；经验数据不足 3 年的，不低于该会计年度实际赔款支出的 10%";

function methodView(method: MethodId, m: MethodResult): ProgramReserveView["methods"][number] {
  return {
    method,
    method_name: RESERVE_METHOD_NAMES[method],
    origins: m.origins.map((o) => ({
      origin: o.origin,
      paid: formatYuan(o.paidFen),
      ultimate: yuanText(o.ultimate),
      ibnr: yuanText(o.ibnr),
      se: o.se === undefined ? null : yuanText(o.se),
    })),
    paid: formatYuan(m.paidFen),
    ultimate: yuanText(m.ultimate),
    ibnr: yuanText(m.ibnr),
    se: m.se === undefined ? null : yuanText(m.se),
  };
}

export function presentProgramReserve(r: ProgramReserve): ProgramReserveView {
  const t = r.triangle;
  const report = r.report;
  const results: Partial<Record<MethodId, MethodResult>> = {
    chain_ladder: report?.chainLadder,
    bornhuetter_ferguson: report?.bornhuetterFerguson,
    expected_loss_ratio: report?.expectedLossRatio,
  };
  const s = r.selection;
  return {
    program_id: r.programId,
    as_of: r.asOf,
    valuation_month: t === undefined ? null : (t.origins[t.origins.length - 1] ?? null),
    triangle:
      t === undefined
        ? null
        : {
            periodicity: "month",
            origins: [...t.origins],
            dev_periods: t.devPeriods,
            cumulative: cumulative(t).map((row) => row.map(formatYuan)),
          },
    development_factors: (report?.chainLadder.factors ?? []).map((f, k) => ({
      from: k,
      to: k + 1,
      factor: f.toFixed(FACTOR_DECIMALS),
    })),
    to_ultimate: (report?.chainLadder.toUltimate ?? []).map((f) => f.toFixed(FACTOR_DECIMALS)),
    methods: METHOD_ORDER.flatMap((m) => {
      const result = results[m];
      return result === undefined ? [] : [methodView(m, result)];
    }),
    selection: {
      method: r.method,
      method_name: r.methodName,
      ibnr: formatYuan(r.ibnrFen),
      experience_years: (
        s?.experienceYears ?? (t === undefined ? 0 : t.origins.length / MONTHS_PER_YEAR)
      ).toFixed(YEARS_DECIMALS),
      floor_applies: s?.floorApplies ?? false,
      accounting_year: s?.accountingYear ?? null,
      year_paid: formatYuan(s?.yearPaidFen ?? 0),
      floor: formatYuan(s?.floorFen ?? 0),
      methods_compared: [...(s?.methodsCompared ?? [])],
      basis: BASIS,
      note: r.note ?? null,
    },
  };
}
