/**
 * vram.html and eval.html as a reader sees them: rendered from real reports (two measured H200 runs, one
 * on two GPUs; an eval of the tiny trained fixture, its Q5_K_M against its BF16 conversion) and loaded
 * in headless Chromium at 1280×800. The assertions are on the laid-out page, not on the HTML string:
 * nothing wider than the window, real tables, a y axis that follows the data, GPUs told apart, phase
 * labels that do not overlap, the eval's title above its charts, axes, the 25% chance line.
 *
 * With REPORT_SCREENSHOTS=<dir> the same pages are also saved as PNG there
 * (scripts/render-report-screenshots.mjs does that for docs/img).
 *
 * The eval fixture (test/fixtures/eval/tiny-gpt-oss-Q5_K_M-vs-BF16.eval.json) is the eval.json of
 * `oss-prep convert ../shared/fixtures/tiny-gpt-oss --outtype bf16`, `oss-prep quantize … --type Q5_K_M`, then
 * `oss-prep eval Q5_K_M.gguf --baseline BF16.gguf --cmmlu-dir ../shared/cmmlu --subjects astronomy
 * chinese_history economics college_medicine high_school_physics world_religions --per-subject 20
 * --kl-tokens 4096`.
 */
import { statSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EvalReport } from "../../src/eval/evalReport.js";
import { renderEvalHtml } from "../../src/eval/renderEvalHtml.js";
import { renderVramHtml } from "../../src/vram/renderVramHtml.js";
import type { VramReport } from "../../src/vram/types.js";
import { REPORT_VIEWPORT, launchReportBrowser } from "./launchReportBrowser.js";

const root = resolve(import.meta.dirname, "..", "..");
const readJson = async <T>(path: string): Promise<T> => JSON.parse(await readFile(join(root, path), "utf8")) as T;
const screenshotDir = process.env.REPORT_SCREENSHOTS ? resolve(process.env.REPORT_SCREENSHOTS) : undefined;
/** Committed screenshots stay small: a full page of text and lines compresses well below this. */
const SCREENSHOT_LIMIT = 300_000;

let browser: Browser;
beforeAll(async () => {
  browser = await launchReportBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/**
 * Load a page; save its screenshot when asked: the whole page, or down to the heading `cutAt` (a long
 * page's later tables would take the PNG past the size limit and add nothing the first ones do not show).
 */
async function openPage(params: { html: string; screenshot?: string; cutAt?: string }): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport(REPORT_VIEWPORT);
  await page.setContent(params.html, { waitUntil: "load" });
  if (screenshotDir && params.screenshot) {
    await mkdir(screenshotDir, { recursive: true });
    const path = join(screenshotDir, params.screenshot) as `${string}.png`;
    const height = await page.evaluate((cutAt): number => {
      const { document, window } = globalThis as any;
      const heading = [...document.querySelectorAll("h2")].find((h: any) => h.textContent === cutAt);
      return heading ? heading.getBoundingClientRect().top + window.scrollY : document.documentElement.scrollHeight;
    }, params.cutAt ?? "");
    await page.screenshot({ path, clip: { x: 0, y: 0, width: REPORT_VIEWPORT.width, height: Math.ceil(height) }, captureBeyondViewport: true });
    expect(statSync(path).size, `${path} size`).toBeLessThan(SCREENSHOT_LIMIT);
  }
  return page;
}

interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
  width: number;
  height: number;
}

/**
 * Elements that stick out of the window sideways (any element: text, table, svg part), and parts of a
 * chart outside its own SVG box (an SVG clips them: cut-off text, not a wide page, so checked apart).
 */
async function horizontalOverflow(page: Page): Promise<{ scrollWidth: number; innerWidth: number; outside: string[]; clipped: string[] }> {
  return page.evaluate(() => {
    const { document, window } = globalThis as any;
    const describe = (el: any, r: any) => `${el.tagName} ${Math.round(r.left)}…${Math.round(r.right)} × ${Math.round(r.top)}…${Math.round(r.bottom)}: ${(el.textContent ?? "").slice(0, 40)}`;
    const outside: string[] = [];
    for (const el of document.body.querySelectorAll("*")) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.right > window.innerWidth + 0.5 || r.left < -0.5) outside.push(describe(el, r));
    }
    const clipped: string[] = [];
    for (const svg of document.querySelectorAll("svg")) {
      const frame = svg.getBoundingClientRect();
      for (const el of svg.querySelectorAll("*")) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        if (r.left < frame.left - 1 || r.right > frame.right + 1 || r.top < frame.top - 1 || r.bottom > frame.bottom + 1) clipped.push(describe(el, r));
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, outside, clipped };
  });
}

