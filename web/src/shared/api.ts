/**
 * The browser's side of the API: JSON over fetch with the session's Bearer token, and one error type that
 * carries the server's `{error:{code,message,field}}` (messages are Chinese and tell the user what to do).
 * Each front end keeps its own session (resident H5 and console may be open side by side).
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field: string | null,
  ) {
    super(message);
  }
}

export interface Session {
  token: string;
  role: string;
  programId: string;
  username: string;
  expiresAt: string;
}

let sessionKey = "hmb.session";
const listeners = new Set<() => void>();

/** Each app names its own storage key once, at start-up. */
export function setSessionKey(key: string): void {
  sessionKey = key;
}

export function loadSession(): Session | null {
  try {
    const raw = localStorage.getItem(sessionKey);
    if (raw === null) return null;
    const s = JSON.parse(raw) as Session;
    if (new Date(s.expiresAt).getTime() <= Date.now()) {
      localStorage.removeItem(sessionKey);
      return null;
    }
    return s;
  } catch {
    return null;
  }
}

export function saveSession(s: Session | null): void {
  if (s === null) localStorage.removeItem(sessionKey);
  else localStorage.setItem(sessionKey, JSON.stringify(s));
  for (const l of listeners) l();
}

export function onSessionChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The program this front end works on: ?program=…, else the last one used, else the demo program. */
export function currentProgram(): string {
  const fromUrl = new URLSearchParams(window.location.search).get("program");
  if (fromUrl !== null && /^[a-z0-9][a-z0-9-]{1,62}$/.test(fromUrl)) {
    localStorage.setItem("hmb.program", fromUrl);
    return fromUrl;
  }
  return localStorage.getItem("hmb.program") ?? "wenshan-2023";
}

const GENERIC: Record<string, string> = {
  network: "网络连接失败：请检查网络后重试。",
  unauthenticated: "登录已过期：请重新登录。",
  rate_limited: "操作太频繁：请稍等一分钟再试。",
  internal_error: "服务暂时不可用：请稍后重试，或拨打客服电话。",
};

export async function api<T>(
  method: "GET" | "POST" | "PUT",
  path: string,
  body?: unknown,
  options: { idempotencyKey?: string; accept?: string } = {},
): Promise<T> {
  const res = await raw(method, path, body, options);
  const type = res.headers.get("content-type") ?? "";
  if (type.includes("application/json")) return (await res.json()) as T;
  return (await res.text()) as T;
}

/**
 * The fetch itself, for non-JSON answers (certificate HTML, PDF) and file uploads (a Blob body is sent as it
 * is, with its own type: a scanned document). Throws ApiError on every non-2xx.
 */
export async function raw(
  method: "GET" | "POST" | "PUT",
  path: string,
  body?: unknown,
  options: { idempotencyKey?: string; accept?: string } = {},
): Promise<Response> {
  const session = loadSession();
  const headers: Record<string, string> = {
    accept: options.accept ?? "application/json",
    // The server's messages follow the English toggle (shared/i18n.tsx keeps it under hmb.lang).
    "accept-language": localStorage.getItem("hmb.lang") === "en" ? "en" : "zh-CN",
  };
  if (session !== null) headers.authorization = `Bearer ${session.token}`;
  const file = typeof Blob !== "undefined" && body instanceof Blob;
  if (body !== undefined) headers["content-type"] = file ? body.type : "application/json";
  if (options.idempotencyKey !== undefined) headers["idempotency-key"] = options.idempotencyKey;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : file ? body : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(0, "network", GENERIC.network as string, null);
  }
  if (res.ok) return res;
  let code = "internal_error";
  let message = GENERIC.internal_error as string;
  let field: string | null = null;
  try {
    const e = ((await res.json()) as { error?: { code?: string; message?: string; field?: string | null } })
      .error;
    if (e?.code !== undefined) code = e.code;
    if (e?.message !== undefined && res.status < 500) message = e.message;
    field = e?.field ?? null;
  } catch {
    // not JSON: keep the generic message
  }
  if (res.status === 401) {
    saveSession(null);
    message = GENERIC.unauthenticated as string;
  }
  if (res.status === 429) message = GENERIC.rate_limited as string;
  throw new ApiError(res.status, code, message, field);
}

export async function login(programId: string, username: string, password: string): Promise<Session> {
  const r = await api<{ token: string; role: string; program_id: string; expires_at: string }>(
    "POST",
    "/api/v1/auth/login",
    { program_id: programId, username, password },
  );
  const s: Session = {
    token: r.token,
    role: r.role,
    programId: r.program_id,
    username,
    expiresAt: r.expires_at,
  };
  saveSession(s);
  return s;
}

export async function logout(): Promise<void> {
  try {
    await api("POST", "/api/v1/auth/logout");
  } finally {
    saveSession(null);
  }
}

/** A fresh Idempotency-Key for one user action (retries of the same action reuse it). */
export function newIdempotencyKey(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  return GENERIC.internal_error as string;
}

/** A `?next=` target inside this app only (no other origin, no protocol-relative URL). */
export function safeNext(next: string | null, fallback: string): string {
  if (next === null || !next.startsWith("/") || next.startsWith("//")) return fallback;
  return next;
}
