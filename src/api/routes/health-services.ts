/**
 * Health services (增值服务, docs/health-services.md): the operator publishes the catalog, the insured reads
 * their vouchers, providers check and redeem them with the institutions' signature, the console reads
 * redemptions and usage.
 */
import type { FastifyPluginAsync } from "fastify";
import { ProgramParams, SignedHeaders } from "../../contract/common.js";
import {
  CatalogView,
  IssueView,
  MyServicesView,
  PublishCatalogView,
  RedeemBody,
  RedemptionList,
  ServiceCatalogFile,
  UsageView,
  VoucherCheckView,
  VoucherParams,
} from "../../contract/health-services.js";
import { errors, NO_BODY, parsedBody, reply, request } from "../../contract/json-schema.js";
import { formatPercent } from "../../domain/money.js";
import type { PlatformContext, Role } from "../../services/context.js";
import {
  type CatalogOverview,
  catalogOverview,
  checkVoucher,
  issueProgramVouchers,
  listRedemptions,
  myVouchers,
  publishCatalog,
  redeemVoucher,
  usageReport,
  type VoucherCheck,
} from "../../services/health-services.js";
import { requireActor } from "../auth.js";

const WRITERS: readonly Role[] = ["admin", "operator"];
/** The catalog and usage are aggregates (no person): the co-insurers and the bureau read them too. */
const READERS: readonly Role[] = ["admin", "operator", "co_insurer", "bureau", "regulator"];

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function presentCatalog(o: CatalogOverview): CatalogView {
  const c = o.published?.catalog;
  return {
    version: o.published?.version ?? null,
    name: c?.name ?? null,
    published_at: iso(o.published?.publishedAt ?? null),
    source: c?.source ?? null,
    services: (c?.services ?? []).map((s) => ({
      service_id: s.id,
      kind: s.kind,
      name: s.name,
      description: s.description ?? null,
      quantity_per_year: s.quantityPerYear,
      eligibility: {
        age_from: s.eligibility.ageFrom ?? null,
        age_to: s.eligibility.ageTo ?? null,
        sex: s.eligibility.sex ?? null,
        cohorts: s.eligibility.cohorts ?? null,
        insutypes: s.eligibility.insutypes ?? null,
        insured_years_from: s.eligibility.insuredYearsFrom ?? null,
        claim_free_years_from: s.eligibility.claimFreeYearsFrom ?? null,
        plans: s.eligibility.plans ?? null,
      },
      providers: [...s.providers],
      valid_from: s.validity === undefined ? null : new Date(s.validity.start).toISOString(),
      valid_until: s.validity === undefined ? null : new Date(s.validity.end).toISOString(),
      source: s.source ?? null,
    })),
    providers: o.providers.map((p) => ({
      code: p.code,
      name: p.name,
      status: p.status,
      services: [...p.services],
    })),
  };
}

function presentCheck(c: VoucherCheck): VoucherCheckView {
  return {
    voucher_code: c.code,
    service_id: c.serviceId,
    service_name: c.serviceName,
    state: c.state,
    valid_from: c.validFrom.toISOString(),
    valid_until: c.validUntil.toISOString(),
    redeemed_at: iso(c.redeemedAt),
    reference: c.reference,
    person: { name: c.personName, certno: c.certnoMasked },
  };
}

/** The usage report on the wire (the route and `hmb services usage --json`). */
export function presentUsage(usage: Awaited<ReturnType<typeof usageReport>>): UsageView {
  return {
    catalog_version: usage.catalogVersion,
    services: usage.services.map((s) => ({
      service_id: s.serviceId,
      service_name: s.serviceName,
      issued: s.issued,
      redeemed: s.redeemed,
      cancelled: s.cancelled,
      expired: s.expired,
      rate_percent: formatPercent(s.rateBps),
      providers: s.providers.map((p) => ({
        provider: p.provider,
        provider_name: p.providerName,
        redeemed: p.redeemed,
      })),
    })),
  };
}

