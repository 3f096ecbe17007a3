/**
 * Special-drug claims (issue 4 §4): a designated pharmacy dispenses catalog drugs on a designated hospital's
 * prescription. The dispensing rules (engine/special-drugs.ts) on their own, then the signed route on both
 * back ends: payment per engine with per-drug and liability caps over many dispensings, each rule's 422
 * naming its field with nothing stored, pre-existing conditions per product (文山 excludes, 楚雄 pays 30 %),
 * idempotent replay, one dispensing per prescription.
 */
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseProduct } from "../src/domain/product.js";
import { parseSettlement, type Settlement } from "../src/domain/settlement.js";
import { parseBusinessTime } from "../src/domain/time.js";
import {
  checkDispensing,
  dispensingCatalogs,
  type Prescription,
  parsePrescription,
} from "../src/engine/special-drugs.js";
import { getProduct } from "../src/products/index.js";
import wenshanFile from "../src/products/wenshan-2023.json" with { type: "json" };
import { CLI_ACTOR, type PlatformContext } from "../src/services/context.js";
import { enroll } from "../src/services/enrollment.js";
import { addInstitution } from "../src/services/institutions.js";
import { checkLedger } from "../src/services/ledger.js";
import { createProgram } from "../src/services/programs.js";
import { record, Y } from "./fixtures.js";
import {
  type ClaimsFixture,
  HOSPITAL,
  PHARMACY,
  postSettlement,
  recordFor,
  revokeSettlement,
  SETTLE_NOW,
  setupClaims,
  signHeaders,
} from "./support/claims.js";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";
import { addRosterPersons, NOW, PROGRAM } from "./support/roster.js";

const WS_D01 = "SAMPLE-WS-D01"; // 帕博利珠单抗: C34 lung, C43 melanoma
const WS_D05 = "SAMPLE-WS-D05"; // 奥拉帕利: C56 ovary

const rx = (over: Partial<Record<string, unknown>> = {}): Record<string, unknown> => ({
  rx_no: "RX-0001",
  prescriber_fixmedins_code: HOSPITAL,
  diagnosis_code: "C34.900",
  issued_at: "2023-10-05 09:00:00",
  drugs: [WS_D01],
  ...over,
});

