// The analytics dashboard: a date range, key figures, SVG charts (daily volume, hour of day,
// intents, outcomes, ratings), the knowledge gaps, and the CSV export and monthly report.

import { api } from "../api";
import type { Summary } from "../api";
import type { HBarItem } from "../charts";
import { barChart, chartFigure, dataTable, hBarChart, lineChart } from "../charts";
import { h, replace } from "../dom";
import { saveDownload } from "../download";
import {
  formatDay,
  formatDayLong,
  formatMillis,
  formatNumber,
  formatPercent,
  formatSeconds,
} from "../format";
import { announce, clearError } from "../notices";
import { getLang, t } from "../strings";
import type { ViewContext } from "../view";
import { categoryName, intentName, languageName, outcomeName } from "./labels";

// Kept while the console is open. Empty dates: the server's default (the last 30 days in the
// shop's time zone, which may be a day ahead of or behind the browser's), filled in from the
// first answer.
const state = {
  from: "",
  to: "",
  month: "",
  format: "html" as "html" | "pdf",
  reportLang: "" as "" | "zh" | "en",
};

interface Card {
  key: string;
  label: string;
  value: string;
  note?: string | undefined;
}

function card(item: Card): HTMLElement {
  return h(
    "div",
    { class: "card", "data-figure": item.key },
    h("dt", { class: "card__label" }, item.label),
    h("dd", { class: "card__value" }, item.value),
    item.note ? h("dd", { class: "card__note" }, item.note) : null,
  );
}

function cards(summary: Summary): Card[] {
  const tickets = summary.tickets;
  return [
    { key: "conversations", label: t("an.conversations"), value: formatNumber(summary.conversations) },
    { key: "messages", label: t("an.messages"), value: formatNumber(summary.messages), note: t("an.turnsNote", { n: formatNumber(summary.turns) }) },
    { key: "resolution_rate", label: t("an.resolutionRate"), value: formatPercent(summary.resolution_rate) },
    { key: "escalation_rate", label: t("an.escalationRate"), value: formatPercent(summary.escalation_rate) },
    { key: "abstention_rate", label: t("an.abstentionRate"), value: formatPercent(summary.abstention_rate) },
    {
      key: "csat_avg",
      label: t("an.csat"),
      value: summary.csat_avg === null ? "—" : `${formatNumber(summary.csat_avg, 2)} / 5`,
      note: t("an.csatNote", { n: formatNumber(summary.csat_count) }),
    },
    { key: "avg_session_seconds", label: t("an.sessionLength"), value: formatSeconds(summary.avg_session_seconds) },
    { key: "avg_first_token_ms", label: t("an.firstToken"), value: formatMillis(summary.avg_first_token_ms) },
    {
      key: "tickets_created",
      label: t("an.ticketsOpened"),
      value: formatNumber(tickets.created),
      note: t("an.ticketsOpenNote", { n: formatNumber(tickets.open) }),
    },
    {
      key: "tickets_resolved",
      label: t("an.ticketsResolved"),
      value: formatNumber(tickets.resolved),
      note: tickets.resolution_avg_seconds === null ? undefined : t("an.avgResolution", { d: formatSeconds(tickets.resolution_avg_seconds) }),
    },
    {
      key: "sla_breaches",
      label: t("an.slaBreaches"),
      value: formatNumber(tickets.first_response_breaches + tickets.resolution_breaches),
      note: t("an.slaBreachesNote", { first: formatNumber(tickets.first_response_breaches), resolution: formatNumber(tickets.resolution_breaches) }),
    },
    {
      key: "first_response_avg",
      label: t("an.firstResponse"),
      value: formatSeconds(tickets.first_response_avg_seconds),
    },
  ];
}

function topOf(record: Record<string, number>, limit: number): [string, number][] {
  return Object.entries(record)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit);
}

function describeMax(labels: string[], values: number[]): string {
  const total = values.reduce((a, b) => a + b, 0);
  if (!total) return t("chart.noData");
  let best = 0;
  values.forEach((v, i) => {
    if (v > (values[best] ?? 0)) best = i;
  });
  return t("chart.descMax", { total: formatNumber(total), label: labels[best] ?? "", value: formatNumber(values[best] ?? 0) });
}

