/**
 * The demo behind `npm start` (`hmb serve --demo`): program wenshan-2023 with a deterministic synthetic
 * roster imported through the real roster import, demo logins for every role, a hospital with its HMAC
 * secret, a charity pool and some enrollments (offline, cash through the sandbox, charity) so the ledger
 * and statements have data. Idempotent: a second run finds everything in place and adds nothing.
 * Demo only — the passwords and the hospital secret are printed and kept in plain text.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Readable } from "node:stream";
import { EXAMPLE_AID_PROGRAM_FILES, exampleAidPrograms } from "../aid-programs/index.js";
import { makeCertno } from "../domain/certno.js";
import { formatYuan } from "../domain/money.js";
import { findRegion } from "../domain/regions.js";
import demoServiceCatalog from "../health-services/wenshan-2023.json" with { type: "json" };
import { fixedClock } from "../platform/clock.js";
import { contributeToFund, createAidFund } from "./aid/funds.js";
import { publishAidProgram } from "./aid/programs.js";
import {
  EXAMPLE_WATCH_SETTINGS,
  importHouseholdIncomes,
  setWatchSettings,
  watchSettings,
} from "./aid/watch.js";
import { settleClaim } from "./claims/settle.js";
import { type Actor, CLI_ACTOR, type PersonRole, type PlatformContext, ServiceError } from "./context.js";
import { createCharityPool, donate, enroll } from "./enrollment.js";
import { publishCatalog } from "./health-services.js";
import { addInstitution } from "./institutions.js";
import { sandboxPay } from "./payments/index.js";
import { createProgram, loadProgram } from "./programs.js";
import { createPromotion, recordVisit } from "./promotions.js";
import { checkEligibility } from "./resident.js";
import { csvRecords, importRoster } from "./roster.js";
import { createUser, removeUser } from "./users.js";

export const DEMO_PROGRAM = "wenshan-2023";
export const DEMO_PRODUCT = "wenshan-2023";
/** Inside wenshan-2023's enrollment window (2023-07-03 … 2023-08-31). */
export const DEMO_NOW = "2023-08-15T10:00:00+08:00";
export const DEMO_HOSPITAL = { code: "H53260100001", name: "文山州人民医院（演示）" } as const;
/** The demo's health-service provider (体检中心): redeems the health-service vouchers, settles nothing. */
export const DEMO_PROVIDER = { code: "HC53260100001", name: "文山州人民医院体检中心（演示）" } as const;
export const DEMO_POOL = { poolId: "wenshan-charity", name: "文山州慈善总会惠民保助保金（演示）" } as const;
export const DEMO_PERSONS = 2000;

export interface DemoPerson {
  psnNo: string;
  certno: string;
  name: string;
  gend: "1" | "2";
  brdy: string;
  insutype: "310" | "390";
  admdvs: string;
  unitCode: string;
  cohort: string;
  household: number;
  relation: "self" | "spouse" | "child";
}

export interface DemoLogin {
  role: PersonRole;
  programId: string;
  username: string;
  password: string;
  psnNo?: string | undefined;
  insurerCode?: string | undefined;
  note: string;
}

export interface DemoSeedResult {
  programId: string;
  created: boolean;
  persons: number;
  policies: number;
  logins: DemoLogin[];
  hospital: { code: string; name: string; secret: string | undefined };
  /**
   * family: the household's other psn_nos; members: how the resident names them in a family enrollment
   * (ID number and name — a resident may not enroll anyone by psn_no). Synthetic data, fine to print.
   */
  resident: { psnNo: string; family: string[]; members: { psnNo: string; name: string; certno: string }[] };
  pool: { poolId: string; balanceFen: number };
}

const SURNAMES =
  "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文";
const GIVEN =
  "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英霞平刚桂兰玉华建国志红梅云春燕波斌宇浩凯鹏飞琳雪婷倩萍慧晶";
const REGIONS = ["532621", "532622", "532623", "532624", "532625", "532626", "532627", "532628"];
const UNITS = ["WS-UNIT-001", "WS-UNIT-002", "WS-UNIT-003", "WS-UNIT-004", "WS-UNIT-005"];

/** A small deterministic generator (mulberry32): same persons on every start. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number, w: number) => String(n).padStart(w, "0");

/**
 * Households of 1–5 (head, maybe a spouse, 0–3 children), 2,000 persons. Household 0 is the demo
 * resident's family; about 30 % of households belong to a unit (职工医保), about 8 % are 脱贫, 3 % 低保.
 */
