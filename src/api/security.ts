/**
 * HTTP hardening (issue 10): security headers on every answer — the front ends at `/` and `/console`, the
 * API docs at `/docs`, the API itself, and errors and 404s alike — with helmet (headers computed once); who may read the
 * API docs; and what production changes (HSTS, `Secure` cookies, docs off, no demo logins).
 *
 * Configuration (environment):
 * - `NODE_ENV=production`: production.
 * - `HMB_HTTPS=1`: clients reach the server over HTTPS (directly or through a TLS-terminating proxy), so
 *   HSTS is sent and the session cookie is `Secure`. Always so in production.
 * - `HMB_DOCS=public|staff|off`: the API docs for everyone, for signed-in platform staff (every person role
 *   but residents), or not served at all. Default: `off` in production, `public` otherwise.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import helmet, { type HelmetOptions } from "helmet";
import type { PersonRole, PlatformContext } from "../services/context.js";
import { actorForToken } from "../services/users.js";
import { bearerOf } from "./auth.js";
import { errorBody } from "./errors.js";

export type DocsAccess = "public" | "staff" | "off";
const DOCS_ACCESS: readonly DocsAccess[] = ["public", "staff", "off"];

/** Who may read `/docs` when HMB_DOCS=staff: the people who run or integrate with the platform. */
export const DOCS_STAFF_ROLES: readonly PersonRole[] = [
  "operator",
  "admin",
  "co_insurer",
  "bureau",
  "regulator",
  "charity",
];

export interface SecurityConfig {
  readonly production: boolean;
  /** Clients come over HTTPS: send HSTS and mark the session cookie `Secure`. */
  readonly https: boolean;
  readonly docs: DocsAccess;
}

/** One year, the HSTS preload lists' minimum. */
const HSTS_MAX_AGE_SECONDS = 365 * 24 * 3600;

export function securityConfig(env: NodeJS.ProcessEnv = process.env): SecurityConfig {
  const production = env.NODE_ENV === "production";
  const https = env.HMB_HTTPS ?? "";
  if (!["", "0", "1"].includes(https)) throw new Error(`HMB_HTTPS 应为 1 或 0，收到 ${https}`);
  const docs = env.HMB_DOCS ?? "";
  if (docs !== "" && !(DOCS_ACCESS as readonly string[]).includes(docs)) {
    throw new Error(`HMB_DOCS 应为 ${DOCS_ACCESS.join("、")} 之一，收到 ${docs}`);
  }
  return {
    production,
    https: production || https === "1",
    docs: docs === "" ? (production ? "off" : "public") : (docs as DocsAccess),
  };
}

/**
 * Helmet on every route. The CSP admits what the built front ends and Swagger UI need and nothing more:
 * scripts and styles from this origin only, except inline styles (antd's CSS-in-JS injects <style>
 * elements, ECharts and Swagger UI set style attributes); images also as data:/blob: URLs (icons, chart
 * exports); no plugins; no framing by anyone (clickjacking), also as X-Frame-Options: DENY for old browsers.
 */
export async function installSecurityHeaders(app: FastifyInstance, config: SecurityConfig): Promise<void> {
  const headers = securityHeaders({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:", "blob:"],
        fontSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        // Over plain HTTP (development, a LAN demo) upgrading would break every asset.
        ...(config.https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    frameguard: { action: "deny" },
    referrerPolicy: { policy: "no-referrer" },
    // HSTS over plain HTTP is ignored by browsers and would pin a development host to HTTPS.
    strictTransportSecurity: config.https ? { maxAge: HSTS_MAX_AGE_SECONDS, includeSubDomains: true } : false,
  });
  // Every response, errors and 404s included, gets them before any handler runs.
  app.addHook("onRequest", (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}

/**
 * The headers helmet sets, computed once. The policy has no per-response part (no nonces), so there is nothing to
 * build per request — @fastify/helmet rebuilt the whole middleware for every response, a measurable share of a
 * settlement's server CPU (issue 11).
 */
function securityHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const collector = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : String(value);
    },
    // helmet removes X-Powered-By, which Fastify never sets.
    removeHeader() {},
  };
  helmet(options)({} as IncomingMessage, collector as unknown as ServerResponse, (error?: unknown) => {
    if (error !== undefined && error !== null) throw error;
  });
  return Object.freeze(headers);
}

/** The `onRequest` hook of the docs' routes when HMB_DOCS=staff: a staff session (token or cookie). */
export function docsForStaffOnly(ctx: PlatformContext) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const bearer = bearerOf(request);
    const actor = bearer === undefined ? undefined : await actorForToken(ctx, bearer);
    if (actor === undefined) {
      return reply
        .status(401)
        .send(errorBody("unauthenticated", "API 文档仅对平台工作人员开放，请先登录", null));
    }
    if (!DOCS_STAFF_ROLES.includes(actor.role)) {
      return reply.status(403).send(errorBody("forbidden", "API 文档仅对平台工作人员开放", null));
    }
  };
}
