/**
 * Operator commands that work on the database directly (same services as the API routes):
 * `hmb serve`, `hmb program create`, `hmb institution add`, `hmb user add`.
 */
import type { Command } from "commander";
import { buildServer } from "../api/server.js";
import { CLI_ACTOR, type PlatformContext, type Role, ServiceError } from "../services/context.js";
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

export async function serve(port: number, host: string): Promise<void> {
  const ctx = await openPlatform();
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
  process.stdout.write(`hmb serving on ${address} (database: ${ctx.db.kind}); API docs at ${address}/docs\n`);
}

export function registerPlatformCommands(program: Command): void {
  program
    .command("serve")
    .description("start the HTTP server (API under /api/v1, OpenAPI at /docs, health at /healthz)")
    .option("--port <port>", "port", "3000")
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .action(async (opts: { port: string; host: string }) => serve(Number(opts.port), opts.host));

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
