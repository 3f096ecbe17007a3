/**
 * 消息: what the platform told the resident (a claim decided, a personal-account deduction done), newest
 * first, and the unread count on the tab bar. "Read" is what this phone has seen: the newest message shown
 * here is remembered in the browser, so the badge counts only what arrived since.
 */
import { useEffect, useState } from "react";
import { useLocation } from "react-router";
import { api } from "../../shared/api.js";
import { beijing } from "../../shared/format.js";
import type { NotificationList } from "../../shared/types.js";
import { Async, Empty, useLoad, usePageTitle, useSession } from "../components.js";
import { useT } from "../i18n.js";
import { programPath } from "../product.js";

const SEEN_KEY = "hmb.resident.messages-seen";
/** Told to the tab bar when the list has been shown, so its badge clears at once. */
const SEEN_EVENT = "hmb-messages-seen";

function seenUntil(psnNo: string): string {
  return localStorage.getItem(`${SEEN_KEY}.${psnNo}`) ?? "";
}

export function MessagesPage() {
  const t = useT();
  usePageTitle(t.messages.title);
  const state = useLoad(() => api<NotificationList>("GET", programPath("/notifications")), []);
  const newest = state.data?.notifications[0]?.created_at;
  const psnNo = state.data?.psn_no;
  useEffect(() => {
    if (psnNo === undefined) return;
    if (newest !== undefined) localStorage.setItem(`${SEEN_KEY}.${psnNo}`, newest);
    window.dispatchEvent(new Event(SEEN_EVENT));
  }, [psnNo, newest]);
  return (
    <Async state={state}>
      {(list) =>
        list.notifications.length === 0 ? (
          <Empty title={t.messages.empty} hint={t.messages.emptyHint} />
        ) : (
          <ul className="messages" aria-label={t.messages.title}>
            {list.notifications.map((n) => (
              <li className="card" key={n.notification_id}>
                <h2>{n.title}</h2>
                <p>{n.body}</p>
                <p className="muted small">{beijing(n.created_at)}</p>
              </li>
            ))}
          </ul>
        )
      }
    </Async>
  );
}

/** Messages newer than the last one this phone showed; 0 when signed out. Rechecked on every page change. */
export function useUnreadMessages(): number {
  const session = useSession();
  const location = useLocation();
  const [unread, setUnread] = useState(0);
  const resident = session?.role === "resident";
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new page is the moment to look again.
  useEffect(() => {
    if (!resident) {
      setUnread(0);
      return;
    }
    let live = true;
    api<NotificationList>("GET", programPath("/notifications"))
      .then((list) => {
        const seen = seenUntil(list.psn_no);
        if (live) setUnread(list.notifications.filter((n) => n.created_at > seen).length);
      })
      .catch(() => undefined);
    const clear = () => setUnread(0);
    window.addEventListener(SEEN_EVENT, clear);
    return () => {
      live = false;
      window.removeEventListener(SEEN_EVENT, clear);
    };
  }, [resident, location.pathname]);
  return unread;
}
