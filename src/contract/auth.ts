/** Staff and resident login: the wire of `/auth/login` and `/auth/logout`. */
import { z } from "zod";

const NO_CONTROL_CHARACTERS_PATTERN = "^[^\\u0000-\\u001f\\u007f]*$";
const NO_NUL_PATTERN = "^[^\\u0000]*$";

/** No control characters (NUL above all: PostgreSQL text cannot hold it) in a login name or program id. */
const NO_CONTROL_CHARACTERS = new RegExp(NO_CONTROL_CHARACTERS_PATTERN);
/** A password may hold any character a keyboard makes, but not NUL. */
const NO_NUL = new RegExp(NO_NUL_PATTERN);

export const LoginBody = z.strictObject({
  program_id: z.string().min(1).max(64).regex(NO_CONTROL_CHARACTERS).describe("项目编号；平台管理员为 *"),
  username: z.string().min(1).max(64).regex(NO_CONTROL_CHARACTERS).describe("用户名"),
  password: z.string().min(1).max(256).regex(NO_NUL).describe("密码"),
});
export type LoginBody = z.infer<typeof LoginBody>;

export const LoginResult = z.object({
  token: z.string().describe("会话令牌：放在 Authorization: Bearer 中（同时以 hmb_session Cookie 下发）"),
  role: z.string().describe("角色：admin、operator、co_insurer、bureau、regulator、charity、resident"),
  program_id: z.string().describe("账号所属项目；* 为平台范围"),
  expires_at: z.string().describe("会话到期时刻（ISO 8601，UTC）"),
});
export type LoginResult = z.infer<typeof LoginResult>;

export const LogoutResult = z.object({ ok: z.literal(true) });
export type LogoutResult = z.infer<typeof LogoutResult>;