/** What measureVramPage reads off the laid-out page (screen pixels). */
interface VramPageMeasure {
  svg: Box;
  /** The y axis' tick labels: the value behind each, the number it shows, its height on screen. */
  yTicks: Array<{ value: number; shown: number; y: number }>;
  series: Array<{ name: string; stroke: string; dash: string; box: Box }>;
  legend: Array<{ name: string; text: string; stroke: string; dash: string; box: Box }>;
  phaseLabels: Array<{ text: string; box: Box }>;
  /** The card's total: a line (lineY, its height on screen) or a note (lineY null). */
  cardTotal: Array<{ value: number; text: string; box: Box; lineY: number | null }>;
  pre: number;
  tables: Array<{ head: string[]; rows: number }>;
}

interface EvalPageMeasure {
  h1: { text: string; box: Box };
  charts: Array<{
    kind: string;
    box: Box;
    xTicks: Array<{ value: number; text: string; x: number }>;
    /** Lines of the y axis (the axis line itself). */
    yAxis: number;
    yLabels: string[];
    bars: number;
    /** The top of the first bar and the bottom of the last, on screen. */
    barsTop: number;
    barsBottom: number;
    chance: Array<{ x: number; text: string; line: Box }>;
  }>;
  pre: number;
  tables: number;
}

const overlaps = (a: Box, b: Box) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

/** Everything the VRAM assertions need, measured in the page. */
async function measureVramPage(page: Page): Promise<VramPageMeasure> {
  return page.evaluate(() => {
    const { document, getComputedStyle } = globalThis as any;
    const box = (el: any) => {
      const r = el.getBoundingClientRect();
      return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height };
    };
    const svg = document.querySelector('svg[data-chart="vram"]')!;
    const yTicks = [...svg.querySelectorAll('[data-axis="y"] .tick')].map((t) => ({
      value: Number(t.getAttribute("data-value")),
      shown: Number((t.textContent ?? "").replace(/,/g, "")),
      y: box(t).top + box(t).height / 2,
    }));
    const series = [...svg.querySelectorAll("polyline[data-series]")].map((el) => {
      const style = getComputedStyle(el);
      return { name: el.getAttribute("data-series")!, stroke: style.stroke, dash: style.strokeDasharray, box: box(el) };
    });
    const legend = [...svg.querySelectorAll("[data-legend]")].map((g) => {
      const style = getComputedStyle(g.querySelector("line")!);
      return { name: g.getAttribute("data-legend")!, text: g.textContent ?? "", stroke: style.stroke, dash: style.strokeDasharray, box: box(g) };
    });
    return {
      svg: box(svg),
      yTicks,
      series,
      legend,
      phaseLabels: [...svg.querySelectorAll("text.phase-label")].map((t) => ({ text: t.firstChild?.textContent ?? "", box: box(t) })),
      cardTotal: [...svg.querySelectorAll('[data-role="card-total"]')].map((el) => ({
        value: Number(el.getAttribute("data-value")),
        text: el.textContent ?? "",
        box: box(el),
        lineY: el.querySelector("line") ? box(el.querySelector("line")!).top : null,
      })),
      pre: document.querySelectorAll("pre").length,
      tables: [...document.querySelectorAll("table")].map((t) => ({
        head: [...t.querySelectorAll("thead th")].map((th) => th.textContent ?? ""),
        rows: t.querySelectorAll("tbody tr").length,
      })),
    };
  });
}

/**
 * The highest memory the chart has to show: the report's own phase peaks (per GPU and in total), and the
 * trace's readings per GPU and summed over GPUs poll by poll (the i-th reading of every GPU).
 */
