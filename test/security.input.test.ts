/**
 * Bad input (issue 10, findings 2, 4 and 5), through the real server on both back ends:
 *  - an empty or broken XLSX (any unreadable roster file) is a 400 at once, holding nothing, recorded as failed;
 *  - NUL, control characters and unpaired surrogates anywhere in a request are a 400 naming the field, never a
 *    500; a roster row with one, or with a stray quote in a CSV field, is refused by line and field;
 *  - one unit_code rule for the roster and for unit enrollment;
 *  - impossible settlements (times out of order or after now, year 0000, payments that do not add up, a
 *    diagnosis that is no ICD-10 code, padded amounts) are refused naming the field; unknown fields are not
 *    stored and a settlement body is at most 64 KB.
 */
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCertno } from "../src/domain/certno.js";
import { formatYuan } from "../src/domain/money.js";
import { formatBusinessTime } from "../src/domain/time.js";
import { rosterWorkbooks } from "./support/broken-xlsx.js";
import {
  type ClaimsFixture,
  HOSPITAL,
  PHARMACY,
  postSettlement,
  recordFor,
  SETTLE_NOW,
  setupClaims,
  signHeaders,
} from "./support/claims.js";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";
import { authHeaders, NOW, PROGRAM } from "./support/roster.js";

const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const IMPORTS = `/api/v1/programs/${PROGRAM}/roster/imports`;
const HEADER = "psn_no,certno,psn_name,gend,brdy,insutype,admdvs,unit_code,cohort";
const Y = (yuan: number) => yuan * 100;

