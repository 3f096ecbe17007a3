/**
 * The product store on the wire (src/contract/products.ts): the service's versions (Date, fen inside the
 * product) become Beijing times and the sheet's plain lines.
 */
import type {
  ProductList,
  ProductVersionDetail,
  ProductVersionView,
  PublishView,
  SheetView,
  ValidationView,
} from "../../contract/products.js";
import { formatBusinessTime } from "../../domain/time.js";
import { productSheet } from "../../products/sheet.js";
import type {
  ProductVersionDetail as Detail,
  ProductProblem,
  ProductVersionInfo,
  PublishOutcome,
} from "../../services/products.js";

export function presentVersion(v: ProductVersionInfo): ProductVersionView {
  return {
    product_id: v.productId,
    version: v.version,
    name: v.name,
    region_code: v.regionCode,
    content_hash: v.contentHash,
    published_by: v.publishedBy,
    published_at: formatBusinessTime(v.publishedAt.getTime()),
  };
}

/** Versions grouped by product, in the service's order (id, then version ascending). */
export function presentProductList(versions: readonly ProductVersionInfo[]): ProductList {
  const byId = new Map<string, ProductVersionInfo[]>();
  for (const v of versions) {
    const list = byId.get(v.productId) ?? [];
    list.push(v);
    byId.set(v.productId, list);
  }
  return {
    products: [...byId.entries()].map(([id, list]) => {
      const latest = list[list.length - 1] as ProductVersionInfo;
      return {
        product_id: id,
        name: latest.name,
        latest_version: latest.version,
        versions: list.map(presentVersion),
      };
    }),
  };
}

export function presentVersionDetail(d: Detail): ProductVersionDetail {
  return { ...presentVersion(d), content: d.content as Record<string, unknown> };
}

export function presentSheet(d: Detail): SheetView {
  const sheet = productSheet(d.product);
  return {
    ...presentVersion(d),
    title: sheet.title,
    sections: sheet.sections.map((s) => ({ heading: s.heading, lines: [...s.lines] })),
  };
}

export function presentPublished(p: PublishOutcome): PublishView {
  const v = p.version;
  return {
    outcome: p.outcome,
    message:
      p.outcome === "published"
        ? `已发布 ${v.productId} 第 ${v.version} 版「${v.name}」`
        : `${v.productId} 第 ${v.version} 版已以相同内容发布，本次未做任何改变`,
    version: presentVersion(v),
  };
}

export function presentValidation(
  problems: readonly ProductProblem[],
  product: { id: string; version: number; name: string } | undefined,
): ValidationView {
  return {
    valid: problems.length === 0,
    product_id: product?.id ?? null,
    version: product?.version ?? null,
    name: product?.name ?? null,
    problems: problems.map((p) => ({ path: p.path, message: p.message })),
  };
}
