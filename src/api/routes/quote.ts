/**
 * Public, read-only product information for the resident H5: the product sheet (plans side by side) and the
 * benefit calculator, which runs the real engine with nothing stored. Public because a resident compares
 * plans before having an account; rate-limited per IP like the login route.
 */
import type { FastifyPluginAsync } from "fastify";
import { ProgramParams } from "../../contract/common.js";
import { errors, reply, request } from "../../contract/json-schema.js";
import { BenefitQuote, BenefitQuoteBody, ProductSheet } from "../../contract/product.js";
import { benefitQuote } from "../../services/benefit-quote.js";
import type { PlatformContext } from "../../services/context.js";
import { loadProgram, productOf } from "../../services/programs.js";
import { enrollmentStateAt, presentBenefitQuote, presentProductSheet } from "../present/claims.js";

export const quoteRoutes =
  (ctx: PlatformContext, limits: { publicRateLimit: number }): FastifyPluginAsync =>
  async (app) => {
    const rateLimit = { max: limits.publicRateLimit, timeWindow: "1 minute" };

    app.get<{ Params: { program_id: string } }>(
      "/programs/:program_id/product",
      {
        config: { rateLimit },
        schema: {
          tags: ["programs"],
          summary: "产品说明（公开）：各方案保费、免赔额、赔付比例、限额，供方案对比",
          params: request(ProgramParams),
          response: { 200: reply(ProductSheet), ...errors(429) },
        },
      },
      async (request): Promise<ProductSheet> => {
        const program = await loadProgram(ctx, request.params.program_id);
        return {
          program_id: program.programId,
          insurers: program.insurers.map((i) => ({
            code: i.code,
            name: i.name,
            lead: i.lead,
            share_bps: i.shareBps,
          })),
          ...presentProductSheet(productOf(program)),
          enrollment_state: enrollmentStateAt(productOf(program), ctx.clock.now().getTime()),
        };
      },
    );

    app.post<{ Params: { program_id: string }; Body: BenefitQuoteBody }>(
      "/programs/:program_id/benefit-quote",
      {
        config: { rateLimit },
        schema: {
          tags: ["programs"],
          summary:
            "赔付试算（公开，不保存）：住院花了多少、医保报了多少、其中目录外自费多少 → 各方案惠民保赔多少，附逐项计算说明",
          params: request(ProgramParams),
          body: request(BenefitQuoteBody),
          response: { 200: reply(BenefitQuote), ...errors(429) },
        },
      },
      async (request): Promise<BenefitQuote> => {
        const b = request.body;
        const product = productOf(await loadProgram(ctx, request.params.program_id));
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
