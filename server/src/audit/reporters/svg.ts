// Small server-side SVG charts for the audit's HTML report: accuracy bars with interval whiskers, and ROC curves.
// Plain markup, no script and no external reference, so the report stays one self-contained file under its CSP.
// Every text goes through escapeHtml; every coordinate is a finite number rounded to 0.1 px.
import { escapeHtml as h } from '../../runner/reporters/html';
import type { RocPoint } from '../../statistics/auroc';

/** Okabe & Ito's colour-blind-safe palette, one colour per judge in the order named. */
export const SERIES_COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];
export const seriesColour = (i: number): string => SERIES_COLOURS[i % SERIES_COLOURS.length];

const r1 = (x: number) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : 0);
const clamp01 = (x: number) => Math.max(0, Math.min(1, x));

export interface Bar {
  /** The series (judge) index: its colour. */
  readonly series: number;
  readonly label: string;
  /** 0..1, with its interval; NaN draws no bar. */
  readonly value: number;
  readonly low: number;
  readonly high: number;
}

export interface BarGroup {
  readonly label: string;
  readonly bars: readonly Bar[];
}

export interface ReferenceLine {
  readonly value: number;
  readonly label: string;
  readonly colour: string;
}

const LABEL_W = 230;
const PLOT_W = 420;
const BAR_H = 12;
const GAP = 10;
const AXIS_H = 28;

/** Horizontal bars on a 0..1 axis: a group (category) per block, a bar per series, whiskers for the interval. */
export function barChart(groups: readonly BarGroup[], refs: readonly ReferenceLine[], title: string): string {
  const x = (v: number) => r1(LABEL_W + clamp01(v) * PLOT_W);
  let y = 8;
  const parts: string[] = [];
  for (const g of groups) {
    const top = y;
    for (const b of g.bars) {
      const cy = y + BAR_H / 2;
      if (Number.isFinite(b.value)) {
        parts.push(
          `<rect x="${LABEL_W}" y="${r1(y)}" width="${r1(clamp01(b.value) * PLOT_W)}" height="${BAR_H}" fill="${seriesColour(b.series)}"><title>${h(b.label)}</title></rect>`,
          `<path d="M${x(b.low)} ${r1(cy)}H${x(b.high)}M${x(b.low)} ${r1(cy - 4)}V${r1(cy + 4)}M${x(b.high)} ${r1(cy - 4)}V${r1(cy + 4)}" stroke="#1f2328" stroke-width="1.2" fill="none"/>`,
        );
      }
      y += BAR_H + 2;
    }
    parts.push(`<text x="${LABEL_W - 8}" y="${r1((top + y) / 2 + 4)}" text-anchor="end" font-size="12">${h(g.label)}</text>`);
    y += GAP;
  }
  const plotBottom = y;
  for (const ref of refs) {
    parts.push(`<path d="M${x(ref.value)} 2V${r1(plotBottom)}" stroke="${h(ref.colour)}" stroke-dasharray="4 3" stroke-width="1.2"><title>${h(ref.label)}</title></path>`);
  }
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((t) => `<path d="M${x(t)} ${r1(plotBottom)}v4" stroke="#59636e"/><text x="${x(t)}" y="${r1(plotBottom + 16)}" text-anchor="middle" font-size="11" fill="#59636e">${t}</text>`)
    .join('');
  const height = r1(plotBottom + AXIS_H);
  const width = LABEL_W + PLOT_W + 20;
  return `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${h(title)}"><title>${h(title)}</title><path d="M${LABEL_W} ${r1(plotBottom)}H${LABEL_W + PLOT_W}" stroke="#59636e"/>${ticks}${parts.join('')}</svg>`;
}

export interface RocSeries {
  readonly label: string;
  readonly series: number;
  readonly points: readonly RocPoint[];
}

const ROC = 300;
const PAD = 40;

/** ROC curves on the unit square, the chance diagonal dashed, a legend beside. */
export function rocChart(curves: readonly RocSeries[], title: string): string {
  const px = (v: number) => r1(PAD + clamp01(v) * ROC);
  const py = (v: number) => r1(PAD / 2 + (1 - clamp01(v)) * ROC);
  const lines = curves
    .filter((c) => c.points.length > 0)
    .map((c) => `<polyline points="${c.points.map((p) => `${px(p.fpr)},${py(p.tpr)}`).join(' ')}" fill="none" stroke="${seriesColour(c.series)}" stroke-width="2"><title>${h(c.label)}</title></polyline>`)
    .join('');
  const legend = curves
    .map((c, i) => `<rect x="${PAD + ROC + 16}" y="${PAD / 2 + i * 18}" width="12" height="12" fill="${seriesColour(c.series)}"/><text x="${PAD + ROC + 34}" y="${PAD / 2 + i * 18 + 10}" font-size="12">${h(c.label)}</text>`)
    .join('');
  const ticks = [0, 0.5, 1]
    .map(
      (t) =>
        `<text x="${px(t)}" y="${r1(PAD / 2 + ROC + 16)}" text-anchor="middle" font-size="11" fill="#59636e">${t}</text><text x="${PAD - 6}" y="${r1(py(t) + 4)}" text-anchor="end" font-size="11" fill="#59636e">${t}</text>`,
    )
    .join('');
  const width = PAD + ROC + 260;
  const height = PAD / 2 + ROC + 40;
  const axes = `<rect x="${PAD}" y="${PAD / 2}" width="${ROC}" height="${ROC}" fill="none" stroke="#59636e"/><path d="M${px(0)} ${py(0)}L${px(1)} ${py(1)}" stroke="#8c959f" stroke-dasharray="4 3"/>`;
  const labels = `<text x="${PAD + ROC / 2}" y="${height - 4}" text-anchor="middle" font-size="12">false positive rate (polished called faithful)</text><text transform="translate(12 ${PAD / 2 + ROC / 2}) rotate(-90)" text-anchor="middle" font-size="12">true positive rate</text>`;
  return `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${h(title)}"><title>${h(title)}</title>${axes}${ticks}${lines}${legend}${labels}</svg>`;
}
