/**
 * Quarterly disclosure of one charity fund (慈善信息披露, issue 15 item 5; 《慈善法》第七十一条、第七十三条: a
 * charity discloses its fund-raising and the use of the money to the public, and to its donors): money in
 * (donations by donor, unless anonymous), money out (by aid program and by cohort, recipients anonymized as
 * 受助人-01…), the balance at both ends of the quarter, beneficiaries and the average burden reduction.
 *
 * Two kinds of fund: an aid fund (services/aid, migration 022: its journals are the ring-fenced ledger) and a
 * charity pool of sponsored premiums (migration 004: charity_pool_movements). Every figure is read from that
 * fund's own ledger, so opening + in − out = closing to the fen, and closing equals the fund's balance when the
 * quarter is the current one.
 *
 * Average burden reduction: for an aid fund, the aid paid in the quarter ÷ what the recipients still bore on
 * those claims after 惠民保 (psn_part_amt − hmb_pay); for a premium pool, 惠民保's payouts on the quarter's claims
 * of the persons the pool insured ÷ their psn_part_amt on those claims.
 */
import ExcelJS from "exceljs";
import type { CharityReportView } from "../../contract/aid-watch.js";
import { COHORTS } from "../../domain/cohort.js";
import { beijingDayStart } from "../../domain/ledger.js";
import { type Bps, type Fen, FULL_RATIO_BPS, formatPercent, formatYuan } from "../../domain/money.js";
import { audit } from "../audit.js";
import { mayUseCharityPool } from "../charity-keeper.js";
import { type Actor, notFound, type PlatformContext, ServiceError } from "../context.js";
import { beijingDay, DAY_MS } from "../oversight/dates.js";
import { loadProgram } from "../programs.js";
import { openReportPdf } from "./pdf.js";
import { addTableSheet, type Cell, type Table } from "./table.js";

export interface CharityRowFigure {
  readonly label: string;
  readonly count: number;
  readonly amount: Fen;
}

export interface CharityReport {
  readonly programId: string;
  readonly programName: string;
  readonly fund: string;
  readonly fundName: string;
  readonly fundKind: "aid_fund" | "charity_pool";
  readonly quarter: string;
  readonly from: string;
  readonly to: string;
  readonly asOf: string;
  readonly generatedAt: string;
  readonly opening: Fen;
  readonly moneyIn: Fen;
  readonly moneyOut: Fen;
  readonly closing: Fen;
  readonly donations: readonly CharityRowFigure[];
  readonly otherIn: readonly CharityRowFigure[];
  readonly outByProgram: readonly CharityRowFigure[];
  readonly outByCohort: readonly CharityRowFigure[];
  readonly recipients: readonly CharityRowFigure[];
  readonly beneficiaries: number;
  readonly burdenBefore: Fen;
  readonly burdenRelieved: Fen;
  readonly reductionBps: Bps | null;
  readonly averagePerBeneficiary: Fen;
}

/** How a donation is shown when the donor asked not to be named (pool donations name "匿名" for that). */
export const ANONYMOUS_DONOR = "匿名捐赠";
const ANONYMOUS_NAMES = new Set(["匿名", "匿名捐赠", "匿名人士", "anonymous"]);
const UNKNOWN_COHORT = "未标注人群";
const QUARTER_MONTHS = 3;
const QUARTER = /^(\d{4})Q([1-4])$/;

/** "2026Q1" as Beijing days, both inclusive. */
export function parseQuarter(value: string): { quarter: string; from: string; to: string } {
  const m = QUARTER.exec(value);
  if (m === null)
    throw new ServiceError(
      "invalid",
      "invalid_value",
      `季度应为 yyyyQn（如 2026Q1），收到 ${value}`,
      "quarter",
    );
  const year = Number(m[1]);
  const q = Number(m[2]);
  const firstMonth = (q - 1) * QUARTER_MONTHS + 1;
  const from = `${year}-${String(firstMonth).padStart(2, "0")}-01`;
  // The day before the next quarter's first day (UTC arithmetic on calendar days).
  const next = new Date(Date.UTC(year, firstMonth - 1 + QUARTER_MONTHS, 1) - DAY_MS);
  return { quarter: value, from, to: next.toISOString().slice(0, 10) };
}

/** The quarter a Beijing day (yyyy-mm-dd) falls in: "2026-12-04" → "2026Q4". */
export function quarterOf(day: string): string {
  return `${day.slice(0, 4)}Q${Math.floor((Number(day.slice(5, 7)) - 1) / QUARTER_MONTHS) + 1}`;
}

