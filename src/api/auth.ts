/**
 * Who is calling. People send `Authorization: Bearer <token>` (from POST /api/v1/auth/login) or the
 * `hmb_session` cookie; institutions sign requests with HMAC (see services/institutions). Every route
 * declares the roles it admits in `config.roles`; a route without that list is public.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Actor, PlatformContext, Role } from "../services/context.js";
import { bindSignatureToRequest, verifyInstitutionSignature } from "../services/institutions.js";
import { actorForToken } from "../services/users.js";
import { errorBody, STATUS_OF_KIND } from "./errors.js";

declare module "fastify" {
  interface FastifyRequest {
    actor: Actor | undefined;
    rawBody: string | undefined;
  }
  interface FastifyContextConfig {
    roles?: readonly Role[];
    /** Institutions authenticate with HMAC headers on this route. */
    signed?: boolean;
    /**
     * True when the signed body itself names what the request acts on (a settlement's setl_id), so the
     * signature cannot be replayed against another resource and need not be bound to the URL (which costs a
     * write per request).
     */
    bodyNamesResource?: (request: FastifyRequest) => boolean;
  }
}

export function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith("Bearer ")) return header.slice(7).trim();
  const cookie = (request.cookies as Record<string, string | undefined> | undefined)?.hmb_session;
  return cookie;
}

/** A principal may act in its own program; platform-wide accounts ('*') in every program. */
export function programOf(request: FastifyRequest): string | undefined {
  const params = request.params as Record<string, string | undefined> | undefined;
  return params?.program_id;
}

export function installAuth(app: FastifyInstance, ctx: PlatformContext): void {
  app.decorateRequest("actor", undefined);
  app.decorateRequest("rawBody", undefined);

  // Keep the raw JSON text: signatures are over the exact bytes the institution sent.
  app.addContentTypeParser(
    "application/json",
    { parseAs: "string", bodyLimit: 1 << 20 },
    (request, body, done) => {
      const text = body as string;
      request.rawBody = text;
      if (text.trim() === "") return done(null, undefined);
      try {
        done(null, JSON.parse(text));
      } catch {
        const err = Object.assign(new Error("请求体不是有效的 JSON"), { statusCode: 400 });
        done(err, undefined);
      }
    },
  );

  // preValidation, not preHandler: authentication and the role check run before schema validation, so an
  // anonymous or unauthorized caller learns nothing about a route's parameters from 400s (the body is
  // already parsed here, which HMAC needs).
  app.addHook("preValidation", async (request: FastifyRequest, reply: FastifyReply) => {
    const config = request.routeOptions.config;
    const roles = config.roles;
    if (roles === undefined) return;
    const programId = programOf(request);
    if (
      config.signed === true &&
      request.headers["x-hmb-institution"] !== undefined &&
      programId !== undefined
    ) {
      const check = await verifyInstitutionSignature(
        ctx,
        programId,
        {
          institution: header(request, "x-hmb-institution"),
          timestamp: header(request, "x-hmb-timestamp"),
          // Only 64 hex digits can be a signature: anything else would make the constant-time comparison
          // throw (a 500) instead of failing closed with 401.
          signature: hexSignature(header(request, "x-hmb-signature")),
          version: header(request, "x-hmb-signature-version"),
        },
        // request.url is the request target as sent (path and query), which version 2 signs.
        { method: request.method, target: request.url, rawBody: request.rawBody ?? "" },
        Date.now(),
      );
      if (!check.ok)
        return reply
          .status(STATUS_OF_KIND[check.kind])
          .send(errorBody(check.code, check.message, check.field));
      // The raw text is kept for JSON bodies only; a body of another type would otherwise pass unsigned.
      if (request.rawBody === undefined && request.body !== undefined && request.body !== null) {
        return reply
          .status(415)
          .send(errorBody("unsupported_media_type", "签名请求的请求体应为 application/json", "content-type"));
      }
      // A version-1 signature covers only the timestamp and the body, so a write's is bound to the first URL it
      // arrives with. Exempt: version 2 (it signs method and URL), bodies that name their resource, and reads
      // (they must be version 2: verifyInstitutionSignature refuses a version-1 read).
      if (
        !check.coversRequest &&
        config.bodyNamesResource?.(request) !== true &&
        request.method !== "GET" &&
        request.method !== "HEAD" &&
        !(await bindSignatureToRequest(
          ctx,
          programId,
          check.actor.id,
          header(request, "x-hmb-signature") as string,
          `${request.method} ${request.url}`,
        ))
      ) {
        return reply
          .status(401)
          .send(errorBody("replayed_signature", "该签名已用于另一请求", "X-Hmb-Signature"));
      }
      request.actor = check.actor;
    } else {
      const bearer = bearerOf(request);
      request.actor = bearer === undefined ? undefined : await actorForToken(ctx, bearer);
    }
    const actor = request.actor;
    if (actor === undefined) return reply.status(401).send(errorBody("unauthenticated", "请先登录", null));
    if (!roles.includes(actor.role)) {
      return reply.status(403).send(errorBody("forbidden", `角色 ${actor.role} 无权访问此接口`, null));
    }
    if (programId !== undefined && actor.programId !== "*" && actor.programId !== programId) {
      return reply.status(403).send(errorBody("forbidden", "无权访问其他项目", "program_id"));
    }
  });
}

function hexSignature(value: string | undefined): string | undefined {
  return value !== undefined && /^[0-9a-fA-F]{64}$/.test(value) ? value : undefined;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function requireActor(request: FastifyRequest): Actor {
  if (request.actor === undefined) throw new Error("route declared no roles but needs an actor");
  return request.actor;
}
