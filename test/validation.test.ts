/**
 * The settlement record's rejection rules (DESIGN.md §3). Each rejection names the field; a rejected
 * record yields no settlement at all (the batch tests check that it changes nothing downstream).
 */
import { describe, expect, it } from "vitest";
import { makeCertno } from "../src/domain/certno.js";
import {
  latestPossibleSettlement,
  parseSettlement,
  parseSettlementLine,
  SETTLEMENT_CLOCK_SKEW_MS,
  type SettlementParseOptions,
} from "../src/domain/settlement.js";
import { record, TEST_CERTNO, Y } from "./fixtures.js";

/** A consistent record: burden 1,500 = 1,000 in scope + 300 全自费 + 200 超限价; funds 5,000 + 100 大病. */
const base = (): Record<string, unknown> =>
  record({
    setlId: "S1",
    inScope: Y(1_000),
    fullOwnPay: Y(300),
    overLimit: Y(200),
    pooled: Y(5_000),
    criticalIllness: Y(100),
  });

function rejection(raw: unknown, options?: SettlementParseOptions) {
  const parsed = parseSettlement(raw, options);
  if (parsed.ok) throw new Error("expected a rejection");
  expect(Object.keys(parsed)).toEqual(["ok", "error"]);
  expect(parsed.error.message.length).toBeGreaterThan(0);
  return parsed.error;
}

const AMOUNT_FIELDS = [
  "medfee_sumamt",
  "fulamt_ownpay_amt",
  "overlmt_selfpay",
  "preselfpay_amt",
  "inscp_scp_amt",
  "act_pay_dedc",
  "hifp_pay",
  "hifmi_pay",
  "hifob_pay",
  "cvlserv_pay",
  "hifes_pay",
  "maf_pay",
  "oth_pay",
  "fund_pay_sumamt",
  "psn_part_amt",
  "acct_pay",
  "psn_cash_pay",
];

describe("a valid record", () => {
  it("maps to fen with the derived out_of_scope and in_scope", () => {
    const parsed = parseSettlement(base());
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const s = parsed.settlement;
    expect(s.totalCost).toBe(Y(6_600));
    expect(s.fundTotal).toBe(Y(5_100));
    expect(s.personBurden).toBe(Y(1_500));
    expect(s.outOfScope).toBe(Y(500)); // 全自费 + 超限价
    expect(s.inScopeSelfPay).toBe(Y(1_000)); // psn_part_amt − out_of_scope
    expect(s.funds.criticalIllness).toBe(Y(100));
  });

  it("accepts JSON numbers, 0-, 1- and 2-decimal strings", () => {
    const parsed = parseSettlement({
      ...base(),
      medfee_sumamt: 6600,
      fulamt_ownpay_amt: "300.0",
      overlmt_selfpay: 200.0,
      psn_part_amt: "1500.00",
      acct_pay: 12.34,
      psn_cash_pay: "1487.66",
    });
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.settlement.accountPay).toBe(1_234);
  });

  it("accepts a record whose out_of_scope equals psn_part_amt (boundary)", () => {
    expect(parseSettlement(record({ setlId: "S1", fullOwnPay: Y(300), overLimit: Y(200) })).ok).toBe(true);
  });

  it("accepts all seven funds when fund_pay_sumamt is their sum", () => {
    const raw = {
      ...base(),
      cvlserv_pay: "1.00",
      hifes_pay: "2.00",
      maf_pay: "3.00",
      oth_pay: "4.00",
      hifob_pay: "5.00",
      fund_pay_sumamt: "5115.00",
      medfee_sumamt: "6615.00",
    };
    expect(parseSettlement(raw).ok).toBe(true);
  });

  it("accepts a valid certno ending in x or X", () => {
    let certno = "";
    for (let seq = 0; seq < 1000 && !certno.endsWith("X"); seq++)
      certno = makeCertno("532621", "19800101", seq);
    expect(certno.endsWith("X")).toBe(true);
    expect(parseSettlement({ ...base(), certno }).ok).toBe(true);
    expect(parseSettlement({ ...base(), certno: certno.toLowerCase() }).ok).toBe(true);
  });

  it("optional fields may be absent", () => {
    const raw = base();
    for (const f of ["begntime", "dise_codg", "psn_name", "hifob_pay", "feedetail", "acct_pay"])
      delete raw[f];
    expect(parseSettlement(raw).ok).toBe(true);
  });
});

