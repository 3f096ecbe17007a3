/**
 * Operator commands that work on the database directly (same services as the API routes):
 * `hmb serve`, `hmb program create`, `hmb institution add`, `hmb user add`.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { buildServer } from "../api/server.js";
import { CLI_ACTOR, type PlatformContext, type Role, ServiceError } from "../services/context.js";
import { DEMO_NOW, type DemoSeedResult, seedDemo } from "../services/demo-seed.js";
import { addInstitution } from "../services/institutions.js";
import { openPlatform } from "../services/platform.js";
import { createProgram } from "../services/programs.js";
import { createUser } from "../services/users.js";

/** Runs one command against the platform, turning caller mistakes into a message and exit code 2. */
export async function withPlatform(work: (ctx: PlatformContext) => Promise<void>): Promise<void> {
  const ctx = await openPlatform();
  try {
    await work(ctx);
  } catch (e) {
    if (e instanceof ServiceError) {
      process.stderr.write(`hmb: ${e.message}${e.field === undefined ? "" : ` (${e.field})`}\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  } finally {
    await ctx.db.close();
  }
}

export async function serve(port: number, host: string, options: { demo?: boolean } = {}): Promise<void> {
  let pinnedByDemo = false;
  if (options.demo === true) {
    if (process.env.NODE_ENV === "production")
      throw new Error("hmb serve --demo is refused when NODE_ENV=production");
    if (process.env.HMB_NOW === undefined || process.env.HMB_NOW === "") {
      process.env.HMB_NOW = DEMO_NOW;
      pinnedByDemo = true;
    }
  }
  const ctx = await openPlatform();
  let seeded: DemoSeedResult | undefined;
  if (options.demo === true) {
    process.stdout.write("hmb: seeding the demo program wenshan-2023 (first start takes a while) …\n");
    seeded = await seedDemo(ctx);
  }
  const app = await buildServer(ctx, { logger: { level: process.env.LOG_LEVEL ?? "info" } });
  const shutdown = async (signal: string) => {
    app.log.info({ signal }, "shutting down");
    await app.close();
    await ctx.db.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  const address = await app.listen({ port, host });
  if (seeded === undefined) {
    process.stdout.write(
      `hmb serving on ${address} (database: ${ctx.db.kind}); API docs at ${address}/docs\n`,
    );
    return;
  }
  process.stdout.write(
    demoBanner(`http://${host.includes(":") ? `[${host}]` : host}:${port}`, ctx, seeded, pinnedByDemo),
  );
}

function databaseLocation(): string {
  const url = process.env.DATABASE_URL;
  if (url !== undefined && url !== "") {
    const u = new URL(url);
    return `PostgreSQL ${u.host}${u.pathname}`;
  }
  return `PGlite ${resolve(process.env.HMB_DATA_DIR || "data/pgdata")}`;
}

export function demoBanner(
  base: string,
  ctx: PlatformContext,
  s: DemoSeedResult,
  pinnedByDemo: boolean,
): string {
  const now = ctx.clock.now();
  const bj = new Date(now.getTime() + 8 * 3_600_000).toISOString().replace("T", " ").slice(0, 19);
  const clock = pinnedByDemo
    ? `${bj} 北京时间 — pinned by --demo (HMB_NOW=${process.env.HMB_NOW}), inside the 2023-07-03…2023-08-31 enrollment window`
    : `${bj} 北京时间 — from HMB_NOW=${process.env.HMB_NOW ?? "(unset: real clock)"}`;
  const w = Math.max(...s.logins.map((l) => l.username.length));
  const pw = Math.max(...s.logins.map((l) => l.password.length));
  const logins = s.logins
    .map(
      (l) =>
        `  ${l.username.padEnd(w)}  ${l.password.padEnd(pw)}  program=${l.programId.padEnd(12)}  ${l.note}`,
    )
    .join("\n");
  const api = `${base}/api/v1`;
  const p = s.programId;
  return `
════════════════════════════════════════════════════════════════════════════
 惠民保平台 演示 · Huiminbao platform demo — 文山惠民保 2023 (${p})
════════════════════════════════════════════════════════════════════════════
 参保人 H5 resident ${base}/
 管理台 console    ${base}/console
 API 文档 docs     ${base}/docs
 健康检查 health   ${base}/healthz
 数据库 database   ${ctx.db.kind} — ${databaseLocation()}
 业务时间 clock    ${clock}
 演示数据 data     ${s.persons} roster persons 名册人员, ${s.policies} policies 保单, charity pool ${s.pool.poolId} balance ${(s.pool.balanceFen / 100).toFixed(2)} 元${s.created ? "" : " (reused 已存在)"}
 参保家庭 family   resident ${s.resident.psnNo}; family 家庭成员 ${s.resident.family.join(", ")} (not yet enrolled 未投保)

 演示账号 demo logins (demo passwords — never use outside a demo 仅供演示):
${logins}

 定点医院 hospital  ${s.hospital.code}  HMAC secret 签名密钥: ${s.hospital.secret ?? "(not stored — re-add the institution to rotate)"}

 试一试 try it:
  TOKEN=$(curl -s -X POST ${api}/auth/login -H 'content-type: application/json' \\
    -d '{"program_id":"${p}","username":"demo-operator","password":"demo-operator-2023"}' | sed -E 's/.*"token":"([^"]+)".*/\\1/')
  curl -s ${api}/programs/${p} -H "authorization: Bearer $TOKEN"
  curl -s ${api}/programs/${p}/roster/${s.resident.psnNo} -H "authorization: Bearer $TOKEN"
  curl -s "${api}/programs/${p}/ledger/statement?insurer=${s.logins.find((l) => l.role === "co_insurer")?.insurerCode}&from=2023-07-01&to=2023-08-31" -H "authorization: Bearer $TOKEN"

 Ctrl-C 停止 to stop.
════════════════════════════════════════════════════════════════════════════
`;
}

export function registerPlatformCommands(program: Command): void {
  program
    .command("serve")
    .description("start the HTTP server (API under /api/v1, OpenAPI at /docs, health at /healthz)")
    .option("--port <port>", "port", "3000")
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option(
      "--demo",
      "seed the demo program wenshan-2023 (idempotent) and print logins, secrets and curl examples",
    )
    .action(async (opts: { port: string; host: string; demo?: boolean }) =>
      serve(Number(opts.port), opts.host, { demo: opts.demo === true }),
    );

  program
    .command("program")
    .description("programs (项目)")
    .command("create")
    .requiredOption("--id <program_id>", "program id, e.g. wenshan-2023")
    .requiredOption("--product <product_id>", "product id")
    .action(async (opts: { id: string; product: string }) =>
      withPlatform(async (ctx) => {
        const p = await createProgram(ctx, CLI_ACTOR, { programId: opts.id, productId: opts.product });
        process.stdout.write(`${p.programId}\t${p.productId} v${p.productVersion}\t${p.name}\n`);
      }),
    );

  program
    .command("institution")
    .description("定点医药机构")
    .command("add")
    .requiredOption("--program <id>", "program id")
    .requiredOption("--code <fixmedins_code>", "institution code")
    .requiredOption("--name <name>", "institution name")
    .action(async (opts: { program: string; code: string; name: string }) =>
      withPlatform(async (ctx) => {
        const r = await addInstitution(ctx, CLI_ACTOR, {
          programId: opts.program,
          code: opts.code,
          name: opts.name,
        });
        process.stdout.write(`${r.code}\nsecret (shown once, keep it safe): ${r.secret}\n`);
      }),
    );

  program
    .command("user")
    .description("人员账号")
    .command("add")
    .requiredOption("--program <id>", "program id, or * for a platform-wide account")
    .requiredOption("--username <name>", "login name")
    .requiredOption("--role <role>", "resident|hospital|operator|co_insurer|bureau|regulator|charity|admin")
    .requiredOption("--password <password>", "at least 8 characters")
    .option("--psn-no <psn_no>", "for residents: their person number")
    .option("--insurer <code>", "for co-insurers: their insurer code")
    .action(
      async (opts: {
        program: string;
        username: string;
        role: string;
        password: string;
        psnNo?: string;
        insurer?: string;
      }) =>
        withPlatform(async (ctx) => {
          await createUser(ctx, CLI_ACTOR, {
            programId: opts.program,
            username: opts.username,
            role: opts.role as Role,
            password: opts.password,
            psnNo: opts.psnNo,
            insurerCode: opts.insurer,
          });
          process.stdout.write(`${opts.username}\t${opts.role}\t${opts.program}\n`);
        }),
    );
}
