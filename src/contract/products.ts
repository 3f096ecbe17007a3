/**
 * The product store on the wire (issue 12 §2, §9): published versions, the Chinese product sheet, the diff of
 * two versions, publishing and validating a file, and a quote preview against any version. Operators and
 * admins write; bureau and regulator read.
 */
import { z } from "zod";
import { ComplianceView } from "./console.js";
import { BenefitQuoteBody } from "./product.js";

const BeijingTime = z
  .string()
  .meta({ description: "北京时间 yyyy-MM-dd HH:mm:ss", example: "2023-06-01 09:00:00" });

export const ProductIdParams = z.object({
  product_id: z.string().min(1).max(64).meta({ description: "产品编号", example: "wenshan-2023" }),
});

export const ProductVersionParams = ProductIdParams.extend({
  // Path parameters arrive as text (ajv does not coerce here); the route reads the number.
  version: z
    .string()
    .regex(/^[1-9]\d{0,8}$/)
    .meta({ description: "产品版本号（正整数）", example: "1" }),
});
export type ProductVersionParams = z.infer<typeof ProductVersionParams>;

export const ProductVersionView = z.object({
  product_id: z.string(),
  version: z.number().int(),
  name: z.string().meta({ description: "产品名称" }),
  region_code: z.string().meta({ description: "行政区划代码（GB/T 2260）" }),
  content_hash: z.string().meta({ description: "发布内容（规范化 JSON）的 SHA-256" }),
  published_by: z.string().meta({ description: "发布人" }),
  published_at: BeijingTime.meta({ description: "发布时间（北京时间）" }),
});
export type ProductVersionView = z.infer<typeof ProductVersionView>;

export const ProductList = z
  .object({
    products: z.array(
      z.object({
        product_id: z.string(),
        name: z.string().meta({ description: "最新版本的产品名称" }),
        latest_version: z.number().int(),
        versions: z.array(ProductVersionView).meta({ description: "已发布的各版本，按版本号升序" }),
      }),
    ),
  })
  .meta({ description: "已发布的产品及其版本" });
export type ProductList = z.infer<typeof ProductList>;

export const ProductVersionDetail = ProductVersionView.extend({
  content: z
    .record(z.string(), z.unknown())
    .meta({ description: "发布的产品文件（已迁移到当前格式版本，目录引用已展开）" }),
}).meta({ description: "一个已发布版本及其产品文件" });
export type ProductVersionDetail = z.infer<typeof ProductVersionDetail>;

export const SheetView = ProductVersionView.extend({
  title: z.string().meta({ description: "产品说明标题" }),
  sections: z
    .array(z.object({ heading: z.string(), lines: z.array(z.string()) }))
    .meta({ description: "中文产品说明：各节标题与条文" }),
}).meta({ description: "中文产品说明书" });
export type SheetView = z.infer<typeof SheetView>;

export const DiffQuery = z.object({
  a: z
    .string()
    .min(1)
    .max(80)
    .meta({ description: "比较的一方：产品编号@版本号", example: "wenshan-2023@1" }),
  b: z
    .string()
    .min(1)
    .max(80)
    .meta({ description: "比较的另一方：产品编号@版本号", example: "wenshan-2023@2" }),
});
export type DiffQuery = z.infer<typeof DiffQuery>;

export const DiffView = z
  .object({
    a: z.string().meta({ description: "一方（产品编号@版本号）" }),
    b: z.string().meta({ description: "另一方（产品编号@版本号）" }),
    same: z.boolean().meta({ description: "条款完全相同" }),
    changes: z
      .array(z.string())
      .meta({ description: "条款变化，逐条中文说明，如“责任一免赔额 12000 → 10000”" }),
  })
  .meta({ description: "两个产品版本的条款差异" });
export type DiffView = z.infer<typeof DiffView>;

/** A product file as uploaded: any JSON object; the product loader checks it and names every problem. */
export const ProductFile = z
  .record(z.string(), z.unknown())
  .meta({ description: "产品文件（JSON，任一受支持的格式版本；见 docs 与 hmb product validate）" });

export const ProductProblem = z.object({
  path: z.string().meta({ description: "问题所在位置，如 plans[0].liabilities[1].cap；空为整个文件" }),
  message: z.string().meta({ description: "中文说明" }),
});

export const ValidationView = z
  .object({
    valid: z.boolean(),
    product_id: z.string().nullable().meta({ description: "有效时：产品编号" }),
    version: z.number().int().nullable().meta({ description: "有效时：版本号" }),
    name: z.string().nullable().meta({ description: "有效时：产品名称" }),
    problems: z.array(ProductProblem).meta({ description: "全部问题（有效时为空）" }),
  })
  .meta({ description: "产品文件校验结果（不保存）" });
export type ValidationView = z.infer<typeof ValidationView>;

export const PublishView = z
  .object({
    outcome: z
      .enum(["published", "unchanged"])
      .meta({ description: "published 已发布新版本；unchanged 相同内容此前已发布，未做任何改变" }),
    message: z.string().meta({ description: "中文说明" }),
    version: ProductVersionView,
  })
  .meta({ description: "发布结果" });
export type PublishView = z.infer<typeof PublishView>;

/** The quote preview takes the resident calculator's body (contract/product.ts), against a stored version. */
export const ProductQuoteBody = BenefitQuoteBody;
export type ProductQuoteBody = z.infer<typeof ProductQuoteBody>;

/** GET /products/{id}/versions/{v}/compliance: one published version against one rule set. */
export const ProductComplianceView = ComplianceView.omit({ program_id: true });
export type ProductComplianceView = z.infer<typeof ProductComplianceView>;