const dataMaxOf = (report: VramReport) => {
  const { usedMiB } = report.trace;
  const polls = Math.min(...usedMiB.map((u) => u.length));
  const sums = Array.from({ length: polls }, (_, i) => usedMiB.reduce((sum, u) => sum + u[i], 0));
  return Math.max(...report.phases.flatMap((p) => [p.total.peakMiB, ...p.gpus.map((g) => g.peakMiB)]), ...usedMiB.flat(), ...sums);
};

async function checkVramPage(params: { report: VramReport; screenshot?: string }) {
  const { report } = params;
  const page = await openPage({ html: renderVramHtml(report), screenshot: params.screenshot });
  try {
    const overflow = await horizontalOverflow(page);
    expect(overflow.outside).toEqual([]);
    expect(overflow.clipped).toEqual([]);
    expect(overflow.scrollWidth).toBeLessThanOrEqual(overflow.innerWidth);
    const m = await measureVramPage(page);

    // tables are tables: the phase table with a row per phase, llama.cpp's accounting; nothing preformatted
    expect(m.pre).toBe(0);
    const phaseTable = m.tables.find((t) => t.head[0] === "phase");
    expect(phaseTable?.rows).toBe(report.phases.length);
    expect(phaseTable?.head).toEqual(["phase", ...report.gpus.map((g) => `GPU${g.index}`), ...(report.gpus.length > 1 ? ["total"] : []), "latency", "tokens/s"]);
    if (report.breakdown.length > 0) expect(m.tables.some((t) => t.head[0] === "device")).toBe(true);

    // the y axis follows the data (or the card, where the card's line is drawn), and its labels say so
    const dataMax = dataMaxOf(report);
    const axisTop = Math.max(...m.yTicks.map((t) => t.value));
    for (const t of m.yTicks) expect(t.shown).toBe(t.value);
    const drawnCards = m.cardTotal.filter((c) => c.lineY !== null).map((c) => c.value);
    const scaleMax = Math.max(dataMax, ...drawnCards);
    expect(axisTop).toBeGreaterThanOrEqual(scaleMax);
    expect(axisTop).toBeLessThanOrEqual(1.25 * scaleMax);
    // ticks go up the page as values grow
    const sorted = [...m.yTicks].sort((a, b) => a.value - b.value);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i].y).toBeLessThan(sorted[i - 1].y);
    // so the trace uses the plot's height instead of lying flat at the bottom
    const zeroY = sorted[0].y;
    const topY = sorted[sorted.length - 1].y;
    const highest = Math.min(...m.series.map((s) => s.box.top));
    expect((zeroY - highest) / (zeroY - topY)).toBeGreaterThan(0.75 * (dataMax / scaleMax));

    // the card's total: a labelled line where it is on the scale, else a note with its size
    for (const g of report.gpus) {
      const card = m.cardTotal.find((c) => c.value === g.totalMiB);
      expect(card, `card total of GPU${g.index}`).toBeDefined();
      expect(card!.text).toContain(g.totalMiB.toLocaleString("en-US"));
      expect(card!.box.width).toBeGreaterThan(0);
      if (card!.lineY !== null) {
        const expected = zeroY - (g.totalMiB / axisTop) * (zeroY - topY);
        expect(Math.abs(card!.lineY - expected)).toBeLessThan(2);
      } else expect(card!.text).toMatch(/above this scale/);
    }

    // each GPU (and the total over GPUs) is its own visible line, styled apart, with a legend entry like it
    const names = [...report.trace.gpus.map((g) => `GPU${g}`), ...(report.trace.gpus.length > 1 ? ["total"] : [])];
    expect(m.series.map((s) => s.name).sort()).toEqual([...names].sort());
    expect(new Set(m.series.map((s) => `${s.stroke} ${s.dash}`)).size).toBe(m.series.length);
    for (const s of m.series) {
      // the whole trace: the plot is ~90% of the chart's width
      expect(s.box.width, s.name).toBeGreaterThan(0.8 * m.svg.width);
      const item = m.legend.find((l) => l.name === s.name);
      expect(item, `legend of ${s.name}`).toBeDefined();
      expect([item!.stroke, item!.dash]).toEqual([s.stroke, s.dash]);
      expect(item!.text).toContain(s.name);
      // inside the chart: an SVG clips what lies beyond its viewBox, so overflow there would be invisible, not wide
      expect(item!.box.right).toBeLessThanOrEqual(m.svg.right);
      expect(item!.box.bottom).toBeLessThanOrEqual(m.svg.bottom);
    }

    // one name per phase, no two overlapping
    expect(m.phaseLabels.map((l) => l.text)).toEqual(report.phases.map((p) => p.name));
    for (let i = 0; i < m.phaseLabels.length; i++) {
      expect(m.phaseLabels[i].box.width).toBeGreaterThan(0);
      for (let j = i + 1; j < m.phaseLabels.length; j++) {
        expect(overlaps(m.phaseLabels[i].box, m.phaseLabels[j].box), `${m.phaseLabels[i].text} / ${m.phaseLabels[j].text}`).toBe(false);
      }
    }
    return m;
  } finally {
    await page.close();
  }
}

