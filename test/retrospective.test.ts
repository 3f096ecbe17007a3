/**
 * 精算回溯 (issue 13 item 5) on the oversight scenario's 文山 program (enrollments, a cancellation, settlements, a
 * revocation and its correction): the per-group figures add up to the program's own (from the base tables,
 * exact to the fen), the loss ratio is hmb_pay ÷ premium, the large claims and the PDF/XLSX carry nothing
 * personal, the recommended design is the compliant candidate closest to the target and its replay is an
 * independent Replay's, and bad input is refused naming the field.
 */
import { inflateSync } from "node:zlib";
import { Command } from "commander";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Replay, ratio4 } from "../src/actuarial/replay.js";
import { registerReportCommand } from "../src/cli/report.js";
import { premiumFor } from "../src/domain/premium.js";
import { findPlan } from "../src/domain/product.js";
import { CLI_ACTOR, ServiceError } from "../src/services/context.js";
import { createProgram, loadProgram } from "../src/services/programs.js";
import {
  retrospectiveJson,
  retrospectivePdf,
  retrospectiveXlsx,
} from "../src/services/reports/retrospective.js";
import { type RetrospectiveReport, retrospectiveReport } from "../src/services/retrospective.js";
import { postSettlement, recordFor } from "./support/claims.js";
import { type OversightScenario, runOversightScenario } from "./support/oversight.js";
import { BACKENDS, openTestPlatform, type TestPlatform } from "./support/platform.js";
import { authHeaders, PROGRAM } from "./support/roster.js";

/** The text of a pdfkit PDF: streams inflated, glyph codes mapped back through the ToUnicode CMaps. */
function pdfText(pdf: Buffer): string {
  const raw = pdf.toString("latin1");
  const streams: string[] = [];
  const re = /\d+ 0 obj\b((?:(?!endobj)[\s\S])*?)\bstream\r?\n/g;
  for (let m = re.exec(raw); m !== null; m = re.exec(raw)) {
    const dict = m[1] as string;
    const length = Number(/\/Length (\d+)/.exec(dict)?.[1] ?? -1);
    if (length < 0) continue;
    const start = m.index + m[0].length;
    const bytes = pdf.subarray(start, start + length);
    streams.push((/\/FlateDecode/.test(dict) ? inflateSync(bytes) : bytes).toString("latin1"));
    re.lastIndex = start + length;
  }
  const map = new Map<string, string>();
  const unhex = (h: string) => {
    let s = "";
    for (let i = 0; i < h.length; i += 4) s += String.fromCharCode(Number.parseInt(h.slice(i, i + 4), 16));
    return s;
  };
  for (const s of streams.filter((x) => x.includes("begincmap"))) {
    for (const block of s.matchAll(/beginbfchar([\s\S]*?)endbfchar/g))
      for (const [, code, uni] of (block[1] as string).matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g))
        map.set((code as string).toLowerCase(), unhex(uni as string));
    for (const block of s.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
      for (const [, lo, hi, rest] of (block[1] as string).matchAll(
        /<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\[[^\]]*\]|<[0-9a-fA-F]+>)/g,
      )) {
        const from = Number.parseInt(lo as string, 16);
        const to = Number.parseInt(hi as string, 16);
        const width = (lo as string).length;
        if ((rest as string).startsWith("[")) {
          const values = [...(rest as string).matchAll(/<([0-9a-fA-F ]+)>/g)].map((v) =>
            (v[1] as string).replaceAll(" ", ""),
          );
          for (const [i, v] of values.entries())
            map.set((from + i).toString(16).padStart(width, "0"), unhex(v));
        } else {
          const base = Number.parseInt((rest as string).slice(1, -1), 16);
          for (let c = from; c <= to; c++)
            map.set(c.toString(16).padStart(width, "0"), String.fromCharCode(base + c - from));
        }
      }
    }
  }
  let text = "";
  for (const s of streams.filter((x) => /T[Jj]/.test(x) && !x.includes("begincmap"))) {
    for (const op of s.matchAll(/(\[[^\]]*\]|<[0-9a-fA-F]*>)\s*T[Jj]/g)) {
      for (const h of (op[1] as string).matchAll(/<([0-9a-fA-F]*)>/g)) {
        const hex = (h[1] as string).toLowerCase();
        for (let i = 0; i < hex.length; i += 4) text += map.get(hex.slice(i, i + 4)) ?? "?";
      }
      text += "\n";
    }
  }
  return text;
}

