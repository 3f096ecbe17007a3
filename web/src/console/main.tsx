/**
 * The console (served at /console): operators, co-insurers, the 医保局, the regulator and charities. A
 * role-aware shell: the menu shows the pages of the signed-in role (pages.tsx), each page checks it again.
 */
import {
  Alert,
  Button,
  Card,
  ConfigProvider,
  Form,
  Input,
  Layout,
  Menu,
  type MenuProps,
  Result,
  Space,
  Typography,
} from "antd";
import enUS from "antd/locale/en_US";
import zhCN from "antd/locale/zh_CN";
import { StrictMode, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter, Link, Navigate, Route, Routes, useLocation, useNavigate } from "react-router";
import {
  ApiError,
  currentProgram,
  errorText,
  loadSession,
  login,
  logout,
  onSessionChange,
  type Session,
  safeNext,
  setSessionKey,
} from "../shared/api.js";
import { LangProvider, useLang } from "../shared/i18n.js";
import type { ProgramView } from "../shared/types.js";
import { useT } from "./i18n.js";
import { programId, useLoad } from "./pages/common.js";
import { type ConsolePage, pagesFor } from "./pages.js";

setSessionKey("hmb.console.session");

function useSession(): Session | null {
  const [session, setSession] = useState(loadSession);
  useEffect(() => onSessionChange(() => setSession(loadSession())), []);
  return session;
}

function LangButton() {
  const { lang, setLang } = useLang();
  const t = useT();
  return (
    <Button lang={lang === "zh" ? "en" : "zh-CN"} onClick={() => setLang(lang === "zh" ? "en" : "zh")}>
      {t.switchLang}
    </Button>
  );
}

