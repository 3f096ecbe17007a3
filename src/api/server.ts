/**
 * The HTTP server: Fastify with JSON-schema validation, OpenAPI at /docs, health at /healthz, one error
 * shape, roles on every route, security headers on every answer (api/security). Routes are thin: they
 * validate, call a service, map the result.
 * Each route module is a Fastify plugin registered here.
 */
import cookie from "@fastify/cookie";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from "fastify";
import { installContract, swaggerRefResolver, swaggerTransform } from "../contract/json-schema.js";
import type { Clock } from "../platform/clock.js";
import type { PlatformContext } from "../services/context.js";
import { demoAccountsPresent } from "../services/demo-seed.js";
import { installAuth } from "./auth.js";
import { errorBody, installErrorHandler } from "./errors.js";
import { installIdempotency } from "./idempotency.js";
import { installInputGuard } from "./input-guard.js";
import { ProgressBoard } from "./progress.js";
import { aidClaimRoutes } from "./routes/aid-claims.js";
import { aidProgramRoutes } from "./routes/aid-programs.js";
import { aidWatchRoutes } from "./routes/aid-watch.js";
import { antiSelectionRoutes } from "./routes/anti-selection.js";
import { authRoutes } from "./routes/auth.js";
import { consoleRoutes } from "./routes/console.js";
import { counterClaimRoutes } from "./routes/counter-claims.js";
import { enrollmentRoutes } from "./routes/enrollment.js";
import { healthRoutes } from "./routes/health.js";
import { healthServiceRoutes } from "./routes/health-services.js";
import { institutionRoutes } from "./routes/institutions.js";
import { ledgerRoutes } from "./routes/ledger.js";
import { notificationRoutes } from "./routes/notifications.js";
import { onlineClaimRoutes } from "./routes/online-claims.js";
import { oversightRoutes } from "./routes/oversight.js";
import { paymentRoutes } from "./routes/payments.js";
import { payoutRoutes } from "./routes/payouts.js";
import { policyRoutes } from "./routes/policies.js";
import { pricingRoutes } from "./routes/pricing.js";
import { productRoutes } from "./routes/products.js";
import { programRoutes } from "./routes/programs.js";
import { progressRoutes } from "./routes/progress.js";
import { promotionRoutes } from "./routes/promotions.js";
import { quoteRoutes } from "./routes/quote.js";
import { renewalRoutes } from "./routes/renewal.js";
import { replayRoutes } from "./routes/replays.js";
import { reportRoutes } from "./routes/reports.js";
import { residentRoutes } from "./routes/resident.js";
import { rosterRoutes } from "./routes/roster.js";
import { settlementRoutes } from "./routes/settlements.js";
import { specialDrugRoutes } from "./routes/special-drugs.js";
import { tableRoutes } from "./routes/tables.js";
import { turnaroundRoutes } from "./routes/turnaround.js";
import { unitEnrollmentRoutes } from "./routes/unit-enrollment.js";
import { docsForStaffOnly, installSecurityHeaders, securityConfig } from "./security.js";
import { installWeb } from "./static.js";
import { chineseFrameworkMessage, messageLang } from "./validation-messages.js";

export interface ServerOptions {
  logger?: FastifyServerOptions["logger"];
  /** Requests per minute per IP on public and login routes. */
  publicRateLimit?: number;
  /** Where NODE_ENV, HMB_HTTPS and HMB_DOCS are read (api/security); process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** The real clock of login lockouts (tests pin it); never the business clock. */
  wallClock?: Clock;
}

