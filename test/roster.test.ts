import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import ExcelJS from "exceljs";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCertno } from "../src/domain/certno.js";
import { parseRosterRow, resolveRosterHeader } from "../src/domain/roster.js";
import { deriveKeys } from "../src/platform/crypto.js";
import { CLI_ACTOR, ServiceError } from "../src/services/context.js";
import { openPlatform } from "../src/services/platform.js";
import { createProgram } from "../src/services/programs.js";
import {
  csvRecords,
  findRosterPerson,
  findRosterPersonByCertno,
  importRoster,
  openRosterFile,
  revealRosterCertno,
} from "../src/services/roster.js";
import { createUser } from "../src/services/users.js";
import { rosterWorkbooks } from "./support/broken-xlsx.js";
import { buildCli } from "./support/cli.js";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";
import { addRosterPersons } from "./support/roster.js";

const run = promisify(execFile);
const HEADER = "psn_no,certno,psn_name,gend,brdy,insutype,admdvs,unit_code,cohort";

interface Person {
  psnNo: string;
  certno: string;
  name: string;
  gend: string;
  brdy: string;
  insutype: string;
  admdvs: string;
  unit: string;
  cohort: string;
}

function people(n: number, offset = 0): Person[] {
  return Array.from({ length: n }, (_, k) => {
    const i = k + offset;
    const birth = `19${String(50 + (i % 49)).padStart(2, "0")}${String(1 + (i % 12)).padStart(2, "0")}${String(1 + (i % 28)).padStart(2, "0")}`;
    return {
      psnNo: `P${String(i).padStart(8, "0")}`,
      certno: makeCertno("532621", birth, i),
      name: i % 5 === 0 ? `王, 小${i}` : `张${i}`,
      gend: i % 3 === 0 ? "女" : String(1 + (i % 2)),
      brdy: i % 2 === 0 ? `${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6)}` : birth,
      insutype: i % 4 === 0 ? "310" : "390",
      admdvs: "532621",
      unit: i % 3 === 0 ? `U${i % 7}` : "",
      cohort: i % 6 === 0 ? "dibao" : "",
    };
  });
}

const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
function csvOf(rows: Person[]): string {
  const lines = rows.map((p) =>
    [p.psnNo, p.certno, p.name, p.gend, p.brdy, p.insutype, p.admdvs, p.unit, p.cohort].map(q).join(","),
  );
  return `${HEADER}\n${lines.join("\n")}\n`;
}
const recordsOf = (text: string) => csvRecords(Readable.from([text]));

describe("roster row validation (pure)", () => {
  const header = resolveRosterHeader(HEADER.split(","));
  if (!header.ok) throw new Error("header");
  const good = [
    "P1",
    makeCertno("532621", "19900102", 11),
    "李四",
    "男",
    "19900102",
    "390",
    "532621",
    "",
    "",
  ];
  it("accepts a good row and normalizes gend and brdy", () => {
    const r = parseRosterRow(header.header, good);
    expect(r).toMatchObject({ ok: true, row: { gend: "1", birthDate: "1990-01-02", unitCode: null } });
  });
  it("requires the header's mandatory columns in any order and ignores unknown ones", () => {
    expect(resolveRosterHeader(["certno", "psn_no"]).ok).toBe(false);
    const h = resolveRosterHeader([
      "x",
      "admdvs",
      "insutype",
      "brdy",
      "gend",
      "psn_name",
      "certno",
      "psn_no",
    ]);
    expect(h.ok && h.header.psn_no).toBe(7);
    expect(h.ok && h.header.cohort).toBe(-1);
    expect(resolveRosterHeader(["psn_no", "psn_no"]).ok).toBe(false);
  });
  it.each([
    [0, "", "psn_no"],
    [0, "P".repeat(33), "psn_no"],
    [1, `${good[1]?.slice(0, 17)}0`, "certno"],
    [1, "12345", "certno"],
    [2, " ", "psn_name"],
    [3, "3", "gend"],
    [4, "1990-02-30", "brdy"],
    [4, "1991-01-02", "brdy"],
    [5, "320", "insutype"],
    [6, "53262", "admdvs"],
    [7, "U".repeat(33), "unit_code"],
    [8, "vip", "cohort"],
  ])("rejects cell %i = %j in field %s", (i, value, field) => {
    const cells = [...good];
    cells[i] = value;
    const r = parseRosterRow(header.header, cells);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors.map((e) => e.field)).toEqual([field]);
  });
});

