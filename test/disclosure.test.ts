/**
 * Disclosure report (issue 5 item 4, guidance clause 十四): the PDF carries the figures in Chinese text with the
 * font embedded, the workbook reads back with the summary service's figures, nothing personal is in either;
 * the route's roles and bad input; `hmb report disclosure` exit codes — on both back ends.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatYuan } from "../src/domain/money.js";
import { deriveKeys } from "../src/platform/crypto.js";
import { CLI_ACTOR } from "../src/services/context.js";
import { oversightSummary } from "../src/services/oversight/summary.js";
import { openPlatform } from "../src/services/platform.js";
import { createProgram } from "../src/services/programs.js";
import { type DisclosureReport, disclosureReport } from "../src/services/reports/disclosure.js";
import { disclosurePdf, disclosureXlsx } from "../src/services/reports/render.js";
import { BIN, buildCli, ROOT } from "./support/cli.js";
import { type OversightScenario, runOversightScenario } from "./support/oversight.js";
import { BACKENDS, openTestPlatform, type TestPlatform } from "./support/platform.js";
import { authHeaders, PROGRAM } from "./support/roster.js";

/**
 * The text of a PDF written by pdfkit: inflates every stream, reads the ToUnicode CMaps (bfchar and bfrange)
 * and maps the hex glyph codes of the TJ/Tj operators back to characters. Enough for pdfkit's output.
 */
