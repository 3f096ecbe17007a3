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

/** wireResultJson below writes this object's JSON directly: a change here goes there too. */
export function toWireResult(a: Adjudication, lang: Language = "zh"): WireResult {
  const lines = a.lines.map((l) => toWireLine(l, lang));
  const hmbPay = formatYuan(a.hmbPay);
  return a.reason === undefined
    ? { setl_id: a.setlId, psn_no: a.psnNo, status: a.status, hmb_pay: hmbPay, lines }
    : { setl_id: a.setlId, psn_no: a.psnNo, status: a.status, reason: a.reason, hmb_pay: hmbPay, lines };
}

/** `text` as JSON.stringify writes it: as is between quotes unless it holds a quote, backslash, control or surrogate. */
function jsonString(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(text);
  }
  return `"${text}"`;
}

/**
 * Exactly `JSON.stringify(toWireResult(a, lang))`, written out without the intermediate objects: `hmb
 * adjudicate` writes one per input line. Keep the two in step (test/cli.settlement-scan.test.ts compares them).
 */
export function wireResultJson(a: Adjudication, lang: Language = "zh"): string {
  let out = `{"setl_id":${jsonString(a.setlId)},"psn_no":${jsonString(a.psnNo)},"status":${jsonString(a.status)}`;
  if (a.reason !== undefined) out += `,"reason":${jsonString(a.reason)}`;
  out += `,"hmb_pay":"${formatYuan(a.hmbPay)}","lines":[`;
  for (let i = 0; i < a.lines.length; i++) {
    const l = toWireLine(a.lines[i] as BenefitLine, lang);
    out += `${i === 0 ? "" : ","}{"liability":${jsonString(l.liability)},"eligible":"${l.eligible}","deductible":"${l.deductible}","ratio":"${l.ratio}","payout":"${l.payout}","explanation":${jsonString(l.explanation)}}`;
  }
  return `${out}]}`;
}

export function toWireError(setlId: string, psnNo: string, error: RecordError): WireResult {
  return { setl_id: setlId, psn_no: psnNo, status: "error", hmb_pay: "0.00", lines: [], error };
}