export function demoPopulation(count = DEMO_PERSONS, seed = 2023): DemoPerson[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const persons: DemoPerson[] = [];
  let household = 0;
  while (persons.length < count) {
    const region = household === 0 ? "532621" : pick(REGIONS);
    const unitCode = household === 0 ? (UNITS[0] as string) : r() < 0.3 ? pick(UNITS) : "";
    const roll = r();
    const cohort =
      household === 0 || unitCode !== "" ? "" : roll < 0.08 ? "tuopin" : roll < 0.11 ? "dibao" : "";
    const surname = pick([...SURNAMES]);
    const headYear = 1955 + Math.floor(r() * 45);
    const headMale = household === 0 ? true : r() < 0.5;
    const members: { relation: DemoPerson["relation"]; year: number; male: boolean; surname: string }[] = [
      { relation: "self", year: headYear, male: headMale, surname },
    ];
    if (household === 0 || r() < 0.7)
      members.push({
        relation: "spouse",
        year: headYear + Math.floor(r() * 5) - 2,
        male: !headMale,
        surname: pick([...SURNAMES]),
      });
    const children = household === 0 ? 2 : headYear < 1995 ? Math.floor(r() * 4) : 0;
    for (let c = 0; c < children; c++)
      members.push({
        relation: "child",
        year: Math.min(headYear + 22 + c * 2 + Math.floor(r() * 3), 2022),
        male: r() < 0.5,
        surname,
      });
    for (const m of members) {
      if (persons.length >= count) break;
      const i = persons.length;
      const brdy = `${m.year}-${pad(1 + Math.floor(r() * 12), 2)}-${pad(1 + Math.floor(r() * 28), 2)}`;
      const seq = ((i % 499) + 1) * 2 + (m.male ? 1 : 0);
      persons.push({
        psnNo: `WS${pad(i + 1, 8)}`,
        certno: makeCertno(region, brdy.replaceAll("-", ""), seq),
        name: m.surname + pick([...GIVEN]) + (r() < 0.5 ? pick([...GIVEN]) : ""),
        gend: m.male ? "1" : "2",
        brdy,
        insutype: unitCode === "" ? "390" : "310",
        admdvs: region,
        unitCode,
        cohort,
        household,
        relation: m.relation,
      });
    }
    household++;
  }
  return persons;
}

export function demoRosterCsv(persons: readonly DemoPerson[]): string {
  const lines = ["psn_no,certno,psn_name,gend,brdy,insutype,admdvs,unit_code,cohort"];
  for (const p of persons)
    lines.push(
      [p.psnNo, p.certno, p.name, p.gend, p.brdy, p.insutype, p.admdvs, p.unitCode, p.cohort].join(","),
    );
  return `${lines.join("\n")}\n`;
}

/** Demo passwords: fixed and printed — never use this outside a demo. */
export function demoLogins(leadInsurer: string, residentPsnNo: string): DemoLogin[] {
  return [
    {
      role: "admin",
      programId: "*",
      username: "demo-admin",
      password: "demo-admin-2023",
      note: "平台管理员 platform-wide",
    },
    {
      role: "operator",
      programId: DEMO_PROGRAM,
      username: "demo-operator",
      password: "demo-operator-2023",
      note: "运营 operator",
    },
    {
      role: "co_insurer",
      programId: DEMO_PROGRAM,
      username: "demo-insurer",
      password: "demo-insurer-2023",
      insurerCode: leadInsurer,
      note: `首席承保 lead insurer ${leadInsurer}`,
    },
    {
      role: "bureau",
      programId: DEMO_PROGRAM,
      username: "demo-bureau",
      password: "demo-bureau-2023",
      note: "医保局 bureau",
    },
    {
      role: "regulator",
      programId: DEMO_PROGRAM,
      username: "demo-regulator",
      password: "demo-regulator-2023",
      note: "监管 regulator",
    },
    {
      role: "charity",
      programId: DEMO_PROGRAM,
      username: "demo-charity",
      password: "demo-charity-2023",
      note: "慈善 charity",
    },
    {
      role: "civil_affairs",
      programId: DEMO_PROGRAM,
      username: "demo-civil-affairs",
      password: "demo-civil-affairs-2023",
      note: "民政 civil affairs（因病致贫监测、救助申请审核）",
    },
    {
      role: "resident",
      programId: DEMO_PROGRAM,
      username: "demo-resident",
      password: "demo-resident-2023",
      psnNo: residentPsnNo,
      note: `参保人 resident ${residentPsnNo}（含家庭 with family）`,
    },
  ];
}

