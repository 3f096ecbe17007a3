/**
 * Catalogs as their own versioned data: a drug / therapy / device list (e.g. the national
 * 《商业健康保险创新药品目录（2025年）》) published once in src/catalogs/*.json and shared by every product that
 * names it in `catalogRefs: [{ id, version }]`. A catalog version has an effective window; the loader
 * (src/products/load.ts) resolves a reference into the product's embedded `catalogs` and refuses a reference whose
 * window never meets the product's coverage.
 *
 * Items the publisher has not (yet) been verified against a citable source are kept as `known: false`
 * placeholders so the declared count stays honest; they are never resolved into a product (nothing can match
 * them, so nothing is paid on them).
 */
import { z } from "zod";
import { type EpochMs, parseBusinessTime } from "./time.js";

/** A catalog id: same alphabet as product ids. */
const catalogId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "编号只能用小写字母、数字、_ 和 -，以字母或数字开头");

/** Calendar days in Beijing time, as the notices write them ("自2026年1月1日起执行"). */
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const day = z.string().regex(DAY, "日期格式应为 yyyy-MM-dd（北京时间）");

const icd10Range = z
  .object({
    from: z.string().regex(/^[A-Z]\d{2}/, "ICD-10 编码应以一个大写字母加两位数字开头"),
    to: z.string().regex(/^[A-Z]\d{2}/, "ICD-10 编码应以一个大写字母加两位数字开头"),
  })
  .refine((r) => r.from <= r.to, { message: "起始编码不能在结束编码之后", path: ["to"] });

const yuanAmount = z
  .number()
  .nonnegative()
  .refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-6, { message: "金额最多两位小数（元）" });

export const catalogItemSchema = z
  .object({
    code: z.string().min(1).max(64),
    name: z.string().min(1),
    kind: z.enum(["drug", "therapy", "device"]),
    indication: z.string().optional(),
    indicationIcd10: z.array(icd10Range).min(1).optional(),
    /** Annual cap for this item alone, in yuan as product files write money. */
    cap: yuanAmount.optional(),
    /** false: a placeholder for an entry we could not cite; never paid. Default true. */
    known: z.boolean().default(true),
    /** Where this entry is cited, when it is not the catalog's own source. */
    source: z.string().min(1).optional(),
  })
  .strict();

export const catalogFileSchema = z
  .object({
    id: catalogId,
    version: z.number().int().min(1),
    name: z.string().min(1),
    /** The publishing notice and every page an entry is cited from. */
    sources: z.array(z.string().min(1)).min(1),
    effectiveFrom: day,
    /** Last day in force, inclusive; absent = until replaced. */
    effectiveTo: day.optional(),
    /** How many entries the publisher declares (e.g. 19), when some are placeholders. */
    declaredItemCount: z.number().int().positive().optional(),
    /** True when the item codes are the platform's own and not 国家医保药品编码 (which must be mapped). */
    platformCodes: z.boolean().default(false),
    note: z.string().optional(),
    designatedInstitutions: z.array(z.string().min(1)).optional(),
    items: z.array(catalogItemSchema).min(1),
  })
  .strict()
  .superRefine((c, ctx) => {
    const from = dayStart(c.effectiveFrom);
    if (from === undefined)
      ctx.addIssue({ code: "custom", path: ["effectiveFrom"], message: "不是有效日期" });
    if (c.effectiveTo !== undefined) {
      const to = dayStart(c.effectiveTo);
      if (to === undefined) ctx.addIssue({ code: "custom", path: ["effectiveTo"], message: "不是有效日期" });
      else if (from !== undefined && to < from) {
        ctx.addIssue({ code: "custom", path: ["effectiveTo"], message: "失效日期不能早于生效日期" });
      }
    }
    const seen = new Set<string>();
    c.items.forEach((it, i) => {
      if (seen.has(it.code))
        ctx.addIssue({ code: "custom", path: ["items", i, "code"], message: "目录内编码重复" });
      seen.add(it.code);
    });
    if (c.declaredItemCount !== undefined && c.declaredItemCount !== c.items.length) {
      ctx.addIssue({
        code: "custom",
        path: ["declaredItemCount"],
        message: `声明 ${c.declaredItemCount} 项，但列出 ${c.items.length} 项（未能核实的条目请以 "known": false 占位）`,
      });
    }
    if (!c.items.some((it) => it.known)) {
      ctx.addIssue({
        code: "custom",
        path: ["items"],
        message: "至少要有一项已核实的条目（known 不为 false）",
      });
    }
  });

export type CatalogFile = z.output<typeof catalogFileSchema>;
export type CatalogFileItem = CatalogFile["items"][number];

/** A catalog version's window in epoch ms: [from, to) with `to` the end of the last day (or +∞). */
export interface EffectiveWindow {
  readonly from: EpochMs;
  readonly to: EpochMs;
}

/** Start of a Beijing calendar day "yyyy-MM-dd"; undefined for an impossible date. */
function dayStart(text: string): EpochMs | undefined {
  return DAY.test(text) ? parseBusinessTime(`${text} 00:00`) : undefined;
}

export function effectiveWindow(c: Pick<CatalogFile, "effectiveFrom" | "effectiveTo">): EffectiveWindow {
  const from = dayStart(c.effectiveFrom) ?? Number.NEGATIVE_INFINITY;
  const to =
    c.effectiveTo === undefined
      ? Number.POSITIVE_INFINITY
      : (parseBusinessTime(`${c.effectiveTo} 24:00`) ?? Number.POSITIVE_INFINITY);
  return { from, to };
}

/** "id@version", how products and messages name one catalog version. */
export function catalogKey(id: string, version: number): string {
  return `${id}@${version}`;
}
