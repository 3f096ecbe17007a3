/** 定点医药机构 registration: the one-time signing secret. */
import { z } from "zod";

export const AddInstitutionBody = z.strictObject({
  fixmedins_code: z.string().max(32).describe("定点医药机构编码"),
  name: z.string().max(128).describe("机构名称"),
});
export type AddInstitutionBody = z.infer<typeof AddInstitutionBody>;

export const InstitutionCredentials = z.object({
  fixmedins_code: z.string(),
  secret: z.string().describe("HMAC 签名密钥：只在登记时返回一次，请妥善保存"),
});
export type InstitutionCredentials = z.infer<typeof InstitutionCredentials>;