const ENROLLED = "('active', 'pending_effective')";

describe.each(BACKENDS)("精算回溯 on %s", (backend) => {
  let platform: TestPlatform;
  let s: OversightScenario;
  let r: RetrospectiveReport;

  beforeAll(async () => {
    platform = await openTestPlatform(backend);
    s = await runOversightScenario(platform);
    // P007 (enrolled, no claim yet): a lung-cancer stay before coverage start makes them 既往症 under 文山's
    // rule (prior diagnosis C00–C97), then an inpatient stay in the year: (30,000 − 12,000) × 80 % = 14,400.
    for (const spec of [
      {
        setlId: "S-RT-H1",
        begntime: "2023-08-10 10:00:00",
        setlTime: "2023-08-11 10:00:00",
        diagnosis: "C34.900",
      },
      { setlId: "S-RT-H2", begntime: "2023-11-18 10:00:00", setlTime: "2023-11-19 10:00:00" },
    ]) {
      const res = await postSettlement(
        s.app,
        s.fx,
        await recordFor(s.fx, { ...spec, psnNo: "P007", inScope: 3_000_000 }),
      );
      expect(res.statusCode, res.body).toBe(200);
    }
    s.secrets.push("S-RT-H1", "S-RT-H2", await s.fx.certnoOf("P007"));
    r = await retrospectiveReport(s.ctx, CLI_ACTOR, PROGRAM);
  }, 120_000);
  afterAll(async () => {
    await s?.app.close();
    await platform?.close();
  });

  it("per-group figures add up to the program's own, read from the base tables, to the fen", async () => {
    const [premium] = await s.ctx.db.query<{ fen: string | number; n: string | number }>(
      `select coalesce(sum(premium_fen), 0) as fen, count(*) as n from policies
        where program_id = $1 and status in ${ENROLLED}`,
      [PROGRAM],
    );
    const [paid] = await s.ctx.db.query<{ fen: string | number; n: string | number }>(
      `select coalesce(sum(hmb_pay_fen), 0) as fen, count(*) filter (where hmb_pay_fen > 0) as n from claims
        where program_id = $1 and state = 'settled'
          and psn_no in (select psn_no from policies where program_id = $1 and status in ${ENROLLED})`,
      [PROGRAM],
    );
    const t = r.experience.total;
    expect(t.premiumFen).toBe(Number(premium?.fen));
    expect(t.persons).toBe(Number(premium?.n));
    expect(t.hmbPayFen).toBe(Number(paid?.fen));
    expect(t.paidClaims).toBe(Number(paid?.n));
    expect(t.hmbPayFen).toBeGreaterThan(0);
    const sum = (f: (g: (typeof r.experience.groups)[number]) => number) =>
      r.experience.groups.reduce((a, g) => a + f(g), 0);
    expect(sum((g) => g.premiumFen)).toBe(t.premiumFen);
    expect(sum((g) => g.hmbPayFen)).toBe(t.hmbPayFen);
    expect(sum((g) => g.expectedClaimsFen)).toBe(t.expectedClaimsFen);
    expect(sum((g) => g.persons)).toBe(t.persons);
    expect(sum((g) => g.claims)).toBe(t.claims);
    expect(sum((g) => g.paidClaims)).toBe(t.paidClaims);
    // More than one group: the scenario has children, adults and a 60+ person, both sexes.
    expect(r.experience.groups.length).toBeGreaterThan(1);
    // P007 (born 1970, male): 既往症 by the pre-coverage cancer diagnosis, paid 14,400 in the year.
    const pre = r.experience.groups.filter((g) => g.key.includes("health:pre"));
    expect(pre.map((g) => [g.label, g.persons, g.hmbPayFen])).toEqual([
      ["40–59岁 · 男 · 既往症", 1, 1_440_000],
    ]);
    for (const g of r.experience.groups) expect(g.label).not.toMatch(/[a-z_]{3,}/);
  });

  it("the loss ratio is hmb_pay ÷ premium (4 places, half up) for the program and every group", () => {
    for (const g of [...r.experience.groups, r.experience.total]) {
      expect(g.lossRatio).toBe(ratio4(g.hmbPayFen, g.premiumFen));
      if (g.premiumFen > 0)
        expect(Math.abs(Number(g.lossRatio) - g.hmbPayFen / g.premiumFen)).toBeLessThan(5e-5);
    }
    const json = retrospectiveJson(r);
    expect(json.total.loss_ratio).toBe(ratio4(r.experience.total.hmbPayFen, r.experience.total.premiumFen));
    // The reserve's ultimate = paid + IBNR, both from programReserve's triangle.
    expect(r.reserve.ultimateFen).toBe(r.reserve.paidFen + r.reserve.ibnrFen);
    expect(r.reserve.paidFen).toBeGreaterThan(0);
  });

  it("large claims, the PDF and the workbook carry no name, person number, ID number or settlement id", async () => {
    expect(r.largeClaims.length).toBeGreaterThan(0);
    expect(r.largeClaims.map((l) => l.label)).toEqual(
      r.largeClaims.map((_, i) => `大额-${String(i + 1).padStart(2, "0")}`),
    );
    const amounts = r.largeClaims.map((l) => l.hmbPayFen);
    expect([...amounts].sort((a, b) => b - a)).toEqual(amounts);
    const json = JSON.stringify(retrospectiveJson(r));
    const pdf = await retrospectivePdf(r);
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    const text = pdfText(pdf);
    expect(text).toContain("精算回溯报告");
    expect(text).toContain(r.largeClaims[0]?.label);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await retrospectiveXlsx(r)) as never);
    const cells: string[] = [];
    wb.eachSheet((ws) => ws.eachRow((row) => row.eachCell((c) => cells.push(String(c.value)))));
    const all = cells.join("\n");
    expect(wb.worksheets.map((w) => w.name)).toEqual([
      "说明",
      "分组经验",
      "准备金",
      "赔款进展三角",
      "大额赔付",
      "下年度方案",
      "合规检查",
    ]);
    for (const where of [json, text, all, pdf.toString("latin1")])
      expect(s.secrets.filter((x) => where.includes(x))).toEqual([]);
    // No raw codes for people: plan id, rule-set ids, liability ids.
    for (const where of [text, all])
      for (const code of ["standard", "pre_existing", "yunnan-2023", "nfra-2025", "inpatient_in_scope"])
        expect(where).not.toContain(code);
  });

  it("recommends the compliant candidate closest to the target, and its replay is an independent Replay's", async () => {
    const p = r.proposal;
    expect(p.evaluations.length).toBeGreaterThan(10);
    expect(p.evaluations[0]?.candidate.label).toBe("维持现行方案");
    const best = p.recommended as number;
    expect(best).toBeDefined();
    const target = Number(p.targetLossRatio);
    expect(target).toBe(0.85);
    const gap = (i: number) => {
      const e = p.evaluations[i];
      return Math.abs((e?.projectedHmbPayFen ?? 0) / (e?.replay.premium ?? 1) - target);
    };
    const chosen = p.evaluations[best];
    expect(chosen?.compliant).toBe(true);
    for (const [i, e] of p.evaluations.entries())
      if (e.compliant) expect(gap(best)).toBeLessThanOrEqual(gap(i) + 1e-12);
    // The projection: replayed hmb_pay × (paid + IBNR) ÷ paid, half up.
    const factor = (r.reserve.paidFen + r.reserve.ibnrFen) / r.reserve.paidFen;
    expect(
      Math.abs((chosen?.projectedHmbPayFen ?? 0) - (chosen?.replay.hmbPay ?? 0) * factor),
    ).toBeLessThanOrEqual(0.5);
    // An independent replay of the recommended design over the same stored records and enrolled persons.
    const program = await loadProgram(s.ctx, PROGRAM);
    const design = { label: "x", product: chosen?.candidate.product ?? program.product, planId: r.planId };
    const people = await s.ctx.db.query<{ brdy: string; cohort: string | null }>(
      `select to_char(r.brdy, 'YYYY-MM-DD') as brdy, r.cohort from policies p
         join roster_persons r on r.program_id = p.program_id and r.psn_no = p.psn_no
        where p.program_id = $1 and p.status in ${ENROLLED}`,
      [PROGRAM],
    );
    const plan = findPlan(design.product, design.planId);
    const premium = people.reduce(
      (a, x) =>
        a + premiumFor(plan, { birthDate: x.brdy, cohort: x.cohort }, design.product.coverage.start).amount,
      0,
    );
    const records = await s.ctx.db.query<{
      record: Record<string, unknown> | string;
      gend: string;
      brdy: string;
      cohort: string | null;
    }>(
      `select m.record, r.gend, to_char(r.brdy, 'YYYY-MM-DD') as brdy, r.cohort from medical_records m
         join roster_persons r on r.program_id = m.program_id and r.psn_no = m.psn_no
        where m.program_id = $1
          and m.psn_no in (select psn_no from policies where program_id = $1 and status in ${ENROLLED})
          and not exists (select 1 from claims c where c.program_id = m.program_id and c.setl_id = m.setl_id and c.state = 'revoked')
        order by m.settled_at, m.setl_id`,
      [PROGRAM],
    );
    const replay = new Replay([design], people.length, [premium]);
    for (const x of records) {
      const rec = typeof x.record === "string" ? JSON.parse(x.record) : x.record;
      replay.add(
        JSON.stringify({
          ...rec,
          certno: "11010519491231002X",
          gend: x.gend,
          brdy: x.brdy,
          ...(x.cohort === null ? {} : { hmb_cohort: x.cohort }),
        }),
      );
    }
    const result = replay.finish();
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const independent = result.designs[0];
    expect({ ...chosen?.replay, design: "x" }).toEqual(independent);
    // The current design replays to what the platform paid those persons.
    expect(p.evaluations[0]?.replay.hmbPay).toBe(r.experience.total.hmbPayFen);
    expect(p.evaluations[0]?.replay.premium).toBe(r.experience.total.premiumFen);
    expect(p.reason).toContain(chosen?.candidate.label);
  });

  it("GET …/reports/retrospective: PDF, Excel and JSON to the bureau; roles; bad input names the field", async () => {
    const bureau = await authHeaders(s.app, "bureau1");
    const url = (q: string, program = PROGRAM) => `/api/v1/programs/${program}/reports/retrospective?${q}`;
    const pdf = await s.app.inject({ method: "GET", url: url("format=pdf"), headers: bureau });
    expect(pdf.statusCode, pdf.body).toBe(200);
    expect(pdf.headers["content-type"]).toBe("application/pdf");
    expect(pdf.headers["content-disposition"]).toContain(`retrospective-${PROGRAM}-`);
    const xlsx = await s.app.inject({ method: "GET", url: url("format=xlsx"), headers: bureau });
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.headers["content-type"]).toContain("spreadsheetml");
    const json = await s.app.inject({
      method: "GET",
      url: url("format=json&target_loss_ratio=0.9"),
      headers: bureau,
    });
    expect(json.statusCode, json.body).toBe(200);
    const body = json.json();
    expect(body.proposal.target_loss_ratio).toBe("0.9000");
    expect(body.total.hmb_pay).toBe((r.experience.total.hmbPayFen / 100).toFixed(2));
    const audits = await s.ctx.db.query<{ n: string | number }>(
      "select count(*) as n from audit_log where program_id = $1 and action = 'report.retrospective'",
      [PROGRAM],
    );
    expect(Number(audits[0]?.n)).toBeGreaterThanOrEqual(3);

    const insurer = await s.app.inject({
      method: "GET",
      url: url("format=json"),
      headers: await authHeaders(s.app, "ins1"),
    });
    expect(insurer.statusCode).toBe(403);
    const badFormat = await s.app.inject({ method: "GET", url: url("format=doc"), headers: bureau });
    expect(badFormat.statusCode).toBe(400);
    expect(badFormat.body).toContain("format");
    const badTarget = await s.app.inject({
      method: "GET",
      url: url("target_loss_ratio=85%"),
      headers: bureau,
    });
    expect(badTarget.statusCode).toBe(400);
    expect(badTarget.body).toContain("target_loss_ratio");
    const unknown = await s.app.inject({
      method: "GET",
      url: url("format=json", "no-such-program"),
      headers: bureau,
    });
    expect([403, 404]).toContain(unknown.statusCode);

    // The service itself: an unknown program and a bad target name their field, in Chinese.
    const err = await retrospectiveReport(s.ctx, CLI_ACTOR, "no-such-program").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as ServiceError).field).toBe("program_id");
    expect((err as ServiceError).message).toContain("不存在");
    const bad = await retrospectiveReport(s.ctx, CLI_ACTOR, PROGRAM, { targetLossRatio: "abc" }).catch(
      (e: unknown) => e,
    );
    expect((bad as ServiceError).field).toBe("target_loss_ratio");
    expect((bad as ServiceError).message).toContain("目标赔付率");
  });

  it("a program with nobody insured yet: empty groups, zero totals, no recommendation, the files still render", async () => {
    await createProgram(s.ctx, CLI_ACTOR, { programId: "ws-empty", productId: "wenshan-2023" });
    const empty = await retrospectiveReport(s.ctx, CLI_ACTOR, "ws-empty");
    expect(empty.experience.groups).toEqual([]);
    expect(empty.experience.total).toMatchObject({
      persons: 0,
      premiumFen: 0,
      hmbPayFen: 0,
      lossRatio: undefined,
    });
    expect(empty.reserve).toMatchObject({ paidFen: 0, ibnrFen: 0 });
    expect(empty.largeClaims).toEqual([]);
    expect(empty.proposal.recommended).toBeUndefined();
    expect(empty.proposal.reason).toContain("没有可推荐的方案");
    expect((await retrospectivePdf(empty)).subarray(0, 5).toString()).toBe("%PDF-");
    expect((await retrospectiveXlsx(empty)).length).toBeGreaterThan(0);
  });

  it("`hmb report retrospective` refuses a bad --format or --target-loss-ratio before touching the database", async () => {
    const run = async (args: string[]) => {
      const program = new Command().exitOverride();
      registerReportCommand(program);
      let stderr = "";
      const write = process.stderr.write.bind(process.stderr);
      process.stderr.write = ((chunk: string) => {
        stderr += chunk;
        return true;
      }) as typeof process.stderr.write;
      try {
        await program.parseAsync(["node", "hmb", "report", "retrospective", "--program", PROGRAM, ...args]);
      } finally {
        process.stderr.write = write;
      }
      const code = process.exitCode;
      process.exitCode = 0;
      return { code, stderr };
    };
    const format = await run(["--format", "doc"]);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain("--format");
    const target = await run(["--target-loss-ratio", "1.5x"]);
    expect(target.code).toBe(2);
    expect(target.stderr).toContain("--target-loss-ratio");
    expect(target.stderr).toContain("目标赔付率");
  });
});
