/**
 * Progress of a long action (issue 14: "roster and unit imports show rows processed and rejected as they go").
 * The screen that starts an import names it with a reference of its own (`progress=`), then reads
 * `GET /programs/{id}/progress/{ref}` while the import's request is still running.
 */
import { z } from "zod";
import { Instant, ProgramId } from "./common.js";

/** A reference the client makes up (a random string): names the action to poll, never personal data. */
export const ProgressRef = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,64}$/)
  .describe("进度查询号（客户端生成的随机串，8–64 位字母、数字、-、_）");

export const ProgressQuery = z.strictObject({
  progress: ProgressRef.optional(),
});
export type ProgressQuery = z.infer<typeof ProgressQuery>;

export const ProgressParams = z.object({ program_id: ProgramId, ref: ProgressRef });
export type ProgressParams = z.infer<typeof ProgressParams>;

export const PROGRESS_ACTIONS = ["roster_import", "unit_upload"] as const;
export const PROGRESS_PHASES = ["pending", "reading", "checking", "enrolling", "done", "failed"] as const;

export const ActionProgress = z.object({
  action: z
    .enum(PROGRESS_ACTIONS)
    .nullable()
    .describe("roster_import 名单导入、unit_upload 单位投保名单；尚未开始时为空"),
  phase: z
    .enum(PROGRESS_PHASES)
    .describe(
      "pending 尚未开始（文件仍在接收，或查询号不属于本账号）、reading 读取中、checking 逐行校验、enrolling 投保中、done 已完成、failed 失败",
    ),
  read: z.number().int().describe("已处理行数"),
  rejected: z.number().int().describe("其中被拒行数"),
  total: z.number().int().nullable().describe("总行数（已知时；CSV 名单边读边导入，为空）"),
  started_at: Instant.nullable(),
  updated_at: Instant.nullable(),
});
export type ActionProgress = z.infer<typeof ActionProgress>;
