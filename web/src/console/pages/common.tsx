/**
 * What every console page shares: the program's API base, a loader with loading / empty / error states
 * (errors in the user's language, saying what to do), an action's busy and error state, a page title, and
 * labelled stat figures.
 */
import { Alert, Button, Card, Empty, Spin, Statistic, Typography } from "antd";
import { type DependencyList, type ReactNode, useCallback, useEffect, useState } from "react";
import { api, currentProgram, errorText, loadSession } from "../../shared/api.js";
import { useLang } from "../../shared/i18n.js";

/** The program the console works on: the signed-in account's, or (platform admin, "*") the chosen one. */
export function programId(): string {
  const s = loadSession();
  return s === null || s.programId === "*" ? currentProgram() : s.programId;
}

export function base(): string {
  return `/api/v1/programs/${programId()}`;
}

export function role(): string {
  return loadSession()?.role ?? "";
}

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => void;
}

/** GETs `path` (relative to the program's base unless it starts with /api) whenever deps change. */
export function useLoad<T>(path: string | null, deps: DependencyList = []): Loaded<T> {
  const [data, setData] = useState<T | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [loading, setLoading] = useState(path !== null);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller names what reloads it
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setLoading(true);
    setError(undefined);
    api<T>("GET", path.startsWith("/api") ? path : `${base()}${path}`)
      .then((d) => {
        if (live) setData(d);
      })
      .catch((e: unknown) => {
        if (live) setError(errorText(e));
      })
      .finally(() => {
        if (live) setLoading(false);
      });
    return () => {
      live = false;
    };
  }, [path, tick, ...deps]);
  return { data, error, loading, reload };
}

const WORDS = {
  zh: { loading: "正在加载…", retry: "重试", empty: "暂无数据" },
  en: { loading: "Loading…", retry: "Retry", empty: "No data yet" },
};

/** Shows loading, an error with a retry, or the children when data is there (empty: `empty`). */
export function Loading<T>({
  state,
  empty,
  isEmpty,
  children,
}: {
  state: Loaded<T>;
  empty?: string;
  isEmpty?: (d: T) => boolean;
  children: (d: T) => ReactNode;
}) {
  const { lang } = useLang();
  const w = WORDS[lang];
  if (state.error !== undefined)
    return (
      <Alert
        type="error"
        role="alert"
        showIcon
        title={state.error}
        action={
          <Button size="small" onClick={state.reload}>
            {w.retry}
          </Button>
        }
      />
    );
  if (state.data === undefined)
    return (
      <div role="status" style={{ padding: 24, textAlign: "center" }}>
        <Spin /> <span>{w.loading}</span>
      </div>
    );
  if (isEmpty?.(state.data) === true) return <Empty description={empty ?? w.empty} />;
  return <>{children(state.data)}</>;
}

export function PageTitle({ children, extra }: { children: ReactNode; extra?: ReactNode }) {
  return (
    <div style={{ display: "flex", justifyContent: "space-between", alignItems: "center", marginBottom: 12 }}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        {children}
      </Typography.Title>
      {extra}
    </div>
  );
}

/** A labelled figure; `testId` lets tests find the exact number. */
export function Figure({
  title,
  value,
  suffix,
  testId,
}: {
  title: string;
  value: ReactNode;
  suffix?: string;
  testId?: string;
}) {
  return (
    <Card size="small">
      <Statistic
        title={title}
        value={value as string}
        suffix={suffix}
        valueRender={() => <span data-testid={testId}>{value}</span>}
      />
    </Card>
  );
}

/** The server's words for a failure, or the generic sentence (the shared errorText). */
export const errorOf = errorText;

export { type Action, useAction } from "../../shared/action.js";

/** The shared two-language picker: `tr({zh, en})`. */
export function useTr(): <T>(t: { zh: T; en: T }) => T {
  const { lang } = useLang();
  return useCallback(<T,>(t: { zh: T; en: T }) => t[lang], [lang]);
}

const TONES = {
  success: { color: "#135200", background: "#f6ffed", border: "#b7eb8f" },
  error: { color: "#a8071a", background: "#fff1f0", border: "#ffa39e" },
  warning: { color: "#613400", background: "#fffbe6", border: "#ffe58f" },
  processing: { color: "#003a8c", background: "#e6f4ff", border: "#91caff" },
  default: { color: "rgba(0, 0, 0, 0.88)", background: "#fafafa", border: "#d9d9d9" },
} as const;

/** A status label with AA contrast (antd's coloured Tags fall short of 4.5:1). */
export function Pill({ tone, children }: { tone: string | undefined; children: ReactNode }) {
  const t = TONES[(tone ?? "default") as keyof typeof TONES] ?? TONES.default;
  return (
    <span
      style={{
        color: t.color,
        background: t.background,
        border: `1px solid ${t.border}`,
        borderRadius: 4,
        padding: "0 7px",
        fontSize: 12,
        lineHeight: "20px",
        display: "inline-block",
        whiteSpace: "nowrap",
      }}
    >
      {children}
    </span>
  );
}
