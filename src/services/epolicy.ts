/**
 * The e-policy certificate (电子保单): HTML and PDF, both in Chinese. The PDF embeds Noto Sans SC from the
 * @embedpdf/fonts-sc package (or HMB_PDF_CJK_FONT); if neither can be found it falls back to ASCII labels
 * rather than printing empty boxes.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import PDFDocument from "pdfkit";
import { formatYuan } from "../domain/money.js";
import { labelOf, POLICY_STATUS_LABELS, RELATION_LABELS } from "../domain/vocabulary.js";
import type { PolicyView } from "./policies.js";

const escapeHtml = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

export function certificateHtml(p: PolicyView, verifyUrl: string): string {
  const row = (k: string, v: string | null) =>
    `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v ?? "—")}</td></tr>`;
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>电子保单 ${escapeHtml(p.policy_no)}</title>
<style>body{font-family:system-ui,"Noto Sans SC",sans-serif;max-width:720px;margin:2em auto}th{text-align:left;padding-right:1em;color:#555}td,th{padding:.3em}</style>
</head><body>
<h1>${escapeHtml(p.product_name)} 电子保单</h1>
<table>
${row("保单号", p.policy_no)}
${row("状态", labelOf(POLICY_STATUS_LABELS, p.status))}
${row("保障方案", p.plan_name)}
${row("被保险人", p.psn_name)}
${row("证件号码", p.certno)}
${row("与投保人关系", labelOf(RELATION_LABELS, p.relation))}
${row("保费（元）", formatYuan(p.premium_fen))}
${row("保险期间", `${p.coverage_start} 至 ${p.coverage_end}`)}
${row("出单时间", p.issued_at)}
${row("验证码", p.verification_code ?? null)}
</table>
<p>真伪验证：<a href="${escapeHtml(verifyUrl)}">${escapeHtml(verifyUrl)}</a></p>
</body></html>
`;
}

const STATUS_EN: Record<string, string> = {
  pending_payment: "pending payment",
  pending_effective: "pending effective (dai sheng xiao)",
  active: "active (bao zhang zhong)",
  cancelled: "cancelled (yi tui bao)",
};

const ascii = (s: string | null) => (s === null ? "-" : s.replace(/[^\x20-\x7e]/g, "?"));

/** The CJK font: HMB_PDF_CJK_FONT if set, else Noto Sans SC (SIL OFL 1.1) shipped by @embedpdf/fonts-sc. */
export function cjkFontPath(): string | undefined {
  const configured = process.env.HMB_PDF_CJK_FONT;
  if (configured !== undefined && configured !== "") return existsSync(configured) ? configured : undefined;
  try {
    // The package exports only its JS entry (dist/index.cjs); the fonts sit one level above it.
    const entry = createRequire(import.meta.url).resolve("@embedpdf/fonts-sc");
    const bundled = join(dirname(entry), "..", "fonts", "NotoSansHans-Regular.otf");
    return existsSync(bundled) ? bundled : undefined;
  } catch {
    return undefined;
  }
}

export async function certificatePdf(p: PolicyView, verifyUrl: string): Promise<Buffer> {
  const doc = new PDFDocument({ size: "A4", margin: 56, info: { Title: `E-policy ${p.policy_no}` } });
  const chunks: Buffer[] = [];
  doc.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on("end", () => resolve(Buffer.concat(chunks))));
  const cjk = cjkFontPath();
  if (cjk !== undefined) doc.font(cjk);
  const withCjk = cjk !== undefined;
  const text = (s: string | null) => (withCjk ? (s ?? "-") : ascii(s));
  // With the Chinese font the certificate is Chinese only; ASCII labels only when no font can print it.
  const label = (zh: string, en: string) => (withCjk ? zh : en);
  doc
    .fontSize(18)
    .text(withCjk ? `${p.product_name} 电子保单` : "Hui Min Bao E-Policy Certificate (Dian Zi Bao Dan)");
  doc.moveDown();
  doc.fontSize(11);
  const line = (name: string, value: string | null) => doc.text(`${name}: ${text(value)}`);
  line(label("保单号", "Policy No."), p.policy_no);
  line(label("项目", "Program"), p.program_id);
  line(
    label("状态", "Status"),
    withCjk ? labelOf(POLICY_STATUS_LABELS, p.status) : (STATUS_EN[p.status] ?? p.status),
  );
  line(label("保障方案", "Plan"), withCjk ? p.plan_name : p.plan);
  if (withCjk) line(label("被保险人", "Insured"), p.psn_name);
  line(label("人员编号", "Person No."), p.psn_no);
  line(label("证件号码", "ID No."), p.certno);
  line(
    label("与投保人关系", "Relation to payer"),
    labelOf(RELATION_LABELS, p.relation, withCjk ? "zh" : "en"),
  );
  line(label("保费（元）", "Premium (CNY)"), formatYuan(p.premium_fen));
  line(label("保障期间（北京时间）", "Coverage period"), `${p.coverage_start} - ${p.coverage_end}`);
  line(label("签发时间", "Issued at"), p.issued_at);
  doc.moveDown();
  doc.fontSize(14).text(`${label("验真码", "Verification code")}: ${p.verification_code ?? "-"}`);
  doc.fontSize(10).text(`${label("验真地址", "Verify at")} ${verifyUrl}`);
  doc.end();
  return done;
}
