// Numbers, times and durations in the console's language; times in the user's local zone.

import { getLang, t } from "./strings";

function locale(): string {
  const lang = getLang();
  const preferred = (navigator.languages ?? [navigator.language]).find((l) =>
    l.toLowerCase().startsWith(lang),
  );
  return preferred ?? (lang === "zh" ? "zh-CN" : "en-GB");
}

/** The server's ISO times; SQLite gives some back without an offset: those are UTC. */
export function parseTime(iso: string): Date {
  const hasZone = /(?:Z|[+-]\d\d:?\d\d)$/i.test(iso);
  return new Date(hasZone ? iso : `${iso}Z`);
}

export function formatDateTime(iso: string | Date): string {
  const date = typeof iso === "string" ? parseTime(iso) : iso;
  if (Number.isNaN(date.getTime())) return "—";
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" }).format(date);
}

export function formatDateTimeLong(iso: string): string {
  const date = parseTime(iso);
  if (Number.isNaN(date.getTime())) return "—";
  return new Intl.DateTimeFormat(locale(), {
    dateStyle: "medium",
    timeStyle: "medium",
  }).format(date);
}

/** "1 Dec" / "12月1日" for chart axes; `day` is a local date (YYYY-MM-DD). */
export function formatDay(day: string): string {
  const [y, m, d] = day.split("-").map(Number);
  const date = new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1);
  return new Intl.DateTimeFormat(locale(), { month: "short", day: "numeric" }).format(date);
}

export function formatDayLong(day: string): string {
  const [y, m, d] = day.split("-").map(Number);
  const date = new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1);
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium" }).format(date);
}

export function formatNumber(value: number, digits = 0): string {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(value);
}

/** A rate 0..1 as a percentage; null (nothing to divide by) as a dash. */
export function formatPercent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return "—";
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 1 }).format(rate);
}

/** A length of time, coarse: "3 d 4 h", "2 h 5 min", "12 min", "< 1 min". */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(Math.abs(ms) / 60000);
  if (minutes < 1) return t("unit.lessThanMinute");
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const parts: string[] = [];
  if (days) parts.push(t("unit.days", { n: days }));
  if (hours) parts.push(t("unit.hours", { n: hours }));
  if (mins && !days) parts.push(t("unit.minutes", { n: mins }));
  return parts.join(" ");
}

/** Seconds as "42 s", "3 min 20 s", "1 h 5 min"; null as a dash. */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  if (seconds < 60) return t("unit.seconds", { n: formatNumber(seconds, seconds < 10 ? 1 : 0) });
  const total = Math.round(seconds);
  const hours = Math.floor(total / 3600);
  const mins = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  if (hours) {
    return [t("unit.hours", { n: hours }), mins ? t("unit.minutes", { n: mins }) : ""]
      .filter(Boolean)
      .join(" ");
  }
  return [t("unit.minutes", { n: mins }), secs ? t("unit.seconds", { n: secs }) : ""]
    .filter(Boolean)
    .join(" ");
}

/** Milliseconds such as a first-token time: "850 ms", "1.2 s". */
export function formatMillis(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  if (ms < 1000) return t("unit.millis", { n: formatNumber(ms) });
  return t("unit.seconds", { n: formatNumber(ms / 1000, 2) });
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return "—";
  if (bytes < 1024) return `${formatNumber(bytes)} B`;
  if (bytes < 1024 * 1024) return `${formatNumber(bytes / 1024, 1)} KB`;
  return `${formatNumber(bytes / (1024 * 1024), 1)} MB`;
}

/** Compact JSON for tables (audit details). */
export function compactJson(value: unknown): string {
  try {
    return JSON.stringify(value ?? {});
  } catch {
    return String(value);
  }
}