function isAnonymous(donor: string | null): boolean {
  return donor === null || donor.trim() === "" || ANONYMOUS_NAMES.has(donor.trim().toLowerCase());
}

function ratioBps(part: Fen, whole: Fen): Bps | null {
  return whole === 0 ? null : Math.floor((part * FULL_RATIO_BPS) / whole);
}

/** Rows summed by label, largest amount first (then label). */
function grouped(items: readonly { label: string; amount: Fen }[]): CharityRowFigure[] {
  const byLabel = new Map<string, { count: number; amount: Fen }>();
  for (const it of items) {
    const g = byLabel.get(it.label) ?? { count: 0, amount: 0 };
    byLabel.set(it.label, { count: g.count + 1, amount: g.amount + it.amount });
  }
  return [...byLabel.entries()]
    .map(([label, g]) => ({ label, ...g }))
    .sort((a, b) => b.amount - a.amount || a.label.localeCompare(b.label));
}

/** Recipients as 受助人-01…, largest first; the order never reveals who they are beyond the amount. */
function anonymized(byPerson: ReadonlyMap<string, { count: number; amount: Fen }>): CharityRowFigure[] {
  const list = [...byPerson.values()].sort((a, b) => b.amount - a.amount || b.count - a.count);
  const width = Math.max(2, String(list.length).length);
  return list.map((p, i) => ({ label: `受助人-${String(i + 1).padStart(width, "0")}`, ...p }));
}

function cohortName(cohort: string | null): string {
  return cohort !== null && cohort in COHORTS ? COHORTS[cohort as keyof typeof COHORTS] : UNKNOWN_COHORT;
}

interface Window {
  readonly start: Date;
  readonly end: Date;
}

interface Figures {
  opening: Fen;
  donations: CharityRowFigure[];
  otherIn: CharityRowFigure[];
  outByProgram: CharityRowFigure[];
  outByCohort: CharityRowFigure[];
  recipients: CharityRowFigure[];
  burdenBefore: Fen;
  burdenRelieved: Fen;
}

// ---------------------------------------------------------------------------------------------------------
// Aid funds (022): the journals are the ledger. Donations and top-ups come in; aid paid goes out and a
// reversal gives it back (shown as negative out, so out is net of reversals as the fund's `aid` account is).

interface JournalRow {
  kind: "donation" | "top_up" | "aid_paid" | "aid_reversed";
  amount_fen: number;
  donor: string | null;
  aid_program_id: string | null;
  version: number | null;
  aid_name: string | null;
  psn_no: string | null;
  cohort: string | null;
  setl_id: string | null;
  after_hmb: number | null;
}

const FUND_IN: ReadonlySet<string> = new Set(["donation", "top_up"]);

