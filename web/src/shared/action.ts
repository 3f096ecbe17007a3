/**
 * A button's work in progress, for both front ends: `busy` while it runs, `error` (the server's words, or the
 * generic sentence) when it failed.
 */
import { useCallback, useState } from "react";
import { errorText } from "./api.js";

export interface Action {
  readonly busy: boolean;
  readonly error: string | undefined;
  /**
   * Runs `work` with the last error cleared and `busy` set; a failure becomes `error`, after `onError` (e.g.
   * forgetting an answer that no longer holds, or reloading a quote that changed). Resolves either way.
   */
  run(work: () => Promise<void>, onError?: (e: unknown) => void): Promise<void>;
  /** For a message of the page's own (a form it checked itself), or clearing one. */
  setError(message: string | undefined): void;
}

/** The one home of the busy / error handling around a request (see Action). */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const run = useCallback(async (work: () => Promise<void>, onError?: (e: unknown) => void) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } catch (e) {
      onError?.(e);
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, setError };
}
