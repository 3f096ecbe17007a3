/**
 * 大字模式 (large-text mode) for older residents: the whole H5 drawn 25 % larger. Zooming the page rather than
 * each font size keeps every layout as it is on a narrower phone (the 375 px screen becomes a 300 px layout),
 * which the pages already handle, so nothing grows wider than the screen. Remembered on this device.
 */
import { useEffect, useState } from "react";

const KEY = "hmb.largeText";
const CLASS = "large-text";

export function useLargeText(): [boolean, (on: boolean) => void] {
  const [large, setLarge] = useState(() => localStorage.getItem(KEY) === "1");
  useEffect(() => {
    document.documentElement.classList.toggle(CLASS, large);
    if (large) localStorage.setItem(KEY, "1");
    else localStorage.removeItem(KEY);
  }, [large]);
  return [large, setLarge];
}