async function aidFundFigures(
  ctx: PlatformContext,
  programId: string,
  fundId: string,
  w: Window,
): Promise<Figures> {
  const opening = await ctx.db.query<{ net: number }>(
    `select coalesce(sum(case when kind in ('donation', 'top_up', 'aid_reversed') then amount_fen
                              else -amount_fen end), 0)::bigint as net
       from aid_fund_journals where program_id = $1 and fund_id = $2 and at < $3`,
    [programId, fundId, w.start],
  );
  // An aid journal's claim and person: the aid payment whose fund refs name it (services/aid/payments.ts).
  const rows = await ctx.db.query<JournalRow>(
    `select j.kind, j.amount_fen, j.donor, j.aid_program_id, j.version, ap.name as aid_name,
            p.psn_no, r.cohort, p.setl_id, (c.psn_part_amt_fen - c.hmb_pay_fen)::bigint as after_hmb
       from aid_fund_journals j
       left join aid_programs ap on ap.program_id = j.program_id and ap.aid_program_id = j.aid_program_id
        and ap.version = j.version
       left join aid_payments p on p.program_id = j.program_id and p.aid_program_id = j.aid_program_id
        and p.fund_id = j.fund_id and p.fund_refs @> jsonb_build_array(j.ref)
       left join claims c on c.program_id = p.program_id and c.setl_id = p.setl_id
       left join roster_persons r on r.program_id = p.program_id and r.psn_no = p.psn_no
      where j.program_id = $1 and j.fund_id = $2 and j.at >= $3 and j.at < $4
      order by j.at, j.journal_id`,
    [programId, fundId, w.start, w.end],
  );
  const donations = grouped(
    rows
      .filter((r) => r.kind === "donation")
      .map((r) => ({
        label: isAnonymous(r.donor) ? ANONYMOUS_DONOR : (r.donor as string),
        amount: Number(r.amount_fen),
      })),
  );
  const otherIn = grouped(
    rows.filter((r) => r.kind === "top_up").map((r) => ({ label: "资金追加", amount: Number(r.amount_fen) })),
  );
  const aid = rows
    .filter((r) => !FUND_IN.has(r.kind))
    .map((r) => ({ ...r, signed: r.kind === "aid_paid" ? Number(r.amount_fen) : -Number(r.amount_fen) }));
  const outByProgram = grouped(aid.map((r) => ({ label: r.aid_name ?? "救助项目", amount: r.signed })));
  const outByCohort = grouped(aid.map((r) => ({ label: cohortName(r.cohort), amount: r.signed })));
  const byPerson = new Map<string, { count: number; amount: Fen }>();
  const claimsSeen = new Map<string, Fen>();
  for (const r of aid) {
    const key = r.psn_no ?? "";
    const g = byPerson.get(key) ?? { count: 0, amount: 0 };
    byPerson.set(key, { count: g.count + (r.kind === "aid_paid" ? 1 : 0), amount: g.amount + r.signed });
    if (r.setl_id !== null && r.after_hmb !== null) claimsSeen.set(r.setl_id, Number(r.after_hmb));
  }
  // A person whose aid was all reversed in the quarter received nothing: not a beneficiary.
  for (const [k, g] of byPerson) if (g.amount <= 0) byPerson.delete(k);
  const relieved = aid.reduce((s, r) => s + r.signed, 0);
  return {
    opening: Number(opening[0]?.net ?? 0),
    donations,
    otherIn,
    outByProgram,
    outByCohort,
    recipients: anonymized(byPerson),
    burdenBefore: [...claimsSeen.values()].reduce((s, v) => s + v, 0),
    burdenRelieved: Math.max(0, relieved),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Charity pools (004): donations in, sponsored premiums out, premium refunds back in.

async function poolFigures(
  ctx: PlatformContext,
  programId: string,
  poolId: string,
  w: Window,
): Promise<Figures> {
  const opening = await ctx.db.query<{ net: number }>(
    `select coalesce(sum(amount_fen), 0)::bigint as net from charity_pool_movements
      where program_id = $1 and pool_id = $2 and at < $3`,
    [programId, poolId, w.start],
  );
  const moves = await ctx.db.query<{ kind: string; amount_fen: number; donor: string | null }>(
    `select kind, amount_fen, donor from charity_pool_movements
      where program_id = $1 and pool_id = $2 and at >= $3 and at < $4 order by at, movement_id`,
    [programId, poolId, w.start, w.end],
  );
  const sponsored = await ctx.db.query<{ psn_no: string; amount_fen: number; cohort: string | null }>(
    `select s.psn_no, s.amount_fen, r.cohort from sponsorships s
       left join roster_persons r on r.program_id = s.program_id and r.psn_no = s.psn_no
      where s.program_id = $1 and s.pool_id = $2 and s.at >= $3 and s.at < $4 order by s.at, s.policy_no`,
    [programId, poolId, w.start, w.end],
  );
  // The quarter's claims of everyone the pool has insured (sponsored by the end of the quarter).
  const claims = await ctx.db.query<{ burden: number; hmb: number }>(
    `select coalesce(sum(c.psn_part_amt_fen), 0)::bigint as burden, coalesce(sum(c.hmb_pay_fen), 0)::bigint as hmb
       from claims c
      where c.program_id = $1 and c.state = 'settled' and c.created_at >= $3 and c.created_at < $4
        and exists (select 1 from sponsorships s where s.program_id = c.program_id and s.pool_id = $2
                      and s.psn_no = c.psn_no and s.at < $4)`,
    [programId, poolId, w.start, w.end],
  );
  const byPerson = new Map<string, { count: number; amount: Fen }>();
  for (const s of sponsored) {
    const g = byPerson.get(s.psn_no) ?? { count: 0, amount: 0 };
    byPerson.set(s.psn_no, { count: g.count + 1, amount: g.amount + Number(s.amount_fen) });
  }
  const premiums = sponsored.reduce((sum, s) => sum + Number(s.amount_fen), 0);
  return {
    opening: Number(opening[0]?.net ?? 0),
    donations: grouped(
      moves
        .filter((m) => m.kind === "donation")
        .map((m) => ({
          label: isAnonymous(m.donor) ? ANONYMOUS_DONOR : (m.donor as string),
          amount: Number(m.amount_fen),
        })),
    ),
    otherIn: grouped(
      moves
        .filter((m) => m.kind === "refund")
        .map((m) => ({ label: "退保退回保费", amount: Number(m.amount_fen) })),
    ),
    outByProgram:
      premiums === 0 ? [] : [{ label: "惠民保保费资助", count: sponsored.length, amount: premiums }],
    outByCohort: grouped(
      sponsored.map((s) => ({ label: cohortName(s.cohort), amount: Number(s.amount_fen) })),
    ),
    recipients: anonymized(byPerson),
    burdenBefore: Number(claims[0]?.burden ?? 0),
    burdenRelieved: Number(claims[0]?.hmb ?? 0),
  };
}

/**
 * The quarter's disclosure of one fund (an aid fund first, else a charity pool of that id). A charity account
 * reads the aid funds it keeps and every premium pool. Audited.
 */
export async function charityReport(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  fundId: string,
  /** yyyyQn; absent: the quarter today (Beijing, business time) falls in. */
  quarterText: string | undefined,
): Promise<CharityReport> {
  const now = ctx.clock.now();
  const today = beijingDay(now);
  const q = parseQuarter(quarterText ?? quarterOf(today));
  const program = await loadProgram(ctx, programId);
  if (q.from > today)
    throw new ServiceError("invalid", "invalid_value", `季度 ${q.quarter} 尚未开始`, "quarter");
  const asOf = [q.to, today].sort()[0] as string;
  const w: Window = {
    start: beijingDayStart(q.from) as Date,
    end: new Date((beijingDayStart(asOf) as Date).getTime() + DAY_MS),
  };
  const aidFund = await ctx.db.query<{ name: string; keeper: string | null }>(
    "select name, keeper from aid_funds where program_id = $1 and fund_id = $2",
    [programId, fundId],
  );
  let fundName: string;
  let kind: CharityReport["fundKind"];
  let f: Figures;
  const fund = aidFund[0];
  if (fund !== undefined && !(actor.role === "charity" && fund.keeper !== actor.id)) {
    fundName = fund.name;
    kind = "aid_fund";
    f = await aidFundFigures(ctx, programId, fundId, w);
  } else {
    const pool = await ctx.db.query<{ name: string; keeper: string | null }>(
      "select name, keeper from charity_pools where program_id = $1 and pool_id = $2",
      [programId, fundId],
    );
    if (pool[0] === undefined || !mayUseCharityPool(actor, pool[0].keeper))
      throw notFound(`资金 ${fundId}`, "fund");
    fundName = pool[0].name;
    kind = "charity_pool";
    f = await poolFigures(ctx, programId, fundId, w);
  }
  const sum = (rows: readonly CharityRowFigure[]) => rows.reduce((s, r) => s + r.amount, 0);
  const moneyIn = sum(f.donations) + sum(f.otherIn);
  const moneyOut = sum(f.outByProgram);
  const beneficiaries = f.recipients.length;
  await audit(ctx.db, actor, programId, "report.charity", `${fundId}:${q.quarter}`, { as_of: asOf, kind });
  return {
    programId,
    programName: program.name,
    fund: fundId,
    fundName,
    fundKind: kind,
    quarter: q.quarter,
    from: q.from,
    to: q.to,
    asOf,
    generatedAt: now.toISOString(),
    opening: f.opening,
    moneyIn,
    moneyOut,
    closing: f.opening + moneyIn - moneyOut,
    donations: f.donations,
    otherIn: f.otherIn,
    outByProgram: f.outByProgram,
    outByCohort: f.outByCohort,
    recipients: f.recipients,
    beneficiaries,
    burdenBefore: f.burdenBefore,
    burdenRelieved: f.burdenRelieved,
    reductionBps: ratioBps(f.burdenRelieved, f.burdenBefore),
    averagePerBeneficiary: beneficiaries === 0 ? 0 : Math.floor(moneyOut / beneficiaries),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Rendering: JSON (the API's view), tables, PDF and Excel.

export function charityJson(r: CharityReport): CharityReportView {
  const rows = (list: readonly CharityRowFigure[]) =>
    list.map((x) => ({ label: x.label, count: x.count, amount: formatYuan(x.amount) }));
  return {
    program_id: r.programId,
    program_name: r.programName,
    fund: r.fund,
    fund_name: r.fundName,
    fund_kind: r.fundKind,
    quarter: r.quarter,
    from: r.from,
    to: r.to,
    as_of: r.asOf,
    opening_balance: formatYuan(r.opening),
    money_in: formatYuan(r.moneyIn),
    money_out: formatYuan(r.moneyOut),
    closing_balance: formatYuan(r.closing),
    donations: rows(r.donations),
    other_in: rows(r.otherIn),
    out_by_program: rows(r.outByProgram),
    out_by_cohort: rows(r.outByCohort),
    recipients: rows(r.recipients),
    beneficiaries: r.beneficiaries,
    burden_before: formatYuan(r.burdenBefore),
    burden_reduction: r.reductionBps === null ? null : formatPercent(r.reductionBps),
    average_per_beneficiary: formatYuan(r.averagePerBeneficiary),
  };
}

const text = (value: string | null): Cell => ({ kind: "text", value });
const int = (value: number): Cell => ({ kind: "int", value });
const fen = (value: Fen): Cell => ({ kind: "yuan", value: formatYuan(value) });

function listTable(
  id: string,
  title: string,
  first: string,
  rows: readonly CharityRowFigure[],
  note?: string,
): Table {
  return {
    id,
    title,
    headers: [first, "笔数", "金额（元）"],
    widths: [290, 90, 130],
    rows: rows.map((x) => [text(x.label), int(x.count), fen(x.amount)]),
    ...(note === undefined ? {} : { note }),
  };
}

export function charityTables(r: CharityReport): Table[] {
  const overview: Cell[][] = [
    [text("期初余额（元）"), fen(r.opening)],
    [text("本季收入（元）"), fen(r.moneyIn)],
    [text("本季支出（元）"), fen(r.moneyOut)],
    [text("期末余额（元）"), fen(r.closing)],
    [text("受助人数"), int(r.beneficiaries)],
    [text("人均受助（元）"), fen(r.averagePerBeneficiary)],
    [
      text(r.fundKind === "aid_fund" ? "受助前自付合计（元）" : "受资助人员个人负担合计（元）"),
      fen(r.burdenBefore),
    ],
    [text("平均负担减轻比例"), { kind: "percent", bps: r.reductionBps }],
  ];
  return [
    {
      id: "概览",
      title: `一、资金概览（${r.from} 至 ${r.asOf}）`,
      headers: ["指标", "数值"],
      widths: [300, 210],
      rows: overview,
      note:
        r.fundKind === "aid_fund"
          ? "平均负担减轻比例 = 本季救助金额 ÷ 受助人在这些就医中惠民保赔付后的自付。"
          : "平均负担减轻比例 = 受资助参保人本季就医的惠民保赔付 ÷ 其个人负担。",
    },
    listTable("捐赠", "二、捐赠收入（按捐赠方；匿名捐赠合并列示）", "捐赠方", r.donations),
    listTable("其他收入", "三、其他收入", "来源", r.otherIn),
    listTable("支出-项目", "四、支出（按救助项目）", "项目", r.outByProgram, "撤销的救助冲回后以负数列示。"),
    listTable("支出-人群", "五、支出（按人群）", "人群", r.outByCohort),
    listTable(
      "受助人",
      "六、受助人（匿名）",
      "受助人",
      r.recipients,
      "不含姓名、人员编号、证件号码及结算编号；编号仅在本报告内有效。",
    ),
  ];
}

function titleOf(r: CharityReport): string {
  return `${r.fundName} 慈善信息披露（${r.quarter}）`;
}

function preamble(r: CharityReport): string[] {
  return [
    `惠民保项目：${r.programName}　资金类型：${r.fundKind === "aid_fund" ? "救助基金（专户）" : "慈善资金池（保费资助）"}`,
    `披露期间：${r.from} 至 ${r.to}（北京时间）；数据截至 ${r.asOf}`,
    "依据：《中华人民共和国慈善法》第七十一条、第七十三条（公开募捐情况与慈善项目实施情况）。",
  ];
}

export async function charityPdf(r: CharityReport): Promise<Buffer> {
  const pdf = openReportPdf({
    infoTitle: `Charity ${r.programId} ${r.fund} ${r.quarter}`,
    title: titleOf(r),
    preamble: preamble(r),
    margin: 48,
    cellSize: 8.5,
    leftColumns: 1,
  });
  for (const t of charityTables(r)) pdf.table(t);
  return pdf.finish(`生成时间 ${r.generatedAt}；金额单位：元；受助人已匿名，本报告不含任何个人信息。`);
}

/** PDF column widths (points) over these give Excel column widths (characters), as the disclosure's. */
const CHARITY_POINTS_PER_CHAR = 6;

export async function charityXlsx(r: CharityReport): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = "hmb";
  wb.title = titleOf(r);
  const info = wb.addWorksheet("说明");
  info.columns = [{ width: 110 }];
  info.addRow([titleOf(r)]).font = { bold: true, size: 14 };
  for (const line of preamble(r)) info.addRow([line]);
  for (const t of charityTables(r)) addTableSheet(wb, t, CHARITY_POINTS_PER_CHAR);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
