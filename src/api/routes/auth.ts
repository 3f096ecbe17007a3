import type { FastifyPluginAsync } from "fastify";
import type { PlatformContext } from "../../services/context.js";
import { login, logout } from "../../services/users.js";
import { errorResponses } from "./schemas.js";

export const authRoutes =
  (ctx: PlatformContext, limits: { publicRateLimit: number }): FastifyPluginAsync =>
  async (app) => {
    app.post<{ Body: { program_id: string; username: string; password: string } }>(
      "/auth/login",
      {
        config: {
          rateLimit: { max: Math.max(5, Math.floor(limits.publicRateLimit / 6)), timeWindow: "1 minute" },
        },
        schema: {
          tags: ["auth"],
          summary: "登录（人员账号）",
          body: {
            type: "object",
            additionalProperties: false,
            required: ["program_id", "username", "password"],
            properties: {
              program_id: { type: "string", minLength: 1, maxLength: 64 },
              username: { type: "string", minLength: 1, maxLength: 64 },
              password: { type: "string", minLength: 1, maxLength: 256 },
            },
          },
          response: errorResponses,
        },
      },
      async (request, reply) => {
        const { token, actor, expiresAt } = await login(
          ctx,
          request.body.program_id,
          request.body.username,
          request.body.password,
        );
        reply.setCookie("hmb_session", token, {
          httpOnly: true,
          sameSite: "strict",
          path: "/",
          expires: expiresAt,
        });
        return { token, role: actor.role, program_id: actor.programId, expires_at: expiresAt.toISOString() };
      },
    );
    app.post("/auth/logout", { schema: { tags: ["auth"] } }, async (request, reply) => {
      const header = request.headers.authorization;
      const cookie = (request.cookies as Record<string, string | undefined>).hmb_session;
      const token = header?.startsWith("Bearer ") ? header.slice(7).trim() : cookie;
      if (token !== undefined && token !== "") await logout(ctx, token);
      reply.clearCookie("hmb_session", { path: "/" });
      return { ok: true };
    });
  };