describe("dispensing rules (pure)", () => {
  const product = getProduct("wenshan-2023");
  const parsed = (over: Record<string, unknown> = {}): Settlement => {
    const p = parseSettlement(
      record({
        setlId: "D-1",
        medType: "41",
        institution: PHARMACY,
        fullOwnPay: Y(10_000),
        items: [{ code: WS_D01, amount: Y(10_000) }],
        ...over,
      }),
    );
    if (!p.ok) throw new Error(JSON.stringify(p.error));
    return p.settlement;
  };
  const prescription = (over: Record<string, unknown> = {}): Prescription => {
    const p = parsePrescription(rx(over));
    if (!p.ok) throw new Error(p.message);
    return p.prescription;
  };
  const failure = (s: Settlement, p: Prescription, pharmacy = PHARMACY) => {
    const c = checkDispensing(product, s, p, pharmacy);
    return c.ok ? undefined : [c.failure.code, c.failure.field];
  };

  it("the pharmacy catalogs are those paid for med_type 41", () => {
    expect(dispensingCatalogs(product).map((c) => c.id)).toEqual(["wenshan-special-drugs"]);
    // 楚雄: CAR-T and proton/heavy-ion are not dispensed at a pharmacy.
    expect(dispensingCatalogs(getProduct("chuxiong-2023")).map((c) => c.id)).toEqual([
      "chuxiong-special-drugs",
    ]);
  });

  it("passes a designated pharmacy dispensing a prescribed catalog drug for its indication, in time", () => {
    expect(checkDispensing(product, parsed(), prescription(), PHARMACY)).toEqual({
      ok: true,
      catalogs: ["wenshan-special-drugs"],
    });
    // Exactly 30 days after issue is still valid; a second later is not.
    expect(failure(parsed({ setlTime: "2023-11-04 09:00:00" }), prescription())).toBeUndefined();
    expect(failure(parsed({ setlTime: "2023-11-04 09:00:01" }), prescription())).toEqual([
      "prescription_expired",
      "prescription.issued_at",
    ]);
  });

  it("names the first failed rule and its field", () => {
    expect(failure(parsed({ medType: "21" }), prescription())).toEqual([
      "not_pharmacy_dispensing",
      "record.med_type",
    ]);
    expect(failure(parsed({ items: [] }), prescription())).toEqual([
      "no_dispensed_items",
      "record.feedetail",
    ]);
    expect(failure(parsed(), prescription(), "P53260100002")).toEqual([
      "institution_mismatch",
      "record.fixmedins_code",
    ]);
    expect(
      failure(
        parsed({
          items: [
            { code: WS_D01, amount: Y(5_000) },
            { code: "ORDINARY-DRUG", amount: Y(5_000) },
          ],
        }),
        prescription({ drugs: [WS_D01, "ORDINARY-DRUG"] }),
      ),
    ).toEqual(["drug_not_in_catalog", "record.feedetail[1].med_list_codg"]);
    expect(failure(parsed({ institution: "P53269900001" }), prescription(), "P53269900001")).toEqual([
      "pharmacy_not_designated",
      "record.fixmedins_code",
    ]);
    expect(failure(parsed(), prescription({ prescriber_fixmedins_code: "H53269900009" }))).toEqual([
      "prescriber_not_designated",
      "prescription.prescriber_fixmedins_code",
    ]);
    // A designated pharmacy is on the list but has no doctors: it cannot prescribe.
    expect(failure(parsed(), prescription({ prescriber_fixmedins_code: "P53260100002" }))).toEqual([
      "prescriber_not_designated",
      "prescription.prescriber_fixmedins_code",
    ]);
    expect(failure(parsed(), prescription({ drugs: [WS_D05] }))).toEqual([
      "drug_not_prescribed",
      "record.feedetail[0].med_list_codg",
    ]);
    expect(failure(parsed(), prescription({ diagnosis_code: "C50.900" }))).toEqual([
      "indication_mismatch",
      "prescription.diagnosis_code",
    ]);
    expect(failure(parsed(), prescription({ diagnosis_code: "C43.900" }))).toBeUndefined();
    expect(failure(parsed({ setlTime: "2023-10-05 08:59:59" }), prescription())).toEqual([
      "prescription_after_dispensing",
      "prescription.issued_at",
    ]);
  });

  it("parses the wire prescription, naming the bad field", () => {
    const bad = (over: Record<string, unknown>) => {
      const p = parsePrescription(rx(over));
      return p.ok ? undefined : p.field;
    };
    expect(parsePrescription(rx())).toMatchObject({
      ok: true,
      prescription: { rxNo: "RX-0001", issuedAt: parseBusinessTime("2023-10-05 09:00:00") },
    });
    expect(parsePrescription(null)).toMatchObject({ ok: false, field: "prescription" });
    expect(bad({ rx_no: "" })).toBe("prescription.rx_no");
    expect(bad({ prescriber_fixmedins_code: "h-1" })).toBe("prescription.prescriber_fixmedins_code");
    expect(bad({ diagnosis_code: "lung" })).toBe("prescription.diagnosis_code");
    expect(bad({ issued_at: "2023-10-05" })).toBe("prescription.issued_at");
    expect(bad({ issued_at: "2023-02-30 09:00:00" })).toBe("prescription.issued_at");
    expect(bad({ drugs: [] })).toBe("prescription.drugs");
    expect(bad({ drugs: [WS_D01, 7] })).toBe("prescription.drugs[1]");
    expect(bad({ drugs: [WS_D01, WS_D01] })).toBe("prescription.drugs[1]");
  });

  it("the product schema takes indicationIcd10 as ICD-10 ranges and refuses a reversed one", () => {
    expect(product.catalogs[0]?.items[0]?.indicationIcd10).toEqual([
      { from: "C34", to: "C34" },
      { from: "C43", to: "C43" },
    ]);
    const raw = structuredClone(wenshanFile) as { catalogs: { items: { indicationIcd10?: unknown }[] }[] };
    const item = raw.catalogs[0]?.items[0];
    if (item === undefined) throw new Error("no item");
    item.indicationIcd10 = [{ from: "C43", to: "C34" }];
    expect(() => parseProduct(raw)).toThrow(/catalogs\[0\]\.items\[0\]\.indicationIcd10\[0\]\.to/);
  });
});