function charts(summary: Summary): HTMLElement[] {
  const days = summary.by_day;
  const dayLabels = days.map((d) => formatDay(d.day));
  const dayNames = days.map((d) => formatDayLong(d.day));
  const conversations = days.map((d) => d.conversations);
  const turns = days.map((d) => d.turns);
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const dailyTitle = t("an.chart.daily");
  const dailyDesc = `${t("an.chart.dailyDesc", {
    days: days.length,
    conversations: formatNumber(sum(conversations)),
    turns: formatNumber(sum(turns)),
  })} ${describeMax(dayNames, conversations)}`;
  const daily = chartFigure(
    "daily",
    dailyTitle,
    (width) =>
      lineChart({
        width,
        title: dailyTitle,
        desc: dailyDesc,
        labels: dayLabels,
        names: dayNames,
        series: [
          { name: t("an.series.turns"), values: turns },
          { name: t("an.series.conversations"), values: conversations },
        ],
        xLabel: t("an.axis.day"),
        yLabel: t("an.axis.count"),
      }),
    dataTable(
      dailyTitle,
      [t("an.axis.day"), t("an.series.conversations"), t("an.series.turns")],
      days.map((d, i) => [dayNames[i] ?? d.day, d.conversations, d.turns]),
    ),
    true,
  );

  const hours = Array.from({ length: 24 }, (_, i) => summary.by_hour[i] ?? 0);
  const hourNames = hours.map((_, i) => `${String(i).padStart(2, "0")}:00–${String(i).padStart(2, "0")}:59`);
  const hoursTitle = t("an.chart.hours");
  const hourly = chartFigure(
    "hours",
    hoursTitle,
    (width) =>
      barChart({
        width,
        title: hoursTitle,
        desc: describeMax(hourNames, hours),
        labels: hours.map((_, i) => String(i)),
        names: hourNames,
        values: hours,
        xLabel: t("an.axis.hour", { zone: summary.timezone }),
        yLabel: t("an.series.turns"),
      }),
    dataTable(hoursTitle, [t("an.axis.hourShort"), t("an.series.turns")], hours.map((n, i) => [hourNames[i] ?? String(i), n])),
  );

  const horizontal = (name: string, title: string, items: HBarItem[], valueLabel: string, firstColumn: string) =>
    chartFigure(
      name,
      title,
      (width) =>
        hBarChart({
          width,
          title,
          desc: describeMax(items.map((i) => i.label), items.map((i) => i.value)),
          items,
          valueLabel,
        }),
      dataTable(title, [firstColumn, valueLabel], items.map((i) => [i.label, i.value])),
      false,
      300,
    );

  const intents = topOf(summary.by_intent, 10).map(([intent, n]) => ({ label: intentName(intent), value: n }));
  const outcomes = Object.entries(summary.outcomes).map(([outcome, n]) => ({ label: outcomeName(outcome), value: n }));

  const ratingLabels = ["1", "2", "3", "4", "5"];
  const ratings = ratingLabels.map((r) => summary.csat_distribution[r] ?? 0);
  const ratingNames = ratingLabels.map((r) => t("an.stars", { n: r }));
  const ratingsTitle = t("an.chart.ratings");
  const ratingsDesc =
    summary.csat_count > 0
      ? `${t("an.chart.ratingsDesc", { n: formatNumber(summary.csat_count), avg: formatNumber(summary.csat_avg ?? 0, 2) })} ${describeMax(ratingNames, ratings)}`
      : t("an.noRatings");
  const ratingFigure = chartFigure(
    "ratings",
    ratingsTitle,
    (width) =>
      barChart({
        width,
        title: ratingsTitle,
        desc: ratingsDesc,
        labels: ratingLabels,
        names: ratingNames,
        values: ratings,
        xLabel: t("an.axis.rating"),
        yLabel: t("an.axis.ratings"),
      }),
    dataTable(ratingsTitle, [t("an.axis.rating"), t("an.axis.ratings")], ratings.map((n, i) => [ratingNames[i] ?? "", n])),
  );

  const figures = [
    daily,
    hourly,
    horizontal("intents", t("an.chart.intents"), intents, t("an.series.turns"), t("an.axis.intent")),
    horizontal("outcomes", t("an.chart.outcomes"), outcomes, t("an.series.turns"), t("an.axis.outcome")),
    ratingFigure,
  ];
  const categories = topOf(summary.tickets.by_category, 8).map(([category, n]) => ({ label: categoryName(category), value: n }));
  if (categories.length) {
    figures.push(horizontal("ticket-categories", t("an.chart.ticketCategories"), categories, t("an.axis.tickets"), t("tickets.col.category")));
  }
  return figures;
}

