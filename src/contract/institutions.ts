/** 定点医药机构: registration and rotation (the one-time signing secret), the list, disable / enable. */
import { z } from "zod";
import { INSTITUTION_KINDS, INSTITUTION_LEVELS, INSTITUTION_STATUSES } from "../domain/vocabulary.js";
import { Instant, NO_NUL, ProgramParams } from "./common.js";
import { PageQueryShape, sortOf } from "./paging.js";

export const InstitutionLevelSchema = z
  .enum(INSTITUTION_LEVELS)
  .describe("机构等级：tertiary 三级医院、secondary 二级医院、primary 一级及以下、pharmacy 定点药店");

export const InstitutionKindSchema = z
  .enum(INSTITUTION_KINDS)
  .describe(
    "机构类别：medical 定点医药机构（结算、特药、柜面理赔）；service 健康服务机构（只能核销健康服务券）。两者互不能调用对方的接口",
  );

export const AddInstitutionBody = z.strictObject({
  fixmedins_code: z.string().max(32).describe("定点医药机构编码"),
  name: z.string().max(128).describe("机构名称"),
  level: InstitutionLevelSchema.optional(),
  kind: InstitutionKindSchema.optional().describe("机构类别；新登记默认 medical，重新登记不填则保持原类别"),
});
export type AddInstitutionBody = z.infer<typeof AddInstitutionBody>;

export const InstitutionCredentials = z.object({
  fixmedins_code: z.string(),
  secret: z.string().describe("HMAC 签名密钥：只在登记时返回一次，请妥善保存"),
});
export type InstitutionCredentials = z.infer<typeof InstitutionCredentials>;

export const InstitutionParams = ProgramParams.extend({
  fixmedins_code: z.string().min(1).max(32).describe("定点医药机构编码"),
});
export type InstitutionParams = z.infer<typeof InstitutionParams>;

export const InstitutionView = z.object({
  fixmedins_code: z.string().describe("定点医药机构编码"),
  name: z.string().describe("机构名称"),
  level: InstitutionLevelSchema.nullable(),
  kind: InstitutionKindSchema,
  status: z.enum(INSTITUTION_STATUSES).describe("active 正常；disabled 已停用（签名请求一律拒绝）"),
  created_at: Instant.describe("登记时间"),
  status_changed_at: Instant.nullable().describe("最近一次停用或启用的时间"),
  secret_rotated_at: Instant.nullable().describe("最近一次更换签名密钥的时间（密钥本身不再显示）"),
});
export type InstitutionView = z.infer<typeof InstitutionView>;

export const InstitutionList = z.object({
  institutions: z.array(InstitutionView),
  total: z.number().int().optional().describe("符合筛选条件的总数（分页查询时）"),
  page: z.number().int().optional().describe("页码（分页查询时）"),
  page_size: z.number().int().optional().describe("每页条数（分页查询时）"),
});
export const InstitutionListQuery = z.strictObject({
  status: z.enum(INSTITUTION_STATUSES).optional().describe("状态"),
  level: z.enum(INSTITUTION_LEVELS).optional().describe("等级"),
  kind: z.enum(INSTITUTION_KINDS).optional().describe("类别：medical 定点医药机构；service 健康服务机构"),
  q: z.string().min(1).max(64).regex(new RegExp(NO_NUL)).optional().describe("查找：机构编码或名称的开头"),
  sort: sortOf(["code", "name", "created_at"], "code"),
  ...PageQueryShape,
});
export const InstitutionExportQuery = InstitutionListQuery.omit({ page: true, page_size: true });
export type InstitutionList = z.infer<typeof InstitutionList>;

export const InstitutionStatusBody = z.strictObject({
  status: z.enum(INSTITUTION_STATUSES).describe("active 启用；disabled 停用"),
});
export type InstitutionStatusBody = z.infer<typeof InstitutionStatusBody>;
