// Small SVG charts drawn by hand: vertical bars, a line/area chart and horizontal bars. Each
// is an <svg role="img"> with a <title> and a <desc> that summarises the data, inside a
// <figure> with a visible <figcaption> and a visually hidden data table for screen readers.

import { h, s, uid } from "./dom";
import { formatNumber } from "./format";
import { t } from "./strings";

const DEFAULT_WIDTH = 600;
const FONT = 13;

export interface ChartText {
  /** The chart's accessible name (also its figure's caption). */
  title: string;
  /** Drawing width in CSS pixels (the figure measures it). */
  width?: number;
  /** What the chart shows, in a sentence or two (the highest value, the total...). */
  desc: string;
}

export interface Series {
  name: string;
  values: number[];
}

function svgFrame(text: ChartText, width: number, height: number): SVGSVGElement {
  const titleId = uid("chart-title");
  const descId = uid("chart-desc");
  return s(
    "svg",
    {
      class: "chart",
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      role: "img",
      "aria-labelledby": `${titleId} ${descId}`,
      preserveAspectRatio: "xMidYMid meet",
      "font-size": FONT,
    },
    s("title", { id: titleId }, text.title),
    s("desc", { id: descId }, text.desc),
  );
}

/** 0 and a few round steps up to at least `max`. */
export function niceTicks(max: number, count = 4): number[] {
  if (!Number.isFinite(max) || max <= 0) return [0, 1];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude;
  let step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * magnitude;
  step = Math.max(step, 1); // counts: whole steps
  const top = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push(v);
  return ticks;
}

function emptyNote(svg: SVGSVGElement, x: number, y: number, text: string): void {
  svg.appendChild(s("text", { x, y, "text-anchor": "middle", class: "chart__empty" }, text));
}

