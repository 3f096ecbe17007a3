/**
 * Health services (增值服务) on the wire: the catalog and its providers, the insured's vouchers, a provider's
 * check and redemption of a voucher, the console's redemptions and usage (docs/health-services.md).
 */
import { z } from "zod";
import { HEALTH_SERVICE_KINDS, VOUCHER_STATES } from "../domain/health-services.js";
import { Instant, ProgramParams } from "./common.js";

/** The catalog file as written (checked by domain/health-services.ts parseServiceCatalog, not by ajv). */
export const ServiceCatalogFile = z
  .looseObject({
    schemaVersion: z.literal(1),
    version: z.number().int().min(1).describe("目录版本号，每次发布递增"),
    name: z.string().describe("目录名称"),
    services: z.array(z.looseObject({ id: z.string() })).describe("服务项目（见 docs/health-services.md）"),
  })
  .describe("健康服务目录文件");
export type ServiceCatalogFile = z.infer<typeof ServiceCatalogFile>;

export const PublishCatalogView = z.object({
  version: z.number().int(),
  outcome: z.enum(["published", "unchanged"]).describe("published 新发布；unchanged 相同内容已发布"),
});
export type PublishCatalogView = z.infer<typeof PublishCatalogView>;

export const ServiceKindSchema = z.enum(HEALTH_SERVICE_KINDS).describe("服务类别");
export const VoucherStateSchema = z
  .enum(VOUCHER_STATES)
  .describe(
    "available 可使用；not_yet_valid 未到使用期；redeemed 已核销；expired 已过期；cancelled 已作废（退保）",
  );

/** Who may use a service: the product person attributes (domain/product.ts), every key present must hold. */
export const ServiceEligibilityView = z.object({
  age_from: z.number().int().nullable(),
  age_to: z.number().int().nullable(),
  sex: z.enum(["1", "2"]).nullable().describe("1 男；2 女"),
  cohorts: z.array(z.string()).nullable(),
  insutypes: z.array(z.string()).nullable(),
  insured_years_from: z.number().int().nullable().describe("连续参保年数下限"),
  claim_free_years_from: z.number().int().nullable().describe("连续无理赔年数下限"),
  plans: z.array(z.string()).nullable(),
});
export type ServiceEligibilityView = z.infer<typeof ServiceEligibilityView>;

export const ServiceView = z.object({
  service_id: z.string(),
  kind: ServiceKindSchema,
  name: z.string(),
  description: z.string().nullable(),
  quantity_per_year: z.number().int().describe("每位参保人每年可用次数"),
  eligibility: ServiceEligibilityView,
  providers: z.array(z.string()).describe("可核销的服务机构编码"),
  valid_from: Instant.nullable().describe("可使用起始（空：随保障期）"),
  valid_until: Instant.nullable().describe("可使用截止（空：随保障期）"),
  source: z.string().nullable(),
});
export type ServiceView = z.infer<typeof ServiceView>;

export const ProviderView = z.object({
  code: z.string().describe("服务机构编码（以定点机构身份登记并签名）"),
  name: z.string().nullable().describe("登记名称；空表示尚未登记"),
  status: z.enum(["active", "disabled"]).nullable().describe("active 正常；disabled 停用；空表示未登记"),
  services: z.array(z.string()),
});
export type ProviderView = z.infer<typeof ProviderView>;

export const CatalogView = z.object({
  version: z.number().int().nullable().describe("生效版本；空表示尚未发布"),
  name: z.string().nullable(),
  published_at: Instant.nullable(),
  source: z.string().nullable(),
  services: z.array(ServiceView),
  providers: z.array(ProviderView),
});
export type CatalogView = z.infer<typeof CatalogView>;

export const IssueView = z.object({
  added: z.number().int().describe("本次新发放的服务券数"),
  policies: z.number().int().describe("检查的有效保单数"),
});
export type IssueView = z.infer<typeof IssueView>;

export const VoucherView = z.object({
  voucher_code: z.string().describe("服务券码（本人出示给服务机构；二维码内容即此码）"),
  service_id: z.string(),
  service_name: z.string(),
  kind: ServiceKindSchema.nullable(),
  description: z.string().nullable(),
  seq: z.number().int().describe("本年第几次"),
  state: VoucherStateSchema,
  valid_from: Instant,
  valid_until: Instant,
  redeemed_at: Instant.nullable(),
  providers: z.array(z.object({ code: z.string(), name: z.string().nullable() })),
});
export type VoucherView = z.infer<typeof VoucherView>;

export const MyServicesView = z.object({
  catalog_name: z.string().nullable(),
  vouchers: z.array(VoucherView),
});
export type MyServicesView = z.infer<typeof MyServicesView>;

export const VoucherParams = ProgramParams.extend({
  voucher_code: z.string().min(1).max(32).describe("服务券码"),
});
export type VoucherParams = z.infer<typeof VoucherParams>;

export const RedeemBody = z.strictObject({
  voucher_code: z.string().max(32).describe("参保人出示的服务券码"),
  reference: z.string().max(64).describe("机构自己的服务单号：同一单号重发得到同一结果"),
});
export type RedeemBody = z.infer<typeof RedeemBody>;

/** What a provider learns of a voucher: enough to check the person's ID card, masked. */
export const VoucherCheckView = z.object({
  voucher_code: z.string(),
  service_id: z.string(),
  service_name: z.string(),
  state: VoucherStateSchema,
  valid_from: Instant,
  valid_until: Instant,
  redeemed_at: Instant.nullable(),
  reference: z.string().nullable().describe("本机构核销时的服务单号（其他机构核销的不显示）"),
  person: z.object({
    name: z.string().describe("姓名（脱敏）"),
    certno: z.string().describe("身份证号（脱敏）"),
  }),
});
export type VoucherCheckView = z.infer<typeof VoucherCheckView>;

export const RedemptionView = z.object({
  voucher: z.string().describe("服务券码（脱敏）"),
  service_id: z.string(),
  service_name: z.string(),
  provider: z.string(),
  provider_name: z.string().nullable(),
  reference: z.string(),
  redeemed_at: Instant,
  person_name: z.string().describe("姓名（脱敏）"),
});
export type RedemptionView = z.infer<typeof RedemptionView>;

export const RedemptionList = z.object({ redemptions: z.array(RedemptionView) });
export type RedemptionList = z.infer<typeof RedemptionList>;

export const ServiceUsageView = z.object({
  service_id: z.string(),
  service_name: z.string(),
  issued: z.number().int(),
  redeemed: z.number().int(),
  cancelled: z.number().int().describe("退保作废（未使用）"),
  expired: z.number().int().describe("过期未使用"),
  rate_percent: z.string().describe("使用率：已核销 ÷ 已发放（如 62.5%）"),
  providers: z.array(
    z.object({ provider: z.string(), provider_name: z.string().nullable(), redeemed: z.number().int() }),
  ),
});
export type ServiceUsageView = z.infer<typeof ServiceUsageView>;

export const UsageView = z.object({
  catalog_version: z.number().int().nullable(),
  services: z.array(ServiceUsageView),
});
export type UsageView = z.infer<typeof UsageView>;
