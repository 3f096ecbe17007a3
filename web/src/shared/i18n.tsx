/** Chinese first, English on request: the choice is kept per browser and shared by both front ends. */
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from "react";

export type Lang = "zh" | "en";

const KEY = "hmb.lang";

function initialLang(): Lang {
  const saved = localStorage.getItem(KEY);
  return saved === "en" ? "en" : "zh";
}

interface LangState {
  lang: Lang;
  setLang: (l: Lang) => void;
}

const LangContext = createContext<LangState>({ lang: "zh", setLang: () => undefined });

export function LangProvider({ children }: { children: ReactNode }) {
  const [lang, set] = useState<Lang>(initialLang);
  const setLang = useCallback((l: Lang) => {
    localStorage.setItem(KEY, l);
    document.documentElement.lang = l === "zh" ? "zh-CN" : "en";
    set(l);
  }, []);
  const value = useMemo(() => ({ lang, setLang }), [lang, setLang]);
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  return <LangContext.Provider value={value}>{children}</LangContext.Provider>;
}

export function useLang(): LangState {
  return useContext(LangContext);
}

/** Picks the current language's dictionary. */
export function useDict<T>(dicts: { zh: T; en: T }): T {
  return dicts[useLang().lang];
}
