// The audit's HTML report: one self-contained file (inline CSS and SVG, images as data: URIs, no scripts, the run
// report's CSP), made the way runner/reporters/html.ts makes the run's. Per audit: the judges' figures, accuracy by
// category with interval whiskers, ROC curves, the comparisons between judges, the pairs each judge got most
// wrong with both images, and the rows that could not be used.
import { reportPath } from '../../files/paths';
import { CSP, escapeHtml as h, Thumbnails } from '../../runner/reporters/html';
import { rocCurve } from '../../statistics/auroc';
import type { Interval } from '../../statistics/intervals';
import { standardisedGaps, type GroupMetrics, type PairScore } from '../metrics';
import { formatPairError } from '../pairs';
import type { AuditReport } from '../session';
import { barChart, rocChart, seriesColour, type BarGroup } from './svg';

export interface AuditHtmlOptions {
  readonly relativeTo: string;
  /** Longest side of the thumbnails (default 192). */
  readonly thumbnailSize?: number;
  /** Pairs shown per judge among those it got most wrong (default 5). */
  readonly worst?: number;
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1f2328;background:#f6f8fa}
header.top{background:#fff;border-bottom:1px solid #d0d7de;padding:18px 28px}
h1{margin:0;font-size:22px}
main{padding:8px 28px 40px;max-width:1320px}
section.audit{background:#fff;border:1px solid #d0d7de;border-radius:8px;margin:16px 0;padding:12px 18px}
h2{font-size:18px;margin:4px 0}
h3{font-size:15px;margin:18px 0 6px}
.meta{color:#59636e;margin:0 0 8px}
table{border-collapse:collapse}
th,td{text-align:left;padding:3px 10px 3px 0;border-bottom:1px solid #eaeef2;vertical-align:top}
th{font-weight:600;color:#59636e;font-size:12px}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.ci{color:#59636e;font-size:12px}
.badge{display:inline-block;border-radius:6px;padding:1px 8px;font-weight:700;font-size:12px;text-transform:uppercase}
.pass{background:#dafbe1;color:#1a7f37;border:1px solid #1a7f37}
.fail{background:#ffebe9;color:#cf222e;border:1px solid #cf222e}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}
svg.chart{max-width:100%;height:auto;font-family:inherit}
.pairs{display:flex;flex-direction:column;gap:12px}
.pair{display:grid;grid-template-columns:auto auto 1fr;gap:10px;align-items:start;border-top:1px solid #eaeef2;padding-top:8px}
figure{margin:0}
figure img{display:block;border-radius:4px;border:1px solid #d0d7de}
figcaption{font-size:12px;color:#59636e}
.missing{width:120px;height:80px;border:2px dashed #cf222e;font-size:11px;padding:4px;overflow-wrap:anywhere}
.prompt{margin:0 0 4px}
ul.errors{color:#82071e}
.none{color:#59636e;font-style:italic}
footer{color:#59636e;font-size:12px;padding:0 28px 30px}
`;

const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—');
const fs3 = (x: number) => (Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3)) : '—');
const interval = (i: Interval, f = f2) => (Number.isFinite(i.low) ? `<span class="ci">[${f(i.low)}, ${f(i.high)}]</span>` : '');
const p = (x: number) => (x < 0.001 ? '&lt;0.001' : x.toFixed(3));

function judgeTable(r: AuditReport): string {
  const rows = r.judges
    .map((j, i) => {
      const verdict = j.passed === undefined ? '' : `<span class="badge ${j.passed ? 'pass' : 'fail'}">${j.passed ? 'pass' : 'fail'}</span>`;
      return `<tr><th scope="row"><span class="swatch" style="background:${seriesColour(i)}"></span>${h(j.judge)}</th><td class="n">${j.n}</td><td class="n">${j.abstained}</td><td>${f2(j.accuracy)} ${interval(j.accuracyCi)}</td><td>${f2(j.f1)} ${interval(j.f1Ci)}</td><td>${f2(j.auroc)} ${interval(j.aurocCi)}</td><td>${fs3(j.meanGap)} ${interval(j.meanGapCi, fs3)}</td><td>${verdict}</td></tr>`;
    })
    .join('');
  return `<table class="judges"><tr><th scope="col">judge</th><th scope="col">pairs</th><th scope="col">abstained</th><th scope="col">accuracy [95% CI]</th><th scope="col">F1</th><th scope="col">AUROC</th><th scope="col">mean gap</th><th scope="col">${
    r.minAccuracy === undefined ? '' : `≥ ${f2(r.minAccuracy)}`
  }</th></tr>${rows}</table>`;
}

function categoryChart(r: AuditReport): string {
  const categories = [...new Set(r.judges.flatMap((j) => Object.keys(j.byCategory)))].sort();
  const bars = (get: (j: (typeof r.judges)[number]) => GroupMetrics | undefined) =>
    r.judges.flatMap((j, i) => {
      const m = get(j);
      return m ? [{ series: i, label: `${j.judge}: ${f2(m.accuracy)} of ${m.n} pairs [${f2(m.accuracyCi.low)}, ${f2(m.accuracyCi.high)}]`, value: m.accuracy, low: m.accuracyCi.low, high: m.accuracyCi.high }] : [];
    });
  const groups: BarGroup[] = [{ label: `all pairs (${r.pairs.length})`, bars: bars((j) => j) }, ...categories.map((c) => ({ label: c, bars: bars((j) => j.byCategory[c]) }))];
  const refs = [{ value: 0.5, label: 'chance (0.5)', colour: '#8c959f' }, ...(r.minAccuracy === undefined ? [] : [{ value: r.minAccuracy, label: `required accuracy (${r.minAccuracy})`, colour: '#cf222e' }])];
  return barChart(groups, refs, `${r.name}: accuracy by category, with 95% intervals`);
}

function roc(r: AuditReport): string {
  const curves = r.judges.map((j, i) => {
    const s = (r.scores[j.judge] ?? []).filter((x): x is PairScore => x !== undefined);
    return { label: `${j.judge} (AUROC ${f2(j.auroc)})`, series: i, points: rocCurve(s.map((x) => x.faithful), s.map((x) => x.polished)) };
  });
  return rocChart(curves, `${r.name}: ROC curves, faithful against polished images`);
}

function comparisonTable(r: AuditReport): string {
  if (r.comparisons.length === 0) return '<p class="none">One judge: nothing to compare.</p>';
  const rows = r.comparisons
    .map((c) => {
      const w = c.wilcoxon;
      const m = c.mcnemar;
      return `<tr><th scope="row">${h(c.a)} vs ${h(c.b)}</th><td class="n">${c.n}</td><td>${f2(c.accuracyA)} vs ${f2(c.accuracyB)}</td><td>W+ ${fs3(w.wPlus)}, W− ${fs3(w.wMinus)}, p ${p(w.p)} <span class="ci">${w.method}${w.zeros ? `, ${w.zeros} zero` : ''}</span></td><td>${m.b} vs ${m.c}, p ${p(m.p)} <span class="ci">${m.method}</span></td></tr>`;
    })
    .join('');
  return `<table class="comparisons"><tr><th scope="col">judges</th><th scope="col">pairs</th><th scope="col">accuracy</th><th scope="col">Wilcoxon signed-rank (standardised gaps)</th><th scope="col">McNemar (only A right vs only B right)</th></tr>${rows}</table>`;
}

async function figure(file: string, label: string, thumbs: Thumbnails, relativeTo: string): Promise<string> {
  const t = await thumbs.get(file);
  const caption = `<figcaption><b>${h(label)}</b><br>${h(reportPath(file, relativeTo))}</figcaption>`;
  if (!t.ok) return `<figure><div class="missing" role="img" aria-label="${h(`${label} image unavailable`)}">${h(t.error)}</div>${caption}</figure>`;
  return `<figure><img src="${t.uri}" width="${t.width}" height="${t.height}" alt="${h(`${label} image`)}">${caption}</figure>`;
}

/** The pairs `judge` got most wrong: the most negative standardised gaps, wrong picks only. */
async function worstPairs(r: AuditReport, judge: string, count: number, thumbs: Thumbnails, relativeTo: string): Promise<string> {
  const scores = r.scores[judge] ?? [];
  const scored = scores.flatMap((s, i) => (s ? [{ s, i }] : []));
  const z = standardisedGaps(scored.map((x) => x.s));
  const worst = scored
    .map((x, k) => ({ ...x, z: z[k] }))
    .filter((x) => x.s.faithful <= x.s.polished)
    .sort((a, b) => a.z - b.z)
    .slice(0, count);
  if (worst.length === 0) return `<p class="none">${h(judge)} scored the faithful image higher on every pair.</p>`;
  const items = await Promise.all(
    worst.map(async ({ s, i }) => {
      const pair = r.pairs[i];
      const [a, b] = await Promise.all([figure(pair.faithful, 'faithful', thumbs, relativeTo), figure(pair.polished, 'polished', thumbs, relativeTo)]);
      const where = `${reportPath(pair.file, relativeTo)}:${pair.line}`;
      const facts = [`faithful ${fs3(s.faithful)}`, `polished ${fs3(s.polished)}`, pair.category ? `category ${pair.category}` : '', where].filter(Boolean).map(h).join(' · ');
      return `<div class="pair">${a}${b}<div><p class="prompt">${h(pair.prompt)}</p>${pair.plain ? `<p class="meta">plain: ${h(pair.plain)}</p>` : ''}<p class="meta">${facts}</p></div></div>`;
    }),
  );
  return `<div class="pairs">${items.join('')}</div>`;
}

async function auditSection(r: AuditReport, index: number, thumbs: Thumbnails, opts: AuditHtmlOptions): Promise<string> {
  const verdict = r.minAccuracy === undefined ? '' : ` <span class="badge ${r.passed ? 'pass' : 'fail'}">${r.passed ? 'passed' : 'failed'}</span>`;
  const where = [
    `pairs ${reportPath(r.source, opts.relativeTo)}`,
    r.spec ? `audit at ${reportPath(r.spec, opts.relativeTo)}:${(r.line ?? 0) + 1}` : '',
    `${r.pairs.length} pairs`,
    r.errors.length > 0 ? `${r.errors.length} bad rows` : '',
    `${r.cache.hits} pair scorings from the cache`,
  ]
    .filter(Boolean)
    .map(h)
    .join(' · ');
  const worst = await Promise.all(r.judges.map(async (j) => `<h4>${h(j.judge)}</h4>${await worstPairs(r, j.judge, opts.worst ?? 5, thumbs, opts.relativeTo)}`));
  const errors = r.errors.length === 0 ? '' : `<h3>Rows not used</h3><ul class="errors">${r.errors.map((e) => `<li><code>${h(formatPairError(e, opts.relativeTo))}</code></li>`).join('')}</ul>`;
  return `<section class="audit" id="a${index + 1}"><h2>${h(r.name)}${verdict}</h2><p class="meta">${where}</p>${judgeTable(r)}<h3>Accuracy by category</h3>${categoryChart(r)}<h3>ROC curves</h3>${roc(r)}<h3>Judges compared</h3>${comparisonTable(r)}<h3>Pairs each judge got most wrong</h3>${worst.join('')}${errors}</section>`;
}

/** The HTML report of one or more audits: a complete document, every image embedded, nothing fetched. */
export async function auditHtml(reports: readonly AuditReport[], opts: AuditHtmlOptions): Promise<string> {
  const size = Math.round(Math.min(1024, Math.max(16, opts.thumbnailSize ?? 192)));
  const thumbs = new Thumbnails(size, opts.relativeTo);
  const sections = await Promise.all(reports.map((r, i) => auditSection(r, i, thumbs, opts)));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Wabi audit report</title>
<style>${STYLE}</style>
</head>
<body>
<header class="top"><h1>Wabi audit report</h1><p class="meta">Does each judge score the image that honours the anti-aesthetic prompt above the polished one?</p></header>
<main>
${sections.join('\n')}
</main>
<footer>Generated by Wabi. Accuracy counts a tie as half; intervals are Wilson's for accuracy and a seeded bootstrap over pairs for the others; see docs/audits.md.</footer>
</body>
</html>
`;
}
