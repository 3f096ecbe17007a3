/**
 * The product store over HTTP (issue 12 §2, §9; services/products.ts): operators and admins publish and
 * validate; bureau and regulator read the versions, the Chinese sheet and the diff, and preview quotes.
 * Products are no one program's data, so these routes sit outside /programs.
 */
import type { FastifyPluginAsync } from "fastify";
import { ComplianceQuery } from "../../contract/console.js";
import { errors, parsedBody, reply, request } from "../../contract/json-schema.js";
import { BenefitQuote } from "../../contract/product.js";
import {
  DiffQuery,
  DiffView,
  ProductComplianceView,
  ProductFile,
  ProductList,
  ProductQuoteBody,
  ProductVersionDetail,
  ProductVersionParams,
  PublishView,
  SheetView,
  ValidationView,
} from "../../contract/products.js";
import { benefitQuote } from "../../services/benefit-quote.js";
import { productCompliance } from "../../services/console.js";
import type { PlatformContext, Role } from "../../services/context.js";
import {
  diffLines,
  listProductVersions,
  loadFile,
  parseProductRef,
  publishProduct,
  resolveProduct,
  showProductVersion,
} from "../../services/products.js";
import { requireActor } from "../auth.js";
import { presentBenefitQuote } from "../present/claims.js";
import {
  presentProductList,
  presentPublished,
  presentSheet,
  presentValidation,
  presentVersionDetail,
} from "../present/products.js";

/** Who writes products: the platform's operators and admins. */
const WRITERS: readonly Role[] = ["admin", "operator"];
/** Who reads them: the writers, and the bureau and the regulator who oversee what is paid. */
const READERS: readonly Role[] = [...WRITERS, "bureau", "regulator"];

const VERSION_PATH = "/products/:product_id/versions/:version";

export const productRoutes =
  (ctx: PlatformContext): FastifyPluginAsync =>
  async (app) => {
    app.get(
      "/products",
      {
        config: { roles: READERS },
        schema: {
          tags: ["products"],
          summary: "已发布的产品及其全部版本（hmb product list）",
          response: { 200: reply(ProductList), ...errors() },
        },
      },
      async () => presentProductList(await listProductVersions(ctx)),
    );

    app.get<{ Querystring: DiffQuery }>(
      "/products/diff",
      {
        config: { roles: READERS },
        schema: {
          tags: ["products"],
          summary: "比较两个已发布版本的条款（hmb product diff），逐条中文说明",
          querystring: request(DiffQuery),
          response: { 200: reply(DiffView), ...errors() },
        },
      },
      async (request): Promise<DiffView> => {
        const a = parseProductRef(request.query.a, "a");
        const b = parseProductRef(request.query.b, "b");
        const left = await resolveProduct(ctx.db, a.id, a.version, "a");
        const right = await resolveProduct(ctx.db, b.id, b.version, "b");
        const changes = diffLines(left, right);
        return {
          a: `${left.id}@${left.version}`,
          b: `${right.id}@${right.version}`,
          same: changes.length === 0,
          changes,
        };
      },
    );

    app.get<{ Params: ProductVersionParams }>(
      VERSION_PATH,
      {
        config: { roles: READERS },
        schema: {
          tags: ["products"],
          summary: "一个已发布版本：发布信息与产品文件（hmb product show --json）",
          params: request(ProductVersionParams),
          response: { 200: reply(ProductVersionDetail), ...errors() },
        },
      },
      async (request) =>
        presentVersionDetail(
          await showProductVersion(ctx, request.params.product_id, Number(request.params.version)),
        ),
    );

    app.get<{ Params: ProductVersionParams }>(
      `${VERSION_PATH}/sheet`,
      {
        config: { roles: READERS },
        schema: {
          tags: ["products"],
          summary: "一个已发布版本的中文产品说明书（hmb product show）",
          params: request(ProductVersionParams),
          response: { 200: reply(SheetView), ...errors() },
        },
      },
      async (request) =>
        presentSheet(
          await showProductVersion(ctx, request.params.product_id, Number(request.params.version)),
        ),
    );

    app.get<{ Params: ProductVersionParams; Querystring: { rules?: string } }>(
      `${VERSION_PATH}/compliance`,
      {
        config: { roles: READERS },
        schema: {
          tags: ["products"],
          summary:
            "一个已发布版本的合规检查（hmb check）：rules 选规则集（默认 yunnan-2023；nfra-2025 为金办便函〔2025〕745号），各规则集各自给出结论",
          params: request(ProductVersionParams),
          querystring: request(ComplianceQuery),
          response: { 200: reply(ProductComplianceView), ...errors() },
        },
      },
      async (request) => {
        const shown = await showProductVersion(
          ctx,
          request.params.product_id,
          Number(request.params.version),
        );
        return productCompliance(shown.product, request.query.rules ?? "yunnan-2023");
      },
    );

    app.post(
      "/products",
      {
        config: { roles: WRITERS },
        schema: {
          tags: ["products"],
          summary:
            "发布产品文件为不可修改的版本（hmb product publish）：相同内容再次发布不做任何改变（outcome=unchanged）；同一编号和版本的不同内容 409；文件有误 400，逐条中文说明",
          // The product loader (products/load.ts) checks the file and names every problem in Chinese.
          ...parsedBody(ProductFile, "services/products.ts loadFile (products/load.ts)"),
          response: { 200: reply(PublishView), 201: reply(PublishView), ...errors() },
        },
      },
      async (request, reply) => {
        const published = await publishProduct(ctx, requireActor(request), request.body);
        return reply.status(published.outcome === "published" ? 201 : 200).send(presentPublished(published));
      },
    );

    app.post(
      "/products/validate",
      {
        config: { roles: WRITERS },
        schema: {
          tags: ["products"],
          summary: "校验产品文件，不保存（hmb product validate）：全部问题逐条中文说明",
          ...parsedBody(ProductFile, "services/products.ts loadFile (products/load.ts)"),
          response: { 200: reply(ValidationView), ...errors() },
        },
      },
      async (request) => {
        const loaded = loadFile(request.body);
        return loaded.ok
          ? presentValidation([], loaded.file.product)
          : presentValidation(loaded.problems, undefined);
      },
    );

    app.post<{ Params: ProductVersionParams; Body: ProductQuoteBody }>(
      `${VERSION_PATH}/quote`,
      {
        config: { roles: READERS },
        schema: {
          tags: ["products"],
          summary:
            "赔付试算预览（不保存）：按指定已发布版本，住院花了多少、医保报了多少、其中目录外自费多少 → 各方案赔多少",
          params: request(ProductVersionParams),
          body: request(ProductQuoteBody),
          response: { 200: reply(BenefitQuote), ...errors() },
        },
      },
      async (request): Promise<BenefitQuote> => {
        const b = request.body;
        const product = await resolveProduct(
          ctx.db,
          request.params.product_id,
          Number(request.params.version),
          "product_id",
        );
        return presentBenefitQuote(
          benefitQuote(product, {
            plan: b.plan,
            total: b.total,
            insurancePaid: b.insurance_paid,
            outOfScope: b.out_of_scope,
            outOfRegion: b.out_of_region,
            preExisting: b.pre_existing,
            lang: b.lang,
          }),
        );
      },
    );
  };
