// Dates and numbers as people here read them: times in Asia/Shanghai, whatever the device says.
import { currentLang } from './i18n.js';

export const ZONE = 'Asia/Shanghai';

/** A date and time in Asia/Shanghai, e.g. 11月30日 09:00. */
export function dateTime(iso) {
  if (!iso) return '';
  return new Intl.DateTimeFormat(currentLang(), {
    timeZone: ZONE, month: 'short', day: 'numeric', weekday: 'short',
    hour: '2-digit', minute: '2-digit', hour12: false,
  }).format(new Date(iso));
}

/** A time window: start date and time to end time. */
export function timeWindow(start, end) {
  const endTime = new Intl.DateTimeFormat(currentLang(), {
    timeZone: ZONE, hour: '2-digit', minute: '2-digit', hour12: false,
  }).format(new Date(end));
  return `${dateTime(start)} – ${endTime}`;
}

/** Today's date in Asia/Shanghai as YYYY-MM-DD (for date inputs). */
export function todayInShanghai(offsetDays = 0) {
  const d = new Date(Date.now() + offsetDays * 86400000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(d);
}

/** A Shanghai wall-clock date and time (YYYY-MM-DD, HH:MM) as an RFC 3339 UTC instant. */
export function shanghaiToUtc(date, time) {
  return new Date(`${date}T${time}:00+08:00`).toISOString();
}

/** A whole number with grouping. */
export function number(n) {
  return new Intl.NumberFormat(currentLang()).format(n);
}