function pdfText(pdf: Buffer): string {
  const raw = pdf.toString("latin1");
  const streams: string[] = [];
  // Each object's dictionary runs from "N 0 obj" to its "stream" keyword; the data follows for /Length bytes.
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
    for (const block of s.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
      for (const [, code, uni] of (block[1] as string).matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g))
        map.set((code as string).toLowerCase(), unhex(uni as string));
    }
    for (const block of s.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
      const body = block[1] as string;
      for (const [, lo, hi, rest] of body.matchAll(
        /<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\[[^\]]*\]|<[0-9a-fA-F]+>)/g,
      )) {
        const from = Number.parseInt(lo as string, 16);
        const to = Number.parseInt(hi as string, 16);
        const width = (lo as string).length;
        if ((rest as string).startsWith("[")) {
          // An entry may hold several code points ("<0066 0069>" for a ligature).
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

/** Every cell of every sheet, as text. */
function workbookText(wb: ExcelJS.Workbook): string {
  const out: string[] = [];
  wb.eachSheet((ws) => {
    ws.eachRow((row) => {
      row.eachCell((c) => {
        out.push(String(c.value));
      });
    });
  });
  return out.join("\n");
}

/** Overview rows by their key (column 指标代码): [cumulative, this period]. */
function overviewOf(wb: ExcelJS.Workbook): Map<string, [unknown, unknown]> {
  const ws = wb.getWorksheet("概览");
  if (ws === undefined) throw new Error("no 概览 sheet");
  const rows = new Map<string, [unknown, unknown]>();
  ws.eachRow((row) => {
    const key = row.getCell(2).value;
    if (typeof key === "string" && /^[a-z_]+$/.test(key))
      rows.set(key, [row.getCell(3).value, row.getCell(4).value]);
  });
  return rows;
}

const yuanOf = (v: unknown) => (typeof v === "number" ? v.toFixed(2) : v);

describe.each(BACKENDS)("disclosure report on %s", (backend) => {
  let platform: TestPlatform;
  let s: OversightScenario;
  let report: DisclosureReport;

  beforeAll(async () => {
    platform = await openTestPlatform(backend);
    s = await runOversightScenario(platform);
    report = await disclosureReport(s.ctx, CLI_ACTOR, PROGRAM, "2023-10");
  });
  afterAll(async () => {
    await s?.app.close();
    await platform?.close();
  });

  it("covers the period with the summary's figures, payouts by liability and anonymized largest payouts", async () => {
    expect(report).toMatchObject({
      period: "2023-10",
      from: "2023-10-01",
      to: "2023-10-31",
      as_of: "2023-10-31",
    });
    const summary = await oversightSummary(s.ctx, PROGRAM, { asOf: "2023-10-31" });
    expect(report.summary).toEqual(summary);
    // Paid by 10-31: P001 6,400 + 560,000; P003 62,400 (70,400 revoked); P005 22,400 + 3,600.
    expect(summary.claims.paid_fen).toBe(65_480_000);
    expect(report.this_period).toMatchObject({
      settled: 6,
      revoked: 1,
      paid_claims: 4,
      paid_fen: 65_480_000,
    });
    const byLiability = report.payouts_by_liability;
    expect(byLiability.map((l) => [l.liability, l.paid_fen])).toEqual([
      ["inpatient_in_scope", 65_120_000],
      ["inpatient_out_of_scope", 360_000],
    ]);
    expect(byLiability.reduce((a, l) => a + l.paid_fen, 0)).toBe(65_480_000);
    expect(byLiability[0]?.name).toMatch(/^责任一/);
    expect(report.largest_payouts).toEqual([
      expect.objectContaining({
        rank: 1,
        amount_fen: 56_000_000,
        county_name: "文山市",
        med_type_name: "普通住院",
      }),
      expect.objectContaining({ rank: 2, amount_fen: 6_240_000, county: "532622", county_name: "砚山县" }),
      expect.objectContaining({ rank: 3, amount_fen: 2_600_000, liability: "inpatient_in_scope" }),
      expect.objectContaining({ rank: 4, amount_fen: 640_000 }),
    ]);
    for (const l of report.largest_payouts)
      expect(Object.keys(l).sort()).toEqual([
        "amount_fen",
        "county",
        "county_name",
        "liability",
        "liability_name",
        "med_type",
        "med_type_name",
        "rank",
      ]);
    // A year still running is reported as of today; a period not begun is refused, naming the flag.
    const year = await disclosureReport(s.ctx, CLI_ACTOR, PROGRAM, "2023");
    expect(year).toMatchObject({ from: "2023-01-01", to: "2023-12-31", as_of: "2023-11-20" });
    expect(year.summary.claims.paid_fen).toBe(65_560_000);
    await expect(disclosureReport(s.ctx, CLI_ACTOR, PROGRAM, "2024-01")).rejects.toMatchObject({
      kind: "invalid",
      field: "period",
    });
    await expect(disclosureReport(s.ctx, CLI_ACTOR, PROGRAM, "2023-13")).rejects.toMatchObject({
      kind: "invalid",
      field: "period",
    });
  });

  it("writes a PDF whose embedded Chinese text carries the figures and nothing personal", async () => {
    const pdf = await disclosurePdf(report);
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    expect(pdf.toString("latin1")).toMatch(/BaseFont \/[A-Z]{6}\+NotoSansHans/);
    const text = pdfText(pdf);
    for (const expected of [
      "2023年度文山惠民保 信息披露报告（2023-10）",
      "满期赔付率",
      "654,800.00",
      formatYuan(report.summary.premium.earned_fen).replace(/\B(?=(\d{3})+(?!\d))/, ","),
      "责任一：基本医疗保险范围内住院医疗费用保障",
      "砚山县",
      "第十四条",
      "560,000.00",
      // Issue 13: IBNR is the program's reserve, its method named (here the 第四十九条 floor: every claim of
      // the scenario is cared for and paid in 2023-10, nothing to develop).
      "IBNR 评估方法",
      "不低于当年实际赔款支出的10%",
    ]) {
      expect(text, expected).toContain(expected);
    }
    const leaks = s.secrets.filter((x) => text.includes(x) || pdf.toString("latin1").includes(x));
    expect(leaks).toEqual([]);
    // Issue 14: the PDF is read by people — no column of codes, no identifiers (the workbook keeps them).
    for (const code of ["指标代码", "责任代码", "roster_persons", "insured_persons", "earned_loss_ratio"])
      expect(text, code).not.toContain(code);
  });

  it("writes a workbook that reads back with the summary's figures and nothing personal", async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await disclosureXlsx(report)) as never);
    expect(wb.worksheets.map((w) => w.name)).toEqual([
      "说明",
      "概览",
      "参保-区县",
      "参保-人群",
      "赔付-责任",
      "赔付分布",
      "大额赔付",
      "理赔时效",
    ]);
    const o = overviewOf(wb);
    const sum = report.summary;
    const cumulative = (key: string) => o.get(key)?.[0];
    expect(yuanOf(cumulative("written_premium"))).toBe(formatYuan(sum.premium.written_fen));
    expect(yuanOf(cumulative("refunds"))).toBe(formatYuan(sum.premium.refunds_fen));
    expect(yuanOf(cumulative("earned_premium"))).toBe(formatYuan(sum.premium.earned_fen));
    expect(yuanOf(cumulative("paid"))).toBe(formatYuan(sum.claims.paid_fen));
    expect(yuanOf(cumulative("incurred"))).toBe(formatYuan(sum.claims.incurred_fen));
    expect(cumulative("ibnr_method")).toBe(sum.claims.ibnr_method_name);
    expect(sum.claims.ibnr_source).toBe("reserve");
    expect(yuanOf(o.get("paid")?.[1])).toBe(formatYuan(report.this_period.paid_fen));
    expect(cumulative("insured_persons")).toBe(sum.enrollment.insured_persons);
    expect(cumulative("roster_persons")).toBe(sum.enrollment.roster_persons);
    expect(cumulative("beneficiaries")).toBe(sum.beneficiaries.persons);
    expect(cumulative("earned_loss_ratio")).toBeCloseTo((sum.loss_ratio.earned_bps as number) / 10_000, 10);
    expect(cumulative("loss_ratio_floor")).toBe(0.7);
    expect(cumulative("alert")).toBe(sum.loss_ratio.alert ? "是" : "否");
    const largest = wb.getWorksheet("大额赔付");
    const amounts: string[] = [];
    largest?.eachRow((row, i) => {
      if (i > 2 && typeof row.getCell(4).value === "number")
        amounts.push(yuanOf(row.getCell(4).value) as string);
    });
    expect(amounts).toEqual(report.largest_payouts.map((l) => formatYuan(l.amount_fen)));
    const all = workbookText(wb);
    expect(s.secrets.filter((x) => all.includes(x))).toEqual([]);
  });

  it("serves the report over HTTP to the bureau, regulator, operator and admin only", async () => {
    const url = (q: string) => `/api/v1/programs/${PROGRAM}/reports/disclosure?${q}`;
    const bureau = await authHeaders(s.app, "bureau1");
    const pdf = await s.app.inject({ method: "GET", url: url("period=2023-10"), headers: bureau });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers["content-type"]).toBe("application/pdf");
    expect(pdf.headers["content-disposition"]).toContain("disclosure-ws-2023-2023-10.pdf");
    expect(pdfText(pdf.rawPayload)).toContain("654,800.00");
    const login = await s.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { program_id: PROGRAM, username: "reg1", password: "reg-pass-12" },
    });
    const xlsx = await s.app.inject({
      method: "GET",
      url: url("period=2023&format=xlsx"),
      headers: { authorization: `Bearer ${login.json().token as string}` },
    });
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.headers["content-type"]).toMatch(/spreadsheetml/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as never);
    expect(yuanOf(overviewOf(wb).get("paid")?.[0])).toBe("655600.00");
    for (const user of ["ins1", "res1", "ch1"]) {
      const res = await s.app.inject({
        method: "GET",
        url: url("period=2023-10"),
        headers: await authHeaders(s.app, user),
      });
      expect(res.statusCode, user).toBe(403);
    }
    for (const [q, field] of [
      ["period=2023-13", "period"],
      ["period=2023-1", "period"],
      ["period=2024-02", "period"],
      ["period=2023-10&format=doc", "format"],
      ["", "period"],
    ] as const) {
      const res = await s.app.inject({ method: "GET", url: url(q), headers: bureau });
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error.field, q).toBe(field);
    }
  });
});