async function dispense(
  app: FastifyInstance,
  secrets: Map<string, string>,
  programId: string,
  body: unknown,
  institution: string,
): Promise<LightMyRequestResponse> {
  const text = JSON.stringify(body);
  return app.inject({
    method: "POST",
    url: `/api/v1/programs/${programId}/special-drug-claims`,
    headers: signHeaders(secrets.get(institution) as string, text, institution),
    payload: text,
  });
}

async function storedFor(ctx: PlatformContext, programId: string, setlId: string) {
  const count = async (table: string) =>
    (await ctx.db.query(`select 1 from ${table} where program_id = $1 and setl_id = $2`, [programId, setlId]))
      .length;
  return {
    claims: await count("claims"),
    records: await count("medical_records"),
    dispensings: await count("special_drug_dispensings"),
    journals: (
      await ctx.db.query("select 1 from ledger_transfers where program_id = $1 and ref = $2", [
        programId,
        setlId,
      ])
    ).length,
  };
}

describe.each(BACKENDS)("special-drug claims (文山) on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let fx: ClaimsFixture;
  const UNDESIGNATED_PHARMACY = "P53269900001";

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: NOW });
    app = await testServer(platform);
    fx = await setupClaims(platform.ctx);
    const added = await addInstitution(platform.ctx, CLI_ACTOR, {
      programId: PROGRAM,
      code: UNDESIGNATED_PHARMACY,
      name: "非指定药店",
    });
    fx.secrets.set(UNDESIGNATED_PHARMACY, added.secret);
    platform.clock.set(SETTLE_NOW); // the pharmacies dispense in the coverage year, settled after it
  });
  afterAll(async () => {
    await app.close();
    await platform.close();
  });
  afterEach(async () => {
    const check = await checkLedger(platform.ctx.db, PROGRAM);
    expect(check.problems).toEqual([]);
  });

  const dispensing = (
    setlId: string,
    psnNo: string,
    items: { code: string; amount: number }[],
    over: { institution?: string; setlTime?: string; medType?: string } = {},
  ) => {
    const total = items.reduce((s, i) => s + i.amount, 0);
    return recordFor(fx, {
      setlId,
      psnNo,
      medType: over.medType ?? "41",
      institution: over.institution ?? PHARMACY,
      setlTime: over.setlTime ?? "2023-10-10 10:00:00",
      diagnosis: "C34.900",
      fullOwnPay: total,
      items,
    });
  };
  const post = (body: unknown, institution = PHARMACY) =>
    dispense(app, fx.secrets, PROGRAM, body, institution);

  it("pays 80 % of a catalog drug at a designated pharmacy, payable to the pharmacy, prescription kept", async () => {
    const record = await dispensing("SD-PAY-1", "P004", [{ code: WS_D01, amount: Y(10_000) }]);
    const res = await post({ record, prescription: rx() });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      setl_id: "SD-PAY-1",
      status: "paid",
      hmb_pay: "8000.00",
      psn_part_amt: "10000.00",
      psn_remaining: "2000.00",
      rx_no: "RX-0001",
      lines: [{ liability: "special_drug", eligible: "10000.00", payout: "8000.00" }],
    });
    const claim = await platform.ctx.db.query<{ kind: string; payee: string; fixmedins_code: string }>(
      "select kind, payee, fixmedins_code from claims where program_id = $1 and setl_id = 'SD-PAY-1'",
      [PROGRAM],
    );
    expect(claim).toEqual([{ kind: "special_drug", payee: "hospital", fixmedins_code: PHARMACY }]);
    const legs = await platform.ctx.db.query<{ credit_account: string; amount_fen: number }>(
      "select credit_account, amount_fen from ledger_transfers where program_id = $1 and ref = 'SD-PAY-1'",
      [PROGRAM],
    );
    expect(new Set(legs.map((l) => l.credit_account))).toEqual(
      new Set(["liability:claims_payable_hospital"]),
    );
    expect(legs.reduce((s, l) => s + Number(l.amount_fen), 0)).toBe(Y(8_000));
    const kept = await platform.ctx.db.query<Record<string, unknown>>(
      "select * from special_drug_dispensings where program_id = $1 and setl_id = 'SD-PAY-1'",
      [PROGRAM],
    );
    expect(kept[0]).toMatchObject({
      pharmacy_code: PHARMACY,
      rx_no: "RX-0001",
      prescriber_fixmedins_code: HOSPITAL,
      diagnosis_code: "C34.900",
      drugs: [WS_D01],
    });
    // No personal data in the prescription row.
    expect(JSON.stringify(kept[0])).not.toContain(await fx.certnoOf("P004"));
    const stored = await platform.ctx.db.query<{ record: Record<string, unknown> }>(
      "select record from medical_records where program_id = $1 and setl_id = 'SD-PAY-1'",
      [PROGRAM],
    );
    expect(stored[0]?.record.certno).toBeUndefined();
  });

  it("replays the same setl_id + prescription; a changed prescription or record is a 409", async () => {
    const record = await dispensing("SD-IDEM", "P002", [{ code: WS_D05, amount: Y(4_000) }]);
    const prescription = rx({ rx_no: "RX-IDEM", diagnosis_code: "C56.x00", drugs: [WS_D05] });
    const first = await post({ record, prescription });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ status: "paid", hmb_pay: "3200.00" });
    const again = await post({ record, prescription });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
    const otherRx = await post({
      record,
      prescription: { ...prescription, issued_at: "2023-10-06 09:00:00" },
    });
    expect(otherRx.statusCode).toBe(409);
    expect(otherRx.json().error).toMatchObject({ code: "setl_id_conflict", field: "prescription" });
    const otherRecord = await post({
      record: { ...record, fulamt_ownpay_amt: "4001.00", psn_part_amt: "4001.00", medfee_sumamt: "5001.00" },
      prescription,
    });
    expect(otherRecord.statusCode).toBe(409);
    expect(otherRecord.json().error).toMatchObject({ code: "setl_id_conflict", field: "record.setl_id" });
    // A one-stop settlement's setl_id cannot be replayed as a dispensing either.
    const oneStop = await recordFor(fx, { setlId: "SD-ONESTOP", psnNo: "P002", inScope: Y(100) });
    expect((await postSettlement(app, fx, oneStop)).statusCode).toBe(200);
    const asDrug = await post({ record: { ...oneStop, fixmedins_code: PHARMACY }, prescription });
    expect(asDrug.statusCode).toBe(409);
    expect(await storedFor(platform.ctx, PROGRAM, "SD-IDEM")).toMatchObject({ claims: 1, dispensings: 1 });
    const paid = await platform.ctx.db.query<{ n: number }>(
      "select coalesce(sum(amount_fen), 0)::bigint as n from ledger_transfers where program_id = $1 and ref = 'SD-IDEM'",
      [PROGRAM],
    );
    expect(Number(paid[0]?.n)).toBe(Y(3_200));
  });

  it.each([
    [
      "a pharmacy not designated for the catalog",
      { institution: UNDESIGNATED_PHARMACY },
      {},
      422,
      "pharmacy_not_designated",
      "record.fixmedins_code",
    ],
    [
      "a prescriber not designated",
      {},
      { prescriber_fixmedins_code: "H53269900009" },
      422,
      "prescriber_not_designated",
      "prescription.prescriber_fixmedins_code",
    ],
    [
      "an off-catalog drug",
      { code: "ORDINARY-DRUG" },
      { drugs: ["ORDINARY-DRUG"] },
      422,
      "drug_not_in_catalog",
      "record.feedetail[0].med_list_codg",
    ],
    [
      "a drug not on the prescription",
      {},
      { drugs: [WS_D05] },
      422,
      "drug_not_prescribed",
      "record.feedetail[0].med_list_codg",
    ],
    [
      "a diagnosis outside the indication",
      {},
      { diagnosis_code: "C50.900" },
      422,
      "indication_mismatch",
      "prescription.diagnosis_code",
    ],
    [
      "a stale prescription",
      {},
      { issued_at: "2023-09-01 09:00:00" },
      422,
      "prescription_expired",
      "prescription.issued_at",
    ],
    [
      "a prescription issued after dispensing",
      {},
      { issued_at: "2023-10-11 09:00:00" },
      422,
      "prescription_after_dispensing",
      "prescription.issued_at",
    ],
    ["an inpatient record", { medType: "21" }, {}, 422, "not_pharmacy_dispensing", "record.med_type"],
    [
      "a malformed prescription time",
      {},
      { issued_at: "2023/10/05" },
      400,
      "invalid_value",
      "prescription.issued_at",
    ],
  ] as const)(
    "refuses %s, naming the field; nothing is stored or paid",
    async (_, recordOver, rxOver, status, code, field) => {
      const setlId = `SD-BAD-${code}-${status}`;
      const over = recordOver as { institution?: string; code?: string; medType?: string };
      const record = await dispensing(
        setlId,
        "P003",
        [{ code: over.code ?? WS_D01, amount: Y(5_000) }],
        over,
      );
      const res = await post(
        { record, prescription: rx({ rx_no: `RX-${setlId}`, ...rxOver }) },
        over.institution,
      );
      expect(res.statusCode).toBe(status);
      expect(res.json().error).toMatchObject({ code, field });
      expect(await storedFor(platform.ctx, PROGRAM, setlId)).toEqual({
        claims: 0,
        records: 0,
        dispensings: 0,
        journals: 0,
      });
    },
  );

  it("names record fields under record.: a bad certno, another pharmacy's record, a missing record", async () => {
    const record = await dispensing("SD-BAD-REC", "P003", [{ code: WS_D01, amount: Y(5_000) }]);
    const badCertno = await post({ record: { ...record, certno: "532621198001011230" }, prescription: rx() });
    expect(badCertno.statusCode).toBe(400);
    expect(badCertno.json().error.field).toBe("record.certno");
    const foreign = await post({ record, prescription: rx() }, "P53269900001");
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json().error).toMatchObject({
      code: "institution_mismatch",
      field: "record.fixmedins_code",
    });
    const missing = await post({ prescription: rx() });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.field).toBe("record");
    expect(await storedFor(platform.ctx, PROGRAM, "SD-BAD-REC")).toMatchObject({ claims: 0, records: 0 });
  });

  it("fills a prescription once; revoking the dispensing frees it for the corrected record", async () => {
    const prescription = rx({ rx_no: "RX-ONCE" });
    const first = await post({
      record: await dispensing("SD-ONCE-1", "P004", [{ code: WS_D01, amount: Y(1_000) }]),
      prescription,
    });
    expect(first.statusCode).toBe(200);
    const second = await post({
      record: await dispensing("SD-ONCE-2", "P004", [{ code: WS_D01, amount: Y(1_000) }]),
      prescription,
    });
    expect(second.statusCode).toBe(422);
    expect(second.json().error).toMatchObject({
      code: "prescription_already_dispensed",
      field: "prescription.rx_no",
    });
    expect(await storedFor(platform.ctx, PROGRAM, "SD-ONCE-2")).toMatchObject({ claims: 0, dispensings: 0 });
    const revoked = await revokeSettlement(app, fx, "SD-ONCE-1", PHARMACY);
    expect(revoked.statusCode).toBe(200);
    const corrected = await post({
      record: await dispensing("SD-ONCE-3", "P004", [{ code: WS_D01, amount: Y(900) }]),
      prescription,
    });
    expect(corrected.statusCode).toBe(200);
    expect(corrected.json()).toMatchObject({ status: "paid", hmb_pay: "720.00" });
  });

  it("文山 excludes a pre-existing malignant tumour (C00–C97 before coverage start) from special drugs", async () => {
    // P001 was treated for lung cancer in June 2023, before coverage starts on 2023-09-01.
    const before = await recordFor(fx, {
      setlId: "SD-HISTORY",
      psnNo: "P001",
      inScope: Y(3_000),
      setlTime: "2023-06-01 10:00:00",
      diagnosis: "C34.900",
      institution: HOSPITAL,
    });
    const history = await postSettlement(app, fx, before);
    expect(history.json()).toMatchObject({ status: "not_covered", reason: "outside_coverage_period" });
    const res = await post({
      record: await dispensing("SD-PREEX", "P001", [{ code: WS_D01, amount: Y(10_000) }]),
      prescription: rx({ rx_no: "RX-PREEX" }),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: "not_covered",
      reason: "excluded",
      hmb_pay: "0.00",
      psn_remaining: "10000.00",
      lines: [{ liability: "special_drug", payout: "0.00" }],
    });
    expect(res.json().lines[0].explanation).toMatch(/既往症/);
    expect(await storedFor(platform.ctx, PROGRAM, "SD-PREEX")).toMatchObject({
      claims: 1,
      dispensings: 1,
      journals: 0,
    });
  });
});

