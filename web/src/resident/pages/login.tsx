import { Button } from "antd-mobile";
import { type FormEvent, useState } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { ApiError, currentProgram, errorText, login, logout, safeNext } from "../../shared/api.js";
import { FieldError, usePageTitle, useSession } from "../components.js";
import { useT } from "../i18n.js";

export function LoginPage() {
  const t = useT();
  usePageTitle(t.login.title);
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const session = useSession();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const next = params.get("next");
  const target = safeNext(next, "/policies");

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (username.trim() === "" || password === "") {
      setError(t.required);
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await login(currentProgram(), username.trim(), password);
      navigate(target, { replace: true });
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? t.login.failed : errorText(err));
    } finally {
      setBusy(false);
    }
  }

  if (session !== null && session.role === "resident") {
    return (
      <div className="card">
        <p>{t.login.hello(session.username)}</p>
        <Button block onClick={() => void logout()}>
          {t.login.logout}
        </Button>
      </div>
    );
  }
  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="login-title">
      <h2 id="login-title">{t.login.title}</h2>
      <p className="muted">{t.login.intro}</p>
      <div className="field">
        <label htmlFor="login-username">{t.login.username}</label>
        <input
          id="login-username"
          className="input"
          autoComplete="username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="login-password">{t.login.password}</label>
        <input
          id="login-password"
          className="input"
          type="password"
          autoComplete="current-password"
          value={password}
          aria-describedby={error === undefined ? undefined : "login-error"}
          onChange={(e) => setPassword(e.target.value)}
        />
      </div>
      <FieldError id="login-error" message={error} />
      <Button block color="primary" size="large" type="submit" loading={busy}>
        {t.login.submit}
      </Button>
    </form>
  );
}