describe.each(BACKENDS)("hmb report disclosure (built binary) on %s", (backend) => {
  let dir: string;
  let env: Record<string, string>;
  let platform: TestPlatform | undefined;
  const master = randomBytes(32);

  beforeAll(async () => {
    buildCli(["dist/src/cli/main.js", "dist/src/cli/report.js"]);
    dir = mkdtempSync(join(tmpdir(), "hmb-disclosure-"));
    env = {
      HMB_DATA_DIR: join(dir, "pg"),
      HMB_DATA_KEY: master.toString("base64"),
      HMB_NOW: "2023-10-15T12:00:00+08:00",
    };
    if (backend === "postgres") {
      platform = await openTestPlatform("postgres");
      env.DATABASE_URL = platform.url as string;
    }
    const ctx =
      platform?.ctx ?? (await openPlatform({ url: "", dataDir: env.HMB_DATA_DIR, keys: deriveKeys(master) }));
    try {
      await createProgram(ctx, CLI_ACTOR, { programId: "cli-2023", productId: "wenshan-2023" });
    } finally {
      if (platform === undefined) await ctx.db.close();
    }
  });
  afterAll(async () => {
    await platform?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const hmb = (args: string[], cwd = dir) => {
    const r = spawnSync(process.execPath, [BIN, "report", "disclosure", ...args], {
      cwd,
      encoding: "utf8",
      env: { ...process.env, DATABASE_URL: "", ...env },
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it("writes PDF and Excel by default, one file with --format/--out; exit 2 names the bad flag", () => {
    const both = hmb(["--program", "cli-2023", "--period", "2023-09"]);
    expect(both.stderr).toBe("");
    expect(both.status).toBe(0);
    expect(both.stdout.trim().split("\n")).toEqual([
      "disclosure-cli-2023-2023-09.pdf",
      "disclosure-cli-2023-2023-09.xlsx",
    ]);
    expect(readFileSync(join(dir, "disclosure-cli-2023-2023-09.pdf")).subarray(0, 5).toString()).toBe(
      "%PDF-",
    );
    expect(readFileSync(join(dir, "disclosure-cli-2023-2023-09.xlsx")).subarray(0, 2).toString()).toBe("PK");

    const out = join(dir, "year.xlsx");
    const one = hmb(["--program", "cli-2023", "--period", "2023", "--out", out]);
    expect(one.status).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(existsSync(join(dir, "disclosure-cli-2023-2023.pdf"))).toBe(false);

    const badPeriod = hmb(["--program", "cli-2023", "--period", "2023-13"]);
    expect(badPeriod.status).toBe(2);
    expect(badPeriod.stderr).toMatch(/--period/);
    const badFormat = hmb(["--program", "cli-2023", "--period", "2023-09", "--format", "docx"]);
    expect(badFormat.status).toBe(2);
    expect(badFormat.stderr).toMatch(/--format/);
    const badOut = hmb(["--program", "cli-2023", "--period", "2023-09", "--out", join(dir, "r.txt")]);
    expect(badOut.status).toBe(2);
    expect(badOut.stderr).toMatch(/--out/);
    const missing = hmb(["--program", "cli-2023"]);
    expect(missing.status).toBe(64);
    expect(missing.stderr).toMatch(/--period/);
  }, 300_000);

  // Each PGlite start of the binary costs seconds on a busy machine: the database-level refusals run on the
  // server only.
  it.skipIf(backend === "pglite")(
    "refuses an unknown program and a period not yet closed",
    () => {
      const unknown = hmb(["--program", "nope-2023", "--period", "2023-09"]);
      expect(unknown.status).toBe(2);
      expect(unknown.stderr).toMatch(/program_id/);
      const future = hmb(["--program", "cli-2023", "--period", "2023-11"]);
      expect(future.status).toBe(2);
      expect(future.stderr).toMatch(/--period|period/);
      expect(ROOT).not.toBe(dir);
    },
    300_000,
  );
});