describe("vram.html in a browser", () => {
  it("two H200s, Q5_K_M, ctx 32768: tables, a y axis to ~13.5 GB with the 143,771 MiB cards noted, GPU0 and GPU1 apart, phase names apart", async () => {
    const report = await readJson<VramReport>("docs/vram-measured/Q5_K_M-ctx32768-2gpu/vram.json");
    const m = await checkVramPage({ report, screenshot: "vram-h200-Q5_K_M-ctx32768-2gpu.png" });
    expect(m.cardTotal.every((c) => c.lineY === null)).toBe(true);
  });

  it("one H200, Q5_K_M, ctx 32768", async () => {
    const report = await readJson<VramReport>("docs/vram-measured/Q5_K_M-ctx32768-1gpu/vram.json");
    await checkVramPage({ report, screenshot: "vram-h200-Q5_K_M-ctx32768-1gpu.png" });
  });

  it("a card the data nearly fills: its total is a labelled line on the scale", async () => {
    const report = await readJson<VramReport>("docs/vram-measured/Q5_K_M-ctx32768-1gpu/vram.json");
    const card = Math.round(dataMaxOf(report) * 1.1);
    const small = { ...report, gpus: report.gpus.map((g) => ({ ...g, name: "a smaller card", totalMiB: card })) };
    const m = await checkVramPage({ report: small });
    expect(m.cardTotal.map((c) => c.lineY !== null)).toEqual([true]);
  });

  it("eight GPUs and twenty phases, most of them 0.1–0.3 s: still eight distinct lines, a legend inside the chart, twenty separate names", async () => {
    const two = await readJson<VramReport>("docs/vram-measured/Q5_K_M-ctx32768-2gpu/vram.json");
    const { trace } = two;
    const gpus = [0, 1, 2, 3, 4, 5, 6, 7];
    const eight: VramReport = {
      ...two,
      gpus: gpus.map((index) => ({ ...two.gpus[index % 2], index })),
      trace: { ...trace, gpus, tMs: gpus.map((g) => trace.tMs[g % 2]), usedMiB: gpus.map((g) => trace.usedMiB[g % 2].map((v) => v * (1 - 0.1 * Math.floor(g / 2)))) },
      phases: Array.from({ length: 20 }, (_, k) => {
        const base = two.phases[Math.min(k, two.phases.length - 1)];
        // sixteen short phases packed into the first 4 s, then four long ones
        const startMs = trace.t0 + (k < 16 ? k * 250 : 4000 + (k - 16) * 2800);
        return { ...base, name: `phase-${k}`, label: `phase ${k}`, startMs, durationMs: k < 16 ? 100 + (k % 3) * 100 : 2500, gpus: gpus.map((gpu) => ({ ...base.gpus[gpu % 2], gpu })) };
      }),
    };
    await checkVramPage({ report: eight });
  });
});

