/**
 * Aid programs (救助项目) and their ring-fenced funds over HTTP (issue 15; services/aid/programs.ts and
 * funds.ts). Operators and admins publish and withdraw aid programs and open funds; a `charity` account opens,
 * funds and reads only the funds it keeps; the bureau and the regulator read.
 */
import type { FastifyPluginAsync } from "fastify";
import {
  AidDonationBody,
  AidDonationResult,
  AidFundLedger,
  AidFundList,
  AidFundParams,
  AidFundView,
  AidProgramFile,
  AidProgramList,
  AidProgramParams,
  AidProgramQuery,
  AidProgramView,
  AidPublishView,
  CreateAidFundBody,
} from "../../contract/aid.js";
import { ProgramParams } from "../../contract/common.js";
import { errors, NO_BODY, parsedBody, reply, request } from "../../contract/json-schema.js";
import { formatPercent, formatYuan, parseYuan } from "../../domain/money.js";
import { formatBusinessTime } from "../../domain/time.js";
import {
  type AidFund,
  contributeToFund,
  createAidFund,
  type FundStatement,
  fundStatement,
  listAidFunds,
  reconcileFund,
} from "../../services/aid/funds.js";
import {
  type AidProgramWithHistory,
  getAidProgram,
  listAidPrograms,
  publishAidProgram,
  withdrawAidProgram,
} from "../../services/aid/programs.js";
import { type PlatformContext, type Role, ServiceError } from "../../services/context.js";
import { requireActor } from "../auth.js";

/** Who publishes and withdraws aid programs. */
const PUBLISHERS: readonly Role[] = ["admin", "operator"];
/** Aid programs are public terms: the publishers, the charities paying them, and those who oversee. */
const PROGRAM_READERS: readonly Role[] = [...PUBLISHERS, "charity", "bureau", "regulator", "civil_affairs"];
/** Who opens funds and records their money: the publishers, and a charity for the funds it keeps. */
const FUND_KEEPERS: readonly Role[] = [...PUBLISHERS, "charity"];
const FUND_READERS: readonly Role[] = [...FUND_KEEPERS, "bureau", "regulator"];

const orNull = <T>(v: T | undefined): T | null => v ?? null;
const money = (fen: number | undefined) => (fen === undefined ? null : formatYuan(fen));

export function presentAidProgram(h: AidProgramWithHistory): AidProgramView {
  const c = h.current;
  const p = c.program;
  const e = p.eligibility;
  return {
    aid_program_id: c.aidProgramId,
    version: c.version,
    name: p.name,
    status: c.status,
    sponsor_kind: p.sponsor.kind,
    sponsor_name: p.sponsor.name,
    fund_id: c.fundId,
    fund_name: c.fundName,
    priority: p.priority,
    period_start: formatBusinessTime(p.period.start),
    period_end: formatBusinessTime(p.period.end),
    eligibility: {
      cohorts: e.cohorts ?? [],
      min_age: orNull(e.minAge),
      max_age: orNull(e.maxAge),
      icd10: (e.icd10 ?? []).map((r) => ({ from: r.from, to: r.to })),
      drugs: e.drugs ?? [],
      regions: e.regions ?? [],
    },
    covers: {
      kind: p.covers.kind,
      after: p.covers.kind === "residual" ? p.covers.after : [],
      in_scope_only: p.covers.kind === "residual" ? p.covers.inScopeOnly : false,
    },
    benefit:
      p.benefit.kind === "fixed"
        ? {
            kind: "fixed",
            threshold: null,
            threshold_per: null,
            ratio: null,
            amount: formatYuan(p.benefit.amount),
          }
        : {
            kind: "ratio_above_threshold",
            threshold: formatYuan(p.benefit.threshold.amount),
            threshold_per: p.benefit.threshold.per,
            ratio: formatPercent(p.benefit.ratio),
            amount: null,
          },
    caps: { per_case: money(p.caps.perCase), per_year: money(p.caps.perYear) },
    budget: { amount: formatYuan(p.budget.amount), when_exhausted: p.budget.whenExhausted },
    mode:
      p.mode.kind === "application"
        ? { kind: "application", documents: p.mode.documents, committee: p.mode.committee }
        : { kind: "automatic", documents: [], committee: false },
    description: orNull(p.description),
    published_at: c.publishedAt.toISOString(),
    withdrawn_at: c.withdrawnAt?.toISOString() ?? null,
    versions: h.versions.map((v) => ({
      version: v.version,
      status: v.status,
      published_at: v.publishedAt.toISOString(),
      withdrawn_at: v.withdrawnAt?.toISOString() ?? null,
    })),
  };
}

