/**
 * The resident H5 (served at /): product and plans, benefit calculator, eligibility, enrollment of self and
 * family, payment, e-policy, claims, cancellation. Phones first (375 px), Chinese first.
 */
import { ConfigProvider } from "antd-mobile";
import enUS from "antd-mobile/es/locales/en-US";
import zhCN from "antd-mobile/es/locales/zh-CN";
import { StrictMode, useState } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter, NavLink, Route, Routes, useLocation, useNavigate } from "react-router";
import { setSessionKey } from "../shared/api.js";
import { LangProvider, useLang } from "../shared/i18n.js";
import { RequireResident, TitleContext } from "./components.js";
import { useT } from "./i18n.js";
import { useLargeText } from "./large-text.js";
import { AidPage } from "./pages/aid.js";
import { CalculatorPage } from "./pages/calculator.js";
import { CancelPage } from "./pages/cancel.js";
import { ClaimsPage } from "./pages/claims.js";
import { CounterCasePage } from "./pages/counter-case.js";
import { CounterClaimPage } from "./pages/counter-claim.js";
import { EligibilityPage } from "./pages/eligibility.js";
import { EnrollPage } from "./pages/enroll.js";
import { HomePage } from "./pages/home.js";
import { LoginPage } from "./pages/login.js";
import { MessagesPage, useUnreadMessages } from "./pages/messages.js";
import { OnlineClaimPage } from "./pages/online-claim.js";
import { PayPage } from "./pages/pay.js";
import { PoliciesPage } from "./pages/policies.js";
import { PolicyPage } from "./pages/policy.js";
import { RenewalPage } from "./pages/renewal.js";
import { ServicesPage } from "./pages/services.js";
import { capturePromo } from "./promo.js";
import "./style.css";

setSessionKey("hmb.resident.session");
capturePromo();

function Shell() {
  const t = useT();
  const { lang, setLang } = useLang();
  const [title, setTitle] = useState(t.appTitle);
  const location = useLocation();
  const navigate = useNavigate();
  const atHome = location.pathname === "/";
  const unread = useUnreadMessages();
  const [large, setLarge] = useLargeText();
  document.title = title === t.appTitle ? t.appTitle : `${title} · ${t.appTitle}`;
  return (
    <ConfigProvider locale={lang === "zh" ? zhCN : enUS}>
      <TitleContext.Provider value={setTitle}>
        <div className="app">
          <header className="top">
            {atHome ? (
              <span className="top-side" />
            ) : (
              <button
                type="button"
                className="top-side top-back"
                onClick={() => navigate(-1)}
                aria-label={t.back}
              >
                ‹ {t.back}
              </button>
            )}
            <h1 className="top-title">{title}</h1>
            <button
              type="button"
              className="top-large"
              aria-pressed={large}
              title={t.largeText.label}
              onClick={() => setLarge(!large)}
            >
              {t.largeText.on}
            </button>
            <button
              type="button"
              className="top-side top-lang"
              lang={lang === "zh" ? "en" : "zh-CN"}
              onClick={() => setLang(lang === "zh" ? "en" : "zh")}
            >
              {t.switchLang}
            </button>
          </header>
          <main className="content">
            <Routes>
              <Route path="/" element={<HomePage />} />
              <Route path="/calculator" element={<CalculatorPage />} />
              <Route path="/login" element={<LoginPage />} />
              <Route path="/eligibility" element={<Guard page={<EligibilityPage />} />} />
              <Route path="/enroll" element={<Guard page={<EnrollPage />} />} />
              <Route path="/pay/:orderNo" element={<Guard page={<PayPage />} />} />
              <Route path="/policies" element={<Guard page={<PoliciesPage />} />} />
              <Route path="/policies/:policyNo" element={<Guard page={<PolicyPage />} />} />
              <Route path="/policies/:policyNo/cancel" element={<Guard page={<CancelPage />} />} />
              <Route path="/claims" element={<Guard page={<ClaimsPage />} />} />
              <Route path="/renewal" element={<Guard page={<RenewalPage />} />} />
              <Route path="/claims/online" element={<Guard page={<OnlineClaimPage />} />} />
              <Route path="/claims/counter" element={<Guard page={<CounterClaimPage />} />} />
              <Route path="/claims/counter/:caseId" element={<Guard page={<CounterCasePage />} />} />
              <Route path="/messages" element={<Guard page={<MessagesPage />} />} />
              <Route path="/services" element={<Guard page={<ServicesPage />} />} />
              <Route path="/aid" element={<Guard page={<AidPage />} />} />
              <Route path="*" element={<HomePage />} />
            </Routes>
          </main>
          <nav className="tabbar" aria-label={lang === "zh" ? "主导航" : "Main"}>
            <NavLink to="/" end>
              {t.nav.home}
            </NavLink>
            <NavLink to="/calculator">{t.nav.calc}</NavLink>
            <NavLink to="/policies">{t.nav.policies}</NavLink>
            <NavLink to="/claims">{t.nav.claims}</NavLink>
            <NavLink to="/messages">
              {t.nav.messages}
              {unread > 0 ? (
                <span className="badge" role="status" aria-label={t.messages.unread(unread)}>
                  {unread}
                </span>
              ) : null}
            </NavLink>
          </nav>
        </div>
      </TitleContext.Provider>
    </ConfigProvider>
  );
}

function Guard({ page }: { page: React.ReactNode }) {
  return <RequireResident>{page}</RequireResident>;
}

const root = document.getElementById("root");
if (root !== null) {
  createRoot(root).render(
    <StrictMode>
      <LangProvider>
        <BrowserRouter>
          <Shell />
        </BrowserRouter>
      </LangProvider>
    </StrictMode>,
  );
}
