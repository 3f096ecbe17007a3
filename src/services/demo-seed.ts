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
import { makeCertno } from "../domain/certno.js";
import { type Actor, CLI_ACTOR, type PersonRole, type PlatformContext, ServiceError } from "./context.js";
import { createCharityPool, donate, enroll } from "./enrollment.js";
import { addInstitution } from "./institutions.js";
import { sandboxPay } from "./payments/index.js";
import { createProgram, loadProgram } from "./programs.js";
import { csvRecords, importRoster } from "./roster.js";
import { createUser, removeUser } from "./users.js";

export const DEMO_PROGRAM = "wenshan-2023";
export const DEMO_PRODUCT = "wenshan-2023";
/** Inside wenshan-2023's enrollment window (2023-07-03 … 2023-08-31). */
export const DEMO_NOW = "2023-08-15T10:00:00+08:00";
export const DEMO_HOSPITAL = { code: "H53260100001", name: "文山州人民医院（演示）" } as const;
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
    for (const p of cash) {
      const r = await enroll(ctx, CLI_ACTOR, {
        programId: DEMO_PROGRAM,
        kind: "individual",
        psnNo: p.psnNo,
        channel: "cash",
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