interface Plot {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

function yAxis(svg: SVGSVGElement, plot: Plot, ticks: number[], label: string): (v: number) => number {
  const top = ticks[ticks.length - 1] ?? 1;
  const y = (v: number) => plot.bottom - (v / top) * (plot.bottom - plot.top);
  const group = s("g", { class: "chart__axis", "aria-hidden": "true" });
  for (const tick of ticks) {
    const ty = y(tick);
    group.appendChild(s("line", { x1: plot.left, x2: plot.right, y1: ty, y2: ty, class: "chart__grid" }));
    group.appendChild(
      s("text", { x: plot.left - 6, y: ty + 4, "text-anchor": "end" }, formatNumber(tick)),
    );
  }
  group.appendChild(
    s(
      "text",
      {
        x: 12,
        y: (plot.top + plot.bottom) / 2,
        transform: `rotate(-90 12 ${(plot.top + plot.bottom) / 2})`,
        "text-anchor": "middle",
        class: "chart__axis-title",
      },
      label,
    ),
  );
  svg.appendChild(group);
  return y;
}

function xAxisTitle(svg: SVGSVGElement, plot: Plot, height: number, label: string): void {
  svg.appendChild(
    s(
      "text",
      { x: (plot.left + plot.right) / 2, y: height - 6, "text-anchor": "middle", class: "chart__axis-title", "aria-hidden": "true" },
      label,
    ),
  );
}

export interface BarChartOptions extends ChartText {
  labels: string[];
  values: number[];
  xLabel: string;
  yLabel: string;
  /** Longer names of the bars for tooltips (defaults to the labels). */
  names?: string[];
}

/** Vertical bars, e.g. turns per hour of day or ratings 1-5. */
export function barChart(options: BarChartOptions): SVGSVGElement {
  const W = options.width ?? DEFAULT_WIDTH;
  const height = 260;
  const svg = svgFrame(options, W, height);
  const plot: Plot = { left: 56, right: W - 12, top: 16, bottom: height - 48 };
  const max = Math.max(0, ...options.values);
  const y = yAxis(svg, plot, niceTicks(max), options.yLabel);
  const n = Math.max(options.labels.length, 1);
  const band = (plot.right - plot.left) / n;
  const every = Math.ceil(n / Math.max(2, Math.floor((plot.right - plot.left) / 28)));
  const bars = s("g", { class: "chart__bars" });
  options.values.forEach((value, i) => {
    const x = plot.left + i * band + band * 0.15;
    const top = y(value);
    const name = options.names?.[i] ?? options.labels[i] ?? "";
    bars.appendChild(
      s(
        "rect",
        { x, y: top, width: band * 0.7, height: Math.max(plot.bottom - top, 0), class: "chart__bar", rx: 2 },
        s("title", null, `${name}: ${formatNumber(value)}`),
      ),
    );
    if (n <= 12 && value > 0) {
      bars.appendChild(
        s("text", { x: x + band * 0.35, y: top - 4, "text-anchor": "middle", class: "chart__value", "aria-hidden": "true" }, formatNumber(value)),
      );
    }
    if (i % every === 0) {
      bars.appendChild(
        s("text", { x: x + band * 0.35, y: plot.bottom + 18, "text-anchor": "middle", "aria-hidden": "true" }, options.labels[i] ?? ""),
      );
    }
  });
  svg.appendChild(bars);
  svg.appendChild(s("line", { x1: plot.left, x2: plot.right, y1: plot.bottom, y2: plot.bottom, class: "chart__baseline" }));
  xAxisTitle(svg, plot, height, options.xLabel);
  if (max === 0) emptyNote(svg, (plot.left + plot.right) / 2, (plot.top + plot.bottom) / 2, t("chart.noData"));
  return svg;
}

export interface LineChartOptions extends ChartText {
  labels: string[];
  /** Names for tooltips and the table (e.g. long dates). */
  names?: string[];
  series: Series[];
  xLabel: string;
  yLabel: string;
}

/** Lines over time; the first series is also filled (an area). */
export function lineChart(options: LineChartOptions): SVGSVGElement {
  const W = options.width ?? DEFAULT_WIDTH;
  const height = 280;
  const svg = svgFrame(options, W, height);
  const multi = options.series.length > 1;
  const plot: Plot = { left: 56, right: W - 12, top: multi ? 34 : 16, bottom: height - 48 };
  const max = Math.max(0, ...options.series.flatMap((series) => series.values));
  const y = yAxis(svg, plot, niceTicks(max), options.yLabel);
  const n = options.labels.length;
  const x = (i: number) => (n <= 1 ? (plot.left + plot.right) / 2 : plot.left + (i / (n - 1)) * (plot.right - plot.left));
  const every = Math.max(1, Math.ceil(n / Math.max(2, Math.floor((plot.right - plot.left) / 70))));
  const labels = s("g", { class: "chart__axis", "aria-hidden": "true" });
  // Every `every`-th day, and always the last one (in place of a label too close to it).
  const shown: number[] = [];
  for (let i = 0; i < n; i += every) shown.push(i);
  if (n > 1 && shown[shown.length - 1] !== n - 1) {
    if (n - 1 - (shown[shown.length - 1] ?? 0) < every * 0.6) shown.pop();
    shown.push(n - 1);
  }
  for (const i of shown) {
    const anchor = n > 1 && i === n - 1 ? "end" : i === 0 && n > 1 ? "start" : "middle";
    labels.appendChild(s("text", { x: x(i), y: plot.bottom + 18, "text-anchor": anchor }, options.labels[i] ?? ""));
  }
  svg.appendChild(labels);
  options.series.forEach((series, index) => {
    if (!series.values.length) return;
    const points = series.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`);
    const group = s("g", { class: `chart__series chart__series--${index}` });
    if (index === 0) {
      const area = `M${x(0).toFixed(1)},${plot.bottom} L${points.join(" L")} L${x(series.values.length - 1).toFixed(1)},${plot.bottom} Z`;
      group.appendChild(s("path", { d: area, class: "chart__area" }));
    }
    group.appendChild(s("polyline", { points: points.join(" "), class: "chart__line", fill: "none" }));
    if (n <= 62) {
      series.values.forEach((v, i) => {
        group.appendChild(
          s(
            "circle",
            { cx: x(i), cy: y(v), r: n <= 31 ? 3 : 2, class: "chart__dot" },
            s("title", null, `${options.names?.[i] ?? options.labels[i] ?? ""} · ${series.name}: ${formatNumber(v)}`),
          ),
        );
      });
    }
    svg.appendChild(group);
  });
  if (multi) {
    const legend = s("g", { class: "chart__legend", "aria-hidden": "true" });
    let lx = plot.left;
    options.series.forEach((series, index) => {
      legend.appendChild(s("rect", { x: lx, y: 10, width: 14, height: 4, class: `chart__key chart__key--${index}` }));
      legend.appendChild(s("text", { x: lx + 20, y: 16 }, series.name));
      lx += 28 + series.name.length * (FONT * (/[^\x00-\x7f]/.test(series.name) ? 1 : 0.6));
    });
    svg.appendChild(legend);
  }
  svg.appendChild(s("line", { x1: plot.left, x2: plot.right, y1: plot.bottom, y2: plot.bottom, class: "chart__baseline" }));
  xAxisTitle(svg, plot, height, options.xLabel);
  if (max === 0) emptyNote(svg, (plot.left + plot.right) / 2, (plot.top + plot.bottom) / 2, t("chart.noData"));
  return svg;
}

export interface HBarItem {
  label: string;
  value: number;
}

export interface HBarChartOptions extends ChartText {
  items: HBarItem[];
  valueLabel: string;
}

function shorten(text: string, max: number): string {
  // CJK characters are about twice as wide as Latin ones.
  let width = 0;
  let out = "";
  for (const ch of text) {
    width += /[^\x00-\x7f]/.test(ch) ? 2 : 1;
    if (width > max) return `${out}…`;
    out += ch;
  }
  return out;
}

/** Horizontal bars with their labels, e.g. the top intents or the outcomes. */
export function hBarChart(options: HBarChartOptions): SVGSVGElement {
  const rowH = 28;
  const top = 8;
  const rows = Math.max(options.items.length, 2);
  const W = options.width ?? DEFAULT_WIDTH;
  const height = top + rows * rowH + 34;
  const svg = svgFrame(options, W, height);
  const labelW = Math.min(190, Math.round(W * 0.36));
  const left = labelW + 8;
  const right = W - 56;
  const max = Math.max(0, ...options.items.map((item) => item.value));
  const group = s("g", { class: "chart__bars" });
  options.items.forEach((item, i) => {
    const cy = top + i * rowH + rowH / 2;
    const width = max > 0 ? (item.value / max) * (right - left) : 0;
    group.appendChild(
      s("text", { x: labelW, y: cy + 4, "text-anchor": "end", "aria-hidden": "true" }, shorten(item.label, Math.floor(labelW / 7.5))),
    );
    group.appendChild(
      s(
        "rect",
        { x: left, y: cy - 9, width: Math.max(width, item.value > 0 ? 2 : 0), height: 18, class: "chart__bar", rx: 2 },
        s("title", null, `${item.label}: ${formatNumber(item.value)}`),
      ),
    );
    group.appendChild(
      s("text", { x: left + width + 6, y: cy + 4, class: "chart__value", "aria-hidden": "true" }, formatNumber(item.value)),
    );
  });
  svg.appendChild(group);
  svg.appendChild(s("line", { x1: left, x2: left, y1: top, y2: top + rows * rowH, class: "chart__baseline" }));
  svg.appendChild(
    s("text", { x: (left + right) / 2, y: height - 8, "text-anchor": "middle", class: "chart__axis-title", "aria-hidden": "true" }, options.valueLabel),
  );
  if (max === 0) emptyNote(svg, (left + right) / 2, top + rows * rowH / 2 + 4, t("chart.noData"));
  return svg;
}

/** The data of a chart as a table only screen readers see. */
export function dataTable(caption: string, headers: string[], rows: (string | number)[][]): HTMLTableElement {
  return h(
    "table",
    { class: "visually-hidden" },
    h("caption", null, caption),
    h("thead", null, h("tr", null, headers.map((name) => h("th", { scope: "col" }, name)))),
    h(
      "tbody",
      null,
      rows.map((row) =>
        h(
          "tr",
          null,
          row.map((cell, i) =>
            i === 0 ? h("th", { scope: "row" }, String(cell)) : h("td", null, typeof cell === "number" ? formatNumber(cell) : cell),
          ),
        ),
      ),
    ),
  );
}

/** A chart in its figure: caption, the svg (drawn again at the figure's width when it
 * changes, so its text stays readable) and its data table. */
export function chartFigure(
  name: string,
  caption: string,
  draw: (width: number) => SVGSVGElement,
  table: HTMLTableElement,
  wide = false,
  minWidth = 420,
): HTMLElement {
  const MIN = minWidth;
  let drawn = 0;
  const scroll = h("div", { class: "chart-figure__scroll" });
  const paint = (width: number) => {
    const target = Math.max(MIN, Math.round(width));
    if (drawn && Math.abs(target - drawn) < 24) return;
    drawn = target;
    scroll.replaceChildren(draw(target));
  };
  paint(wide ? 1000 : DEFAULT_WIDTH);
  if (typeof ResizeObserver !== "undefined") {
    new ResizeObserver((entries) => {
      const width = entries[0]?.contentRect.width ?? 0;
      if (width > 0) paint(width);
    }).observe(scroll);
  }
  return h(
    "figure",
    { class: wide ? "chart-figure chart-figure--wide" : "chart-figure", "data-chart": name },
    h("figcaption", null, caption),
    scroll,
    table,
  );
}