describe("rejections name the field", () => {
  it.each(AMOUNT_FIELDS)("negative %s", (field) => {
    for (const value of ["-1.00", -1, "-0.01"]) {
      expect(rejection({ ...base(), [field]: value })).toMatchObject({ code: "invalid_amount", field });
    }
  });

  it.each(AMOUNT_FIELDS)("%s not a number", (field) => {
    for (const value of ["abc", "12a", "1e3", "NaN", "Infinity", true, {}, [1], "0x10", "1,000.00"]) {
      expect(rejection({ ...base(), [field]: value })).toMatchObject({ code: "invalid_amount", field });
    }
  });

  it.each(AMOUNT_FIELDS)("%s with more than 2 decimals", (field) => {
    for (const value of ["1.005", 1.005, "0.001", "100.100"]) {
      expect(rejection({ ...base(), [field]: value })).toMatchObject({ code: "invalid_amount", field });
    }
  });

  it("fund_pay_sumamt ≠ sum of the fund fields", () => {
    expect(rejection({ ...base(), fund_pay_sumamt: "5100.01", medfee_sumamt: "6600.01" })).toMatchObject({
      code: "inconsistent_amounts",
      field: "fund_pay_sumamt",
    });
    // A fund left out of the total (医疗救助 paid 10 but not summed).
    expect(rejection({ ...base(), maf_pay: "10.00" })).toMatchObject({
      code: "inconsistent_amounts",
      field: "fund_pay_sumamt",
    });
  });

  it("psn_part_amt ≠ medfee_sumamt − fund_pay_sumamt", () => {
    expect(rejection({ ...base(), psn_part_amt: "1500.01" })).toMatchObject({
      code: "inconsistent_amounts",
      field: "psn_part_amt",
    });
    expect(rejection({ ...base(), medfee_sumamt: "6599.99" })).toMatchObject({
      code: "inconsistent_amounts",
      field: "psn_part_amt",
    });
  });

  it("out_of_scope (fulamt_ownpay_amt + overlmt_selfpay) > psn_part_amt", () => {
    // Each part alone fits in the 1,500 burden; together they exceed it by 0.01.
    const e = rejection({ ...base(), fulamt_ownpay_amt: "1000.00", overlmt_selfpay: "500.01" });
    expect(e.code).toBe("inconsistent_amounts");
    expect(["fulamt_ownpay_amt", "overlmt_selfpay"]).toContain(e.field);
    expect(rejection({ ...base(), fulamt_ownpay_amt: "1500.01", overlmt_selfpay: "0" }).field).toBe(
      "fulamt_ownpay_amt",
    );
    expect(rejection({ ...base(), fulamt_ownpay_amt: "0", overlmt_selfpay: "1500.01" }).code).toBe(
      "inconsistent_amounts",
    );
  });

  it("certno failing its GB 11643 checksum", () => {
    const last = TEST_CERTNO[17] as string;
    const wrong = last === "0" ? "1" : "0";
    expect(rejection({ ...base(), certno: `${TEST_CERTNO.slice(0, 17)}${wrong}` })).toMatchObject({
      code: "invalid_certno",
      field: "certno",
    });
    for (const certno of [TEST_CERTNO.slice(0, 17), `${TEST_CERTNO}0`, `A${TEST_CERTNO.slice(1)}`]) {
      expect(rejection({ ...base(), certno }).field).toBe("certno");
    }
  });

  const REQUIRED = [
    "setl_id",
    "psn_no",
    "certno",
    "insutype",
    "med_type",
    "setl_time",
    "fixmedins_code",
    "mdtrtarea_admvs",
    "medfee_sumamt",
    "fulamt_ownpay_amt",
    "overlmt_selfpay",
    "hifp_pay",
    "fund_pay_sumamt",
    "psn_part_amt",
  ];
  it.each(REQUIRED)("missing required field %s (absent, null or empty)", (field) => {
    const absent = base();
    delete absent[field];
    expect(rejection(absent)).toMatchObject({ code: "missing_field", field });
    expect(rejection({ ...base(), [field]: null })).toMatchObject({ code: "missing_field", field });
    expect(rejection({ ...base(), [field]: "" })).toMatchObject({ code: "missing_field", field });
  });

  it.each([
    ["insutype", "300"],
    ["med_type", "99"],
    ["mdtrtarea_admvs", "5323"],
    ["mdtrtarea_admvs", "53230A"],
  ])("%s = %s is not a valid value", (field, value) => {
    expect(rejection({ ...base(), [field]: value })).toMatchObject({ code: "invalid_value", field });
  });

  it.each([
    ["setl_time", "2023-13-01 10:00:00"],
    ["setl_time", "2023-02-30 10:00:00"],
    ["setl_time", "yesterday"],
    ["begntime", "2023-10-10 25:00:00"],
    ["endtime", "10/10/2023"],
  ])("%s = %s is not a time", (field, value) => {
    expect(rejection({ ...base(), [field]: value })).toMatchObject({ code: "invalid_time", field });
  });

  it("catalog item amounts are validated too", () => {
    const items = (amount: unknown) => ({
      ...base(),
      feedetail: [
        { med_list_codg: "SAMPLE-WS-D01", det_item_fee_sumamt: "10.00" },
        { med_list_codg: "SAMPLE-WS-D02", det_item_fee_sumamt: amount },
      ],
    });
    expect(rejection(items("-1")).field).toMatch(/det_item_fee_sumamt/);
    expect(rejection(items("1.001")).field).toMatch(/det_item_fee_sumamt/);
    expect(rejection(items(undefined)).field).toMatch(/det_item_fee_sumamt/);
    // Items may not claim more than the person bears.
    expect(rejection(items("1490.01"))).toMatchObject({ code: "inconsistent_amounts", field: "feedetail" });
    expect(rejection({ ...base(), feedetail: "x" }).field).toBe("feedetail");
    expect(rejection({ ...base(), feedetail: [null] }).field).toBe("feedetail[0]");
  });

  it("a bad catalog item's field names which item (feedetail[1].det_item_fee_sumamt)", () => {
    const raw = {
      ...base(),
      feedetail: [
        { med_list_codg: "SAMPLE-WS-D01", det_item_fee_sumamt: "10.00" },
        { med_list_codg: "SAMPLE-WS-D02", det_item_fee_sumamt: "-1.00" },
      ],
    };
    expect(rejection(raw).field).toBe("feedetail[1].det_item_fee_sumamt");
  });

  it("not an object, or not JSON", () => {
    for (const raw of [null, [], "text", 42]) expect(rejection(raw).code).toBe("invalid_json");
    for (const line of ["", "{", "[]", '{"setl_id": }']) {
      const parsed = parseSettlementLine(line);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.error.code).toBe("invalid_json");
    }
  });

  it("rejects fund payments exceeding the total cost", () => {
    const e = rejection({
      ...base(),
      hifp_pay: "7000.00",
      fund_pay_sumamt: "7100.00",
      psn_part_amt: "0",
      fulamt_ownpay_amt: "0",
      overlmt_selfpay: "0",
    });
    expect(e).toMatchObject({ code: "inconsistent_amounts", field: "fund_pay_sumamt" });
  });
});

