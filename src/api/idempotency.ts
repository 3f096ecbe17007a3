/**
 * `Idempotency-Key` for writes that have no natural key (DESIGN.md §7). The key is reserved (per program,
 * caller and key) before the handler runs, so concurrent attempts with one key run it once: the others get
 * 409 idempotency_in_progress while it runs. Its first response below 500 is stored; a retry with the same
 * key and body gets that response again without running the handler; the same key with a different body is
 * a 409 idempotency_conflict. A 5xx (or a crash) releases the key. Routes with natural keys (setl_id,
 * journal ids, callbacks) are idempotent on their own.
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
/** A reservation without an answer after this long belongs to a request that died. */
const ABANDONED_AFTER_SECONDS = 60;

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
    const actor = request.actor.id;
    // Reserve the key, or take over a reservation whose request died (no answer after a minute).
    const reserved = await ctx.db.query(
      `insert into idempotency_keys as k (program_id, idem_key, actor, request_hash, status_code, response)
       values ($1, $2, $3, $4, null, null)
       on conflict (program_id, idem_key, actor) do update
         set request_hash = excluded.request_hash, created_at = now()
         where k.status_code is null and k.created_at < now() - interval '${ABANDONED_AFTER_SECONDS} seconds'
       returning 1`,
      [programId, key, actor, hash],
    );
    if (reserved.length === 0) {
      const rows = await ctx.db.query<{
        request_hash: string;
        status_code: number | null;
        response: unknown;
      }>(
        "select request_hash, status_code, response from idempotency_keys where program_id = $1 and idem_key = $2 and actor = $3",
        [programId, key, actor],
      );
      const stored = rows[0];
      if (stored !== undefined && stored.request_hash !== hash) {
        return reply
          .status(409)
          .send(
            errorBody("idempotency_conflict", "同一 Idempotency-Key 已用于不同的请求", "Idempotency-Key"),
          );
      }
      if (stored === undefined || stored.status_code === null) {
        return reply
          .status(409)
          .send(
            errorBody(
              "idempotency_in_progress",
              "使用该 Idempotency-Key 的请求仍在处理，请稍后重试",
              "Idempotency-Key",
            ),
          );
      }
      return reply.status(stored.status_code).header("idempotent-replay", "true").send(stored.response);
    }
    request.idempotency = { programId, key, actor: request.actor.id, hash };
  });

  app.addHook("onSend", async (request, reply, payload) => {
    const idem = request.idempotency;
    if (idem === undefined) return payload;
    const where = [idem.programId, idem.key, idem.actor];
    let body: unknown;
    try {
      body = typeof payload === "string" ? JSON.parse(payload) : undefined;
    } catch {
      body = undefined; // only JSON responses are replayable
    }
    if (reply.statusCode >= 500 || body === undefined) {
      // Not a stored answer: release the key so a retry runs again.
      await ctx.db.query(
        "delete from idempotency_keys where program_id = $1 and idem_key = $2 and actor = $3 and status_code is null",
        where,
      );
      return payload;
    }
    await ctx.db.query(
      `update idempotency_keys set status_code = $4, response = $5
        where program_id = $1 and idem_key = $2 and actor = $3 and status_code is null`,
      [...where, reply.statusCode, JSON.stringify(body)],
    );
    return payload;
  });
}
