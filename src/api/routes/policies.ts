import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { errors, fileReply, reply, request } from "../../contract/json-schema.js";
import {
  CancelBody,
  CancelQuote,
  CancelResult,
  CertificateCheck,
  PolicyParams,
  PolicyView,
  VerifyParams,
} from "../../contract/policies.js";
import type { PlatformContext } from "../../services/context.js";
import { certificateHtml, certificatePdf } from "../../services/epolicy.js";
import {
  cancelPolicy,
  cancelQuote,
  certificatePolicy,
  getPolicy,
  verifyCertificate,
} from "../../services/policies.js";
import { requireActor } from "../auth.js";
import { presentCancelQuote, presentCancelResult, presentPolicy } from "../present/policies.js";

type PolicyReq = { Params: { program_id: string; policy_no: string } };

const READERS = ["resident", "operator", "admin", "co_insurer", "bureau"] as const;

function verifyUrl(request: FastifyRequest, code: string): string {
  return `${request.protocol}://${request.host}/api/v1/verify/${code}`;
}

export const policyRoutes =
  (ctx: PlatformContext): FastifyPluginAsync =>
  async (app) => {
    app.get<PolicyReq>(
      "/programs/:program_id/policies/:policy_no",
      {
        config: { roles: READERS },
        schema: {
          tags: ["policies"],
          summary: "保单（本人完整；共保体、医保局脱敏）",
          params: request(PolicyParams),
          response: { 200: reply(PolicyView), ...errors() },
        },
      },
      async (request) =>
        presentPolicy(
          await getPolicy(ctx, requireActor(request), request.params.program_id, request.params.policy_no),
        ),
    );

    app.get<PolicyReq>(
      "/programs/:program_id/policies/:policy_no/certificate.html",
      {
        config: { roles: READERS },
        schema: {
          tags: ["policies"],
          summary: "电子保单 HTML",
          params: request(PolicyParams),
          response: { 200: fileReply(["text/html"], "电子保单（HTML，含验证二维码）"), ...errors() },
        },
      },
      async (request, reply) => {
        const p = await certificatePolicy(
          ctx,
          requireActor(request),
          request.params.program_id,
          request.params.policy_no,
        );
        return reply
          .type("text/html; charset=utf-8")
          .send(certificateHtml(p, verifyUrl(request, p.verification_code ?? "")));
      },
    );

    app.get<PolicyReq>(
      "/programs/:program_id/policies/:policy_no/certificate.pdf",
      {
        config: { roles: READERS },
        schema: {
          tags: ["policies"],
          summary: "电子保单 PDF",
          params: request(PolicyParams),
          response: { 200: fileReply(["application/pdf"], "电子保单（PDF，含验证二维码）"), ...errors() },
        },
      },
      async (request, reply) => {
        const p = await certificatePolicy(
          ctx,
          requireActor(request),
          request.params.program_id,
          request.params.policy_no,
        );
        const pdf = await certificatePdf(p, verifyUrl(request, p.verification_code ?? ""));
        return reply
          .type("application/pdf")
          .header("content-disposition", `inline; filename="${p.policy_no}.pdf"`)
          .send(pdf);
      },
    );

    app.get<PolicyReq>(
      "/programs/:program_id/policies/:policy_no/cancel/quote",
      {
        config: { roles: ["resident", "operator", "admin"] },
        schema: {
          tags: ["policies"],
          summary: "退保试算（确认前展示退费金额）",
          params: request(PolicyParams),
          response: { 200: reply(CancelQuote), ...errors() },
        },
      },
      async (request) =>
        presentCancelQuote(
          await cancelQuote(ctx, requireActor(request), request.params.program_id, request.params.policy_no),
        ),
    );

    app.post<PolicyReq & { Body: CancelBody | null | undefined }>(
      "/programs/:program_id/policies/:policy_no/cancel",
      {
        config: { roles: ["resident", "operator", "admin"] },
        schema: {
          tags: ["policies"],
          summary: "退保：生效前全额退，生效后按现金价值（未到期保费按日）退，原路退回",
          params: request(PolicyParams),
          body: request(CancelBody.nullable()),
          response: { 200: reply(CancelResult), ...errors() },
        },
      },
      async (request) =>
        cancelPolicy(ctx, requireActor(request), request.params.program_id, request.params.policy_no, {
          reason: request.body?.reason,
          expectedRefundFen: request.body?.expected_refund_fen,
        }).then(presentCancelResult),
    );

    app.get<{ Params: { code: string } }>(
      "/verify/:code",
      {
        schema: {
          tags: ["policies"],
          summary: "电子保单真伪验证（公开，仅返回脱敏信息）",
          params: request(VerifyParams),
          response: { 200: reply(CertificateCheck), ...errors() },
        },
      },
      async (request) => verifyCertificate(ctx, request.params.code),
    );
  };