describe.each(BACKENDS)("roster import on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  const base = people(40);

  beforeAll(async () => {
    platform = await openTestPlatform(backend);
    app = await testServer(platform);
    await createProgram(platform.ctx, CLI_ACTOR, { programId: "ws-2023", productId: "wenshan-2023" });
    await createProgram(platform.ctx, CLI_ACTOR, { programId: "cx-2023", productId: "chuxiong-2023" });
  });
  afterAll(async () => {
    await app.close();
    await platform.close();
  });

  it("imports a CSV, never stores certno in plaintext, finds people by psn_no and by certno", async () => {
    const result = await importRoster(platform.ctx, CLI_ACTOR, "ws-2023", recordsOf(csvOf(base)));
    expect(result).toMatchObject({ read: 40, imported: 40, rejected: 0, inserted: 40 });
    const rows = await platform.ctx.db.query<Record<string, unknown>>(
      "select * from roster_persons where program_id = 'ws-2023'",
    );
    expect(rows).toHaveLength(40);
    const plaintexts = base.map((p) => p.certno);
    for (const row of rows) {
      for (const value of Object.values(row)) {
        const text =
          value instanceof Uint8Array ? Buffer.from(value).toString("latin1") : JSON.stringify(value ?? "");
        for (const c of plaintexts) expect(text).not.toContain(c);
      }
    }
    const p3 = base[3] as Person;
    const person = await findRosterPerson(platform.ctx.db, "ws-2023", p3.psnNo);
    expect(person).toMatchObject({
      psnNo: p3.psnNo,
      name: p3.name,
      gend: "2",
      birthDate: `${p3.certno.slice(6, 10)}-${p3.certno.slice(10, 12)}-${p3.certno.slice(12, 14)}`,
      unitCode: "U3",
      certnoMasked: `${p3.certno.slice(0, 4)}**********${p3.certno.slice(-4)}`,
    });
    const byCertno = await findRosterPersonByCertno(platform.ctx, "ws-2023", p3.certno);
    expect(byCertno?.psnNo).toBe(p3.psnNo);
    expect(await findRosterPersonByCertno(platform.ctx, "cx-2023", p3.certno)).toBeUndefined();
    expect(await revealRosterCertno(platform.ctx, CLI_ACTOR, "ws-2023", p3.psnNo)).toBe(p3.certno);
    const audits = await platform.ctx.db.query<{ detail: Record<string, unknown> | string }>(
      "select detail from audit_log where program_id = 'ws-2023' and action = 'roster.import'",
    );
    expect(audits).toHaveLength(1);
    const detail = JSON.stringify(audits[0]?.detail);
    expect(detail).toContain('"imported":40');
    for (const p of base) expect(detail).not.toContain(p.certno);
  });

  it("re-importing the same file is idempotent; a changed row is updated", async () => {
    const again = await importRoster(platform.ctx, CLI_ACTOR, "ws-2023", recordsOf(csvOf(base)));
    expect(again).toMatchObject({ read: 40, imported: 40, inserted: 0, updated: 0, unchanged: 40 });
    const changed = base.map((p, i) => (i === 5 ? { ...p, name: "改名", cohort: "tekun", unit: "U9" } : p));
    const third = await importRoster(platform.ctx, CLI_ACTOR, "ws-2023", recordsOf(csvOf(changed)));
    expect(third).toMatchObject({ imported: 40, inserted: 0, updated: 1, unchanged: 39 });
    const count = await platform.ctx.db.query<{ n: number }>(
      "select count(*)::int as n from roster_persons where program_id = 'ws-2023'",
    );
    expect(count[0]?.n).toBe(40);
    const p5 = await findRosterPerson(platform.ctx.db, "ws-2023", (base[5] as Person).psnNo);
    expect(p5).toMatchObject({ name: "改名", cohort: "tekun", unitCode: "U9" });
    // Every import swapped in a new partition and left no build table behind.
    const leftovers = await platform.ctx.db.query<{ n: number }>(
      "select count(*)::int as n from pg_tables where tablename ~ '^roster_(load|next|diff)_'",
    );
    expect(leftovers[0]?.n).toBe(0);
    const history = await platform.ctx.db.query<{ status: string; inserted: number; updated: number }>(
      "select status, inserted::int, updated::int from roster_imports where program_id = 'ws-2023' order by started_at",
    );
    expect(history).toEqual([
      { status: "done", inserted: 40, updated: 0 },
      { status: "done", inserted: 0, updated: 0 },
      { status: "done", inserted: 0, updated: 1 },
    ]);
  });

  it("reports each bad row with its line and field and keeps the good rows", async () => {
    const good = people(3, 100);
    const [g0, g1, g2] = good as [Person, Person, Person];
    const bad: [Partial<Person>, string][] = [
      [{ psnNo: "" }, "psn_no"],
      [{ psnNo: "X".repeat(33) }, "psn_no"],
      [{ certno: `${g0.certno.slice(0, 17)}${g0.certno[17] === "0" ? "1" : "0"}` }, "certno"],
      [{ name: "" }, "psn_name"],
      [{ gend: "9" }, "gend"],
      [{ brdy: "1990/01/01" }, "brdy"],
      [{ brdy: "2001-01-01" }, "brdy"],
      [{ insutype: "391" }, "insutype"],
      [{ admdvs: "5326" }, "admdvs"],
      [{ unit: "U".repeat(33) }, "unit_code"],
      [{ cohort: "rich" }, "cohort"],
    ];
    const rows: Person[] = [g0, ...bad.map(([change], i) => ({ ...g1, psnNo: `B${i}`, ...change })), g2];
    const text = csvOf(rows);
    const result = await importRoster(platform.ctx, CLI_ACTOR, "cx-2023", recordsOf(text));
    expect(result).toMatchObject({ read: rows.length, imported: 2, rejected: bad.length });
    // header is line 1, g0 line 2, bad rows from line 3
    expect(result.errors.map((e) => [e.line, e.field])).toEqual(bad.map(([, field], i) => [i + 3, field]));
    expect(result.errors.find((e) => e.field === "certno")?.message).toBe("校验位错误");
    expect(await findRosterPerson(platform.ctx.db, "cx-2023", g0.psnNo)).toBeDefined();
    expect(await findRosterPerson(platform.ctx.db, "cx-2023", g2.psnNo)).toBeDefined();
    expect(await findRosterPerson(platform.ctx.db, "cx-2023", "B4")).toBeUndefined();
  });

  it("counts lines across blank lines, CRLF and newlines inside quoted fields", async () => {
    const [a, b] = people(2, 500) as [Person, Person];
    // A quoted newline in a column the import ignores (备注) still counts as a line of the file.
    const row = (p: Person, name: string, note: string) =>
      [p.psnNo, p.certno, name, p.gend, p.brdy, p.insutype, p.admdvs, "", "", note].join(",");
    const text = `\uFEFF${HEADER},note\r\n\r\n${row(a, "甲", '"两行\r\n备注"')}\r\n${row(b, "x", "").replace(",390,", ",999,").replace(",310,", ",999,")}\r\n`;
    const result = await importRoster(platform.ctx, CLI_ACTOR, "cx-2023", recordsOf(text));
    expect(result).toMatchObject({ read: 2, imported: 1, rejected: 1 });
    expect(result.errors).toEqual([{ line: 5, field: "insutype", message: expect.any(String) }]);
    expect((await findRosterPerson(platform.ctx.db, "cx-2023", a.psnNo))?.name).toBe("甲");
  });

  it("keeps the last of a psn_no repeated in the file and reports the earlier line", async () => {
    const [a, b] = people(2, 200) as [Person, Person];
    const text = csvOf([a, b, { ...a, name: "后者" }]);
    const result = await importRoster(platform.ctx, CLI_ACTOR, "cx-2023", recordsOf(text));
    expect(result).toMatchObject({ read: 3, imported: 2, rejected: 1 });
    expect(result.errors).toEqual([{ line: 2, field: "psn_no", message: "与第 4 行重复，以第 4 行为准" }]);
    expect((await findRosterPerson(platform.ctx.db, "cx-2023", a.psnNo))?.name).toBe("后者");
  });

  it("refuses an unknown program, a bad header and an empty file, changing nothing", async () => {
    await expect(
      importRoster(platform.ctx, CLI_ACTOR, "nope-2023", recordsOf(csvOf(base))),
    ).rejects.toMatchObject({ kind: "not_found", field: "program_id" });
    const e = await importRoster(
      platform.ctx,
      CLI_ACTOR,
      "cx-2023",
      recordsOf("psn_no,certno\nP1,x\n"),
    ).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ServiceError);
    expect((e as ServiceError).field).toBe("header");
    const before = await platform.ctx.db.query<{ n: number }>(
      "select count(*)::int as n from roster_persons",
    );
    const [a] = people(1, 600) as [Person];
    const broken = `${csvOf([a])}P2,"unterminated,1\n`;
    await expect(importRoster(platform.ctx, CLI_ACTOR, "cx-2023", recordsOf(broken))).rejects.toMatchObject({
      kind: "invalid",
      code: "invalid_csv",
    });
    const after = await platform.ctx.db.query<{ n: number }>("select count(*)::int as n from roster_persons");
    expect(after[0]?.n).toBe(before[0]?.n);
    await expect(importRoster(platform.ctx, CLI_ACTOR, "cx-2023", recordsOf(""))).rejects.toMatchObject({
      field: "header",
    });
  });

  it("imports an XLSX file through the streaming reader", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hmb-roster-"));
    try {
      const file = join(dir, "roster.xlsx");
      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet("名单");
      ws.addRow(["cohort", ...HEADER.split(",").slice(0, 7)]);
      const ps = people(5, 300);
      for (const p of ps)
        ws.addRow([p.cohort, p.psnNo, p.certno, p.name, p.gend, p.brdy, Number(p.insutype), p.admdvs]);
      const bd = (ps[0] as Person).brdy.replaceAll("-", "");
      ws.addRow([
        "",
        "XL-DATE",
        makeCertno("532621", bd, 7),
        "日期格",
        "1",
        new Date(`${bd.slice(0, 4)}-${bd.slice(4, 6)}-${bd.slice(6)}T00:00:00Z`),
        "390",
        "532621",
      ]);
      ws.addRow(["", "XL-BAD", "123", "坏", "1", "1990-01-01", "390", "532621"]);
      await wb.xlsx.writeFile(file);
      const { records } = openRosterFile(file);
      const result = await importRoster(platform.ctx, CLI_ACTOR, "cx-2023", records);
      expect(result).toMatchObject({ read: 7, imported: 6, rejected: 1 });
      expect(result.errors).toEqual([{ line: 8, field: "certno", message: "应为 18 位公民身份号码" }]);
      const p = await findRosterPersonByCertno(platform.ctx, "cx-2023", (ps[0] as Person).certno);
      expect(p).toMatchObject({
        psnNo: (ps[0] as Person).psnNo,
        cohort: "dibao",
        insutype: (ps[0] as Person).insutype,
      });
      expect((await findRosterPerson(platform.ctx.db, "cx-2023", "XL-DATE"))?.birthDate).toBe(
        `${bd.slice(0, 4)}-${bd.slice(4, 6)}-${bd.slice(6)}`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("swaps whole partitions: duplicates on a first import, absent persons kept, rows written outside an import carried over", async () => {
    await createProgram(platform.ctx, CLI_ACTOR, { programId: "pt-2023", productId: "wenshan-2023" });
    // A person written outside any import (as data from before partitions was): lives in the default partition.
    await addRosterPersons(platform.ctx, "pt-2023", [
      { psnNo: "DIRECT-1", name: "直写", brdy: "1980-05-06", cohort: "tekun" },
    ]);
    const ps = people(6, 700);
    const [a, b] = ps as [Person, Person];
    // First import into the program's own partition, with a psn_no repeated: the last line wins.
    const first = await importRoster(
      platform.ctx,
      CLI_ACTOR,
      "pt-2023",
      recordsOf(csvOf([...ps, { ...a, name: "重复后者" }])),
    );
    expect(first).toMatchObject({ read: 7, imported: 6, rejected: 1, inserted: 6, persons: 7 });
    expect(first.errors).toEqual([{ line: 2, field: "psn_no", message: "与第 8 行重复，以第 8 行为准" }]);
    expect((await findRosterPerson(platform.ctx.db, "pt-2023", a.psnNo))?.name).toBe("重复后者");
    expect((await findRosterPerson(platform.ctx.db, "pt-2023", "DIRECT-1"))?.cohort).toBe("tekun");
    const where = await platform.ctx.db.query<{ part: string; n: number }>(
      `select tableoid::regclass::text as part, count(*)::int as n from roster_persons
        where program_id = 'pt-2023' group by 1`,
    );
    expect(where).toEqual([{ part: `roster_persons_${first.importId}`, n: 7 }]);

    // A later file without b: b stays on the roster; a changes.
    const second = await importRoster(
      platform.ctx,
      CLI_ACTOR,
      "pt-2023",
      recordsOf(csvOf(ps.filter((p) => p !== b).map((p) => (p === a ? { ...p, cohort: "dibao" } : p)))),
    );
    expect(second).toMatchObject({ read: 5, imported: 5, inserted: 0, updated: 1, unchanged: 4, persons: 7 });
    const partitionOf = async () =>
      (
        await platform.ctx.db.query<{ part: string }>(
          "select distinct tableoid::regclass::text as part from roster_persons where program_id = 'pt-2023'",
        )
      ).map((r) => r.part);
    // One changed person of seven: applied in place, the partition stays.
    expect(await partitionOf()).toEqual([`roster_persons_${first.importId}`]);
    expect(await findRosterPerson(platform.ctx.db, "pt-2023", b.psnNo)).toBeDefined();
    expect((await findRosterPerson(platform.ctx.db, "pt-2023", a.psnNo))?.cohort).toBe("dibao");
    expect(await findRosterPersonByCertno(platform.ctx, "pt-2023", b.certno)).toMatchObject({
      psnNo: b.psnNo,
    });
    const parts = await platform.ctx.db.query<{ n: number }>(
      "select count(*)::int as n from pg_tables where tablename like 'roster_persons_%' and tablename <> 'roster_persons_default'",
    );
    const programsWithRoster = await platform.ctx.db.query<{ n: number }>(
      "select count(*)::int as n from roster_partitions",
    );
    expect(parts[0]?.n).toBe(programsWithRoster[0]?.n);

    // Every name changed: too many changes to apply in place, a new partition is built and swapped in.
    const third = await importRoster(
      platform.ctx,
      CLI_ACTOR,
      "pt-2023",
      recordsOf(
        csvOf(ps.map((p) => ({ ...p, name: `新${p.name.length}`, cohort: p === a ? "dibao" : "tekun" }))),
      ),
    );
    expect(third).toMatchObject({ read: 6, imported: 6, inserted: 0, updated: 6, unchanged: 0, persons: 7 });
    expect(await partitionOf()).toEqual([`roster_persons_${third.importId}`]);
    expect((await findRosterPerson(platform.ctx.db, "pt-2023", b.psnNo))?.cohort).toBe("tekun");

    // The enrollment rollup equals a count over the roster itself.
    const rollup = await platform.ctx.db.query<{ value: string; n: number }>(
      `select value, sum(roster_persons)::int as n from oversight_enrollment
        where program_id = 'pt-2023' and dim = 'cohort' group by value having sum(roster_persons) <> 0 order by value`,
    );
    const direct = await platform.ctx.db.query<{ value: string; n: number }>(
      `select coalesce(cohort, '') as value, count(*)::int as n from roster_persons
        where program_id = 'pt-2023' group by 1 order by 1`,
    );
    expect(rollup).toEqual(direct);
  });

  it("lets one of two simultaneous imports of a program win; the other is refused or follows it", async () => {
    await createProgram(platform.ctx, CLI_ACTOR, { programId: "race-2023", productId: "wenshan-2023" });
    const one = people(30, 900);
    const two = people(30, 915);
    const results = await Promise.allSettled([
      importRoster(platform.ctx, CLI_ACTOR, "race-2023", recordsOf(csvOf(one))),
      importRoster(platform.ctx, CLI_ACTOR, "race-2023", recordsOf(csvOf(two))),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    expect(won.length).toBeGreaterThanOrEqual(1);
    for (const r of results) {
      if (r.status === "rejected")
        expect(r.reason).toMatchObject({ kind: "conflict", code: "roster_import_conflict" });
    }
    const count = await platform.ctx.db.query<{ n: number }>(
      "select count(*)::int as n from roster_persons where program_id = 'race-2023'",
    );
    // One file (30 persons) or both merged in order (45 distinct persons).
    expect(count[0]?.n).toBe(won.length === 2 ? 45 : 30);
    const leftovers = await platform.ctx.db.query<{ n: number }>(
      "select count(*)::int as n from pg_tables where tablename ~ '^roster_(load|next|diff)_'",
    );
    expect(leftovers[0]?.n).toBe(0);
    const statuses = await platform.ctx.db.query<{ status: string; n: number }>(
      "select status, count(*)::int as n from roster_imports where program_id = 'race-2023' group by 1 order by 1",
    );
    expect(statuses).toEqual(
      won.length === 2
        ? [{ status: "done", n: 2 }]
        : [
            { status: "done", n: 1 },
            { status: "failed", n: 1 },
          ],
    );
  });

  it("serves imports and masked, audited reads over HTTP with roles", async () => {
    await createUser(platform.ctx, CLI_ACTOR, {
      programId: "ws-2023",
      username: "op1",
      role: "operator",
      password: "operator-pass",
    });
    await createUser(platform.ctx, CLI_ACTOR, {
      programId: "ws-2023",
      username: "bureau1",
      role: "bureau",
      password: "bureau-pass",
    });
    const login = async (username: string, password: string) => {
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { program_id: "ws-2023", username, password },
      });
      expect(res.statusCode).toBe(200);
      return { authorization: `Bearer ${res.json().token as string}` };
    };
    const op = await login("op1", "operator-pass");
    const bureau = await login("bureau1", "bureau-pass");
    const extra = people(3, 400);
    const body = `${csvOf(extra)}${(extra[0] as Person).psnNo},123,x,1,1990-01-01,390,532621,,\n`;
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/programs/ws-2023/roster/imports",
      headers: { ...op, "content-type": "text/csv" },
      payload: body,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      read: 4,
      imported: 3,
      rejected: 1,
      errors: [{ line: 5, field: "certno", message: "应为 18 位公民身份号码" }],
    });
    const denied = await app.inject({
      method: "POST",
      url: "/api/v1/programs/ws-2023/roster/imports",
      headers: { ...bureau, "content-type": "text/csv" },
      payload: body,
    });
    expect(denied.statusCode).toBe(403);
    const anonymous = await app.inject({
      method: "POST",
      url: "/api/v1/programs/ws-2023/roster/imports",
      headers: { "content-type": "text/csv" },
      payload: body,
    });
    expect(anonymous.statusCode).toBe(401);
    const badHeader = await app.inject({
      method: "POST",
      url: "/api/v1/programs/ws-2023/roster/imports",
      headers: { ...op, "content-type": "text/csv" },
      payload: "a,b\n1,2\n",
    });
    expect(badHeader.statusCode).toBe(400);
    expect(badHeader.json().error.field).toBe("header");
    const json = await app.inject({
      method: "POST",
      url: "/api/v1/programs/ws-2023/roster/imports",
      headers: op,
      payload: { rows: [] },
    });
    expect(json.statusCode).toBe(400);

    // The import history: newest first, the failed header attempt included, no personal data.
    const history = await app.inject({
      method: "GET",
      url: "/api/v1/programs/ws-2023/roster/imports",
      headers: bureau,
    });
    expect(history.statusCode).toBe(200);
    const imports = history.json() as {
      import_id: string;
      status: string;
      source: string;
      rejected: number;
    }[];
    expect(imports[0]).toMatchObject({ status: "failed", source: "api" });
    expect(imports[1]).toMatchObject({ import_id: res.json().import_id, status: "done", rejected: 1 });
    for (const p of extra) expect(history.body).not.toContain(p.certno);

    const who = extra[1] as Person;
    for (const headers of [op, bureau]) {
      const get = await app.inject({
        method: "GET",
        url: `/api/v1/programs/ws-2023/roster/${who.psnNo}`,
        headers,
      });
      expect(get.statusCode).toBe(200);
      expect(get.json()).toMatchObject({ psn_no: who.psnNo, psn_name: who.name });
      expect(get.json().certno).toBe(`${who.certno.slice(0, 4)}**********${who.certno.slice(-4)}`);
      expect(get.body).not.toContain(who.certno);
    }
    const reads = await platform.ctx.db.query<{ actor: string; subject: string }>(
      "select actor, subject from audit_log where program_id = 'ws-2023' and action = 'roster.read' order by audit_id",
    );
    expect(reads).toEqual([
      { actor: "op1", subject: who.psnNo },
      { actor: "bureau1", subject: who.psnNo },
    ]);
    const missing = await app.inject({
      method: "GET",
      url: "/api/v1/programs/ws-2023/roster/NOBODY",
      headers: op,
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.field).toBe("psn_no");
  });
});

