/**
 * The adjudication result on the wire (`hmb adjudicate` output, settlement API responses): national and
 * snake_case field names, yuan as 2-decimal strings. The one place results are mapped out of the engine.
 */
import type { WireLine, WireResult } from "../contract/settlement.js";
import { formatRatio, formatYuan } from "../domain/money.js";
import type { RecordError } from "../domain/settlement.js";
import type { Adjudication, BenefitLine } from "./adjudicate.js";
import { explainLine, type Language } from "./explain.js";

// The shapes are the contract's (src/contract/settlement.ts), imported as types only: one definition of the
// wire, no runtime import (the engine still loads without zod), and no cycle — src/contract depends on zod
// and domain constants only, never on the engine. A NotCoveredReason the contract does not list fails to
// compile in toWireResult below.
export type { WireLine, WireResult };

export function toWireLine(line: BenefitLine, lang: Language = "zh"): WireLine {
  const last = line.segments[line.segments.length - 1];
  return {
    liability: line.liabilityId,
    eligible: formatYuan(line.eligible),
    deductible: formatYuan(line.deductible),
    ratio: formatRatio(last?.ratioBps ?? 0),
    payout: formatYuan(line.payout),
    explanation: explainLine(line, lang),
  };
}

export function toWireResult(a: Adjudication, lang: Language = "zh"): WireResult {
  const lines = a.lines.map((l) => toWireLine(l, lang));
  const hmbPay = formatYuan(a.hmbPay);
  return a.reason === undefined
    ? { setl_id: a.setlId, psn_no: a.psnNo, status: a.status, hmb_pay: hmbPay, lines }
    : { setl_id: a.setlId, psn_no: a.psnNo, status: a.status, reason: a.reason, hmb_pay: hmbPay, lines };
}

export function toWireError(setlId: string, psnNo: string, error: RecordError): WireResult {
  return { setl_id: setlId, psn_no: psnNo, status: "error", hmb_pay: "0.00", lines: [], error };
}
