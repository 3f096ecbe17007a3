/**
 * The e-policy certificate (电子保单): HTML (Chinese) and PDF. The PDF uses pdfkit's built-in Helvetica,
 * which has no CJK glyphs, so unless HMB_PDF_CJK_FONT names a TTF/OTF font with Chinese glyphs (e.g.
 * NotoSansSC-Regular.otf) it is rendered with English/pinyin labels and ASCII policy data; the person's name
 * then appears in the HTML certificate and through verification only.
 */
import { existsSync } from "node:fs";
import PDFDocument from "pdfkit";
import type { PolicyView } from "./policies.js";

const escapeHtml = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

const STATUS_ZH: Record<string, string> = {
  pending_payment: "待支付",
  pending_effective: "待生效",
  active: "保障中",
  cancelled: "已退保",
};

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
${row("状态", STATUS_ZH[p.status] ?? p.status)}
${row("保障方案", p.plan_name)}
${row("被保险人", p.psn_name)}
${row("证件号码", p.certno)}
${row("与投保人关系", p.relation)}
${row("保费（元）", p.premium)}
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

export async function certificatePdf(p: PolicyView, verifyUrl: string): Promise<Buffer> {
  const doc = new PDFDocument({ size: "A4", margin: 56, info: { Title: `E-policy ${p.policy_no}` } });
  const chunks: Buffer[] = [];
  doc.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on("end", () => resolve(Buffer.concat(chunks))));
  const cjk = process.env.HMB_PDF_CJK_FONT;
  const withCjk = cjk !== undefined && cjk !== "" && existsSync(cjk);
  if (withCjk) doc.font(cjk);
  const text = (s: string | null) => (withCjk ? (s ?? "-") : ascii(s));
  doc
    .fontSize(18)
    .text(withCjk ? `${p.product_name} 电子保单` : "Hui Min Bao E-Policy Certificate (Dian Zi Bao Dan)");
  doc.moveDown();
  doc.fontSize(11);
  const line = (label: string, value: string | null) => doc.text(`${label}: ${text(value)}`);
  line("Policy No. (bao dan hao)", p.policy_no);
  line("Program", p.program_id);
  line("Status", withCjk ? (STATUS_ZH[p.status] ?? p.status) : (STATUS_EN[p.status] ?? p.status));
  line("Plan", p.plan);
  if (withCjk) line("Insured (bei bao xian ren)", p.psn_name);
  line("Person No. (psn_no)", p.psn_no);
  line("ID No. (zheng jian hao ma)", p.certno);
  line("Relation to payer", p.relation);
  line("Premium (CNY)", p.premium);
  line("Coverage period (Beijing time)", `${p.coverage_start} - ${p.coverage_end}`);
  line("Issued at", p.issued_at);
  doc.moveDown();
  doc.fontSize(14).text(`Verification code: ${p.verification_code ?? "-"}`);
  doc.fontSize(10).text(`Verify at ${verifyUrl}`);
  doc.end();
  return done;
}
