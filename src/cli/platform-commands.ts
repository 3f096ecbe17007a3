/**
 * Operator commands that work on the database directly (same services as the API routes):
 * `hmb serve`, `hmb program create`, `hmb institution add`, `hmb user add`, `hmb user remove`.
 */
import { resolve } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import type { FastifyInstance } from "fastify";
import { buildServer } from "../api/server.js";
import { formatBusinessTime } from "../domain/time.js";
import type { InstitutionKind } from "../domain/vocabulary.js";
import {
  CLI_ACTOR,
  notFound,
  PERSON_ROLES,
  type PlatformContext,
  ServiceError,
} from "../services/context.js";
import { DEMO_NOW, type DemoSeedResult, removeDemoAccounts, seedDemo } from "../services/demo-seed.js";
import { addInstitution } from "../services/institutions.js";
import { openPlatform } from "../services/platform.js";
import { amendProgramProduct, type CoInsurerShare, createProgram } from "../services/programs.js";
import { renewDuePrograms } from "../services/renewal.js";
import { createUser, parsePersonRole, removeUser } from "../services/users.js";

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

/** How often a running server carries out the 自动续保授权 of programs whose enrollment window is open. */
const RENEWAL_SWEEP_MS = 10 * 60_000;

/**
 * Runs renewDuePrograms now and every RENEWAL_SWEEP_MS (never two at once), logging what it did; a failure
 * is logged and retried by the next round. The timer does not keep the process alive.
 */
function startRenewalSweep(ctx: PlatformContext, app: FastifyInstance): NodeJS.Timeout {
  let running = false;
  const round = async () => {
    if (running) return;
    running = true;
    try {
      for (const run of await renewDuePrograms(ctx)) {
        if (run.renewed.length + run.failed.length > 0)
          app.log.info(
            { program: run.programId, renewed: run.renewed.length, failed: run.failed.length },
            "自动续保",
          );
      }
    } catch (e) {
      app.log.error({ err: e }, "自动续保任务失败，下一轮重试");
    } finally {
      running = false;
    }
  };
  void round();
  const timer = setInterval(() => void round(), RENEWAL_SWEEP_MS);
  timer.unref();
  return timer;
}

/** On SIGTERM/SIGINT, requests in flight get this long to finish… */
const SHUTDOWN_GRACE_MS = 6_000;
/**
 * …and the process exits by this deadline whatever still hangs. The promise is "gone within 10 s": Node
 * takes up to about a second more to tear down a process holding the WebAssembly database.
 */
const SHUTDOWN_DEADLINE_MS = 8_500;

/** Whether `p` settles within `ms`. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      p.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Refuses a port another process holds, before anything slow (opening the database, seeding the demo takes
 * tens of seconds): one Chinese line naming the port and what to do. The port is probed by listening on it
 * and closing again; 0 (any free port) needs no probe.
 */
export async function assertPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  const { createServer } = await import("node:net");
  const problem = await new Promise<string | undefined>((resolveProbe) => {
    const probe = createServer();
    probe.once("error", (e: NodeJS.ErrnoException) => resolveProbe(e.code ?? e.message));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolveProbe(undefined)));
  });
  if (problem === undefined) return;
  throw new Error(
    problem === "EADDRINUSE"
      ? `端口 ${port} 已被占用（${host}）：请先停止占用它的程序，或用 --port 换一个端口`
      : `无法监听 ${host}:${port}（${problem}）：请检查 --host 与 --port`,
  );
}

