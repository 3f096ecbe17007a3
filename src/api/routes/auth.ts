import type { FastifyPluginAsync, FastifySchemaValidationError } from "fastify";
import { LoginBody, LoginResult, LogoutResult } from "../../contract/auth.js";
import { errors, NO_BODY, reply, request } from "../../contract/json-schema.js";
import type { Clock } from "../../platform/clock.js";
import type { PlatformContext } from "../../services/context.js";
import {
  AccountLocked,
  LOGIN_FAILURES_BEFORE_LOCK,
  LOGIN_LOCK_FIRST_MS,
  LOGIN_LOCK_MAX_MS,
  login,
  logout,
} from "../../services/users.js";

const LOGIN_FIELDS: Readonly<Record<string, string>> = {
  program_id: "项目编号",
  username: "用户名",
  password: "密码",
};

/** One Chinese sentence per refused login body, naming the field (the error handler adds `field`). */
function loginSchemaError(errors: FastifySchemaValidationError[]): Error {
  const e = errors[0];
  const params = e?.params as Record<string, unknown> | undefined;
  const missing = params?.missingProperty ?? params?.additionalProperty;
  const field = typeof missing === "string" ? missing : (e?.instancePath ?? "").replace(/^\//, "");
  const label = LOGIN_FIELDS[field];
  if (label === undefined) return new Error(`登录请求格式不正确${field === "" ? "" : `：${field}`}`);
  if (e?.keyword === "additionalProperties") return new Error(`登录请求不接受字段 ${field}`);
  if (e?.keyword === "required") return new Error(`请填写${label}`);
  return new Error(
    field === "password"
      ? `${label}格式不正确：应为 1–256 个字符，不能含 NUL 字符`
      : `${label}格式不正确：应为 1–64 个字符，不能含控制字符`,
  );
}

export const authRoutes =
  (
    ctx: PlatformContext,
    limits: { publicRateLimit: number },
    session: { secureCookie: boolean; wallClock?: Clock | undefined },
  ): FastifyPluginAsync =>
  async (app) => {
    app.post<{ Body: LoginBody }>(
      "/auth/login",
      {
        config: {
          rateLimit: { max: Math.max(5, Math.floor(limits.publicRateLimit / 6)), timeWindow: "1 minute" },
        },
        schemaErrorFormatter: loginSchemaError,
        schema: {
          tags: ["auth"],
          summary: "登录（人员账号）",
          description: `连续失败 ${LOGIN_FAILURES_BEFORE_LOCK} 次后该用户名锁定 ${LOGIN_LOCK_FIRST_MS / 60_000} 分钟，此后每失败一次锁定时间加倍（最长 ${LOGIN_LOCK_MAX_MS / 60_000} 分钟），锁定期间即使密码正确也返回 429 account_locked（Retry-After 为剩余秒数）。`,
          body: request(LoginBody),
          response: { 200: reply(LoginResult), ...errors(429) },
        },
      },
      async (request, reply) => {
        let result: Awaited<ReturnType<typeof login>>;
        try {
          result = await login(ctx, request.body.program_id, request.body.username, request.body.password, {
            at: session.wallClock?.now() ?? new Date(),
            from: request.ip,
          });
        } catch (e) {
          if (e instanceof AccountLocked) reply.header("retry-after", String(e.retryAfterSeconds));
          throw e;
        }
        const { token, actor, expiresAt } = result;
        reply.setCookie("hmb_session", token, {
          httpOnly: true,
          sameSite: "strict",
          // Over HTTPS (always in production) the browser must never send the session in clear text.
          secure: session.secureCookie,
          path: "/",
          expires: expiresAt,
        });
        return { token, role: actor.role, program_id: actor.programId, expires_at: expiresAt.toISOString() };
      },
    );
    app.post(
      "/auth/logout",
      {
        schema: {
          ...NO_BODY,
          tags: ["auth"],
          summary: "退出登录（作废会话令牌并清除 Cookie）",
          response: { 200: reply(LogoutResult), ...errors() },
        },
      },
      async (request, reply) => {
        const header = request.headers.authorization;
        const cookie = (request.cookies as Record<string, string | undefined>).hmb_session;
        const token = header?.startsWith("Bearer ") ? header.slice(7).trim() : cookie;
        if (token !== undefined && token !== "") await logout(ctx, token);
        reply.clearCookie("hmb_session", { path: "/", secure: session.secureCookie });
        return { ok: true as const };
      },
    );
  };
