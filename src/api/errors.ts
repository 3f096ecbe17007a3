/**
 * Every error leaves as `{ "error": { "code", "message", "field" } }`: 4xx for caller mistakes (never 500
 * for bad input), 500 only for our own faults, whose details go to the log and not to the caller.
 */
import type { FastifyError, FastifyInstance } from "fastify";
import { ServiceError, type ServiceErrorKind } from "../services/context.js";
import { chineseFrameworkMessage, chineseValidationMessage, messageLang } from "./validation-messages.js";

/** Words already Chinese (a plugin's or a hook's own) are kept as they are. */
const HAS_CHINESE = /[\u4e00-\u9fff]/;

/** The one place a service's refusal becomes an HTTP status. */
export const STATUS_OF_KIND: Record<ServiceErrorKind, 400 | 401 | 403 | 404 | 409 | 422 | 429> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  too_many_requests: 429,
};

export interface ErrorBody {
  error: { code: string; message: string; field: string | null };
}

export function errorBody(code: string, message: string, field?: string | null): ErrorBody {
  return { error: { code, message, field: field ?? null } };
}

function fieldOfValidation(e: FastifyError): string | null {
  const v = e.validation?.[0];
  if (v === undefined) return null;
  const params = v.params as Record<string, unknown> | undefined;
  const missing = params?.missingProperty ?? params?.additionalProperty;
  const path = (v.instancePath ?? "").replace(/^\//, "").replaceAll("/", ".");
  if (typeof missing === "string") return path === "" ? missing : `${path}.${missing}`;
  return path === "" ? (e.validationContext ?? null) : path;
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((e: FastifyError, request, reply) => {
    if (e instanceof ServiceError) {
      return reply.status(STATUS_OF_KIND[e.kind]).send(errorBody(e.code, e.message, e.field));
    }
    const english = messageLang(request.headers["accept-language"]) === "en";
    if (e.validation !== undefined) {
      const field = fieldOfValidation(e);
      const message = english ? e.message : chineseValidationMessage(e, field);
      return reply.status(400).send(errorBody("invalid_request", message, field));
    }
    const status = e.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code =
        e.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE"
          ? "unsupported_media_type"
          : status === 413
            ? "payload_too_large"
            : status === 429
              ? "rate_limited"
              : "invalid_request";
      // Fastify's own words are English: Chinese unless the caller asked for English.
      const message =
        english || HAS_CHINESE.test(e.message) ? e.message : chineseFrameworkMessage(e.code, status);
      return reply.status(status).send(errorBody(code, message, null));
    }
    request.log.error({ err: e }, "unhandled error");
    return reply.status(500).send(errorBody("internal_error", "服务器内部错误，请稍后重试", null));
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send(errorBody("not_found", `没有这个接口 ${request.method} ${request.url.split("?")[0]}`, null)),
  );
}