describe.each(BACKENDS)(
  "special-drug claims (楚雄 plus: per-drug cap, liability cap, pre-existing 30 %) on %s",
  (backend) => {
    const CX = "cx-2023";
    const CX_PHARMACY = "P53230100001";
    const CX_HOSPITAL = "H53230100001";
    const NUSINERSEN = "SAMPLE-CX-D15"; // sample per-drug cap 300,000
    const PEMBRO = "SAMPLE-CX-D01";
    let platform: TestPlatform;
    let app: FastifyInstance;
    const secrets = new Map<string, string>();
    const certnos = new Map<string, string>();

    beforeAll(async () => {
      platform = await openTestPlatform(backend, { now: "2022-10-01T10:00:00+08:00" });
      const { ctx } = platform;
      app = await testServer(platform);
      await createProgram(ctx, CLI_ACTOR, { programId: CX, productId: "chuxiong-2023" });
      await addRosterPersons(ctx, CX, [
        { psnNo: "C001", name: "楚一", brdy: "1975-01-01", region: "532301" },
        { psnNo: "C002", name: "楚二", brdy: "1976-01-01", region: "532301" },
      ]);
      for (const psnNo of ["C001", "C002"]) {
        await enroll(ctx, CLI_ACTOR, {
          programId: CX,
          kind: "individual",
          psnNo,
          plan: "plus",
          channel: "offline",
        });
        const rows = await ctx.db.query<{ certno_enc: Uint8Array }>(
          "select certno_enc from roster_persons where program_id = $1 and psn_no = $2",
          [CX, psnNo],
        );
        const { decrypt } = await import("../src/platform/crypto.js");
        certnos.set(psnNo, decrypt(ctx.keys, rows[0]?.certno_enc as Uint8Array));
      }
      for (const code of [CX_PHARMACY, CX_HOSPITAL]) {
        secrets.set(code, (await addInstitution(ctx, CLI_ACTOR, { programId: CX, code, name: code })).secret);
      }
      platform.clock.set("2023-04-01T10:00:00+08:00"); // in 楚雄's coverage year, after the dispensings below
    });
    afterAll(async () => {
      await app.close();
      await platform.close();
    });
    afterEach(async () => {
      const check = await checkLedger(platform.ctx.db, CX);
      expect(check.problems).toEqual([]);
    });

    let rxSeq = 0;
    const dispenseCx = async (
      setlId: string,
      psnNo: string,
      code: string,
      amount: number,
      diagnosis: string,
    ) => {
      rxSeq++;
      const rec = {
        ...record({
          setlId,
          psnNo,
          medType: "41",
          institution: CX_PHARMACY,
          region: "532301",
          setlTime: "2023-03-10 10:00:00",
          fullOwnPay: amount,
          items: [{ code, amount }],
        }),
        certno: certnos.get(psnNo),
      };
      const prescription = {
        rx_no: `CXRX-${rxSeq}`,
        prescriber_fixmedins_code: CX_HOSPITAL,
        diagnosis_code: diagnosis,
        issued_at: "2023-03-01 09:00:00",
        drugs: [code],
      };
      return dispense(app, secrets, CX, { record: rec, prescription }, CX_PHARMACY);
    };
    const hmbPay = (res: LightMyRequestResponse) => Math.round(Number(res.json().hmb_pay) * 100);

    it("a per-drug cap binds across dispensings: 160,000 + 140,000, then nothing for that drug", async () => {
      const first = await dispenseCx("CX-SMA-1", "C001", NUSINERSEN, Y(200_000), "G12.000");
      expect(first.json()).toMatchObject({ status: "paid", hmb_pay: "160000.00" });
      const second = await dispenseCx("CX-SMA-2", "C001", NUSINERSEN, Y(200_000), "G12.000");
      expect(second.json()).toMatchObject({ status: "paid", hmb_pay: "140000.00" });
      const third = await dispenseCx("CX-SMA-3", "C001", NUSINERSEN, Y(50_000), "G12.000");
      expect(third.json()).toMatchObject({ status: "zero", hmb_pay: "0.00" });
    });

    it("the 1,000,000 liability cap holds over many concurrent dispensings of other drugs", async () => {
      // 300,000 paid so far; ten dispensings of 200,000 would pay 160,000 each: only 700,000 is left.
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          dispenseCx(`CX-PEM-${i}`, "C001", PEMBRO, Y(200_000), "C34.900"),
        ),
      );
      for (const r of results) expect(r.statusCode).toBe(200);
      expect(results.reduce((s, r) => s + hmbPay(r), 0)).toBe(Y(700_000));
      const total = await platform.ctx.db.query<{ n: number }>(
        "select sum(hmb_pay_fen)::bigint as n from claims where program_id = $1 and psn_no = 'C001' and state = 'settled'",
        [CX],
      );
      expect(Number(total[0]?.n)).toBe(Y(1_000_000));
      const ledger = await platform.ctx.db.query<{ n: number }>(
        "select sum(amount_fen)::bigint as n from ledger_transfers where program_id = $1 and kind = 'claim_payout' and ref like 'CX-%'",
        [CX],
      );
      expect(Number(ledger[0]?.n)).toBe(Y(1_000_000));
      const after = await dispenseCx("CX-PEM-X", "C001", PEMBRO, Y(10_000), "C34.900");
      expect(after.json()).toMatchObject({ status: "zero", hmb_pay: "0.00" });
    });

    it("楚雄 pays a pre-existing condition (大病保险 paid in the 2 years before) at 30 % instead of excluding it", async () => {
      const history = {
        ...record({
          setlId: "CX-HIST",
          psnNo: "C002",
          institution: CX_HOSPITAL,
          region: "532301",
          setlTime: "2022-06-01 10:00:00",
          inScope: Y(20_000),
          criticalIllness: Y(5_000),
        }),
        certno: certnos.get("C002"),
      };
      const text = JSON.stringify(history);
      const settled = await app.inject({
        method: "POST",
        url: `/api/v1/programs/${CX}/settlements`,
        headers: signHeaders(secrets.get(CX_HOSPITAL) as string, text, CX_HOSPITAL),
        payload: text,
      });
      expect(settled.json()).toMatchObject({ status: "not_covered", reason: "outside_coverage_period" });
      const res = await dispenseCx("CX-PREEX", "C002", "SAMPLE-CX-D05", Y(10_000), "C56.x00");
      expect(res.json()).toMatchObject({ status: "paid", hmb_pay: "3000.00" });
    });
  },
);
