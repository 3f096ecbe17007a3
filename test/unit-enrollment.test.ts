/**
 * Issue 14, 投保管理 and 保单 in the console through the API: a unit's Excel list enrolled (valid rows enrolled,
 * each bad row named by row and column, nothing changed by a wholly bad file, a re-upload answered with the
 * first result), the enrollments with payment status and order expiry, the policy search and its Excel
 * export, and who may do each.
 */
import ExcelJS from "exceljs";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decrypt } from "../src/platform/crypto.js";
import { CLI_ACTOR } from "../src/services/context.js";
import { type UnitUploadProgress, uploadUnitList } from "../src/services/unit-enrollment.js";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";
import { authHeaders, NOW, PROGRAM, setupWenshan } from "./support/roster.js";

const API = `/api/v1/programs/${PROGRAM}`;
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/** Unit U1 of the shared roster (P005 王五, P006 赵六) and two more of its staff. */
const EXTRA = [
  { psnNo: "P110", name: "王一", brdy: "1988-02-02", unitCode: "U1" },
  { psnNo: "P111", name: "王二", brdy: "1989-03-03", unitCode: "U1" },
  { psnNo: "P112", name: "王三", brdy: "1987-04-04", unitCode: "U1" },
];

async function workbook(rows: (string | number)[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet("名单");
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe.each(BACKENDS)("单位投保名单与保单查询 on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let op: Record<string, string>;
  const certno: Record<string, string> = {};

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: NOW });
    app = await testServer(platform);
    await setupWenshan(platform.ctx, EXTRA);
    op = await authHeaders(app, "op1");
    const rows = await platform.ctx.db.query<{ psn_no: string; certno_enc: Uint8Array }>(
      "select psn_no, certno_enc from roster_persons where program_id = $1",
      [PROGRAM],
    );
    for (const r of rows) certno[r.psn_no] = decrypt(platform.ctx.keys, r.certno_enc);
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  const upload = async (file: Buffer, query: string, headers = op) =>
    app.inject({
      method: "POST",
      url: `${API}/unit-enrollments?${query}`,
      headers: { ...headers, "content-type": XLSX },
      payload: file,
    });
  const count = async (table: string) =>
    Number(
      (
        await platform.ctx.db.query<{ n: number }>(
          `select count(*)::int as n from ${table} where program_id = $1`,
          [PROGRAM],
        )
      )[0]?.n,
    );

  /**
   * A unit list: 2 good rows (by ID number, by roster number) and one bad row of each kind. Made once: the
   * same file uploaded again has the same bytes (exceljs stamps each new workbook with its time).
   */
  let mixedFile: Promise<Buffer> | undefined;
  const mixed = () => {
    mixedFile ??= workbook([
      ["姓名", "证件号码", "个人编号", "关系"],
      ["王五", certno.P005 as string, "", "职工"],
      ["赵六", "", "P006", ""],
      ["王一", "5326211988020212", "", "职工"],
      ["王错", certno.P110 as string, "", "职工"],
      ["张三", "", "P001", "职工"],
      ["王二", "", "P111", "朋友"],
      ["王五", "", "P005", "本人"],
    ]);
    return mixedFile;
  };

  it("checks a list without enrolling anyone (dry run)", async () => {
    const before = await count("policies");
    const res = await upload(await mixed(), "unit_code=U1&dry_run=true");
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    expect(r).toMatchObject({ outcome: "checked", read: 7, valid: 2, rejected: 5, enrolled: 0 });
    expect(await count("policies")).toBe(before);
    expect(await count("unit_enrollment_uploads")).toBe(0);
  });

  it("enrolls the valid rows in one unit enrollment and names each bad row by row and column", async () => {
    const res = await upload(await mixed(), "unit_code=U1&channel=offline");
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    expect(r).toMatchObject({ outcome: "enrolled", replayed: false, read: 7, valid: 2, enrolled: 2 });
    expect(r.rejects.map((x: { row: number; column: string }) => [x.row, x.column])).toEqual([
      [4, "证件号码"],
      [5, "姓名"],
      [6, "个人编号"],
      [7, "关系"],
      [8, "个人编号"],
    ]);
    for (const x of r.rejects) expect(x.message).toMatch(new RegExp(`^第 ${x.row} 行「${x.column}」`));
    expect(r.rejects[2].message).toContain("不属于单位 U1");
    expect(r.rejects[4].message).toContain("与第 2 行是同一人");
    expect(r.rows.map((x: { psn_no: string; psn_name: string }) => [x.psn_no, x.psn_name])).toEqual([
      ["P005", "王*"],
      ["P006", "赵*"],
    ]);
    expect(r.enrollment.kind).toBe("unit");
    expect(r.enrollment.payment.status).toBe("paid");
    const policies = await platform.ctx.db.query<{ psn_no: string; unit_code: string; status: string }>(
      "select psn_no, unit_code, status from policies where program_id = $1 and enrollment_id = $2 order by psn_no",
      [PROGRAM, r.enrollment.enrollment_id],
    );
    expect(policies).toEqual([
      { psn_no: "P005", unit_code: "U1", status: "pending_effective" },
      { psn_no: "P006", unit_code: "U1", status: "pending_effective" },
    ]);
    // No ID number is kept in the stored report or the audit log.
    const stored = await platform.ctx.db.query<{ report: unknown }>(
      "select report from unit_enrollment_uploads where program_id = $1",
      [PROGRAM],
    );
    expect(JSON.stringify(stored)).not.toContain(certno.P005);
    const audited = await platform.ctx.db.query<{ actor: string; detail: unknown }>(
      "select actor, detail from audit_log where program_id = $1 and action = 'enrollment.unit_upload'",
      [PROGRAM],
    );
    expect(audited.map((a) => a.actor)).toEqual(["op1", "op1"]);
    expect(JSON.stringify(audited)).not.toContain(certno.P005);
  });

  it("answers a re-upload of the same file with the first result, enrolling no one twice", async () => {
    const before = { policies: await count("policies"), enrollments: await count("enrollments") };
    const first = (await upload(await mixed(), "unit_code=U1")).json();
    expect(first.replayed).toBe(true);
    expect(first.outcome).toBe("enrolled");
    expect(first.rejected).toBe(5);
    expect({ policies: await count("policies"), enrollments: await count("enrollments") }).toEqual(before);
  });

  it("is idempotent by the client's reference too, and refuses a reference reused for another file", async () => {
    const file = await workbook([
      ["姓名", "个人编号"],
      ["王一", "P110"],
    ]);
    const a = await upload(file, "unit_code=U1&ref=HR-2023-07");
    expect(a.statusCode, a.body).toBe(200);
    expect(a.json()).toMatchObject({ enrolled: 1, replayed: false });
    // The same reference for a list saved again (different bytes): answered from the first upload.
    const again = await upload(file, "unit_code=U1&ref=HR-2023-07");
    expect(again.json()).toMatchObject({ replayed: true, upload_id: a.json().upload_id });
    const other = await upload(
      await workbook([
        ["姓名", "个人编号"],
        ["王二", "P111"],
      ]),
      "unit_code=U1&ref=HR-2023-07",
    );
    expect(other.statusCode).toBe(409);
    expect(other.json().error).toMatchObject({ code: "ref_reused", field: "ref" });
  });

  it("changes nothing for a wholly bad file, and refuses an unreadable one naming what is wrong", async () => {
    const before = {
      policies: await count("policies"),
      enrollments: await count("enrollments"),
      uploads: await count("unit_enrollment_uploads"),
      orders: await count("payment_orders"),
    };
    const res = await upload(
      await workbook([
        ["姓名", "证件号码", "关系"],
        ["", certno.P112 as string, ""],
        ["王三", "123", ""],
      ]),
      "unit_code=U1",
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ outcome: "rejected", enrolled: 0, rejected: 2, enrollment: null });
    expect(res.json().rejects[0].message).toBe("第 2 行「姓名」为空：请填写姓名");
    expect(res.json().rejects[1].column).toBe("证件号码");

    const noColumn = await upload(
      await workbook([
        ["名字", "证件号码"],
        ["王三", "x"],
      ]),
      "unit_code=U1",
    );
    expect(noColumn.statusCode).toBe(400);
    expect(noColumn.json().error.message).toContain("缺少「姓名」列");
    const notExcel = await upload(Buffer.from("姓名,证件号码\n"), "unit_code=U1");
    expect(notExcel.statusCode).toBe(400);
    expect(notExcel.json().error.message).toMatch(/[\u4e00-\u9fff]/);
    const badUnit = await upload(await mixed(), "unit_code=U%201");
    expect(badUnit.statusCode).toBe(400);
    expect(badUnit.json().error.field).toBe("unit_code");
    expect({
      policies: await count("policies"),
      enrollments: await count("enrollments"),
      uploads: await count("unit_enrollment_uploads"),
      orders: await count("payment_orders"),
    }).toEqual(before);
  });

  it("lets only operators and admins upload, list enrollments and search persons", async () => {
    const file = await workbook([
      ["姓名", "个人编号"],
      ["王三", "P112"],
    ]);
    const ins = await authHeaders(app, "ins1");
    for (const [user, h] of [
      ["res1", await authHeaders(app, "res1")],
      ["ins1", ins],
      ["bureau1", await authHeaders(app, "bureau1")],
    ] as const) {
      expect((await upload(file, "unit_code=U1", h)).statusCode, user).toBe(403);
      const list = await app.inject({ method: "GET", url: `${API}/enrollments`, headers: h });
      expect(list.statusCode, user).toBe(403);
    }
    const byName = await app.inject({
      method: "GET",
      url: `${API}/policies?name=${encodeURIComponent("王五")}`,
      headers: ins,
    });
    expect(byName.statusCode).toBe(403);
    expect(byName.json().error.field).toBe("name");
    // A co-insurer exports its masked view.
    const exported = await app.inject({ method: "GET", url: `${API}/policies.xlsx?kind=unit`, headers: ins });
    expect(exported.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(exported.rawPayload as unknown as ArrayBuffer);
    const cells = (wb.worksheets[0]?.getSheetValues() ?? []).flat().join(" ");
    expect(cells).not.toContain("P005");
    expect(cells).toContain("王*");
  });

  it("lists enrollments with payment status and order expiry; an unpaid order expires", async () => {
    const cash = await upload(
      await workbook([
        ["姓名", "个人编号"],
        ["王三", "P112"],
      ]),
      "unit_code=U1&channel=cash",
    );
    expect(cash.statusCode, cash.body).toBe(200);
    const enrollmentId = cash.json().enrollment.enrollment_id as string;
    const list = async (query = "") =>
      (await app.inject({ method: "GET", url: `${API}/enrollments?${query}`, headers: op })).json();
    const page = await list("kind=unit");
    const row = page.enrollments.find((e: { enrollment_id: string }) => e.enrollment_id === enrollmentId);
    expect(row).toMatchObject({ kind: "unit", unit_code: "U1", persons: 1, pay_status: "created" });
    expect(row.expires_at).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    const paid = page.enrollments.filter((e: { pay_status: string }) => e.pay_status === "paid");
    expect(paid.length).toBeGreaterThanOrEqual(2);
    for (const e of paid) expect(e.expires_at).toBeNull();

    platform.clock.set(new Date(new Date(NOW).getTime() + 3 * 24 * 3600 * 1000));
    try {
      const expired = await list("pay_status=expired");
      expect(expired.enrollments.map((e: { enrollment_id: string }) => e.enrollment_id)).toEqual([
        enrollmentId,
      ]);
      expect(expired.total).toBe(1);
    } finally {
      platform.clock.set(NOW);
    }
  });

  it("searches policies by policy number, person number, name and channel; masks names; exports the filter", async () => {
    const get = async (query: string) =>
      (await app.inject({ method: "GET", url: `${API}/policies?${query}`, headers: op })).json();
    const byPsn = await get("psn_no=P005");
    expect(byPsn.total).toBe(1);
    expect(byPsn.policies[0]).toMatchObject({ psn_no: "P005", psn_name: "王*", enrollment_kind: "unit" });
    const policyNo = byPsn.policies[0].policy_no as string;
    expect((await get(`policy_no=${policyNo}`)).policies.map((p: { psn_no: string }) => p.psn_no)).toEqual([
      "P005",
    ]);
    expect((await get(`name=${encodeURIComponent("赵六")}`)).policies[0].psn_no).toBe("P006");
    expect((await get("channel=cash&status=active")).total).toBe(0);
    const offline = await get("channel=offline");
    expect(offline.total).toBe(3);

    const res = await app.inject({ method: "GET", url: `${API}/policies.xlsx?channel=offline`, headers: op });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("spreadsheetml");
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0];
    // Title, header, then one row per policy of the filter, every code in Chinese.
    expect(ws?.getRow(2).values).toContain("保单号");
    const body = [] as string[];
    ws?.eachRow((row, n) => {
      if (n > 2 && row.getCell(1).value !== null && String(row.getCell(1).value).startsWith(PROGRAM))
        body.push(String(row.values));
    });
    expect(body).toHaveLength(3);
    expect(body.join()).toContain("单位投保");
    expect(body.join()).toContain("线下缴费");
    expect(body.join()).not.toMatch(/\bunit\b|\boffline\b/);
    const audited = await platform.ctx.db.query<{ n: number }>(
      "select count(*)::int as n from audit_log where program_id = $1 and action = 'policy.export'",
      [PROGRAM],
    );
    expect(Number(audited[0]?.n)).toBe(2);
  });
  /** The mixed list and one more bad row: other bytes, so no earlier upload answers for it. */
  let progressFile: Promise<Buffer> | undefined;
  const progressList = () => {
    progressFile ??= workbook([
      ["姓名", "证件号码", "个人编号", "关系"],
      ["王五", certno.P005 as string, "", "职工"],
      ["赵六", "", "P006", ""],
      ["王一", "5326211988020212", "", "职工"],
      ["王错", certno.P110 as string, "", "职工"],
      ["张三", "", "P001", "职工"],
      ["王二", "", "P111", "朋友"],
      ["王五", "", "P005", "本人"],
      ["钱七", "", "P999", "职工"],
    ]);
    return progressFile;
  };

  it("tells who watches each row checked and the rejects so far, then the enrollment (progress)", async () => {
    const seen: UnitUploadProgress[] = [];
    const r = await uploadUnitList(platform.ctx, CLI_ACTOR, {
      programId: PROGRAM,
      unitCode: "U1",
      channel: "offline",
      dryRun: true,
      file: await progressList(),
      onProgress: (p) => seen.push(p),
    });
    expect(r.outcome).toBe("checked");
    // Rows 4–9 are the bad ones: the count of rejects grows with them, row by row.
    expect(seen).toEqual(
      [0, 0, 1, 2, 3, 4, 5, 6].map((rejected, i) => ({
        phase: "checking",
        checked: i + 1,
        rejected,
        total: 8,
      })),
    );
  });

  it("answers the page's progress poll for its own upload only; pending before, done with the counts after", async () => {
    const ref = "progress-test-0001";
    const poll = (headers = op, r = ref) =>
      app.inject({ method: "GET", url: `${API}/progress/${r}`, headers });
    expect((await poll()).json()).toMatchObject({ phase: "pending", action: null, read: 0 });
    const uploading = upload(await progressList(), `unit_code=U1&dry_run=true&progress=${ref}`);
    // Polls made one after another while the upload runs see counts that only grow. (Sent all at once, they
    // would be answered in any order: on PostgreSQL each takes its own pooled connection.)
    const reads: number[] = [];
    for (let i = 0; i < 5; i++) reads.push((await poll()).json().read);
    expect((await uploading).statusCode).toBe(200);
    expect(reads).toEqual([...reads].sort((a, b) => a - b));
    const done = (await poll()).json();
    expect(done).toMatchObject({ action: "unit_upload", phase: "done", read: 8, rejected: 6, total: 8 });
    expect(Date.parse(done.updated_at)).toBeGreaterThanOrEqual(Date.parse(done.started_at));
    // Another account cannot read it (as if it did not exist); a malformed reference names the field.
    const admin = await authHeaders(app, "admin");
    expect((await poll(admin)).json()).toMatchObject({ phase: "pending", action: null });
    const bad = await poll(op, "x");
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toMatch(/ref/);
    const bureau = await authHeaders(app, "bureau1");
    expect((await poll(bureau)).statusCode).toBe(403);
  });

  it("counts a roster import's rows as it goes under the same poll", async () => {
    const ref = "roster-progress-01";
    const csv = ["psn_no,certno,psn_name,gend,brdy,insutype,admdvs", "P900,,不全,9,,,"].join("\n");
    const res = await app.inject({
      method: "POST",
      url: `${API}/roster/imports?progress=${ref}`,
      headers: { ...op, "content-type": "text/csv" },
      payload: csv,
    });
    expect(res.statusCode, res.body).toBe(200);
    const p = (await app.inject({ method: "GET", url: `${API}/progress/${ref}`, headers: op })).json();
    expect(p).toMatchObject({ action: "roster_import", phase: "done", read: res.json().read });
    expect(p.rejected).toBe(res.json().rejected);
    expect(p.rejected).toBeGreaterThan(0);
  });
});
