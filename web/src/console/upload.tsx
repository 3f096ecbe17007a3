/**
 * Uploading a list (roster, unit list) with feedback all the way (issue 14): the upload's percentage while the
 * file is sent, then the server's own count of rows processed and rejected while it checks them — the request
 * carries a `progress=` reference the page polls (`GET …/progress/{ref}`) until the answer arrives.
 */
import { Progress } from "antd";
import { useEffect, useRef, useState } from "react";
import { api, loadSession } from "../shared/api.js";
import type { ActionProgress } from "../shared/types.js";
import { base, useTr } from "./pages/common.js";

/** How often the page asks for the server's count while it works. */
const POLL_MS = 400;

export type UploadPhase = "idle" | "uploading" | "processing" | "done";

export interface UploadAnswer<T> {
  readonly ok: boolean;
  readonly body: T & { error?: { message: string } };
}

/** A reference for one upload's progress (random: it names nothing about the file or the people in it). */
function progressRef(): string {
  return crypto.randomUUID();
}

/**
 * Sends a file to a program route and reports both halves of the wait; resolves with the parsed JSON answer,
 * rejects on a network failure or an answer that is not JSON.
 */
export function useListUpload<T>() {
  const [phase, setPhase] = useState<UploadPhase>("idle");
  const [sent, setSent] = useState(0);
  const [server, setServer] = useState<ActionProgress | undefined>();
  const polling = useRef<number | undefined>(undefined);

  const stopPolling = () => {
    if (polling.current !== undefined) window.clearInterval(polling.current);
    polling.current = undefined;
  };
  // Leaving the page mid-upload stops the polling with it.
  useEffect(
    () => () => {
      if (polling.current !== undefined) window.clearInterval(polling.current);
    },
    [],
  );

  function send(path: string, file: File, contentType: string, query = new URLSearchParams()) {
    const ref = progressRef();
    query.set("progress", ref);
    setPhase("uploading");
    setSent(0);
    setServer(undefined);
    const poll = () => {
      api<ActionProgress>("GET", `${base()}/progress/${ref}`)
        .then((p) => setServer(p))
        // Not started yet, or already forgotten: the answer itself will say how it ended.
        .catch(() => undefined);
    };
    return new Promise<UploadAnswer<T>>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", `${base()}${path}?${query}`);
      const token = loadSession()?.token;
      if (token !== undefined) xhr.setRequestHeader("authorization", `Bearer ${token}`);
      xhr.setRequestHeader("content-type", contentType);
      xhr.setRequestHeader("accept-language", localStorage.getItem("hmb.lang") === "en" ? "en" : "zh-CN");
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) setSent(Math.round((e.loaded / e.total) * 100));
      };
      xhr.upload.onload = () => {
        setPhase("processing");
        stopPolling();
        polling.current = window.setInterval(poll, POLL_MS);
      };
      xhr.onload = () => {
        stopPolling();
        setPhase("done");
        try {
          resolve({ ok: xhr.status >= 200 && xhr.status < 300, body: JSON.parse(xhr.responseText) });
        } catch {
          reject(new Error("not json"));
        }
      };
      xhr.onerror = () => {
        stopPolling();
        setPhase("done");
        reject(new Error("network"));
      };
      xhr.send(file);
    });
  }

  return { phase, sent, server, send, reset: () => setPhase("idle") };
}

/**
 * The bar and the words under it while a list is sent and checked. `summary` is what the finished answer says
 * (rows processed, passed, rejected); `failed` turns the bar red.
 */
export function UploadProgress({
  phase,
  sent,
  server,
  summary,
  failed,
}: {
  phase: UploadPhase;
  sent: number;
  server: ActionProgress | undefined;
  summary: string | undefined;
  failed: boolean;
}) {
  const tr = useTr();
  if (phase === "idle") return null;
  const total = server?.total ?? null;
  const checkedPercent =
    server === undefined || total === null || total === 0
      ? undefined
      : Math.floor((server.read / total) * 100);
  const percent = phase === "done" ? 100 : phase === "uploading" ? sent : (checkedPercent ?? 100);
  const busy = phase === "uploading" || phase === "processing";
  let words: string;
  if (phase === "uploading") words = tr({ zh: `正在上传 ${sent}%`, en: `Uploading ${sent}%` });
  else if (phase === "processing") words = processingWords(server, tr);
  else words = summary ?? tr({ zh: "未完成", en: "Not done" });
  return (
    <div style={{ marginTop: 16 }} role="status">
      <Progress
        percent={percent}
        status={busy ? "active" : failed ? "exception" : "normal"}
        aria-label={tr({ zh: "处理进度", en: "Progress" })}
      />
      <span>{words}</span>
    </div>
  );
}

function processingWords(server: ActionProgress | undefined, tr: ReturnType<typeof useTr>): string {
  if (server === undefined) return tr({ zh: "已上传，正在逐行校验…", en: "Uploaded; checking each row…" });
  if (server.phase === "enrolling")
    return tr({
      zh: `已校验 ${server.read.toLocaleString()} 行（拒绝 ${server.rejected.toLocaleString()} 行），正在投保…`,
      en: `${server.read.toLocaleString()} rows checked (${server.rejected.toLocaleString()} rejected); enrolling…`,
    });
  const of = server.total === null ? "" : ` / ${server.total.toLocaleString()}`;
  return tr({
    zh: `正在处理：已处理 ${server.read.toLocaleString()}${of} 行，其中拒绝 ${server.rejected.toLocaleString()} 行`,
    en: `Processing: ${server.read.toLocaleString()}${of} rows, ${server.rejected.toLocaleString()} rejected`,
  });
}