export async function serve(port: number, host: string, options: { demo?: boolean } = {}): Promise<void> {
  await assertPortFree(port, host);
  let pinnedByDemo = false;
  if (options.demo === true) {
    if (process.env.NODE_ENV === "production")
      throw new Error("hmb serve --demo is refused when NODE_ENV=production");
    if (process.env.HMB_NOW === undefined || process.env.HMB_NOW === "") {
      process.env.HMB_NOW = DEMO_NOW;
      pinnedByDemo = true;
    }
  }
  let opening: Promise<PlatformContext> | undefined;
  let ctx: PlatformContext | undefined;
  let app: FastifyInstance | undefined;
  let stopping = false;
  // Stop accepting; let requests in flight finish for a grace period; then cut the connections still open
  // (a hanging upload), cancel the database work still running, close the database (and its local socket),
  // remove the data directory's lock, exit. A hard deadline exits regardless (the lock goes with the process).
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const deadline = setTimeout(() => {
      process.stderr.write(`hmb: 未能在 ${SHUTDOWN_DEADLINE_MS / 1000} 秒内正常关闭，强制退出\n`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    if (app !== undefined) app.log.info({ signal }, "shutting down");
    else process.stderr.write(`hmb: ${signal}, shutting down\n`);
    try {
      const graceEnds = Date.now() + SHUTDOWN_GRACE_MS;
      const graceLeft = () => Math.max(0, graceEnds - Date.now());
      if (ctx === undefined && opening !== undefined) await settlesWithin(opening, graceLeft());
      if (app !== undefined) {
        const closed = app.close();
        if (!(await settlesWithin(closed, graceLeft()))) {
          app.log.warn("requests still running after the grace period: closing their connections");
          app.server.closeAllConnections();
          await ctx?.db.interrupt();
          await settlesWithin(closed, 500);
        }
      }
      await ctx?.db.interrupt();
      await ctx?.db.close();
    } catch (e) {
      process.stderr.write(`hmb: shutdown: ${e instanceof Error ? e.message : String(e)}\n`);
    }
    clearTimeout(deadline);
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  // This process owns the data directory (a second server on it is refused) and lets CLI commands reach
  // the database through it while it runs.
  opening = openPlatform({ access: "own", offerSocket: true, command: "hmb serve" });
  ctx = await opening;
  let seeded: DemoSeedResult | undefined;
  try {
    if (options.demo === true) {
      process.stdout.write("hmb: seeding the demo program wenshan-2023 (first start takes a while) …\n");
      seeded = await seedDemo(ctx);
    }
    app = await buildServer(ctx, { logger: { level: process.env.LOG_LEVEL ?? "info" } });
  } catch (e) {
    if (stopping) return;
    await ctx.db.close();
    throw e;
  }
  if (stopping) return;
  const address = await app.listen({ port, host });
  const sweep = startRenewalSweep(ctx, app);
  process.once("exit", () => clearInterval(sweep));
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
  const bj = formatBusinessTime(now.getTime());
  const clock = pinnedByDemo
    ? `${bj} 北京时间 — pinned by --demo (HMB_NOW=${process.env.HMB_NOW}), inside the 2023-07-03…2023-08-31 enrollment window
                   医院结算时间不得晚于此业务时间 settlements must not be later than this clock: to settle coverage-year stays, restart with
                   HMB_NOW=2023-12-01T10:00:00+08:00 npm start`
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
 参保家庭 family   resident ${s.resident.psnNo}; family 家庭成员（按身份证号+姓名添加 add by ID number + name）${s.resident.members.map((m) => `${m.name} ${m.certno}`).join(", ")} (not yet enrolled 未投保)

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

/**
 * `--insurer CODE:NAME:BPS` → a share; the first one given is the lead. The name may itself contain ':'
 * (the code is before the first, the basis points after the last).
 */
export function parseInsurerSpec(text: string, isFirst: boolean): CoInsurerShare {
  const first = text.indexOf(":");
  const last = text.lastIndexOf(":");
  const bps = text.slice(last + 1);
  if (first <= 0 || last === first || !/^\d{1,5}$/.test(bps)) {
    throw new InvalidArgumentError(`应写作 代码:名称:万分之一份额，如 picc:人保财险:6000（收到 ${text}）`);
  }
  return {
    code: text.slice(0, first),
    name: text.slice(first + 1, last),
    shareBps: Number(bps),
    lead: isFirst,
  };
}

function collectInsurer(text: string, previous: CoInsurerShare[]): CoInsurerShare[] {
  return [...previous, parseInsurerSpec(text, previous.length === 0)];
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

  const programs = program.command("program").description("programs (项目)");
  programs
    .command("create")
    .requiredOption("--id <program_id>", "program id, e.g. wenshan-2023")
    .requiredOption(
      "--product <ID[@VERSION]>",
      "published product, pinned at VERSION (default: its latest published version)",
    )
    .option("--follows <program_id>", "last year's program in the same region (program years, renewal)")
    .option(
      "--insurer <CODE:NAME:BPS>",
      "co-insurer and its share in basis points (repeatable; the first is the lead; shares sum to 10000)",
      collectInsurer,
      [] as CoInsurerShare[],
    )
    .action(async (opts: { id: string; product: string; insurer: CoInsurerShare[]; follows?: string }) =>
      withPlatform(async (ctx) => {
        const p = await createProgram(ctx, CLI_ACTOR, {
          programId: opts.id,
          productId: opts.product,
          insurers: opts.insurer.length === 0 ? undefined : opts.insurer,
          follows: opts.follows,
        });
        process.stdout.write(`${p.programId}\t${p.productId} v${p.productVersion}\t${p.name}\n`);
        if (p.followsProgramId !== null) process.stdout.write(`  接续\t${p.followsProgramId}\n`);
        for (const i of p.insurers) {
          process.stdout.write(`  ${i.lead ? "首席" : "共保"}\t${i.code}\t${i.name}\t${i.shareBps / 100}%\n`);
        }
      }),
    );
  programs
    .command("amend")
    .description(
      "pin another product version — only before the program's enrollment opens (金办便函〔2025〕745号)",
    )
    .requiredOption("--id <program_id>", "program id")
    .requiredOption("--product <ID[@VERSION]>", "published product (default: its latest published version)")
    .action(async (opts: { id: string; product: string }) =>
      withPlatform(async (ctx) => {
        const p = await amendProgramProduct(ctx, CLI_ACTOR, opts.id, opts.product);
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
    .option("--kind <kind>", "medical 定点医药机构 (default) | service 健康服务机构 (redeems vouchers only)")
    .action(async (opts: { program: string; code: string; name: string; kind?: string }) =>
      withPlatform(async (ctx) => {
        const r = await addInstitution(ctx, CLI_ACTOR, {
          programId: opts.program,
          code: opts.code,
          name: opts.name,
          kind: opts.kind as InstitutionKind | undefined,
        });
        process.stdout.write(`${r.code}\nsecret (shown once, keep it safe): ${r.secret}\n`);
      }),
    );

  // People only: institutions (hospital, pharmacy) authenticate by HMAC signature (`hmb institution add`).
  const user = program.command("user").description("人员账号（机构用 hmb institution add）");
  user
    .command("add")
    .requiredOption("--program <id>", "program id, or * for a platform-wide account")
    .requiredOption("--username <name>", "login name")
    .requiredOption("--role <role>", PERSON_ROLES.join("|"))
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
            role: parsePersonRole(opts.role),
            password: opts.password,
            psnNo: opts.psnNo,
            insurerCode: opts.insurer,
          });
          process.stdout.write(`${opts.username}\t${opts.role}\t${opts.program}\n`);
        }),
    );
  user
    .command("remove")
    .description("delete a login and end its sessions; --demo: every demo login of `hmb serve --demo`")
    .option("--program <id>", "program id, or * for a platform-wide account")
    .option("--username <name>", "login name")
    .option("--demo", "remove the demo logins (their passwords are published)")
    .action(async (opts: { program?: string; username?: string; demo?: boolean }) =>
      withPlatform(async (ctx) => {
        if (opts.demo === true) {
          const removed = await removeDemoAccounts(ctx, CLI_ACTOR);
          process.stdout.write(removed.length === 0 ? "没有演示账号\n" : `${removed.join("\n")}\n`);
          return;
        }
        if (opts.program === undefined || opts.username === undefined)
          throw new ServiceError(
            "invalid",
            "invalid_value",
            "请给出 --program 和 --username，或 --demo",
            "username",
          );
        if (!(await removeUser(ctx, CLI_ACTOR, opts.program, opts.username)))
          throw notFound(`账号 ${opts.username}`, "username");
        process.stdout.write(`${opts.username}\t${opts.program}\n`);
      }),
    );
}