/**
 * The demo's logins present in this database. Their passwords are printed and published, so a server in
 * production refuses to start while any is there (api/server); `hmb user remove --demo` removes them.
 */
export async function demoAccountsPresent(
  ctx: PlatformContext,
): Promise<{ programId: string; username: string }[]> {
  const demo = demoLogins("", "");
  const rows = await ctx.db.query<{ program_id: string; username: string }>(
    "select program_id, username from users where program_id = any($2::text[]) and username = any($1::text[]) order by username",
    [demo.map((l) => l.username), [...new Set(demo.map((l) => l.programId))]],
  );
  return rows
    .filter((r) => demo.some((l) => l.programId === r.program_id && l.username === r.username))
    .map((r) => ({ programId: r.program_id, username: r.username }));
}

/** Removes every demo login (and its sessions); returns the names removed. */
export async function removeDemoAccounts(ctx: PlatformContext, actor: Actor): Promise<string[]> {
  const removed: string[] = [];
  for (const a of await demoAccountsPresent(ctx)) {
    if (await removeUser(ctx, actor, a.programId, a.username)) removed.push(a.username);
  }
  return removed;
}

function secretsFile(env: NodeJS.ProcessEnv): string {
  return join(dirname(resolve(env.HMB_DATA_DIR || "data/pgdata")), "demo-secrets.json");
}

function readSecrets(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
  } catch {
    return {};
  }
}

