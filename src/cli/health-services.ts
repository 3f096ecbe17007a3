/**
 * `hmb services publish FILE --program ID`: publishes a health-service catalog version (docs/health-services.md);
 * a bad file is refused naming the field (exit 2). `hmb services issue --program ID`: issues every eligible
 * insured's vouchers (again adds nothing). `hmb services usage --program ID [--json]`: issued, redeemed, void,
 * expired and the redemption rate per service, and what each provider redeemed.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { presentUsage } from "../api/routes/health-services.js";
import { formatPercent } from "../domain/money.js";
import { CLI_ACTOR } from "../services/context.js";
import { issueProgramVouchers, publishCatalog, usageReport } from "../services/health-services.js";
import { withPlatform } from "./platform-commands.js";
import { textTable } from "./text-table.js";

/** The file's JSON, or undefined after saying why (exit 2: the caller's mistake). */
function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code !== undefined;
    process.stderr.write(`hmb: ${missing ? `读不到文件 ${file}` : `${file} 不是有效的 JSON`} (file)\n`);
    process.exitCode = 2;
    return undefined;
  }
}

export function registerHealthServicesCommand(program: Command): void {
  const services = program.command("services").description("健康服务（增值服务）：目录、服务券、使用情况");

  services
    .command("publish")
    .description("publish a health-service catalog version for a program")
    .argument("<file>", "catalog JSON file (e.g. src/health-services/shenzhen-2023.json)")
    .requiredOption("--program <id>", "program id")
    .action(async (file: string, opts: { program: string }) => {
      const document = readJson(file);
      if (document === undefined) return;
      await withPlatform(async (ctx) => {
        const r = await publishCatalog(ctx, CLI_ACTOR, opts.program, document);
        process.stdout.write(
          r.outcome === "published"
            ? `已发布服务目录第 ${r.version} 版\n`
            : `第 ${r.version} 版已发布，内容相同，未改变\n`,
        );
      });
    });

  services
    .command("issue")
    .description("issue every eligible insured's vouchers under the catalog in force (idempotent)")
    .requiredOption("--program <id>", "program id")
    .action(async (opts: { program: string }) =>
      withPlatform(async (ctx) => {
        const r = await issueProgramVouchers(ctx, CLI_ACTOR, opts.program);
        process.stdout.write(`检查有效保单 ${r.policies} 张，新发放服务券 ${r.added} 张\n`);
      }),
    );

  services
    .command("usage")
    .description("usage per service and provider: issued, redeemed, void, expired, rate")
    .requiredOption("--program <id>", "program id")
    .option("--json", "JSON (the API's UsageView) instead of a table")
    .action(async (opts: { program: string; json?: boolean }) =>
      withPlatform(async (ctx) => {
        const usage = await usageReport(ctx, opts.program);
        if (opts.json === true) {
          process.stdout.write(`${JSON.stringify(presentUsage(usage), null, 2)}\n`);
          return;
        }
        const rows: string[][] = [["服务", "服务机构", "已发放", "已核销", "退保作废", "过期", "使用率"]];
        for (const s of usage.services) {
          rows.push([
            s.serviceName,
            "（合计）",
            String(s.issued),
            String(s.redeemed),
            String(s.cancelled),
            String(s.expired),
            formatPercent(s.rateBps),
          ]);
          for (const p of s.providers)
            rows.push(["", p.providerName ?? p.provider, "", String(p.redeemed), "", "", ""]);
        }
        process.stdout.write(`${textTable(rows).join("\n")}\n`);
      }),
    );
}
