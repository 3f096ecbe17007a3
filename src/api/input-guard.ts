/**
 * One check for every route: no string anywhere in a request's JSON body, query or path parameters may hold
 * a character the platform refuses (domain/text: NUL, control characters, unpaired surrogates). Without it
 * each route had to remember, and the ones that forgot answered 500 when PostgreSQL refused the NUL. The
 * refusal names the field by its path (`members[0].psn_no`, `record.dise_codg`), like validation does.
 *
 * It runs as a preValidation hook after authentication (api/auth), so an anonymous or unauthorized caller is
 * told 401/403 first and learns nothing from it. A route whose body is a batch of records that stand alone
 * (each refused or stored by itself) declares `config.checksOwnText` and checks its records itself.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { FORBIDDEN_TEXT_MESSAGE, hasForbiddenText } from "../domain/text.js";
import { errorBody } from "./errors.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The body's records are checked one by one by the route (a refused record does not refuse the rest). */
    checksOwnText?: boolean;
  }
}

/** Deeper than any body a route takes: refused before a walk (or a later canonical JSON) recurses further. */
export const MAX_BODY_DEPTH = 32;

/** A field name fit to echo back: escaped as JSON writes it, at most 64 characters. */
function printable(key: string): string {
  return JSON.stringify(key).slice(1, -1).slice(0, 64);
}

type Finding = { field: string; kind: "text" | "depth" };

/**
 * The first place in `value` holding refused text, named by its path; nesting deeper than MAX_BODY_DEPTH is
 * blamed on the top-level field that holds it.
 */
function findRefused(value: unknown, path: string, depth: number, top: string): Finding | undefined {
  if (typeof value === "string") return hasForbiddenText(value) ? { field: path, kind: "text" } : undefined;
  if (value === null || typeof value !== "object") return undefined;
  if (depth > MAX_BODY_DEPTH) return { field: top, kind: "depth" };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findRefused(value[i], `${path}[${i}]`, depth + 1, top === "" ? `${path}[${i}]` : top);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const name = path === "" ? printable(key) : `${path}.${printable(key)}`;
    if (hasForbiddenText(key)) return { field: name, kind: "text" };
    const found = findRefused(
      (value as Record<string, unknown>)[key],
      name,
      depth + 1,
      top === "" ? name : top,
    );
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A parsed JSON body (not raw bytes or text of another content type). */
function isJsonBody(body: unknown): boolean {
  return typeof body === "object" && body !== null && !(body instanceof Uint8Array);
}

export function refusedInRequest(request: FastifyRequest): Finding | undefined {
  const params = findRefused(request.params, "", 1, "");
  if (params !== undefined) return params;
  const query = findRefused(request.query, "", 1, "");
  if (query !== undefined) return query;
  if (request.routeOptions.config.checksOwnText === true || !isJsonBody(request.body)) return undefined;
  return findRefused(request.body, "", 1, "");
}

export function installInputGuard(app: FastifyInstance): void {
  app.addHook("preValidation", async (request: FastifyRequest, reply: FastifyReply) => {
    const found = refusedInRequest(request);
    if (found === undefined) return;
    const field = found.field === "" ? null : found.field;
    const message =
      found.kind === "depth"
        ? `${found.field || "请求体"} 嵌套超过 ${MAX_BODY_DEPTH} 层`
        : `${found.field || "请求体"} ${FORBIDDEN_TEXT_MESSAGE}`;
    return reply.status(400).send(errorBody("invalid_value", message, field));
  });
}