async function count(ctx: PlatformContext, sql: string): Promise<number> {
  const rows = await ctx.db.query<{ n: number }>(sql, [DEMO_PROGRAM]);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Seeds the demo (idempotent). The clock must sit inside the enrollment window when the enrollments are
 * first made. `secretsPath` = where the hospital secret is kept (null: don't write, e.g. tests).
 */
/** Visits counted on the demo's promotion codes (the rest of their funnel comes from real enrollments). */
const DEMO_PROMOTION_VISITS = [14, 6] as const;

/** Two promotion codes, a community in the prefecture seat and an agent, with the visits they drew. */
async function demoPromotions(
  ctx: PlatformContext,
  insurerCode: string,
  regionCode: string,
): Promise<string[]> {
  const seat = findRegion(regionCode)?.counties[0]?.code;
  const made = [
    await createPromotion(ctx, CLI_ACTOR, {
      programId: DEMO_PROGRAM,
      kind: "community",
      name: "开化街道社区服务中心",
      insurerCode,
      county: seat,
    }),
    await createPromotion(ctx, CLI_ACTOR, {
      programId: DEMO_PROGRAM,
      kind: "agent",
      name: "代理人工号 A103",
      insurerCode,
    }),
  ];
  for (const [i, p] of made.entries())
    for (let v = 0; v < (DEMO_PROMOTION_VISITS[i] ?? 0); v++) await recordVisit(ctx, DEMO_PROGRAM, p.code);
  return made.map((p) => p.code);
}

/** When the demo's two stays settle: in the coverage year, though the demo's clock stands in the enrollment window. */
const DEMO_STAYS_SETTLED = "2023-10-15T10:00:00+08:00";

/** A settlement record as the hospital sends it (DESIGN §3), amounts in fen written as yuan. */
function demoStay(
  p: DemoPerson,
  s: {
    setlId: string;
    dise: string;
    total: number;
    pooled: number;
    critical: number;
    assistance: number;
    ownPay: number;
    items?: { code: string; amount: number }[];
  },
): Record<string, unknown> {
  const fund = s.pooled + s.critical + s.assistance;
  return {
    setl_id: s.setlId,
    psn_no: p.psnNo,
    certno: p.certno,
    psn_name: p.name,
    insutype: p.insutype,
    med_type: "21",
    begntime: "2023-09-28 09:00:00",
    endtime: "2023-10-12 09:00:00",
    setl_time: "2023-10-12 10:00:00",
    fixmedins_code: DEMO_HOSPITAL.code,
    fixmedins_name: DEMO_HOSPITAL.name,
    mdtrtarea_admvs: p.admdvs,
    dise_codg: s.dise,
    medfee_sumamt: formatYuan(s.total),
    fulamt_ownpay_amt: formatYuan(s.ownPay),
    overlmt_selfpay: "0.00",
    hifp_pay: formatYuan(s.pooled),
    hifmi_pay: formatYuan(s.critical),
    maf_pay: formatYuan(s.assistance),
    fund_pay_sumamt: formatYuan(fund),
    psn_part_amt: formatYuan(s.total - fund),
    ...(s.items === undefined
      ? {}
      : {
          feedetail: s.items.map((i) => ({
            med_list_codg: i.code,
            det_item_fee_sumamt: formatYuan(i.amount),
          })),
        }),
  };
}

/**
 * Issue 15's story (idempotent): the example aid programs published with their ring-fenced funds (the foundation's
 * kept by demo-charity); a 低保 resident's lymphoma stay settled at discharge — 基本医保, 大病, 医疗救助, 惠民保 and
 * the automatic aid on one bill; a rare-disease (SMA) child's stay, whose family gets a pre-filled application.
 */
async function seedAidDemo(ctx: PlatformContext, persons: readonly DemoPerson[]): Promise<void> {
  const files = EXAMPLE_AID_PROGRAM_FILES;
  for (const [i, program] of exampleAidPrograms().entries()) {
    await createAidFund(ctx, CLI_ACTOR, {
      programId: DEMO_PROGRAM,
      fundId: program.fund,
      name: `${program.sponsor.name}救助专户`,
      sponsorKind: program.sponsor.kind,
      sponsorName: program.sponsor.name,
      ...(program.sponsor.kind === "charity" ? { keeper: "demo-charity" } : {}),
    });
    await contributeToFund(ctx, CLI_ACTOR, {
      programId: DEMO_PROGRAM,
      fundId: program.fund,
      kind: "top_up",
      amount: program.budget.amount,
      ref: `demo-${program.fund}`,
    });
    await publishAidProgram(ctx, CLI_ACTOR, DEMO_PROGRAM, files[i]);
  }
  const dibao = persons.find((p) => p.cohort === "dibao" && p.relation === "self");
  const parent = persons.find(
    (p) =>
      p.household > 0 &&
      p.relation === "self" &&
      persons.some((c) => c.household === p.household && c.relation === "child" && c.brdy >= "2010"),
  );
  const child = persons.find(
    (c) => c.household === parent?.household && c.relation === "child" && c.brdy >= "2010",
  );
  if (dibao === undefined || parent === undefined || child === undefined) return;
  const insured = async (psnNo: string) =>
    (
      await ctx.db.query("select 1 from policies where program_id = $1 and psn_no = $2 limit 1", [
        DEMO_PROGRAM,
        psnNo,
      ])
    ).length > 0;
  if (!(await insured(dibao.psnNo)))
    await enroll(ctx, CLI_ACTOR, {
      programId: DEMO_PROGRAM,
      kind: "individual",
      psnNo: dibao.psnNo,
      channel: "offline",
    });
  if (!(await insured(child.psnNo)))
    await enroll(ctx, CLI_ACTOR, {
      programId: DEMO_PROGRAM,
      kind: "family",
      payerPsnNo: parent.psnNo,
      members: [{ psnNo: child.psnNo, relation: "child" }],
      channel: "offline",
    });
  // The hospital settles at discharge, in the coverage year: the aid is matched right after (services/aid/match.ts).
  const later: PlatformContext = { ...ctx, clock: fixedClock(new Date(DEMO_STAYS_SETTLED)) };
  const hospital = { id: DEMO_HOSPITAL.code, role: "hospital" as const, programId: DEMO_PROGRAM };
  const stays = [
    demoStay(dibao, {
      setlId: "DEMO-AID-LYMPHOMA-1",
      dise: "C83.300",
      total: 18_000_000,
      pooled: 9_000_000,
      critical: 3_000_000,
      assistance: 1_000_000,
      ownPay: 1_200_000,
    }),
    demoStay(child, {
      setlId: "DEMO-AID-SMA-1",
      dise: "G12.000",
      total: 6_000_000,
      pooled: 2_000_000,
      critical: 500_000,
      assistance: 0,
      ownPay: 0,
      items: [{ code: "SAMPLE-WS-D15", amount: 3_000_000 }],
    }),
  ];
  for (const record of stays)
    await settleClaim(later, hospital, {
      programId: DEMO_PROGRAM,
      record,
      kind: "one_stop",
      payee: "hospital",
      source: "one_stop",
      institution: DEMO_HOSPITAL.code,
    });
  // The bureau's household incomes (illustrative) for the SMA child's family, so the 因病致贫监测 list shows the
  // family at catastrophic cost with the drug program's pre-filled application still to confirm. Only when the
  // bureau has uploaded none: a real upload is never overwritten.
  const incomes = await ctx.db.query("select 1 from aid_household_incomes where program_id = $1 limit 1", [
    DEMO_PROGRAM,
  ]);
  if (incomes.length === 0) {
    const members = persons.filter((p) => p.household === parent.household);
    await importHouseholdIncomes(
      ctx,
      CLI_ACTOR,
      DEMO_PROGRAM,
      [
        "psn_no,household_id,income,household_size",
        ...members.map((m) => `${m.psnNo},DEMO-HH-${parent.household},36000.00,${members.length}`),
      ].join("\n"),
    );
  }
}

export async function seedDemo(
  ctx: PlatformContext,
  options: { env?: NodeJS.ProcessEnv; secretsPath?: string | null; persons?: number } = {},
): Promise<DemoSeedResult> {
  const env = options.env ?? process.env;
  const secretsPath = options.secretsPath === undefined ? secretsFile(env) : options.secretsPath;
  let created = false;
  let program = await loadProgram(ctx, DEMO_PROGRAM).catch((e: unknown) => {
    if (e instanceof ServiceError && e.kind === "not_found") return undefined;
    throw e;
  });
  if (program === undefined) {
    program = await createProgram(ctx, CLI_ACTOR, { programId: DEMO_PROGRAM, productId: DEMO_PRODUCT });
    created = true;
  }
  const lead = program.insurers.find((i) => i.lead)?.code ?? "lead";
  const persons = demoPopulation(options.persons ?? DEMO_PERSONS);
  const family = persons.filter((p) => p.household === 0);
  const resident = family[0] as DemoPerson;

  // Roster: through the real import (CSV), only when not yet there.
  if (
    (await count(ctx, "select count(*)::int as n from roster_persons where program_id = $1")) < persons.length
  ) {
    const result = await importRoster(
      ctx,
      CLI_ACTOR,
      DEMO_PROGRAM,
      csvRecords(Readable.from([Buffer.from(demoRosterCsv(persons), "utf8")])),
      { source: "demo-seed" },
    );
    if (result.rejected > 0)
      throw new Error(
        `demo roster: ${result.rejected} rows rejected: ${JSON.stringify(result.errors.slice(0, 3))}`,
      );
  }

  // Logins (upserts).
  const logins = demoLogins(lead, resident.psnNo);
  const existingUsers = await ctx.db.query<{ username: string }>(
    "select username from users where program_id in ($1, '*') and username like 'demo-%'",
    [DEMO_PROGRAM],
  );
  const have = new Set(existingUsers.map((u) => u.username));
  for (const l of logins) {
    if (have.has(l.username)) continue;
    await createUser(ctx, CLI_ACTOR, l);
  }

  // Hospital: its secret is shown once by the service; the demo keeps it in a file to print it again.
  const secrets = secretsPath === null ? {} : readSecrets(secretsPath);
  const inst = await ctx.db.query(
    "select 1 from institutions where program_id = $1 and fixmedins_code = $2",
    [DEMO_PROGRAM, DEMO_HOSPITAL.code],
  );
  let hospitalSecret = secrets[DEMO_HOSPITAL.code];
  if (inst.length === 0 || (hospitalSecret === undefined && secretsPath !== null)) {
    hospitalSecret = (await addInstitution(ctx, CLI_ACTOR, { programId: DEMO_PROGRAM, ...DEMO_HOSPITAL }))
      .secret;
    if (secretsPath !== null) {
      mkdirSync(dirname(secretsPath), { recursive: true });
      writeFileSync(
        secretsPath,
        `${JSON.stringify({ ...secrets, [DEMO_HOSPITAL.code]: hospitalSecret }, null, 2)}\n`,
        {
          mode: 0o600,
        },
      );
    }
  }

  // 增值服务: the hospital's health-check centre, registered as a health-service provider (kind 'service': it
  // redeems vouchers and cannot settle, nor can the hospital redeem), redeems the vouchers; its secret is kept
  // in the same file. Republishing the same catalog version is a no-op.
  const provider = await ctx.db.query(
    "select 1 from institutions where program_id = $1 and fixmedins_code = $2",
    [DEMO_PROGRAM, DEMO_PROVIDER.code],
  );
  if (provider.length === 0 || (secrets[DEMO_PROVIDER.code] === undefined && secretsPath !== null)) {
    const providerSecret = (
      await addInstitution(ctx, CLI_ACTOR, { programId: DEMO_PROGRAM, ...DEMO_PROVIDER, kind: "service" })
    ).secret;
    if (secretsPath !== null) {
      const kept = readSecrets(secretsPath);
      writeFileSync(
        secretsPath,
        `${JSON.stringify({ ...kept, [DEMO_PROVIDER.code]: providerSecret }, null, 2)}\n`,
        { mode: 0o600 },
      );
    }
  }
  await publishCatalog(ctx, CLI_ACTOR, DEMO_PROGRAM, demoServiceCatalog);

  // Charity pool with a donation (both idempotent).
  await createCharityPool(ctx, CLI_ACTOR, { programId: DEMO_PROGRAM, ...DEMO_POOL });
  let pool = await donate(ctx, CLI_ACTOR, {
    programId: DEMO_PROGRAM,
    poolId: DEMO_POOL.poolId,
    amountFen: 5_000_000,
    donor: "文山州慈善总会（演示）",
    ref: "demo-donation-1",
  });

  // Enrollments, once: every unit offline (≈30 %), the 脱贫 cohort through the charity pool, a few cash.
  if ((await count(ctx, "select count(*)::int as n from policies where program_id = $1")) === 0) {
    for (const unitCode of UNITS) {
      const members = persons.filter((p) => p.unitCode === unitCode && p.household !== 0).map((p) => p.psnNo);
      if (members.length > 0)
        await enroll(ctx, CLI_ACTOR, {
          programId: DEMO_PROGRAM,
          kind: "unit",
          unitCode,
          psnNos: members,
          channel: "offline",
        });
    }
    const tuopin = persons.filter((p) => p.cohort === "tuopin").map((p) => p.psnNo);
    if (tuopin.length > 0) {
      await enroll(ctx, CLI_ACTOR, {
        programId: DEMO_PROGRAM,
        kind: "charity",
        psnNos: tuopin,
        channel: `charity:${DEMO_POOL.poolId}`,
      });
    }
    const cash = persons.filter((p) => p.unitCode === "" && p.cohort === "" && p.household > 0).slice(0, 5);
    // 推广渠道: a community's poster and an agent's link; the cash enrollments came through them.
    const promos = await demoPromotions(ctx, lead, program.regionCode);
    for (const [i, p] of cash.entries()) {
      const promoCode = promos[i % promos.length];
      await checkEligibility(ctx, CLI_ACTOR, DEMO_PROGRAM, p.certno, promoCode);
      const r = await enroll(ctx, CLI_ACTOR, {
        programId: DEMO_PROGRAM,
        kind: "individual",
        psnNo: p.psnNo,
        channel: "cash",
        promoCode,
      });
      await sandboxPay(ctx, r.payment.order_no, "paid");
    }
    pool = {
      pool_id: DEMO_POOL.poolId,
      balance_fen: Number(
        (
          await ctx.db.query<{ b: number }>(
            "select balance_fen as b from charity_pools where program_id = $1 and pool_id = $2",
            [DEMO_PROGRAM, DEMO_POOL.poolId],
          )
        )[0]?.b ?? 0,
      ),
    };
  }

  await seedAidDemo(ctx, persons);
  // 因病致贫监测: illustrative local lines, so the bureau's list shows who is still at catastrophic cost.
  if ((await watchSettings(ctx, DEMO_PROGRAM)) === null)
    await setWatchSettings(ctx, CLI_ACTOR, DEMO_PROGRAM, EXAMPLE_WATCH_SETTINGS);

  return {
    programId: DEMO_PROGRAM,
    created,
    persons: await count(ctx, "select count(*)::int as n from roster_persons where program_id = $1"),
    policies: await count(ctx, "select count(*)::int as n from policies where program_id = $1"),
    logins,
    hospital: { ...DEMO_HOSPITAL, secret: hospitalSecret },
    resident: {
      psnNo: resident.psnNo,
      family: family.slice(1).map((p) => p.psnNo),
      members: family.slice(1).map((p) => ({ psnNo: p.psnNo, name: p.name, certno: p.certno })),
    },
    pool: { poolId: pool.pool_id, balanceFen: pool.balance_fen },
  };
}
