/** Small building blocks every resident page uses: loading, failure and empty states, the login gate. */
import { Button, DotLoading, ErrorBlock } from "antd-mobile";
import {
  createContext,
  type DependencyList,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useState,
} from "react";
import { Navigate, useLocation } from "react-router";
import { errorText, loadSession, onSessionChange, type Session } from "../shared/api.js";
import { useT } from "./i18n.js";

export function Loading() {
  const t = useT();
  return (
    <div className="state" role="status" aria-live="polite">
      <DotLoading color="primary" />
      <span>{t.loading}</span>
    </div>
  );
}

export function Failure({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const t = useT();
  return (
    <div className="state" role="alert">
      <p className="error-text">{errorText(error)}</p>
      {onRetry === undefined ? null : (
        <Button size="small" onClick={onRetry}>
          {t.retry}
        </Button>
      )}
    </div>
  );
}

export function Empty({ title, hint, children }: { title: string; hint?: string; children?: ReactNode }) {
  return (
    <div className="state">
      <ErrorBlock status="empty" title={title} description={hint ?? ""} />
      {children}
    </div>
  );
}

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` on mount and when `deps` change; the last answer wins. */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's deps decide when to reload
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: undefined }));
    load().then(
      (data) => live && setState({ data, error: undefined, loading: false }),
      (error: unknown) => live && setState({ data: undefined, error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}

/** Renders loading / failure, or `children(data)`. */
export function Async<T>({ state, children }: { state: Loaded<T>; children: (data: T) => ReactNode }) {
  if (state.loading && state.data === undefined) return <Loading />;
  if (state.error !== undefined) return <Failure error={state.error} onRetry={state.reload} />;
  if (state.data === undefined) return <Loading />;
  return <>{children(state.data)}</>;
}

export function useSession(): Session | null {
  const [session, setSession] = useState(loadSession);
  useEffect(() => onSessionChange(() => setSession(loadSession())), []);
  return session;
}

/** Pages that need a resident account: anyone else goes to the login page and comes back. */
export function RequireResident({ children }: { children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  if (session === null || session.role !== "resident") {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/login?next=${next}`} replace />;
  }
  return <>{children}</>;
}

/** The page title shown in the header and the browser tab. */
export const TitleContext = createContext<(title: string) => void>(() => undefined);

export function usePageTitle(title: string): void {
  const set = useContext(TitleContext);
  useEffect(() => {
    set(title);
  }, [set, title]);
}

/** A field's error under it, announced to screen readers. */
export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (message === undefined) return null;
  return (
    <p id={id} className="field-error" role="alert">
      {message}
    </p>
  );
}