function LoginPage() {
  const t = useT();
  const navigate = useNavigate();
  const location = useLocation();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const next = new URLSearchParams(location.search).get("next");

  async function submit(values: { program: string; username: string; password: string }) {
    setBusy(true);
    setError(undefined);
    try {
      await login(values.program.trim(), values.username.trim(), values.password);
      navigate(safeNext(next, "/"), { replace: true });
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? t.login.failed : errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="login">
      <Card style={{ maxWidth: 420, margin: "64px auto" }}>
        <Space style={{ width: "100%", justifyContent: "space-between" }}>
          <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
            {t.appTitle}
          </Typography.Title>
          <LangButton />
        </Space>
        <Typography.Title level={2} style={{ fontSize: 18 }}>
          {t.login.title}
        </Typography.Title>
        <Form
          layout="vertical"
          requiredMark={false}
          initialValues={{ program: currentProgram() }}
          onFinish={(v) => void submit(v as { program: string; username: string; password: string })}
        >
          <Form.Item
            label={t.login.program}
            name="program"
            extra={t.login.programHelp}
            rules={[{ required: true, message: t.login.required }]}
          >
            <Input autoComplete="organization" />
          </Form.Item>
          <Form.Item
            label={t.login.username}
            name="username"
            rules={[{ required: true, message: t.login.required }]}
          >
            <Input autoComplete="username" />
          </Form.Item>
          <Form.Item
            label={t.login.password}
            name="password"
            rules={[{ required: true, message: t.login.required }]}
          >
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          {error === undefined ? null : (
            <Alert type="error" title={error} showIcon style={{ marginBottom: 16 }} role="alert" />
          )}
          <Button type="primary" htmlType="submit" block loading={busy}>
            {t.login.submit}
          </Button>
        </Form>
        <Typography.Paragraph type="secondary" style={{ marginTop: 16 }}>
          {t.login.resident}{" "}
          <a href="/" style={{ textDecoration: "underline" }}>
            {t.login.residentLink}
          </a>
          <br />
          {t.login.hospital}
        </Typography.Paragraph>
      </Card>
    </main>
  );
}

const to = (p: ConsolePage) => (p.path === "" ? "/" : `/${p.path}`);

function Shell({ session }: { session: Session }) {
  const t = useT();
  const { lang } = useLang();
  const location = useLocation();
  const navigate = useNavigate();
  const pages = pagesFor(session.role);
  const role = t.roles[session.role] ?? session.role;
  // The program by its name (项目名称), not its code; the code only while the name loads or if it cannot.
  const programName = useLoad<ProgramView>("");
  const current = pages.find((p) => to(p) === location.pathname);
  useEffect(() => {
    document.title = current === undefined ? t.appTitle : `${current[lang]} · ${t.appTitle}`;
  }, [current, lang, t.appTitle]);

  // Menu: ungrouped pages first, then one group per kind of page.
  const groups = new Map<string, { label: string; children: { key: string; label: React.ReactNode }[] }>();
  const items: NonNullable<MenuProps["items"]> = [];
  for (const p of pages) {
    const entry = { key: to(p), label: <Link to={to(p)}>{p[lang]}</Link> };
    if (p.group === undefined) items.push(entry);
    else {
      const g = groups.get(p.group.zh) ?? { label: p.group[lang], children: [] };
      g.children.push(entry);
      groups.set(p.group.zh, g);
    }
  }
  for (const [key, g] of groups)
    items.push({ key: `group:${key}`, type: "group", label: g.label, children: g.children });

  return (
    <Layout style={{ minHeight: "100vh" }}>
      <Layout.Sider
        breakpoint="lg"
        collapsedWidth={0}
        width={220}
        theme="light"
        style={{ borderRight: "1px solid #f0f0f0" }}
      >
        <div style={{ padding: "16px", fontWeight: 700 }}>{t.appTitle}</div>
        <nav aria-label={lang === "zh" ? "控制台菜单" : "Console menu"}>
          <Menu mode="inline" selectedKeys={[location.pathname]} items={items} />
        </nav>
      </Layout.Sider>
      <Layout>
        <Layout.Header
          style={{
            background: "#fff",
            display: "flex",
            alignItems: "center",
            justifyContent: "flex-end",
            gap: 12,
            padding: "0 16px",
          }}
        >
          <span>{t.signedInAs(session.username, role, programName.data?.name ?? programId())}</span>
          <LangButton />
          <Button onClick={() => void logout().finally(() => navigate("/login", { replace: true }))}>
            {t.logout}
          </Button>
        </Layout.Header>
        <Layout.Content style={{ padding: 16 }}>
          <main>
            {pages.length === 0 ? (
              <Result status="403" title={t.noAccess} />
            ) : (
              <Routes>
                {pages.map((p) => (
                  <Route key={p.path} path={to(p)} element={p.element} />
                ))}
                <Route
                  path="*"
                  element={
                    <Result status="404" title={t.notFound} extra={<Link to="/">{t.backHome}</Link>} />
                  }
                />
              </Routes>
            )}
          </main>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}

/** Ant Design's defaults, darkened where they miss WCAG AA contrast (4.5:1) on white. */
const THEME = {
  token: {
    colorPrimary: "#1360d6",
    colorPrimaryHover: "#0f52b8",
    colorPrimaryActive: "#0b4196",
    colorLinkHover: "#0f52b8",
    colorLink: "#1360d6",
    colorTextSecondary: "rgba(0, 0, 0, 0.68)",
    colorTextDescription: "rgba(0, 0, 0, 0.68)",
    colorTextPlaceholder: "rgba(0, 0, 0, 0.6)",
    // Danger buttons (退保, 停用): antd's #ff4d4f is 3.3:1 on white.
    colorError: "#c4161c",
    colorErrorHover: "#a8071a",
    colorErrorActive: "#820014",
  },
};

function App() {
  const session = useSession();
  const { lang } = useLang();
  const location = useLocation();
  const staff = session !== null && session.role !== "resident" && session.role !== "hospital";
  return (
    <ConfigProvider locale={lang === "zh" ? zhCN : enUS} theme={THEME} button={{ autoInsertSpace: false }}>
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route
          path="*"
          element={
            staff ? (
              <Shell session={session} />
            ) : (
              <Navigate to={`/login?next=${encodeURIComponent(location.pathname)}`} replace />
            )
          }
        />
      </Routes>
    </ConfigProvider>
  );
}

const root = document.getElementById("root");
if (root !== null) {
  createRoot(root).render(
    <StrictMode>
      <LangProvider>
        <BrowserRouter basename="/console">
          <App />
        </BrowserRouter>
      </LangProvider>
    </StrictMode>,
  );
}