export const healthServiceRoutes =
  (ctx: PlatformContext): FastifyPluginAsync =>
  async (app) => {
    app.post<{ Params: ProgramParams }>(
      "/programs/:program_id/health-services/catalog",
      {
        config: { roles: WRITERS },
        schema: {
          tags: ["health-services"],
          summary:
            "发布健康服务目录（hmb services publish）：相同版本相同内容不做改变（outcome=unchanged）；同版本不同内容或版本号未递增 409；文件有误 400 并指明字段",
          params: request(ProgramParams),
          ...parsedBody(ServiceCatalogFile, "domain/health-services.ts parseServiceCatalog"),
          response: { 200: reply(PublishCatalogView), 201: reply(PublishCatalogView), ...errors() },
        },
      },
      async (request, reply) => {
        const published = await publishCatalog(
          ctx,
          requireActor(request),
          request.params.program_id,
          request.body,
        );
        return reply.status(published.outcome === "published" ? 201 : 200).send(published);
      },
    );

    app.get<{ Params: ProgramParams }>(
      "/programs/:program_id/health-services/catalog",
      {
        config: { roles: READERS },
        schema: {
          tags: ["health-services"],
          summary: "生效的健康服务目录与服务机构（登记状态取自定点机构登记）",
          params: request(ProgramParams),
          response: { 200: reply(CatalogView), ...errors() },
        },
      },
      async (request): Promise<CatalogView> => {
        requireActor(request);
        return presentCatalog(await catalogOverview(ctx, request.params.program_id));
      },
    );

    app.post<{ Params: ProgramParams }>(
      "/programs/:program_id/health-services/vouchers/issue",
      {
        config: { roles: WRITERS },
        schema: {
          tags: ["health-services"],
          summary:
            "为全部有效保单中符合条件的参保人发放服务券（hmb services issue）；重复执行不会重复发放；留痕",
          ...NO_BODY,
          params: request(ProgramParams),
          response: { 200: reply(IssueView), ...errors(422) },
        },
      },
      async (request): Promise<IssueView> =>
        issueProgramVouchers(ctx, requireActor(request), request.params.program_id),
    );

    app.get<{ Params: ProgramParams }>(
      "/programs/:program_id/health-services/usage",
      {
        config: { roles: READERS },
        schema: {
          tags: ["health-services"],
          summary:
            "服务使用情况（hmb services usage）：按服务的发放、核销、作废、过期与使用率，及各服务机构核销数；仅汇总",
          params: request(ProgramParams),
          response: { 200: reply(UsageView), ...errors() },
        },
      },
      async (request): Promise<UsageView> => {
        requireActor(request);
        return presentUsage(await usageReport(ctx, request.params.program_id));
      },
    );

    app.get<{ Params: ProgramParams }>(
      "/programs/:program_id/health-services/redemptions",
      {
        config: { roles: ["admin", "operator"] },
        schema: {
          tags: ["health-services"],
          summary: "最近的核销记录（最新在前，至多 200 条）：姓名与券码脱敏；每次读取留痕",
          params: request(ProgramParams),
          response: { 200: reply(RedemptionList), ...errors() },
        },
      },
      async (request): Promise<RedemptionList> => ({
        redemptions: (await listRedemptions(ctx, requireActor(request), request.params.program_id)).map(
          (r) => ({
            voucher: r.codeMasked,
            service_id: r.serviceId,
            service_name: r.serviceName,
            provider: r.provider,
            provider_name: r.providerName,
            reference: r.reference,
            redeemed_at: r.redeemedAt.toISOString(),
            person_name: r.personName,
          }),
        ),
      }),
    );

    app.get<{ Params: ProgramParams }>(
      "/programs/:program_id/me/health-services",
      {
        config: { roles: ["resident"] },
        schema: {
          tags: ["health-services"],
          summary: "我的服务：本人的服务券（首次查看时按目录发放），含券码与状态；每次读取留痕",
          params: request(ProgramParams),
          response: { 200: reply(MyServicesView), ...errors() },
        },
      },
      async (request): Promise<MyServicesView> => {
        const mine = await myVouchers(ctx, requireActor(request), request.params.program_id);
        return {
          catalog_name: mine.catalogName,
          vouchers: mine.vouchers.map((v) => ({
            voucher_code: v.code,
            service_id: v.serviceId,
            service_name: v.serviceName,
            kind: v.kind,
            description: v.description,
            seq: v.seq,
            state: v.state,
            valid_from: v.validFrom.toISOString(),
            valid_until: v.validUntil.toISOString(),
            redeemed_at: iso(v.redeemedAt),
            providers: v.providers.map((p) => ({ code: p.code, name: p.name })),
          })),
        };
      },
    );

    app.get<{ Params: VoucherParams }>(
      "/programs/:program_id/health-services/vouchers/:voucher_code",
      {
        config: { roles: ["provider"], signed: true },
        schema: {
          tags: ["health-services"],
          summary:
            "服务机构查验服务券（第 2 版签名）：服务、状态与脱敏的姓名、身份证号，用于核对来人；非本服务的机构查不到；留痕",
          params: request(VoucherParams),
          headers: request(SignedHeaders),
          response: { 200: reply(VoucherCheckView), ...errors() },
        },
      },
      async (request): Promise<VoucherCheckView> =>
        presentCheck(
          await checkVoucher(
            ctx,
            requireActor(request),
            request.params.program_id,
            request.params.voucher_code,
          ),
        ),
    );

    app.post<{ Params: ProgramParams; Body: RedeemBody }>(
      "/programs/:program_id/health-services/redemptions",
      {
        // The body names the voucher it acts on, so its signature cannot be replayed against another one.
        config: { roles: ["provider"], signed: true, bodyNamesResource: () => true },
        schema: {
          tags: ["health-services"],
          summary:
            "服务机构核销服务券（签名同一站式结算）：每张券只核销一次；同一机构同一 reference 重发得到同一结果，其他核销 409；已退保作废、过期 409",
          params: request(ProgramParams),
          headers: request(SignedHeaders),
          body: request(RedeemBody),
          response: { 200: reply(VoucherCheckView), ...errors() },
        },
      },
      async (request): Promise<VoucherCheckView> => {
        const outcome = await redeemVoucher(ctx, requireActor(request), request.params.program_id, {
          voucherCode: request.body.voucher_code,
          reference: request.body.reference,
        });
        return presentCheck(outcome.check);
      },
    );
  };