describe("hmb roster import (real binary)", () => {
  let dir: string;
  const env = () => ({
    ...process.env,
    DATABASE_URL: "",
    HMB_DATA_DIR: join(dir, "pg"),
    HMB_DATA_KEY: randomKey,
  });
  const randomKey = randomBytes(32).toString("base64");
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "hmb-roster-cli-"));
    buildCli();
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function hmb(
    args: string[],
    extraEnv: Record<string, string> = {},
    timeout = 0,
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run("node", ["bin/hmb.js", ...args], {
        env: { ...env(), ...extraEnv },
        // A command that hangs is killed (and fails the test) instead of holding the suite.
        timeout,
      });
      return { code: 0, stdout, stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: x.code, stdout: x.stdout, stderr: x.stderr };
    }
  }

  it("imports, reports bad rows with exit 2, is idempotent, and fails with exit 1 on an unknown program", async () => {
    expect((await hmb(["program", "create", "--id", "ws-2023", "--product", "wenshan-2023"])).code).toBe(0);
    const ps = people(30);
    const file = join(dir, "roster.csv");
    writeFileSync(file, csvOf(ps));
    const first = await hmb(["roster", "import", "--program", "ws-2023", "--file", file]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/read 30, imported 30 .*rejected 0, elapsed [\d.]+ s, \d+ rows\/s/);
    const again = await hmb(["roster", "import", "--program", "ws-2023", "--file", file]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/read 30, imported 30 \(new 0, updated 0, unchanged 30\)/);

    const badFile = join(dir, "bad.csv");
    const p0 = ps[0] as Person;
    writeFileSync(
      badFile,
      `${csvOf(ps.slice(1, 3))}${p0.psnNo},${p0.certno.slice(0, 17)}Y,x,1,1990-01-01,390,532621,,\n`,
    );
    const report = join(dir, "report.json");
    const bad = await hmb([
      "roster",
      "import",
      "--program",
      "ws-2023",
      "--file",
      badFile,
      "--report",
      report,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("line 4: certno:");
    expect(bad.stdout).toMatch(/read 3, imported 2 .*rejected 1/);
    const json = JSON.parse(readFileSync(report, "utf8"));
    expect(json).toMatchObject({ read: 3, imported: 2, rejected: 1, errors: [{ line: 4, field: "certno" }] });

    if (process.env.TEST_DATABASE_URL) {
      // PostgreSQL: the COPY path through the CLI.
      const admin = process.env.TEST_DATABASE_URL;
      const name = `hmb_t_${randomBytes(6).toString("hex")}`;
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`create database ${name}`);
      await c.end();
      const u = new URL(admin);
      u.pathname = `/${name}`;
      const pgEnv = { DATABASE_URL: u.toString() };
      try {
        expect(
          (await hmb(["program", "create", "--id", "ws-2023", "--product", "wenshan-2023"], pgEnv)).code,
        ).toBe(0);
        const many = people(10_000);
        const bigFile = join(dir, "big.csv");
        writeFileSync(bigFile, `${csvOf(many)}${p0.psnNo},123,x,1,1990-01-01,390,532621,,\n`);
        const res = await hmb(["roster", "import", "--program", "ws-2023", "--file", bigFile], pgEnv);
        expect(res.stderr).toContain("line 10002: certno:");
        expect(res.stdout).toMatch(
          /read 10001, imported 10000 \(new 10000, updated 0, unchanged 0\), rejected 1/,
        );
        expect(res.code).toBe(2);
        const platform = await openPlatform({
          url: u.toString(),
          keys: deriveKeys(Buffer.from(randomKey, "base64")),
        });
        try {
          const who = many[4321] as Person;
          expect((await findRosterPersonByCertno(platform, "ws-2023", who.certno))?.psnNo).toBe(who.psnNo);
          expect(await revealRosterCertno(platform, CLI_ACTOR, "ws-2023", who.psnNo)).toBe(who.certno);
        } finally {
          await platform.db.close();
        }
      } finally {
        const d = new pg.Client({ connectionString: admin });
        await d.connect();
        await d.query(`drop database if exists ${name} with (force)`);
        await d.end();
      }
    }
    const unknown = await hmb(["roster", "import", "--program", "nope-2023", "--file", file]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("nope-2023");
    const missing = await hmb(["roster", "import", "--program", "ws-2023", "--file", join(dir, "none.csv")]);
    expect(missing.code).toBe(1);
  }, 120_000);

  it("an empty, corrupt or fake XLSX and a CSV with an unclosed quote fail at once: exit 1, one Chinese line, nothing imported", async () => {
    const { corrupt } = await rosterWorkbooks(50, "CLI");
    const files: [string, Buffer | string, RegExp][] = [
      ["empty.xlsx", Buffer.alloc(0), /^hmb: 无法读取 Excel 文件：文件为空/m],
      ["corrupt.xlsx", corrupt, /^hmb: 无法读取 Excel 文件：/m],
      ["fake.xlsx", "psn_no,certno\nnot a workbook\n", /^hmb: 无法读取 Excel 文件：不是 xlsx 文件/m],
      ["unclosed.csv", `${HEADER}\nP1,"unclosed,x\n`, /^hmb: CSV 格式错误：第 \d+ 行引号没有闭合/m],
    ];
    const backends: Record<string, string>[] = [{}];
    const admin = process.env.TEST_DATABASE_URL;
    const name = `hmb_t_${randomBytes(6).toString("hex")}`;
    if (admin !== undefined && admin !== "") {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`create database ${name}`);
      await c.end();
      const u = new URL(admin);
      u.pathname = `/${name}`;
      backends.push({ DATABASE_URL: u.toString() });
    }
    try {
      for (const backendEnv of backends) {
        const create = await hmb(
          ["program", "create", "--id", "bx-2023", "--product", "wenshan-2023"],
          backendEnv,
        );
        expect(create.code, create.stderr).toBe(0);
        for (const [fileName, bytes, message] of files) {
          const path = join(dir, fileName);
          writeFileSync(path, bytes);
          const started = performance.now();
          const res = await hmb(
            ["roster", "import", "--program", "bx-2023", "--file", path],
            backendEnv,
            30_000,
          );
          const label = `${fileName}: ${res.code} ${res.stderr}`;
          expect(res.code, label).toBe(1);
          expect(res.stderr, label).toMatch(message);
          expect(res.stdout, label).toBe("");
          // Process start and the embedded database's open take most of it; the file itself fails at once.
          expect(performance.now() - started, label).toBeLessThan(20_000);
        }
      }
    } finally {
      if (backends.length > 1) {
        const d = new pg.Client({ connectionString: admin });
        await d.connect();
        await d.query(`drop database if exists ${name} with (force)`);
        await d.end();
      }
    }
  }, 240_000);
});