/** Measure eval.html's title, charts and tables, and assert what every eval page must show. */
async function checkEvalPage(params: { report: EvalReport; screenshot?: string; cutAt?: string }): Promise<EvalPageMeasure> {
  const { report } = params;
  const page = await openPage({ html: renderEvalHtml(report), screenshot: params.screenshot, cutAt: params.cutAt });
  try {
    const overflow = await horizontalOverflow(page);
    expect(overflow.outside).toEqual([]);
    expect(overflow.clipped).toEqual([]);
    expect(overflow.scrollWidth).toBeLessThanOrEqual(overflow.innerWidth);
    const m: EvalPageMeasure = await page.evaluate(() => {
      const { document } = globalThis as any;
      const box = (el: any) => {
        const r = el.getBoundingClientRect();
        return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height };
      };
      const charts = [...document.querySelectorAll("svg[data-chart]")].map((svg) => {
        const bars = [...svg.querySelectorAll("rect.bar")].map(box);
        return {
          kind: svg.getAttribute("data-chart")!,
          box: box(svg),
          xTicks: [...svg.querySelectorAll('[data-axis="x"] .tick')].map((t) => ({ value: Number(t.getAttribute("data-value")), text: t.textContent ?? "", x: box(t).left + box(t).width / 2 })),
          yAxis: svg.querySelectorAll('[data-axis="y"] line').length,
          yLabels: [...svg.querySelectorAll('[data-axis="y"] .tick')].map((t) => t.textContent ?? ""),
          bars: bars.length,
          barsTop: Math.min(...bars.map((b) => b.top)),
          barsBottom: Math.max(...bars.map((b) => b.bottom)),
          chance: [...svg.querySelectorAll('[data-role="chance"]')].map((g) => {
            const line = box(g.querySelector("line")!);
            return { x: line.left + line.width / 2, text: g.textContent ?? "", line };
          }),
        };
      });
      return {
        h1: { text: document.querySelector("h1")?.textContent ?? "", box: box(document.querySelector("h1")!) },
        charts,
        pre: document.querySelectorAll("pre").length,
        tables: document.querySelectorAll("table").length,
      };
    });
    expect(m.h1.text).toBe(`Evaluation of ${report.model.file}`);
    expect(m.charts.map((c) => c.kind)).toEqual(report.divergence ? ["accuracy", "divergence"] : ["accuracy"]);
    for (const chart of m.charts) {
      expect(chart.box.top, `${chart.kind} below the title`).toBeGreaterThanOrEqual(m.h1.box.bottom);
      expect(chart.xTicks.length, `${chart.kind} x axis`).toBeGreaterThanOrEqual(2);
      expect(chart.yAxis, `${chart.kind} y axis`).toBeGreaterThanOrEqual(1);
    }
    const accuracy = m.charts[0];
    const variants = report.baseline ? 2 : 1;
    expect(accuracy.xTicks.map((t) => t.text)).toEqual(["0%", "25%", "50%", "75%", "100%"]);
    expect(accuracy.yLabels).toEqual([`all ${report.cmmlu.questions} questions`, ...report.cmmlu.by_subject.map((s) => s.subject)]);
    expect(accuracy.bars).toBe(variants * (1 + report.cmmlu.by_subject.length));
    // the chance line: at 25% of the axis, labelled, from above the first bar down to the axis
    expect(accuracy.chance).toHaveLength(1);
    const at = (v: number) => accuracy.xTicks.find((t) => t.value === v)!.x;
    expect(Math.abs(accuracy.chance[0].x - (at(0) + 0.25 * (at(1) - at(0))))).toBeLessThan(1);
    expect(accuracy.chance[0].text).toContain("25%");
    expect(accuracy.chance[0].line.top).toBeLessThanOrEqual(accuracy.barsTop);
    expect(accuracy.chance[0].line.bottom).toBeGreaterThanOrEqual(accuracy.barsBottom);
    expect(m.pre).toBe(0);
    return m;
  } finally {
    await page.close();
  }
}

describe("eval.html in a browser", () => {
  it("the fixture's Q5_K_M against BF16: title above the charts, axes, the 25% chance line, tables", async () => {
    const report = await readJson<EvalReport>("test/fixtures/eval/tiny-gpt-oss-Q5_K_M-vs-BF16.eval.json");
    const m = await checkEvalPage({ report, screenshot: "eval-tiny-gpt-oss-Q5_K_M.png", cutAt: "By subject" });
    // summary, by category, by subject, divergence, throughput
    expect(m.tables).toBe(5);
  });

  it("a model alone (no baseline, no divergence): one bar per row, the same axes and chance line", async () => {
    const full = await readJson<EvalReport>("test/fixtures/eval/tiny-gpt-oss-Q5_K_M-vs-BF16.eval.json");
    const { baseline: _b, comparison: _c, divergence: _d, ...alone } = full;
    const m = await checkEvalPage({ report: alone });
    expect(m.tables).toBe(4);
  });
});