/** The request's answer, or a failure naming what never answered (a hang fails the test, not the run). */
async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe.each(BACKENDS)("bad input on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let fx: ClaimsFixture;
  let op: Record<string, string>;

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: NOW });
    app = await testServer(platform);
    fx = await setupClaims(platform.ctx, { insured: ["P001", "P003"] });
    op = await authHeaders(app, "op1");
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  const count = async (table: string) =>
    (await platform.ctx.db.query<{ n: number }>(`select count(*)::int as n from ${table}`))[0]?.n;

  const leftoverBuildTables = async () =>
    (
      await platform.ctx.db.query<{ n: number }>(
        "select count(*)::int as n from pg_tables where tablename ~ '^roster_(load|next|diff)_'",
      )
    )[0]?.n;

  /** Connections of this database busy with something (a COPY left running, a held transaction). */
  const busyConnections = async () =>
    backend === "postgres"
      ? (
          await platform.ctx.db.query<{ n: number }>(
            `select count(*)::int as n from pg_stat_activity
              where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle'`,
          )
        )[0]?.n
      : 0;

  const upload = (payload: Buffer | string, type = XLSX_TYPE) =>
    app.inject({ method: "POST", url: IMPORTS, headers: { ...op, "content-type": type }, payload });

  it("F2: an empty or broken XLSX is a 400 within a second, holds nothing, and the history shows it failed", async () => {
    const { good, corrupt } = await rosterWorkbooks();
    const before = await count("roster_persons");
    const bodies: [string, Buffer][] = [
      ["empty body", Buffer.alloc(0)],
      ["not a zip", Buffer.from("psn_no,certno\nthis is no workbook\n")],
      ["truncated workbook", good.subarray(0, Math.floor(good.length / 2))],
      ["corrupt worksheet data", corrupt],
    ];
    for (const [what, body] of bodies) {
      const started = performance.now();
      const res = await within(5_000, what, upload(body));
      const elapsed = performance.now() - started;
      expect(res.statusCode, `${what}: ${res.body}`).toBe(400);
      expect(res.json().error, what).toMatchObject({ code: "invalid_xlsx", field: "file" });
      expect(res.json().error.message, what).toMatch(/^无法读取 Excel 文件：/);
      expect(elapsed, what).toBeLessThan(1_000);
    }
    expect(await count("roster_persons")).toBe(before);
    expect(await leftoverBuildTables()).toBe(0);
    expect(await busyConnections()).toBe(0);
    const history = await app.inject({ method: "GET", url: IMPORTS, headers: op });
    expect(history.statusCode).toBe(200);
    const failed = (history.json() as { status: string; failure: string | null }[]).slice(0, bodies.length);
    expect(failed).toEqual(
      bodies.map(() => expect.objectContaining({ status: "failed", failure: "invalid_xlsx" })),
    );
    // The good workbook still imports.
    const ok = await within(10_000, "good workbook", upload(good));
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ read: 200, imported: 200, rejected: 0 });
  });

  it("F2: ten broken uploads at once hold up neither /healthz nor the other database routes", async () => {
    const { corrupt } = await rosterWorkbooks();
    const uploads = Array.from({ length: 10 }, (_, i) =>
      within(5_000, `upload ${i}`, upload(i % 2 === 0 ? Buffer.alloc(0) : corrupt)),
    );
    const started = performance.now();
    const health = await within(5_000, "/healthz", app.inject({ method: "GET", url: "/healthz" }));
    expect(health.statusCode).toBe(200);
    const roster = await within(
      5_000,
      "roster read",
      app.inject({ method: "GET", url: `/api/v1/programs/${PROGRAM}/roster/P001`, headers: op }),
    );
    expect(roster.statusCode).toBe(200);
    const answers = await Promise.all(uploads);
    expect(performance.now() - started).toBeLessThan(2_000);
    for (const res of answers) expect(res.statusCode, res.body).toBe(400);
    expect(await leftoverBuildTables()).toBe(0);
    expect(await busyConnections()).toBe(0);
    const running = await platform.ctx.db.query(
      "select 1 from roster_imports where program_id = $1 and status = 'running'",
      [PROGRAM],
    );
    expect(running).toHaveLength(0);
  });

  it("F4: NUL, control characters and unpaired surrogates anywhere in a request are a 400 naming the field; nothing is stored", async () => {
    const pools = `/api/v1/programs/${PROGRAM}/charity-pools`;
    const created = await app.inject({
      method: "POST",
      url: pools,
      headers: op,
      payload: { pool_id: "red-cross", name: "红十字会" },
    });
    expect(created.statusCode).toBe(201);
    const donate = (payload: string) =>
      app.inject({
        method: "POST",
        url: `${pools}/red-cross/donations`,
        headers: { ...op, "content-type": "application/json" },
        payload,
      });
    const movements = await count("charity_pool_movements");
    const enrollments = await count("enrollments");
    const cases: [string, () => Promise<LightMyRequestResponse>, string][] = [
      ["NUL in donor", () => donate('{"amount":"10.00","donor":"张\\u0000三","ref":"d-1"}'), "donor"],
      ["NUL in ref", () => donate('{"amount":"10.00","donor":"张三","ref":"d-\\u0000"}'), "ref"],
      [
        "unpaired surrogate in donor",
        () => donate('{"amount":"10.00","donor":"\\ud800","ref":"d-2"}'),
        "donor",
      ],
      [
        "escape character in donor",
        () => donate('{"amount":"10.00","donor":"a\\u001bb","ref":"d-3"}'),
        "donor",
      ],
      [
        "NUL in an individual enrollment's unit_code",
        () =>
          app.inject({
            method: "POST",
            url: `/api/v1/programs/${PROGRAM}/enrollments`,
            headers: op,
            payload: { kind: "individual", psn_no: "P002", unit_code: "U\u0000", channel: "offline" },
          }),
        "unit_code",
      ],
      [
        "NUL in a family member's psn_no",
        () =>
          app.inject({
            method: "POST",
            url: `/api/v1/programs/${PROGRAM}/enrollments`,
            headers: op,
            payload: {
              kind: "family",
              payer_psn_no: "P002",
              channel: "offline",
              members: [{ psn_no: "P00\u00004", relation: "parent" }],
            },
          }),
        "members[0].psn_no",
      ],
      [
        "NUL in a path parameter",
        () => app.inject({ method: "GET", url: `/api/v1/programs/${PROGRAM}/roster/P%00`, headers: op }),
        "psn_no",
      ],
    ];
    for (const [what, send, field] of cases) {
      const res = await send();
      expect(res.statusCode, `${what}: ${res.body}`).toBe(400);
      expect(res.json().error, what).toMatchObject({ field, code: expect.any(String) });
      expect(res.json().error.message, what).toMatch(/[\u4e00-\u9fff]/);
    }
    expect(await count("charity_pool_movements")).toBe(movements);
    expect(await count("enrollments")).toBe(enrollments);
    // The same donation without the bad character goes through.
    const fine = await donate('{"amount":"10.00","donor":"张三","ref":"d-ok"}');
    expect(fine.statusCode, fine.body).toBe(201);
  });

  it("F4: a CSV row with a NUL or a stray quote in a field is refused by line and field; the good rows are imported", async () => {
    const person = (i: number, name: string) => {
      const brdy = `1985${String(1 + (i % 12)).padStart(2, "0")}15`;
      return [`QT${i}`, makeCertno("532621", brdy, 500 + i), name, "1", brdy, "390", "532621", "", ""].join(
        ",",
      );
    };
    const lines = [
      HEADER,
      person(1, "甲一"), // line 2
      person(2, '王"小二'), // line 3: a quote in the middle of an unquoted field
      person(3, "乙三"), // line 4
      person(4, "丙\u0000四"), // line 5: NUL
      person(5, '"丁"五'), // line 6: an invalid closing quote (the rest of the file must not be swallowed)
      person(6, "戊六"), // line 7
      person(7, '"己""七"'), // line 8: a quote, correctly escaped, is still no part of a name
      person(8, "庚八"), // line 9
    ];
    const res = await within(5_000, "csv", upload(`${lines.join("\n")}\n`, "text/csv"));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ read: 8, imported: 4, rejected: 4 });
    expect((res.json().errors as { line: number; field: string }[]).map((e) => [e.line, e.field])).toEqual([
      [3, "psn_name"],
      [5, "psn_name"],
      [6, "psn_name"],
      [8, "psn_name"],
    ]);
    const kept = await platform.ctx.db.query<{ psn_no: string; psn_name: string }>(
      "select psn_no, psn_name from roster_persons where program_id = $1 and psn_no like 'QT%' order by psn_no",
      [PROGRAM],
    );
    expect(kept).toEqual([
      { psn_no: "QT1", psn_name: "甲一" },
      { psn_no: "QT3", psn_name: "乙三" },
      { psn_no: "QT6", psn_name: "戊六" },
      { psn_no: "QT8", psn_name: "庚八" },
    ]);
  });

  it("unit_code: the roster import accepts exactly the unit codes unit enrollment accepts", async () => {
    const codes = [
      "UC1",
      "WS-UNIT-009",
      "a_b-C9",
      "U".repeat(32),
      "U".repeat(33),
      "单位一",
      "U 1",
      "U.1",
      "U/1",
    ];
    const rows = codes.map((code, i) => {
      const brdy = `1975${String(1 + i).padStart(2, "0")}20`;
      const cell = /[",\n]/.test(code) ? `"${code}"` : code;
      return [
        `UC${i}`,
        makeCertno("532621", brdy, 800 + i),
        `单位人${i}`,
        "2",
        brdy,
        "310",
        "532621",
        cell,
        "",
      ].join(",");
    });
    const imported = await upload(`${HEADER}\n${rows.join("\n")}\n`, "text/csv");
    expect(imported.statusCode, imported.body).toBe(200);
    const refusedLines = new Set(
      (imported.json().errors as { line: number; field: string }[])
        .filter((e) => e.field === "unit_code")
        .map((e) => e.line),
    );
    for (const [i, code] of codes.entries()) {
      const byRoster = !refusedLines.has(i + 2);
      const res = await app.inject({
        method: "POST",
        url: `/api/v1/programs/${PROGRAM}/enrollments`,
        headers: op,
        payload: { kind: "unit", unit_code: code, channel: "offline" },
      });
      const byEnrollment = !(res.statusCode === 400 && res.json().error.field === "unit_code");
      expect(
        byEnrollment,
        `${JSON.stringify(code)}: roster ${byRoster}, enrollment ${res.statusCode} ${res.body}`,
      ).toBe(byRoster);
      // An accepted code enrolls the unit's person the roster holds.
      if (byEnrollment) expect(res.statusCode, res.body).toBe(201);
    }
    expect(refusedLines.size).toBe(5);
  });

  it("F5: a record settled after the business clock is refused, also when the clock is pinned in the past", async () => {
    // As a demo is: HMB_NOW pins the business clock, here in the coverage year; the real now is much later.
    platform.clock.set(SETTLE_NOW);
    const pinned = Date.parse(SETTLE_NOW);
    const settledAt = (ms: number) => ({
      setl_time: formatBusinessTime(ms),
      begntime: formatBusinessTime(ms),
    });
    const rec = await recordFor(fx, { setlId: "S-CLOCK-LATE", psnNo: "P001", inScope: Y(100) });
    const claims = await count("claims");
    const late = await postSettlement(app, fx, { ...rec, ...settledAt(pinned + 3_600_000) });
    expect(late.statusCode, late.body).toBe(400);
    expect(late.json().error).toMatchObject({ code: "invalid_time", field: "setl_time" });
    expect(await count("claims")).toBe(claims);
    const before = await postSettlement(app, fx, {
      ...rec,
      setl_id: "S-CLOCK-BEFORE",
      ...settledAt(pinned - 3_600_000),
    });
    expect(before.statusCode, before.body).toBe(200);
    expect(before.json()).toMatchObject({ setl_id: "S-CLOCK-BEFORE" });
    expect(await count("claims")).toBe((claims ?? 0) + 1);
  });

  it("F5: impossible settlements are refused naming the field; nothing is stored", async () => {
    platform.clock.set(SETTLE_NOW); // the hospital settles in the coverage year, after the stay
    const rec = await recordFor(fx, { setlId: "S-IMPOSSIBLE", psnNo: "P001", inScope: Y(2_000) });
    const tomorrow = formatBusinessTime(Date.parse(SETTLE_NOW) + 86_400_000);
    const cases: [string, Record<string, unknown>, string][] = [
      ["settled tomorrow", { setl_time: tomorrow, begntime: tomorrow }, "setl_time"],
      ["settled in 2090", { setl_time: "2090-01-01 10:00:00", begntime: "2090-01-01 09:00:00" }, "setl_time"],
      [
        "admitted after discharge",
        { begntime: "2023-10-09 10:00:00", endtime: "2023-10-08 10:00:00" },
        "begntime",
      ],
      [
        "discharged after settlement",
        { begntime: "2023-10-01 10:00:00", endtime: "2023-10-11 10:00:00" },
        "endtime",
      ],
      ["admitted after settlement", { begntime: "2023-10-11 10:00:00" }, "begntime"],
      ["year 0000", { setl_time: "0000-10-10 10:00:00", begntime: "0000-10-01 10:00:00" }, "setl_time"],
      ["admitted in year 0099", { begntime: "0099-10-01 10:00:00" }, "begntime"],
      ["account + cash ≠ burden", { acct_pay: "100.00", psn_cash_pay: "100.00" }, "psn_cash_pay"],
      ["account alone ≠ burden", { acct_pay: "1.00" }, "acct_pay"],
      ["diagnosis with a space", { dise_codg: "I63 900" }, "dise_codg"],
      ["diagnosis without its letter", { dise_codg: "63.900" }, "dise_codg"],
      ["diagnosis that is a word", { dise_codg: "stroke" }, "dise_codg"],
      ["diagnosis with a trailing space", { dise_codg: "I63.900 " }, "dise_codg"],
      ["padded amount", { medfee_sumamt: ` ${rec.medfee_sumamt as string}` }, "medfee_sumamt"],
      ["amount padded behind", { psn_part_amt: `${rec.psn_part_amt as string} ` }, "psn_part_amt"],
    ];
    const records = await count("medical_records");
    const claims = await count("claims");
    for (const [what, change, field] of cases) {
      const res = await postSettlement(app, fx, { ...rec, setl_id: `S-IMP-${field}`, ...change });
      expect(res.statusCode, `${what}: ${res.body}`).toBe(400);
      expect(res.json().error, what).toMatchObject({ field });
      expect(res.json().error.message, what).toMatch(/[\u4e00-\u9fff]/);
    }
    expect(await count("medical_records")).toBe(records);
    expect(await count("claims")).toBe(claims);
    // Paid as in full: the consistent version of the same record.
    const paid = await postSettlement(app, fx, {
      ...rec,
      acct_pay: "500.00",
      psn_cash_pay: formatYuan(Y(2_000) - Y(500)),
    });
    expect(paid.statusCode, paid.body).toBe(200);
  });

  it("F5: special-drug claims and the bureau's feed go through the same parse: impossible records refused, unknown fields dropped", async () => {
    platform.clock.set(SETTLE_NOW);
    const pharmacyRecord = {
      ...(await recordFor(fx, {
        setlId: "S-RX-FUTURE",
        psnNo: "P001",
        medType: "41",
        institution: PHARMACY,
      })),
      setl_time: "2090-01-01 10:00:00",
      begntime: "2090-01-01 10:00:00",
    };
    const body = JSON.stringify({
      record: pharmacyRecord,
      prescription: {
        rx_no: "RX-F1",
        prescriber_fixmedins_code: HOSPITAL,
        diagnosis_code: "C34.900",
        issued_at: "2023-10-05 09:00:00",
        drugs: ["SAMPLE-WS-D01"],
      },
    });
    const rx = await app.inject({
      method: "POST",
      url: `/api/v1/programs/${PROGRAM}/special-drug-claims`,
      headers: signHeaders(fx.secrets.get(PHARMACY) as string, body, PHARMACY),
      payload: body,
    });
    expect(rx.statusCode, rx.body).toBe(400);
    expect(rx.json().error).toMatchObject({ field: "record.setl_time" });
    const tooBig = JSON.stringify({
      record: { ...pharmacyRecord, note: "x".repeat(70_000) },
      prescription: {},
    });
    const rxHuge = await app.inject({
      method: "POST",
      url: `/api/v1/programs/${PROGRAM}/special-drug-claims`,
      headers: signHeaders(fx.secrets.get(PHARMACY) as string, tooBig, PHARMACY),
      payload: tooBig,
    });
    expect(rxHuge.statusCode).toBe(413);

    const bureau = await authHeaders(app, "bureau1");
    const fed = await app.inject({
      method: "POST",
      url: `/api/v1/programs/${PROGRAM}/medical-records`,
      headers: bureau,
      payload: {
        records: [
          {
            ...(await recordFor(fx, { setlId: "S-FEED-KEEP", psnNo: "P003", inScope: Y(300) })),
            bureau_internal: "内部字段",
          },
          {
            ...(await recordFor(fx, { setlId: "S-FEED-0000", psnNo: "P003" })),
            setl_time: "0000-01-01 00:00:00",
          },
          { ...(await recordFor(fx, { setlId: "S-FEED-ICD", psnNo: "P003" })), dise_codg: "not-icd" },
        ],
      },
    });
    expect(fed.statusCode, fed.body).toBe(200);
    expect(fed.json().results).toMatchObject([
      { setl_id: "S-FEED-KEEP", status: "stored" },
      { setl_id: "S-FEED-0000", status: "error", error: { field: "setl_time" } },
      { setl_id: "S-FEED-ICD", status: "error", error: { field: "dise_codg" } },
    ]);
    const [row] = await platform.ctx.db.query<{ record: Record<string, unknown> | string }>(
      "select record from medical_records where program_id = $1 and setl_id = 'S-FEED-KEEP'",
      [PROGRAM],
    );
    const kept = typeof row?.record === "string" ? JSON.parse(row.record) : row?.record;
    expect(kept).toMatchObject({ setl_id: "S-FEED-KEEP" });
    expect(Object.keys(kept ?? {})).not.toContain("bureau_internal");
  });

  it("F5: unknown fields are not stored, a body over 64 KB is a 413, national diagnosis forms and a person off the roster answer as before", async () => {
    platform.clock.set(SETTLE_NOW);
    const rec = await recordFor(fx, { setlId: "S-EXTRA", psnNo: "P003", inScope: Y(1_000) });
    const withExtras = {
      ...rec,
      hospital_note: "备".repeat(10_000),
      ext: { nested: [1, 2, 3] },
      feedetail: [{ med_list_codg: "X001", det_item_fee_sumamt: "10.00", vendor_blob: "z".repeat(1_000) }],
    };
    const stored = await postSettlement(app, fx, withExtras);
    expect(stored.statusCode, stored.body).toBe(200);
    const [row] = await platform.ctx.db.query<{ record: Record<string, unknown> | string }>(
      "select record from medical_records where program_id = $1 and setl_id = 'S-EXTRA'",
      [PROGRAM],
    );
    const kept = typeof row?.record === "string" ? JSON.parse(row.record) : row?.record;
    expect(Object.keys(kept ?? {})).not.toContain("hospital_note");
    expect(Object.keys(kept ?? {})).not.toContain("ext");
    expect(kept?.feedetail).toEqual([{ med_list_codg: "X001", det_item_fee_sumamt: "10.00" }]);
    expect(JSON.stringify(kept).length).toBeLessThan(2_000);
    // The same record resent with other extras is the same record.
    const again = await postSettlement(app, fx, { ...rec, feedetail: withExtras.feedetail, other: 1 });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toEqual(stored.json());

    const records = await count("medical_records");
    const huge = await postSettlement(app, fx, {
      ...(await recordFor(fx, { setlId: "S-HUGE", psnNo: "P003", inScope: Y(10) })),
      hospital_note: "x".repeat(70_000),
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error).toMatchObject({ code: "payload_too_large", field: null });
    expect(huge.json().error.message).toMatch(/[\u4e00-\u9fff]/);
    expect(await count("medical_records")).toBe(records);

    for (const [i, code] of ["C34.900", "C34.9", "I10", "I10.x00", "J18.900x001", "c50.900"].entries()) {
      const res = await postSettlement(app, fx, {
        ...(await recordFor(fx, { setlId: `S-ICD-${i}`, psnNo: "P001", inScope: Y(10) })),
        dise_codg: code,
      });
      expect(res.statusCode, `${code}: ${res.body}`).toBe(200);
    }
    const stranger = await postSettlement(app, fx, {
      ...(await recordFor(fx, { setlId: "S-STRANGER", psnNo: "P001", inScope: Y(100) })),
      psn_no: "NOBODY",
    });
    expect(stranger.statusCode).toBe(200);
    expect(stranger.json()).toMatchObject({ status: "not_covered", reason: "no_policy" });
  });
});
