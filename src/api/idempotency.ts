/**
 * `Idempotency-Key` for writes that have no natural key (DESIGN.md §7). The first response (any status
 * below 500) to a key is stored per program, caller and key; a retry with the same key and the same body
 * gets that response again without running the handler; the same key with a different body is a 409.
 * Routes with natural keys (setl_id, journal ids, callbacks) are idempotent on their own.
 */
import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { PlatformContext } from "../services/context.js";
import { programOf } from "./auth.js";
import { errorBody } from "./errors.js";

declare module "fastify" {
  interface FastifyRequest {
    idempotency: { programId: string; key: string; actor: string; hash: string } | undefined;
  }
}

const KEY = /^[A-Za-z0-9_.:-]{8,128}$/;

export function installIdempotency(app: FastifyInstance, ctx: PlatformContext): void {
  app.decorateRequest("idempotency", undefined);

  app.addHook("preHandler", async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers["idempotency-key"];
    if (request.method !== "POST" || header === undefined || request.actor === undefined) return;
    const key = Array.isArray(header) ? header[0] : header;
    if (key === undefined || !KEY.test(key)) {
      return reply
        .status(400)
        .send(
          errorBody("invalid_value", "Idempotency-Key 应为 8–128 位字母、数字或 _.:-", "Idempotency-Key"),
        );
    }
    const programId = programOf(request) ?? "*";
    const hash = createHash("sha256")
      .update(`${request.url}\n${request.rawBody ?? ""}`)
      .digest("hex");
    const rows = await ctx.db.query<{ request_hash: string; status_code: number; response: unknown }>(
      "select request_hash, status_code, response from idempotency_keys where program_id = $1 and idem_key = $2 and actor = $3",
      [programId, key, request.actor.id],
    );
    const stored = rows[0];
    if (stored !== undefined) {
      if (stored.request_hash !== hash) {
        return reply
          .status(409)
          .send(
            errorBody("idempotency_conflict", "同一 Idempotency-Key 已用于不同的请求", "Idempotency-Key"),
          );
      }
      return reply.status(stored.status_code).header("idempotent-replay", "true").send(stored.response);
    }
    request.idempotency = { programId, key, actor: request.actor.id, hash };
  });

  app.addHook("onSend", async (request, reply, payload) => {
    const idem = request.idempotency;
    if (idem === undefined || reply.statusCode >= 500 || typeof payload !== "string") return payload;
    let body: unknown;
    try {
      body = JSON.parse(payload);
    } catch {
      return payload; // only JSON responses are replayable
    }
    await ctx.db.query(
      `insert into idempotency_keys (program_id, idem_key, actor, request_hash, status_code, response)
       values ($1, $2, $3, $4, $5, $6) on conflict do nothing`,
      [idem.programId, idem.key, idem.actor, idem.hash, reply.statusCode, JSON.stringify(body)],
    );
    return payload;
  });
}