describe("impossible records (issue 10, finding 5)", () => {
  // base(): setl_time = begntime = 2023-10-10 10:00:00, burden 1,500.
  it.each([
    [{ begntime: "2023-10-09 10:00:00", endtime: "2023-10-08 10:00:00" }, "begntime"],
    [{ begntime: "2023-10-01 10:00:00", endtime: "2023-10-10 10:00:01" }, "endtime"],
    [{ begntime: "2023-10-10 10:00:01" }, "begntime"],
    [{ setl_time: "0000-10-10 10:00:00", begntime: "0000-10-10 10:00:00" }, "setl_time"],
    [{ begntime: "0099-10-10 10:00:00" }, "begntime"],
    [{ endtime: "1899-10-10 10:00:00" }, "endtime"],
    [{ setl_time: "2100-01-01 00:00:00", begntime: "2100-01-01 00:00:00" }, "setl_time"],
  ])("times out of order or out of range: %j → %s", (change, field) => {
    expect(rejection({ ...base(), ...change })).toMatchObject({ code: "invalid_time", field });
  });

  it("accepts admission = discharge = settlement, and an ISO time with its offset", () => {
    const t = "2023-10-10 10:00:00";
    expect(parseSettlement({ ...base(), begntime: t, endtime: t, setl_time: t }).ok).toBe(true);
    expect(
      parseSettlement({ ...base(), begntime: "2023-10-10T09:00:00+08:00", setl_time: "2023-10-10T02:00:00Z" })
        .ok,
    ).toBe(true);
  });

  it("a settlement after now is refused only where there is a clock (live routes), never in a file", () => {
    const future = { ...base(), setl_time: "2090-01-01 10:00:00", begntime: "2090-01-01 09:00:00" };
    // hmb adjudicate: no clock, any year in range is a record like another.
    expect(parseSettlement(future).ok).toBe(true);
    expect(parseSettlementLine(JSON.stringify(future)).ok).toBe(true);
    const now = latestPossibleSettlement(Date.parse("2023-10-10T10:00:00+08:00"));
    expect(parseSettlement(base(), { notAfter: now }).ok).toBe(true);
    expect(rejection({ ...base(), setl_time: "2023-10-10 10:05:01" }, { notAfter: now })).toMatchObject({
      code: "invalid_time",
      field: "setl_time",
    });
    // Within the skew a hospital's clock may have: accepted.
    expect(parseSettlement({ ...base(), setl_time: "2023-10-10 10:05:00" }, { notAfter: now }).ok).toBe(true);
    // Only the business clock bounds it, also when pinned in the past (demo, tests): the real now never does.
    expect(latestPossibleSettlement(1_000)).toBe(1_000 + SETTLEMENT_CLOCK_SKEW_MS);
  });

  it("acct_pay + psn_cash_pay must equal psn_part_amt when the record says how the person paid", () => {
    expect(parseSettlement({ ...base(), acct_pay: "1000.00", psn_cash_pay: "500.00" }).ok).toBe(true);
    expect(parseSettlement({ ...base(), psn_cash_pay: "1500.00" }).ok).toBe(true);
    expect(rejection({ ...base(), acct_pay: "1000.00", psn_cash_pay: "500.01" })).toMatchObject({
      code: "inconsistent_amounts",
      field: "psn_cash_pay",
    });
    expect(rejection({ ...base(), acct_pay: "1000.00" })).toMatchObject({
      code: "inconsistent_amounts",
      field: "acct_pay",
    });
  });

  it.each(["I10", "C34.9", "C34.900", "I10.x00", "C56.x00", "J18.900x001", "A17.000+", "c50.900"])(
    "dise_codg %s is ICD-10 shaped",
    (code) => {
      expect(parseSettlement({ ...base(), dise_codg: code }).ok).toBe(true);
    },
  );

  it.each([
    "I63 900",
    "63.900",
    "stroke",
    "I63.900 ",
    " I63.900",
    "I6",
    "I63.9000",
    "I63..9",
    "脑梗死",
    "II63.900",
  ])("dise_codg %j is refused", (code) => {
    expect(rejection({ ...base(), dise_codg: code })).toMatchObject({
      code: "invalid_value",
      field: "dise_codg",
    });
  });

  it.each(AMOUNT_FIELDS)("%s padded with spaces is refused", (field) => {
    for (const value of [" 1.00", "1.00 ", "\t1.00"]) {
      expect(rejection({ ...base(), [field]: value })).toMatchObject({ code: "invalid_amount", field });
    }
  });

  it("keeps the national fields exactly as sent and drops every other field", () => {
    const raw = {
      ...base(),
      note: "x".repeat(100_000),
      nested: { a: [1, 2] },
      feedetail: [
        { med_list_codg: "SAMPLE-WS-D01", det_item_fee_sumamt: "10.00", chrgitm_lv: "01", blob: "y" },
      ],
    };
    const parsed = parseSettlement(raw);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const { note: _n, nested: _x, feedetail: _f, ...national } = raw;
    expect(parsed.record).toEqual({
      ...national,
      feedetail: [{ med_list_codg: "SAMPLE-WS-D01", det_item_fee_sumamt: "10.00", chrgitm_lv: "01" }],
    });
  });
});