function gaps(summary: Summary): HTMLElement {
  if (!summary.knowledge_gaps.length) return h("p", { class: "muted", id: "knowledge-gaps-empty" }, t("an.noGaps"));
  return h(
    "ol",
    { id: "knowledge-gaps", class: "gaps" },
    summary.knowledge_gaps.map((gap) =>
      h(
        "li",
        { "data-count": gap.count },
        h("span", { class: "gaps__question", lang: gap.lang === "zh" ? "zh-CN" : gap.lang === "en" ? "en" : null }, gap.question),
        " ",
        h("span", { class: "gaps__count" }, t("an.asked", { n: formatNumber(gap.count) })),
      ),
    ),
  );
}

function languages(summary: Summary): HTMLElement | null {
  const entries = topOf(summary.by_language, 5);
  if (!entries.length) return null;
  return h(
    "p",
    { class: "muted", id: "by-language" },
    t("an.byLanguage"),
    " ",
    entries.map(([lang, n]) => `${languageName(lang)} ${formatNumber(n)}`).join(t("list.separator")),
  );
}

export function analyticsView(root: HTMLElement, ctx: ViewContext): void {
  const from = h("input", { type: "date", id: "from", name: "from", required: true, value: state.from });
  const to = h("input", { type: "date", id: "to", name: "to", required: true, value: state.to });
  const show = h("button", { type: "submit", id: "analytics-send", class: "button" }, t("an.show"));
  const exportCsv = h("button", { type: "button", id: "export-csv", class: "button button--secondary" }, t("an.exportCsv"));
  const rangeForm = h(
    "form",
    { id: "analytics-form", class: "toolbar", "aria-label": t("an.range") },
    h("div", { class: "field" }, h("label", { for: "from" }, t("an.from")), from),
    h("div", { class: "field" }, h("label", { for: "to" }, t("an.to")), to),
    h("div", { class: "field field--button" }, show),
    h("div", { class: "field field--button" }, exportCsv),
  );

  const month = h("input", { type: "month", id: "report-month", name: "month", required: true, value: state.month });
  const format = h(
    "select",
    { id: "report-format", name: "format" },
    h("option", { value: "html" }, "HTML"),
    h("option", { value: "pdf" }, "PDF"),
  );
  format.value = state.format;
  const reportLang = h(
    "select",
    { id: "report-lang", name: "lang" },
    h("option", { value: "zh" }, "中文"),
    h("option", { value: "en" }, "English"),
  );
  reportLang.value = state.reportLang || getLang();
  const reportSend = h("button", { type: "submit", id: "report-download", class: "button button--secondary" }, t("an.report.download"));
  const reportForm = h(
    "form",
    { id: "report-form", class: "toolbar", "aria-labelledby": "report-title" },
    h("div", { class: "field" }, h("label", { for: "report-month" }, t("an.report.month")), month),
    h("div", { class: "field" }, h("label", { for: "report-format" }, t("an.report.format")), format),
    h("div", { class: "field" }, h("label", { for: "report-lang" }, t("an.report.lang")), reportLang),
    h("div", { class: "field field--button" }, reportSend),
  );

  const period = h("p", { class: "muted", id: "analytics-period" });
  const empty = h("p", { class: "empty-note", id: "analytics-empty", hidden: true }, t("an.empty"));
  const cardList = h("dl", { class: "cards", id: "key-figures" });
  const chartBox = h("div", { id: "analytics", class: "charts", "aria-busy": "true" });
  const gapBox = h("div", { id: "gaps-box" });
  const languageBox = h("div");

  replace(
    root,
    h("div", { class: "view-head" }, h("h1", { tabindex: "-1" }, t("an.title"))),
    h("section", { class: "panel", "aria-label": t("an.range") }, rangeForm, period, languageBox),
    empty,
    h("section", { "aria-labelledby": "figures-title" }, h("h2", { id: "figures-title", class: "visually-hidden" }, t("an.figures")), cardList),
    h("section", { "aria-labelledby": "charts-title" }, h("h2", { id: "charts-title", class: "visually-hidden" }, t("an.charts")), chartBox),
    h(
      "div",
      { class: "docs-grid" },
      h(
        "section",
        { class: "panel", "aria-labelledby": "gaps-title" },
        h("h2", { id: "gaps-title" }, t("an.gaps")),
        h("p", { class: "hint" }, t("an.gapsHint")),
        gapBox,
      ),
      h(
        "section",
        { class: "panel", "aria-labelledby": "report-title" },
        h("h2", { id: "report-title" }, t("an.report.title")),
        h("p", { class: "hint" }, t("an.report.hint")),
        reportForm,
      ),
    ),
  );

  async function load(): Promise<void> {
    if (from.value && to.value && from.value > to.value) {
      ctx.fail(new Error(t("an.badRange")));
      from.focus();
      return;
    }
    state.from = from.value;
    state.to = to.value;
    show.disabled = true;
    chartBox.setAttribute("aria-busy", "true");
    try {
      const summary = await api.summary(state.from, state.to, { signal: ctx.signal });
      if (ctx.signal.aborted) return;
      clearError();
      const last = summary.by_day[summary.by_day.length - 1]?.day ?? state.to;
      if (!from.value || !to.value) {
        from.value = state.from = summary.start;
        to.value = state.to = last;
      }
      if (!month.value) month.value = state.month = last.slice(0, 7);
      period.textContent = t("an.period", { from: formatDayLong(summary.start), to: formatDayLong(last), zone: summary.timezone });
      empty.hidden = summary.conversations > 0 || summary.turns > 0;
      replace(cardList, cards(summary).map(card));
      replace(chartBox, charts(summary));
      replace(gapBox, gaps(summary));
      replace(languageBox, languages(summary));
    } catch (error) {
      ctx.fail(error);
    } finally {
      show.disabled = false;
      chartBox.setAttribute("aria-busy", "false");
    }
  }

  rangeForm.addEventListener("submit", (event) => {
    event.preventDefault();
    void load();
  });

  exportCsv.addEventListener("click", () => {
    exportCsv.disabled = true;
    const path = `/v1/analytics/export?from=${encodeURIComponent(from.value)}&to=${encodeURIComponent(to.value)}`;
    saveDownload(path, `kefu-analytics-${from.value}-${to.value}.csv`, ctx.signal)
      .then((name) => announce(t("an.downloaded", { name })))
      .catch((error: unknown) => ctx.fail(error))
      .finally(() => {
        exportCsv.disabled = false;
      });
  });

  reportForm.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!month.value) return;
    state.month = month.value;
    state.format = format.value as "html" | "pdf";
    state.reportLang = reportLang.value as "zh" | "en";
    reportSend.disabled = true;
    announce(t("an.report.making"));
    const path = `/v1/reports/${encodeURIComponent(state.month)}?format=${state.format}&lang=${state.reportLang}`;
    saveDownload(path, `kefu-report-${state.month}.${state.reportLang}.${state.format}`, ctx.signal)
      .then((name) => announce(t("an.downloaded", { name })))
      .catch((error: unknown) => ctx.fail(error))
      .finally(() => {
        reportSend.disabled = false;
      });
  });

  void load();
}
