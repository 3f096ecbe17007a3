/**
 * 我的服务: the insured's health-service vouchers (增值服务) — what each service is, where it can be used, until
 * when, and the voucher code to show the provider (who checks it against the ID card and redeems it). The
 * first visit issues the vouchers due. Words are local to this page; labels of codes come from vocabulary.ts.
 */
import { useState } from "react";
import type { MyServicesView, VoucherView } from "../../../../src/contract/health-services.js";
import {
  HEALTH_SERVICE_KIND_LABELS,
  labelOf,
  VOUCHER_STATE_LABELS,
} from "../../../../src/domain/vocabulary.js";
import { api } from "../../shared/api.js";
import { beijing } from "../../shared/format.js";
import { useDict, useLang } from "../../shared/i18n.js";
import { Async, Empty, useLoad, usePageTitle } from "../components.js";
import { programPath } from "../product.js";

const zh = {
  title: "我的服务",
  intro: "惠民保为参保人提供的健康服务。到服务机构时出示券码和本人身份证，机构核对后核销。",
  empty: "暂无服务券",
  emptyHint: "本项目尚未发布健康服务，或您暂不符合服务条件。",
  validUntil: (at: string) => `有效期至 ${at}`,
  validFrom: (at: string) => `${at} 起可用`,
  usedAt: (at: string) => `已于 ${at} 使用`,
  where: "可使用机构",
  unregistered: "服务机构（待登记）",
  showCode: "出示券码",
  hideCode: "收起券码",
  code: "券码",
  nth: (n: number) => `第 ${n} 次`,
};

const en: typeof zh = {
  title: "My services",
  intro:
    "Health services for the insured. Show the voucher code and your ID card at the provider, which checks and redeems it.",
  empty: "No vouchers",
  emptyHint: "No health services are published yet, or none applies to you.",
  validUntil: (at: string) => `Valid until ${at}`,
  validFrom: (at: string) => `Usable from ${at}`,
  usedAt: (at: string) => `Used at ${at}`,
  where: "Where to use it",
  unregistered: "Provider (being registered)",
  showCode: "Show code",
  hideCode: "Hide code",
  code: "Voucher code",
  nth: (n: number) => `Use ${n}`,
};

const TONE: Record<VoucherView["state"], string> = {
  available: "tag tag-good",
  not_yet_valid: "tag tag-warn",
  redeemed: "tag",
  expired: "tag tag-bad",
  cancelled: "tag tag-bad",
};

/** "ABCDEFGHJKLMNPQR" → "ABCD EFGH JKLM NPQR": read aloud or typed in by the provider without slips. */
function grouped(code: string): string {
  return code.replace(/(.{4})(?=.)/g, "$1 ");
}

function Voucher({ v }: { v: VoucherView }) {
  const t = useDict({ zh, en });
  const { lang } = useLang();
  const [open, setOpen] = useState(false);
  const usable = v.state === "available";
  return (
    <section className="card" aria-label={v.service_name}>
      <div className="row">
        <h2>{v.service_name}</h2>
        <span className={TONE[v.state]}>{labelOf(VOUCHER_STATE_LABELS, v.state, lang)}</span>
      </div>
      <p className="hint">
        {v.kind === null ? "" : `${labelOf(HEALTH_SERVICE_KIND_LABELS, v.kind, lang)} · `}
        {t.nth(v.seq)} ·{" "}
        {v.redeemed_at !== null
          ? t.usedAt(beijing(v.redeemed_at))
          : v.state === "not_yet_valid"
            ? t.validFrom(beijing(v.valid_from))
            : t.validUntil(beijing(v.valid_until))}
      </p>
      {v.description === null ? null : <p>{v.description}</p>}
      <p>
        {t.where}：{v.providers.map((p) => p.name ?? t.unregistered).join("、")}
      </p>
      {usable ? (
        <>
          <button type="button" className="linkbtn" aria-expanded={open} onClick={() => setOpen(!open)}>
            {open ? t.hideCode : t.showCode}
          </button>
          {open ? (
            <p>
              {t.code}：
              <strong className="big" style={{ fontFamily: "monospace", letterSpacing: 2 }}>
                {grouped(v.voucher_code)}
              </strong>
            </p>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

export function ServicesPage() {
  const t = useDict({ zh, en });
  usePageTitle(t.title);
  const state = useLoad(() => api<MyServicesView>("GET", programPath("/me/health-services")), []);
  return (
    <Async state={state}>
      {(d) =>
        d.vouchers.length === 0 ? (
          <Empty title={t.empty} hint={t.emptyHint} />
        ) : (
          <>
            <p className="hint">{d.catalog_name === null ? t.intro : `${d.catalog_name}：${t.intro}`}</p>
            {d.vouchers.map((v) => (
              <Voucher key={v.voucher_code} v={v} />
            ))}
          </>
        )
      }
    </Async>
  );
}