export function presentAidFund(f: AidFund): AidFundView {
  return {
    fund_id: f.fundId,
    name: f.name,
    sponsor_kind: f.sponsorKind,
    sponsor_name: f.sponsorName,
    keeper: f.keeper,
    balance: formatYuan(f.balance),
    created_at: f.createdAt.toISOString(),
  };
}

export function presentFundLedger(
  s: FundStatement,
  names: ReadonlyMap<string, string>,
  reconciled: boolean,
): AidFundLedger {
  return {
    fund: presentAidFund(s.fund),
    lines: s.lines.map((l) => ({
      kind: l.kind,
      ref: l.ref,
      amount: formatYuan(l.amount),
      balance_after: formatYuan(l.balanceAfter),
      donor: l.donor,
      aid_program_id: l.aidProgramId,
      aid_program_name: l.aidProgramId === null ? null : (names.get(l.aidProgramId) ?? null),
      version: l.version,
      at: l.at.toISOString(),
    })),
    contributions: formatYuan(s.contributions),
    aid_paid: formatYuan(s.aidPaid),
    aid_reversed: formatYuan(s.aidReversed),
    reconciled,
  };
}

export const aidProgramRoutes =
  (ctx: PlatformContext): FastifyPluginAsync =>
  async (app) => {
    app.post<{ Params: ProgramParams; Body: unknown }>(
      "/programs/:program_id/aid-programs",
      {
        config: { roles: PUBLISHERS },
        schema: {
          tags: ["aid"],
          summary:
            "发布救助项目文件为不可修改的版本（hmb aid publish）：相同内容再次发布不做改变；已发布版本不能修改（409）；文件有误 400 并指明字段；所指救助基金须已开设",
          params: request(ProgramParams),
          ...parsedBody(AidProgramFile, "domain/aid.ts parseAidProgram"),
          response: { 200: reply(AidPublishView), 201: reply(AidPublishView), ...errors(422) },
        },
      },
      async (request, reply) => {
        const r = await publishAidProgram(
          ctx,
          requireActor(request),
          request.params.program_id,
          request.body,
        );
        return reply.status(r.created ? 201 : 200).send({
          outcome: r.created ? "published" : "unchanged",
          aid_program: presentAidProgram(r.published),
        });
      },
    );

    app.get<{ Params: ProgramParams }>(
      "/programs/:program_id/aid-programs",
      {
        config: { roles: PROGRAM_READERS },
        schema: {
          tags: ["aid"],
          summary: "本项目的救助项目：各自的当前版本（含已撤回）与版本历史（hmb aid list）",
          params: request(ProgramParams),
          response: { 200: reply(AidProgramList), ...errors() },
        },
      },
      async (request): Promise<AidProgramList> => {
        requireActor(request);
        const list = await listAidPrograms(ctx.db, request.params.program_id);
        return { aid_programs: list.map(presentAidProgram) };
      },
    );

    app.get<{ Params: AidProgramParams; Querystring: AidProgramQuery }>(
      "/programs/:program_id/aid-programs/:aid_program_id",
      {
        config: { roles: PROGRAM_READERS },
        schema: {
          tags: ["aid"],
          summary:
            "一个救助项目：当前版本（或 ?version= 指定版本）的条件、待遇、预算与全部版本（hmb aid show）",
          params: request(AidProgramParams),
          querystring: request(AidProgramQuery),
          response: { 200: reply(AidProgramView), ...errors() },
        },
      },
      async (request): Promise<AidProgramView> => {
        requireActor(request);
        const version = request.query.version === undefined ? undefined : Number(request.query.version);
        return presentAidProgram(
          await getAidProgram(ctx.db, request.params.program_id, request.params.aid_program_id, version),
        );
      },
    );

    app.post<{ Params: AidProgramParams }>(
      "/programs/:program_id/aid-programs/:aid_program_id/withdraw",
      {
        config: { roles: PUBLISHERS },
        schema: {
          tags: ["aid"],
          summary:
            "撤回救助项目的当前版本：不再匹配新的救助，已付救助不受影响；恢复须发布新版本（hmb aid withdraw）",
          ...NO_BODY,
          params: request(AidProgramParams),
          response: { 200: reply(AidProgramView), ...errors() },
        },
      },
      async (request): Promise<AidProgramView> =>
        presentAidProgram(
          await withdrawAidProgram(
            ctx,
            requireActor(request),
            request.params.program_id,
            request.params.aid_program_id,
          ),
        ),
    );

    app.post<{ Params: ProgramParams; Body: CreateAidFundBody }>(
      "/programs/:program_id/aid-funds",
      {
        config: { roles: FUND_KEEPERS },
        schema: {
          tags: ["aid"],
          summary:
            "开设救助基金（专户）：同一编号、相同内容再次开设不做改变；慈善机构账号开设的基金由其管理（hmb aid fund create）",
          params: request(ProgramParams),
          body: request(CreateAidFundBody),
          response: { 200: reply(AidFundView), 201: reply(AidFundView), ...errors() },
        },
      },
      async (request, reply) => {
        const b = request.body;
        const r = await createAidFund(ctx, requireActor(request), {
          programId: request.params.program_id,
          fundId: b.fund_id,
          name: b.name,
          sponsorKind: b.sponsor_kind,
          sponsorName: b.sponsor_name,
          keeper: b.keeper,
        });
        return reply.status(r.created ? 201 : 200).send(presentAidFund(r.fund));
      },
    );

    app.get<{ Params: ProgramParams }>(
      "/programs/:program_id/aid-funds",
      {
        config: { roles: FUND_READERS },
        schema: {
          tags: ["aid"],
          summary: "救助基金及余额：慈善机构账号只看到自己管理的基金",
          params: request(ProgramParams),
          response: { 200: reply(AidFundList), ...errors() },
        },
      },
      async (request): Promise<AidFundList> => ({
        funds: (await listAidFunds(ctx, requireActor(request), request.params.program_id)).map(
          presentAidFund,
        ),
      }),
    );

    app.post<{ Params: AidFundParams; Body: AidDonationBody }>(
      "/programs/:program_id/aid-funds/:fund_id/donations",
      {
        config: { roles: FUND_KEEPERS },
        schema: {
          tags: ["aid"],
          summary:
            "向救助基金捐赠或注资（kind=donation|top_up；捐款人可匿名）：ref 为幂等键，同一凭证重复提交只入账一次（hmb aid fund donate）",
          params: request(AidFundParams),
          body: request(AidDonationBody),
          response: { 200: reply(AidDonationResult), 201: reply(AidDonationResult), ...errors() },
        },
      },
      async (request, reply) => {
        const parsed = parseYuan(request.body.amount);
        if (!parsed.ok || parsed.fen <= 0)
          throw new ServiceError(
            "invalid",
            "invalid_value",
            parsed.ok ? "金额必须为正" : parsed.problem,
            "amount",
          );
        const r = await contributeToFund(ctx, requireActor(request), {
          programId: request.params.program_id,
          fundId: request.params.fund_id,
          kind: request.body.kind ?? "donation",
          amount: parsed.fen,
          donor: request.body.donor,
          ref: request.body.ref,
        });
        return reply.status(r.posted ? 201 : 200).send({
          outcome: r.posted ? "posted" : "unchanged",
          fund_id: request.params.fund_id,
          balance: formatYuan(r.balance),
        });
      },
    );

    app.get<{ Params: AidFundParams }>(
      "/programs/:program_id/aid-funds/:fund_id/ledger",
      {
        config: { roles: FUND_READERS },
        schema: {
          tags: ["aid"],
          summary:
            "救助基金专户明细：每笔捐赠、注资、救助支出与冲回，逐笔余额，及专户对账结果（hmb aid fund statement）",
          params: request(AidFundParams),
          response: { 200: reply(AidFundLedger), ...errors() },
        },
      },
      async (request): Promise<AidFundLedger> => {
        const { program_id: programId, fund_id: fundId } = request.params;
        const statement = await fundStatement(ctx, requireActor(request), programId, fundId);
        const programs = await listAidPrograms(ctx.db, programId);
        const names = new Map(programs.map((p) => [p.current.aidProgramId, p.current.program.name]));
        const reconciled = (await reconcileFund(ctx.db, programId, fundId)).ok;
        return presentFundLedger(statement, names, reconciled);
      },
    );
  };
