/**
 * Downloads of generated files (reports, statements, e-policies). A report of a large program takes seconds
 * to build, and a bare link gives no sign of life meanwhile nor any word when it fails; this button says
 * "正在生成…" with the seconds elapsed, saves the file under a Chinese name, and on failure says what went
 * wrong and what to do next. The session's token goes with the request (no token in a URL).
 */
import { Alert, Button, Space } from "antd";
import { useEffect, useState } from "react";
import { raw } from "../shared/api.js";
import { errorOf, useTr } from "./pages/common.js";

const SECOND_MS = 1000;

/** Saves a file answer of the API under `name`. */
export async function saveAs(path: string, accept: string, name: string): Promise<void> {
  const res = await raw("GET", path, undefined, { accept });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(await res.blob());
  a.download = name;
  a.click();
  URL.revokeObjectURL(a.href);
}

export const MIME = {
  pdf: "application/pdf",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  csv: "text/csv",
} as const;
export type DownloadFormat = keyof typeof MIME;

const FORMAT_LABEL: Record<DownloadFormat, string> = { pdf: "PDF", xlsx: "Excel", csv: "CSV" };

/**
 * One button per format: `path(format)` is the API path, `name` the file name without extension (in the
 * language the person reads).
 */
export function DownloadButtons({
  path,
  name,
  formats,
  disabled,
}: {
  path: (format: DownloadFormat) => string;
  name: string;
  formats: readonly DownloadFormat[];
  disabled?: boolean;
}) {
  const tr = useTr();
  const [busy, setBusy] = useState<DownloadFormat | undefined>();
  const [elapsed, setElapsed] = useState(0);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    if (busy === undefined) return;
    setElapsed(0);
    const timer = setInterval(() => setElapsed((s) => s + 1), SECOND_MS);
    return () => clearInterval(timer);
  }, [busy]);

  async function download(format: DownloadFormat) {
    setBusy(format);
    setError(undefined);
    try {
      await saveAs(path(format), MIME[format], `${name}.${format}`);
    } catch (e) {
      setError(
        tr({
          zh: `${errorOf(e)} 请检查查询条件后重试；如仍失败，请稍后再试或联系平台管理员。`,
          en: `${errorOf(e)} Check the query and retry; if it keeps failing, try later or ask the administrator.`,
        }),
      );
    } finally {
      setBusy(undefined);
    }
  }

  return (
    <Space orientation="vertical" size={4}>
      <Space wrap>
        {formats.map((f) => (
          <Button
            key={f}
            loading={busy === f}
            disabled={disabled === true || (busy !== undefined && busy !== f)}
            onClick={() => void download(f)}
          >
            {tr({ zh: `下载 ${FORMAT_LABEL[f]}`, en: `Download ${FORMAT_LABEL[f]}` })}
          </Button>
        ))}
      </Space>
      {busy === undefined ? null : (
        <span role="status">
          {tr({
            zh: `正在生成${FORMAT_LABEL[busy]}文件…已用 ${elapsed} 秒，完成后自动保存。`,
            en: `Generating the ${FORMAT_LABEL[busy]} file… ${elapsed} s so far; it is saved when done.`,
          })}
        </span>
      )}
      {error === undefined ? null : <Alert type="error" role="alert" showIcon title={error} />}
    </Space>
  );
}
