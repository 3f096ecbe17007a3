import type { FastifyPluginAsync } from "fastify";
import { reply } from "../../contract/json-schema.js";
import { Health } from "../../contract/product.js";
import type { PlatformContext } from "../../services/context.js";

export const healthRoutes =
  (ctx: PlatformContext): FastifyPluginAsync =>
  async (app) => {
    app.get("/healthz", { schema: { hide: true, response: { 200: reply(Health) } } }, async () => {
      await ctx.db.query("select 1");
      return { status: "ok", database: ctx.db.kind, business_time: ctx.clock.now().toISOString() };
    });
  };