export async function buildServer(
  ctx: PlatformContext,
  options: ServerOptions = {},
): Promise<FastifyInstance> {
  const security = securityConfig(options.env ?? process.env);
  // Demo logins have published passwords: a production server does not start while any exists.
  if (security.production) {
    const demo = await demoAccountsPresent(ctx);
    if (demo.length > 0) {
      throw new Error(
        `生产环境（NODE_ENV=production）不能保留演示账号 ${demo.map((d) => d.username).join("、")}：请先运行 hmb user remove --demo 删除`,
      );
    }
  }
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 1 << 20,
    // Router-level refusals (a path parameter over 100 characters, bad percent-encoding) get the one error shape.
    frameworkErrors: (e, request, reply) =>
      (reply as FastifyReply)
        .status(e.statusCode ?? 400)
        .send(
          errorBody(
            e.code === "FST_ERR_MAX_PARAM_LENGTH" ? "uri_too_long" : "invalid_request",
            messageLang(request.headers["accept-language"]) === "en"
              ? e.message
              : chineseFrameworkMessage(e.code, e.statusCode ?? 400),
            null,
          ),
        ),
    // `example` is the OpenAPI annotation every contract field carries (src/contract): ajv must know it.
    ajv: {
      // verbose: an error carries the field's schema, whose description labels the field in Chinese.
      customOptions: {
        removeAdditional: false,
        coerceTypes: false,
        allErrors: false,
        verbose: true,
        keywords: ["example"],
      },
    },
  });
  installErrorHandler(app);
  await installSecurityHeaders(app, security);
  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  // The wire's schemas (src/contract) before any route references them; the OpenAPI names them by $id.
  installContract(app);
  await app.register(swagger, {
    refResolver: swaggerRefResolver,
    transform: swaggerTransform,
    openapi: {
      info: { title: "惠民保平台 API", version: "1" },
      components: {
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer" },
          institution: { type: "apiKey", in: "header", name: "X-Hmb-Signature" },
        },
      },
    },
  });
  if (security.docs !== "off") {
    await app.register(swaggerUi, {
      routePrefix: "/docs",
      ...(security.docs === "staff" ? { uiHooks: { onRequest: docsForStaffOnly(ctx) } } : {}),
    });
  }
  installAuth(app, ctx);
  // After authentication: refused characters anywhere in a request are a 400 naming the field.
  installInputGuard(app);
  installIdempotency(app, ctx);
  const limits = { publicRateLimit: options.publicRateLimit ?? 120 };
  const session = { secureCookie: security.https, wallClock: options.wallClock };
  await app.register(healthRoutes(ctx));
  await app.register(authRoutes(ctx, limits, session), { prefix: "/api/v1" });
  await app.register(programRoutes(ctx), { prefix: "/api/v1" });
  await app.register(productRoutes(ctx), { prefix: "/api/v1" });
  await app.register(institutionRoutes(ctx), { prefix: "/api/v1" });
  await app.register(enrollmentRoutes(ctx), { prefix: "/api/v1" });
  await app.register(paymentRoutes(ctx), { prefix: "/api/v1" });
  await app.register(policyRoutes(ctx), { prefix: "/api/v1" });
  // One board per server: the imports report to it, the progress route reads it.
  const progress = new ProgressBoard();
  await app.register(rosterRoutes(ctx, progress), { prefix: "/api/v1" });
  await app.register(progressRoutes(progress), { prefix: "/api/v1" });
  await app.register(ledgerRoutes(ctx), { prefix: "/api/v1" });
  await app.register(settlementRoutes(ctx), { prefix: "/api/v1" });
  await app.register(specialDrugRoutes(ctx), { prefix: "/api/v1" });
  await app.register(payoutRoutes(ctx), { prefix: "/api/v1" });
  await app.register(turnaroundRoutes(ctx), { prefix: "/api/v1" });
  await app.register(oversightRoutes(ctx), { prefix: "/api/v1" });
  await app.register(replayRoutes(ctx), { prefix: "/api/v1" });
  await app.register(pricingRoutes(ctx), { prefix: "/api/v1" });
  await app.register(antiSelectionRoutes(ctx), { prefix: "/api/v1" });
  await app.register(reportRoutes(ctx), { prefix: "/api/v1" });
  await app.register(counterClaimRoutes(ctx), { prefix: "/api/v1" });
  await app.register(notificationRoutes(ctx), { prefix: "/api/v1" });
  await app.register(quoteRoutes(ctx, limits), { prefix: "/api/v1" });
  await app.register(residentRoutes(ctx, limits), { prefix: "/api/v1" });
  await app.register(promotionRoutes(ctx, limits), { prefix: "/api/v1" });
  await app.register(renewalRoutes(ctx), { prefix: "/api/v1" });
  await app.register(onlineClaimRoutes(ctx), { prefix: "/api/v1" });
  await app.register(consoleRoutes(ctx), { prefix: "/api/v1" });
  await app.register(tableRoutes(ctx), { prefix: "/api/v1" });
  await app.register(aidWatchRoutes(ctx), { prefix: "/api/v1" });
  await app.register(aidProgramRoutes(ctx), { prefix: "/api/v1" });
  await app.register(aidClaimRoutes(ctx), { prefix: "/api/v1" });
  await app.register(healthServiceRoutes(ctx), { prefix: "/api/v1" });
  await app.register(unitEnrollmentRoutes(ctx, progress), { prefix: "/api/v1" });
  // The front ends: a catch-all GET, which any API route (more specific) wins over whatever the order.
  await installWeb(app);
  return app;
}
