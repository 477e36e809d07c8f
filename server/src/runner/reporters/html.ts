// The HTML report of a run: one self-contained file (inline CSS, images as data: URIs, no scripts, a CSP that
// forbids everything else), readable offline and safe to attach to a CI run. Per test a card with its verdict and
// reasons; per seed the anti-aesthetic image beside the baseline (and the input of an edit), trait bars for the
// traits the expectations compare with their thresholds marked, and the judges' values. A compare run's report
// opens with its leaderboard: a row per generator, each with its worst tests (and their images) a click away.
import { promises as fs } from 'node:fs';
import sharp from 'sharp';
import { leaderboard, type Leaderboard, type LeaderboardRow, type Rate, type WorstTest } from '../leaderboard';
import { testTitle, type ExpectationResult, type ImageRecord, type ImageRole, type RunResult, type SeedOutcome, type ShardFigures, type TestResult } from '../results';
import { secondsPerImage, type EndpointFigures } from '../endpoints';
import { VERDICT_LABEL, fmt, humanDuration, reportPath, traitsUsed } from './common';
import { meanText, rateText, signed } from './leaderboard';

export interface HtmlReportOptions {
  /** Folder the spec and image paths shown in the report are relative to. */
  readonly relativeTo: string;
  /** Longest side of the embedded thumbnails in pixels (default 256, at most 1024). */
  readonly thumbnailSize?: number;
  /** Report title (default "Wabi run report"). */
  readonly title?: string;
}

export const CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";
const DEFAULT_THUMBNAIL = 256;
const JPEG_QUALITY = 80;
const THUMBNAIL_CONCURRENCY = 8;

// Control characters other than tab and line breaks: invisible at best, a replacement box at worst; dropped.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(CONTROL, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
const h = escapeHtml;

export type Thumb = { readonly ok: true; readonly uri: string; readonly width: number; readonly height: number } | { readonly ok: false; readonly error: string };

/** Makes each file's JPEG thumbnail once, a few at a time; a file that cannot be read gives its error, not a throw. */
export class Thumbnails {
  private readonly cache = new Map<string, Promise<Thumb>>();
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly size: number,
    private readonly relativeTo: string,
  ) {}

  get(file: string): Promise<Thumb> {
    let p = this.cache.get(file);
    if (!p) {
      p = this.limited(() => this.make(file));
      this.cache.set(file, p);
    }
    return p;
  }

  private async limited<T>(fn: () => Promise<T>): Promise<T> {
    // A finishing job hands its slot straight to the next waiter, so no newcomer can slip in between.
    if (this.active >= THUMBNAIL_CONCURRENCY) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }

  private async make(file: string): Promise<Thumb> {
    try {
      const stat = await fs.stat(file);
      if (!stat.isFile()) return { ok: false, error: `not a file: ${reportPath(file, this.relativeTo)}` };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? String(err)})`;
      return { ok: false, error: `${why}: ${reportPath(file, this.relativeTo)}` };
    }
    try {
      const { data, info } = await sharp(file, { failOn: 'error' })
        .rotate()
        .resize({ width: this.size, height: this.size, fit: 'inside', withoutEnlargement: true })
        .flatten({ background: '#ffffff' })
        .jpeg({ quality: JPEG_QUALITY, mozjpeg: true })
        .toBuffer({ resolveWithObject: true });
      return { ok: true, uri: `data:image/jpeg;base64,${data.toString('base64')}`, width: info.width, height: info.height };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { ok: false, error: `cannot decode ${reportPath(file, this.relativeTo)}: ${message.split('\n')[0]}` };
    }
  }
}

const ROLE_LABEL: Readonly<Record<ImageRole, string>> = {
  prompt: 'anti-aesthetic prompt',
  baseline: 'baseline prompt',
  input: 'input',
};
/** Left to right in a seed's row: what went in, what came out, what the plain prompt gave. */
const ROLE_ORDER: readonly ImageRole[] = ['input', 'prompt', 'baseline'];

const pct = (v: number) => `${(Math.max(0, Math.min(1, v)) * 100).toFixed(1)}%`;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const STYLE = `
:root{--pass:#1a7f37;--pass-bg:#dafbe1;--fail:#cf222e;--fail-bg:#ffebe9;--beau:#8250df;--beau-bg:#fbefff;--err:#9a6700;--err-bg:#fff8c5;--line:#d0d7de;--muted:#59636e;--ink:#1f2328}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:#f6f8fa}
header.run{background:#fff;border-bottom:1px solid var(--line);padding:18px 28px}
header.run h1{margin:0 0 4px;font-size:22px}
.meta{color:var(--muted);margin:0}
.warn{color:var(--fail);font-weight:600}
.chips{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0 0;padding:0;list-style:none}
.chips li{border:1px solid var(--line);border-radius:999px;padding:3px 12px;background:#fff}
.chips b{font-size:16px;margin-right:4px}
.chips .pass{border-color:var(--pass);color:var(--pass)}
.chips .fail{border-color:var(--fail);color:var(--fail)}
.chips .beautified{border-color:var(--beau);color:#fff;background:var(--beau)}
.chips .error{border-color:var(--err);color:var(--err)}
main{padding:8px 28px 40px;max-width:1320px}
h2{font-size:17px;margin:26px 0 8px;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
h2.plain{font-family:inherit}
table{border-collapse:collapse}
table.index{width:100%;background:#fff;border:1px solid var(--line);border-radius:8px}
table.index th,table.index td{text-align:left;padding:4px 10px;border-bottom:1px solid #eaeef2;vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:12px}
a{color:#0969da}
.badge{display:inline-block;border-radius:6px;padding:1px 8px;font-weight:700;font-size:12px;letter-spacing:.02em;text-transform:uppercase;white-space:nowrap}
.badge.pass{background:var(--pass-bg);color:var(--pass);border:1px solid var(--pass)}
.badge.fail{background:var(--fail-bg);color:var(--fail);border:1px solid var(--fail)}
.badge.beautified{color:#fff;border:1px solid #5a32a3;background:repeating-linear-gradient(135deg,#8250df 0 8px,#6f42c1 8px 16px)}
.badge.error{background:var(--err-bg);color:var(--err);border:1px solid var(--err)}
article.test{background:#fff;border:1px solid var(--line);border-left:6px solid var(--c);border-radius:8px;margin:14px 0;padding:12px 18px 14px}
article.pass{--c:var(--pass)}
article.fail{--c:var(--fail)}
article.error{--c:var(--err)}
article.beautified{--c:var(--beau);border-color:var(--beau);box-shadow:0 0 0 2px var(--beau-bg)}
article.beautified>header{background:repeating-linear-gradient(135deg,var(--beau-bg) 0 10px,#fff 10px 20px);margin:-12px -18px 8px;padding:12px 18px 8px;border-radius:0 8px 0 0}
article h3{margin:0;font-size:16px;display:flex;gap:10px;align-items:baseline;flex-wrap:wrap}
.prompts{display:grid;grid-template-columns:max-content 1fr;gap:2px 10px;margin:8px 0;font-size:13px}.prompts dt{color:var(--muted)}.prompts dd{margin:0}
.where{color:var(--muted);font-size:12px;margin:2px 0 0;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.tags{display:inline-flex;gap:4px;flex-wrap:wrap}
.tag{background:#eef1f4;border-radius:4px;padding:0 6px;font-size:11px;color:var(--muted)}
ul.reasons{margin:8px 0;padding-left:20px}
article.fail ul.reasons{color:#82071e}
article.beautified ul.reasons{color:#512a97}
article.error ul.reasons{color:#7d4e00}
table.expect{margin:8px 0;width:100%}
table.expect th,table.expect td{text-align:left;padding:3px 8px;border-bottom:1px solid #eaeef2;vertical-align:top}
table.expect code,code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.ok{color:var(--pass);font-weight:600}
.no{color:var(--fail);font-weight:600}
.bt{color:var(--beau);font-weight:600}
section.seed{border-top:1px solid #eaeef2;padding:10px 0 4px;display:grid;grid-template-columns:auto minmax(280px,1fr);gap:14px;align-items:start}
section.seed h4{grid-column:1/-1;margin:0;font-size:13px;display:flex;gap:8px;align-items:center}
.images{display:flex;gap:10px;flex-wrap:wrap;align-items:flex-start;width:calc(var(--t) * var(--n,2) + 10px * (var(--n,2) - 1));max-width:100%}
figure{margin:0;width:min-content;min-width:120px;max-width:var(--t)}
figure img{display:block;max-width:var(--t);max-height:var(--t);border-radius:4px;border:1px solid var(--line);background:#eee}
figure.prompt img{outline:3px solid var(--c);outline-offset:-1px}
figcaption{font-size:12px;color:var(--muted);margin-top:3px;overflow-wrap:anywhere}
figcaption b{color:var(--ink)}
figcaption .path{display:block;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;direction:rtl;text-align:left}
.cache{display:inline-block;font-size:10px;border-radius:3px;padding:0 4px;margin-left:4px;border:1px solid var(--line)}
.cache.hit{background:#ddf4ff;border-color:#54aeff;color:#0550ae}
.missing{width:var(--t);height:calc(var(--t)*0.66);border:2px dashed var(--fail);border-radius:4px;background:repeating-linear-gradient(45deg,#fff 0 10px,#fff5f5 10px 20px);color:#82071e;display:flex;align-items:center;justify-content:center;text-align:center;padding:8px;font-size:12px;overflow:hidden;overflow-wrap:anywhere}
.scores h5{margin:0 0 4px;font-size:12px;color:var(--muted);font-weight:600}
.trait{margin:0 0 10px}
.trait .name{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;font-weight:600}
.bar{display:grid;grid-template-columns:72px 1fr 44px;gap:6px;align-items:center;font-size:12px;height:18px}
.bar .role{color:var(--muted)}
.track{position:relative;height:12px;background:#eef1f4;border-radius:3px}
.fill{position:absolute;left:0;top:0;bottom:0;border-radius:3px;background:#8c959f}
.bar.prompt .fill{background:var(--fc,#0969da)}
.bar.input .fill{background:#a8b3bf}
.thr{position:absolute;top:-3px;bottom:-3px;width:0;border-left:2px solid var(--ink)}
.thr::after{content:"";position:absolute;top:-4px;left:-5px;border:4px solid transparent;border-top-color:var(--ink)}
.val{text-align:right;font-variant-numeric:tabular-nums}
.thrs{font-size:11px;color:var(--muted);margin:1px 0 0 78px}
table.judges th,table.judges td{padding:2px 8px 2px 0;text-align:left;font-size:12px}
table.judges td.n{text-align:right;font-variant-numeric:tabular-nums}
.none{color:var(--muted);font-style:italic}
footer{color:var(--muted);font-size:12px;padding:0 28px 30px}
table.board td.n{font-variant-numeric:tabular-nums;white-space:nowrap}
.ci{display:block;position:relative;height:6px;width:120px;background:#eef1f4;border-radius:3px;margin-top:3px}
.ci .range{position:absolute;top:0;bottom:0;background:#8c959f;border-radius:3px}
.ci .point{position:absolute;top:-3px;bottom:-3px;width:0;border-left:2px solid var(--ink)}
.ci.beau .range{background:var(--beau)}
details.worst summary{cursor:pointer;color:#0969da}
details.worst ol{margin:6px 0;padding-left:20px}
details.worst li{margin:0 0 8px}
details.worst .pair{display:flex;gap:6px;margin-top:4px}
details.worst .pair figure{min-width:0}
details.worst .pair img,details.worst .pair .missing{max-width:96px;max-height:96px;width:auto;height:auto;border-radius:3px;border:1px solid var(--line)}
.span{display:block;position:relative;height:10px;width:240px;background:#eef1f4;border-radius:3px}
.span .busy{position:absolute;top:0;bottom:0;background:#0969da;border-radius:3px}
`;

/** Which expectations compare a trait, with this seed's outcome (for the threshold marks). */
function marksFor(test: TestResult, trait: string, seed: number): { e: ExpectationResult; op: string; comparand: string; o: SeedOutcome }[] {
  const out: { e: ExpectationResult; op: string; comparand: string; o: SeedOutcome }[] = [];
  for (const e of test.expectations) {
    const x = e.expectation;
    if (x.measure.kind !== 'trait' || x.measure.trait !== trait) continue;
    const o = e.seeds.find((s) => s.seed === seed);
    if (o) out.push({ e, op: x.op, comparand: x.comparandText, o });
  }
  return out;
}

const OP_TEXT: Readonly<Record<string, string>> = { '<': '<', '<=': '≤', '>': '>', '>=': '≥' };

function traitBars(test: TestResult, trait: string, seed: number, byRole: Map<ImageRole, ImageRecord>): string {
  const marks = marksFor(test, trait, seed);
  const failed = marks.some((m) => !m.o.passed);
  const beautified = marks.some((m) => m.o.beautified === true);
  const fillColor = marks.length === 0 ? '' : beautified ? 'var(--beau)' : failed ? 'var(--fail)' : 'var(--pass)';
  const rows: string[] = [];
  for (const role of ['prompt', 'baseline', 'input'] as const) {
    const img = byRole.get(role);
    if (!img) continue;
    const v = img.traits[trait];
    const has = typeof v === 'number' && Number.isFinite(v);
    const thr =
      role === 'prompt'
        ? marks
            .filter((m) => Number.isFinite(m.o.against))
            .map((m) => `<span class="thr" style="left:${pct(m.o.against)}" title="${h(`${OP_TEXT[m.op] ?? m.op} ${fmt(m.o.against)}`)}"></span>`)
            .join('')
        : '';
    const fill = has ? `<span class="fill" style="width:${pct(v)}"></span>` : '';
    const style = role === 'prompt' && fillColor ? ` style="--fc:${fillColor}"` : '';
    rows.push(
      `<div class="bar ${role}"${style}><span class="role">${h(role === 'prompt' ? 'prompt' : role)}</span><span class="track" role="img" aria-label="${h(
        `${trait} of the ${ROLE_LABEL[role]} image: ${has ? fmt(v) : 'not measured'}`,
      )}">${fill}${thr}</span><span class="val">${has ? fmt(v) : '—'}</span></div>`,
    );
  }
  const legend = marks
    .map((m) => {
      const cls = m.o.passed ? 'ok' : m.o.beautified ? 'bt' : 'no';
      const vs = /^\s*-?[\d.]+\s*$/.test(m.comparand) ? '' : ` (${h(m.comparand)})`;
      return `<span class="${cls}">${h(`${OP_TEXT[m.op] ?? m.op} ${fmt(m.o.against)}`)}</span>${vs}`;
    })
    .join(' · ');
  return `<div class="trait"><div class="name">${h(trait)}</div>${rows.join('')}${legend ? `<div class="thrs">threshold ${legend}</div>` : ''}</div>`;
}

function judgeTable(test: TestResult, seed: number, byRole: Map<ImageRole, ImageRecord>): string {
  const roles = ROLE_ORDER.filter((r) => byRole.has(r));
  const names: string[] = [];
  for (const r of roles) for (const k of Object.keys(byRole.get(r)!.judges)) if (!names.includes(k)) names.push(k);
  if (names.length === 0) return '';
  const thresholds = new Map<string, string>();
  for (const e of test.expectations) {
    const { measure, op } = e.expectation;
    const o = e.seeds.find((s) => s.seed === seed);
    if (measure.kind === 'judge' && o) {
      const cls = o.passed ? 'ok' : o.beautified ? 'bt' : 'no';
      const prev = thresholds.get(measure.key);
      const mark = `<span class="${cls}">${h(`${OP_TEXT[op] ?? op} ${fmt(o.against)}`)}</span>`;
      thresholds.set(measure.key, prev ? `${prev} · ${mark}` : mark);
    }
  }
  const head = `<tr><th scope="col">judge</th>${roles.map((r) => `<th scope="col">${h(r)}</th>`).join('')}<th scope="col">threshold</th></tr>`;
  const body = names
    .map((n) => {
      const cells = roles
        .map((r) => {
          const v = byRole.get(r)!.judges[n];
          return `<td class="n">${typeof v === 'number' ? h(fmt(v)) : '—'}</td>`;
        })
        .join('');
      return `<tr><th scope="row"><code>${h(n)}</code></th>${cells}<td>${thresholds.get(n) ?? ''}</td></tr>`;
    })
    .join('');
  return `<h5>judges</h5><table class="judges">${head}${body}</table>`;
}

function seedVerdict(test: TestResult, seed: number): { cls: string; text: string } {
  const outcomes = test.expectations.map((e) => e.seeds.find((s) => s.seed === seed)).filter((o): o is SeedOutcome => !!o);
  if (outcomes.length === 0) return { cls: 'none', text: test.expectations.length === 0 ? 'no expectations' : 'not decided' };
  if (outcomes.every((o) => o.passed)) return { cls: 'ok', text: 'met every expectation' };
  if (outcomes.some((o) => o.beautified)) return { cls: 'bt', text: 'beautified against intent' };
  const failed = outcomes.filter((o) => !o.passed).length;
  return { cls: 'no', text: `missed ${plural(failed, 'expectation')}` };
}

/**
 * An `images` test scores the user's files: no generator, no baseline, no input. Its images are called "image"
 * rather than "anti-aesthetic prompt".
 */
const isImagesTest = (test: TestResult) => test.generator === undefined && test.images.every((i) => i.role === 'prompt');

async function figure(img: ImageRecord | undefined, role: ImageRole, seed: number, test: TestResult, thumbs: Thumbnails, relativeTo: string): Promise<string> {
  if (!img) return '';
  const thumb = await thumbs.get(img.file);
  const label = isImagesTest(test) ? 'image' : ROLE_LABEL[role];
  const alt = `${label}${label === 'image' ? '' : ' image'}, seed ${seed}, test ${testTitle(test)}`;
  const cache = img.cached ? '<span class="cache hit">cached</span>' : '<span class="cache">fresh</span>';
  const file = reportPath(img.file, relativeTo);
  // One line per path, cut at its start so the file name shows; the whole path is the tooltip.
  const caption = `<figcaption><b>${h(label)}</b>${cache}<span class="path" title="${h(file)}"><span dir="ltr">${h(file)}</span></span>${
    img.error ? `<br><span class="no">${h(img.error)}</span>` : ''
  }</figcaption>`;
  if (thumb.ok) {
    return `<figure class="${role}"><img src="${thumb.uri}" width="${thumb.width}" height="${thumb.height}" alt="${h(alt)}">${caption}</figure>`;
  }
  const why = thumb.error;
  return `<figure class="${role}"><div class="missing" role="img" aria-label="${h(`${alt}: image unavailable`)}">image unavailable<br>${h(why)}</div>${caption}</figure>`;
}

async function seedSection(test: TestResult, seed: number, thumbs: Thumbnails, relativeTo: string): Promise<string> {
  const byRole = new Map<ImageRole, ImageRecord>();
  for (const img of test.images) if (img.seed === seed && !byRole.has(img.role)) byRole.set(img.role, img);
  // An edit's input is often recorded once; show it beside every seed.
  if (!byRole.has('input')) {
    const input = test.images.find((i) => i.role === 'input');
    if (input) byRole.set('input', input);
  }
  const figures = await Promise.all(ROLE_ORDER.map((r) => figure(byRole.get(r), r, seed, test, thumbs, relativeTo)));
  const traits = traitsUsed(test).map((t) => traitBars(test, t, seed, byRole));
  const judges = judgeTable(test, seed, byRole);
  const v = seedVerdict(test, seed);
  const scores =
    traits.length > 0 || judges
      ? `${traits.length > 0 ? `<h5>traits</h5>${traits.join('')}` : ''}${judges}`
      : '<p class="none">no trait or judge in the expectations</p>';
  return `<section class="seed"><h4>seed ${h(String(seed))} <span class="${v.cls}">${h(v.text)}</span></h4><div class="images">${figures.join(
    '',
  )}</div><div class="scores">${scores}</div></section>`;
}

function seedsOf(test: TestResult): number[] {
  const seeds = new Set<number>();
  for (const i of test.images) if (i.role !== 'input') seeds.add(i.seed);
  for (const e of test.expectations) for (const s of e.seeds) seeds.add(s.seed);
  if (seeds.size === 0) for (const i of test.images) seeds.add(i.seed);
  return [...seeds].sort((a, b) => a - b);
}

function expectationTable(test: TestResult): string {
  if (test.expectations.length === 0) return '';
  const rows = test.expectations
    .map((e) => {
      const passed = e.seeds.filter((s) => s.passed).length;
      const beautified = !e.passed && e.seeds.some((s) => s.beautified);
      const result = e.passed ? '<span class="ok">passed</span>' : beautified ? '<span class="bt">beautified</span>' : '<span class="no">failed</span>';
      return `<tr><td>${e.expectation.range.start.line + 1}</td><td><code>expect ${h(e.expectation.text)}</code></td><td>${result} <span class="none">${passed}/${e.seeds.length} seeds</span></td><td>${h(
        e.reason,
      )}</td></tr>`;
    })
    .join('');
  return `<table class="expect"><tr><th scope="col">line</th><th scope="col">expectation</th><th scope="col">result</th><th scope="col">reason</th></tr>${rows}</table>`;
}

const testId = (i: number) => `t${i + 1}`;

/** The texts the images were made from, so a reader sees what was asked. */
function promptList(test: TestResult): string {
  const rows = (
    [
      ['prompt', test.prompt],
      ['negative', test.negative],
      ['baseline', test.baseline],
    ] as const
  ).filter(([, text]) => text !== undefined && text !== '');
  if (rows.length === 0) return '';
  return `<dl class="prompts">${rows.map(([k, text]) => `<dt>${k}</dt><dd>${h(text!)}</dd>`).join('')}</dl>`;
}

async function testCard(test: TestResult, index: number, thumbs: Thumbnails, opts: Required<Pick<HtmlReportOptions, 'relativeTo'>>): Promise<string> {
  const spec = reportPath(test.spec, opts.relativeTo);
  const tags = test.tags.length > 0 ? `<span class="tags">${test.tags.map((t) => `<span class="tag">${h(t)}</span>`).join('')}</span>` : '';
  const where = [
    `${spec}:${test.line + 1}`,
    test.generator ? `generator ${test.generator}` : '',
    `seeds ${test.passRate.passed}/${test.passRate.total} passed (${test.passRate.required} required)`,
    humanDuration(test.durationMs),
  ]
    .filter(Boolean)
    .map(h)
    .join(' · ');
  const prompts = promptList(test);
  const reasons = test.reasons.length > 0 ? `<ul class="reasons">${test.reasons.map((r) => `<li>${h(r)}</li>`).join('')}</ul>` : '';
  const seeds = await Promise.all(seedsOf(test).map((s) => seedSection(test, s, thumbs, opts.relativeTo)));
  // Image columns the same width in every seed's row, so the score columns line up.
  const roles = new Set(test.images.map((i) => i.role)).size || 1;
  return `<article class="test ${test.verdict}" id="${testId(index)}" aria-labelledby="${testId(index)}-h" style="--n:${roles}"><header><h3 id="${testId(index)}-h"><span class="badge ${
    test.verdict
  }">${h(VERDICT_LABEL[test.verdict])}</span> <span>${h(testTitle(test))}</span> ${tags}</h3><p class="where">${where}</p></header>${prompts}${reasons}${expectationTable(test)}${seeds.join(
    '',
  )}</article>`;
}

function summaryHeader(result: RunResult, title: string): string {
  const s = result.summary;
  const share = s.images > 0 ? Math.round((s.cachedImages / s.images) * 100) : 0;
  const started = result.startedAt;
  const chips = [
    `<li><b>${result.tests.length}</b>${result.tests.length === 1 ? 'test' : 'tests'}</li>`,
    `<li class="pass"><b>${s.passed}</b>passed</li>`,
    `<li class="fail"><b>${s.failed}</b>failed</li>`,
    `<li class="beautified"><b>${s.beautified}</b>beautified against intent</li>`,
    `<li class="error"><b>${s.errors}</b>${s.errors === 1 ? 'error' : 'errors'}</li>`,
    `<li><b>${s.images}</b>images, ${s.cachedImages} from the cache (${share}%)</li>`,
    `<li><b>${h(humanDuration(s.durationMs))}</b>duration</li>`,
  ].join('');
  const cancelled = result.complete ? '' : ' · <span class="warn">cancelled: only the tests that finished are listed</span>';
  return `<header class="run"><h1>${h(title)}</h1><p class="meta">started ${h(started)} · finished ${h(result.finishedAt)}${cancelled}</p><ul class="chips" aria-label="summary">${chips}</ul></header>`;
}

function indexTable(result: RunResult, relativeTo: string): string {
  if (result.tests.length === 0) return '<p class="none">No tests ran.</p>';
  const rows = result.tests
    .map(
      (t, i) =>
        `<tr><td><span class="badge ${t.verdict}">${h(VERDICT_LABEL[t.verdict])}</span></td><td><a href="#${testId(i)}">${h(testTitle(t))}</a></td><td><code>${h(
          `${reportPath(t.spec, relativeTo)}:${t.line + 1}`,
        )}</code></td><td>${t.passRate.passed}/${t.passRate.total}</td></tr>`,
    )
    .join('');
  return `<table class="index"><tr><th scope="col">verdict</th><th scope="col">test</th><th scope="col">where</th><th scope="col">seeds passed</th></tr>${rows}</table>`;
}

// ---- shards (merged reports) ---------------------------------------------------------------------------------

/** A row per shard: where it ran, what it did, how long, and when within the whole run (a bar over its span). */
function shardSection(shards: readonly ShardFigures[], result: RunResult): string {
  const t0 = Date.parse(result.startedAt);
  const span = Math.max(1, Date.parse(result.finishedAt) - t0);
  const rows = shards
    .map((sh) => {
      const s = sh.summary;
      const tests = s.passed + s.failed + s.beautified + s.errors;
      const left = (Date.parse(sh.startedAt) - t0) / span;
      const width = (Date.parse(sh.finishedAt) - Date.parse(sh.startedAt)) / span;
      const bar = `<span class="span" role="img" aria-label="${h(`from ${sh.startedAt} to ${sh.finishedAt}`)}"><span class="busy" style="left:${pct(left)};width:${pct(width)}"></span></span>`;
      const work = (ms: number | undefined) => (ms === undefined ? '—' : h(humanDuration(ms)));
      return `<tr><th scope="row">${sh.index}/${sh.total}</th><td><code>${h(sh.host)}</code></td><td class="n">${tests}</td><td class="n">${s.passed} / ${s.failed} / ${s.beautified} / ${s.errors}</td><td class="n">${s.images} (${s.cachedImages} cached)</td><td class="n">${h(
        humanDuration(s.durationMs),
      )}${sh.complete ? '' : ' <span class="warn">cancelled</span>'}</td><td class="n">${work(sh.timings?.generateMs)}</td><td class="n">${work(sh.timings?.scoreMs)}</td><td>${bar}</td></tr>`;
    })
    .join('');
  const head = `<tr><th scope="col">shard</th><th scope="col">host</th><th scope="col">tests</th><th scope="col">passed / failed / beautified / errors</th><th scope="col">images</th><th scope="col">duration</th><th scope="col">generating</th><th scope="col">scoring</th><th scope="col">when, within the run</th></tr>`;
  return `<h2 id="shards" class="plain">Shards</h2><p class="meta">This report merges ${plural(shards.length, 'shard')}; the run's duration spans them all. Generating and scoring times sum the work in flight at once.</p><table class="index board">${head}${rows}</table>`;
}

// ---- endpoints (server generators) ---------------------------------------------------------------------------

/** A row per endpoint of the server generators: what it made, what failed there, seconds per image and how long it
 *  was out of rotation. */
function endpointSection(endpoints: readonly EndpointFigures[], merged: boolean): string {
  const secs = (s: number | undefined) => (s === undefined ? '—' : `${s.toFixed(2)} s`);
  const rows = endpoints
    .map((f) => {
      const { mean, median } = secondsPerImage(f);
      const out = f.outOfRotationMs > 0 ? h(humanDuration(f.outOfRotationMs)) : '—';
      return `<tr><td>${h(f.generator)}</td><td><code>${h(f.endpoint)}</code></td><td class="n">${f.concurrency}</td><td class="n">${f.images}</td><td class="n">${f.failures}</td><td class="n">${secs(mean)}</td><td class="n">${secs(median)}</td><td class="n">${out}</td></tr>`;
    })
    .join('');
  const head = `<tr><th scope="col">generator</th><th scope="col">endpoint</th><th scope="col">at once</th><th scope="col">images</th><th scope="col">failures</th><th scope="col">mean per image</th><th scope="col">median per image</th><th scope="col">out of rotation</th></tr>`;
  const note = `Images each endpoint made, requests that failed there (most then succeeded on another endpoint), and the seconds from request to image${merged ? ', every shard\'s joined' : ''}.`;
  return `<h2 id="endpoints" class="plain">Endpoints</h2><p class="meta">${note}</p><table class="index board">${head}${rows}</table>`;
}

// ---- leaderboard (compare runs) ------------------------------------------------------------------------------

/** A rate with its interval drawn as a bar under it (the point is the rate). */
function rateCell(r: Rate, beautified = false): string {
  const bar = `<span class="ci${beautified ? ' beau' : ''}" aria-hidden="true"><span class="range" style="left:${pct(r.interval.low)};width:${pct(r.interval.high - r.interval.low)}"></span><span class="point" style="left:${pct(r.rate)}"></span></span>`;
  return `<td class="n">${h(rateText(r))}${bar}</td>`;
}

/** A worst test: a link to its card, and its worst seed's image beside the baseline's (or the input). */
async function worstItem(w: WorstTest, tests: readonly TestResult[], thumbs: Thumbnails): Promise<string> {
  const t = tests[w.index];
  const at = (role: ImageRole) => t.images.find((i) => i.role === role && (role === 'input' || i.seed === w.seed));
  const shown = w.seed === undefined ? [] : [at('prompt'), at('baseline') ?? at('input')].filter((i): i is ImageRecord => i !== undefined);
  const images = await Promise.all(
    shown.map(async (img) => {
      const alt = `${ROLE_LABEL[img.role]} image, seed ${img.seed}, test ${testTitle(t)}`;
      const thumb = await thumbs.get(img.file);
      const shown = thumb.ok ? `<img src="${thumb.uri}" alt="${h(alt)}">` : `<span class="missing" role="img" aria-label="${h(`${alt}: image unavailable`)}">${h(thumb.error)}</span>`;
      return `<figure>${shown}<figcaption>${h(img.role === 'prompt' ? 'prompt' : img.role)}</figcaption></figure>`;
    }),
  );
  const detail = [VERDICT_LABEL[t.verdict], `${t.passRate.passed}/${t.passRate.total} seeds`, w.rise !== undefined ? `rise ${signed(w.rise)}` : '', w.seed !== undefined ? `seed ${w.seed} shown` : '']
    .filter(Boolean)
    .join(' · ');
  return `<li><a href="#${testId(w.index)}">${h(t.name)}</a> <span class="none">${h(detail)}</span>${images.length > 0 ? `<div class="pair">${images.join('')}</div>` : ''}</li>`;
}

async function boardRow(r: LeaderboardRow, tests: readonly TestResult[], thumbs: Thumbnails): Promise<string> {
  const worst = await Promise.all(r.worst.map((w) => worstItem(w, tests, thumbs)));
  const details = worst.length > 0 ? `<details class="worst"><summary>${worst.length === 1 ? 'worst test' : `${worst.length} worst tests`}</summary><ol>${worst.join('')}</ol></details>` : '';
  return `<tr id="board-${h(r.generator)}"><td class="n">${r.rank}</td><th scope="row"><code>${h(r.generator)}</code></th>${rateCell(r.passRate)}${rateCell(r.beautifiedRate, true)}<td class="n">${h(
    meanText(r.rise),
  )}</td><td class="n">${r.passed}/${r.tests}</td><td>${details}</td></tr>`;
}

/** The leaderboard: a row per generator, best first, then the rise per trait and the figures per category. */
async function boardSection(board: Leaderboard, tests: readonly TestResult[], thumbs: Thumbnails): Promise<string> {
  const level = Math.round(board.level * 100);
  const head = `<tr><th scope="col">rank</th><th scope="col">generator</th><th scope="col">seeds passed</th><th scope="col">beautified against intent</th><th scope="col">mean trait rise</th><th scope="col">tests passed</th><th scope="col">worst tests</th></tr>`;
  const rows = await Promise.all(board.rows.map((r) => boardRow(r, tests, thumbs)));
  const perColumn = (keys: readonly string[], title: string, cell: (r: LeaderboardRow, key: string) => string) =>
    keys.length === 0
      ? ''
      : `<h3>${h(title)}</h3><table class="index board"><tr><th scope="col"></th>${board.rows.map((r) => `<th scope="col"><code>${h(r.generator)}</code></th>`).join('')}</tr>${keys
          .map((k) => `<tr><th scope="row"><code>${h(k)}</code></th>${board.rows.map((r) => `<td class="n">${h(cell(r, k))}</td>`).join('')}</tr>`)
          .join('')}</table>`;
  const traits = [...new Set(board.rows.flatMap((r) => Object.keys(r.traits)))].sort();
  const tags = [...new Set(board.rows.flatMap((r) => Object.keys(r.categories)))].sort();
  const byTag = (r: LeaderboardRow, tag: string) => {
    const f = r.categories[tag];
    return f ? `${rateText(f.passRate)} passed · ${f.beautifiedRate.count} beautified · rise ${signed(f.rise?.mean ?? NaN)}` : '—';
  };
  const excluded = board.excluded.map((x) => `<li><a href="#${testId(x.index)}">${h(tests[x.index].name)}</a>: ${h(x.reason)}</li>`).join('');
  return `<h2 id="leaderboard" class="plain">Leaderboard</h2><p class="meta">Generators side by side, best first; ${level}% intervals over seeds (Wilson for rates, bootstrap for rises). A rise is a requested trait's score on the prompt's image minus the baseline's (or the input's).</p><table class="index board">${head}${rows.join(
    '',
  )}</table>${perColumn(traits, 'Rise of each requested trait', (r, t) => meanText(r.traits[t]))}${perColumn(tags, 'By category', byTag)}${
    excluded ? `<h3>Not on the leaderboard</h3><ul>${excluded}</ul>` : ''
  }`;
}

/** The HTML report: a complete document, every image embedded, nothing fetched. */
export async function htmlReport(result: RunResult, opts: HtmlReportOptions): Promise<string> {
  const size = Math.round(Math.min(1024, Math.max(16, opts.thumbnailSize ?? DEFAULT_THUMBNAIL)));
  const thumbs = new Thumbnails(size, opts.relativeTo);
  const title = opts.title ?? 'Wabi run report';
  // Group cards by spec file, files in the order they first appear.
  const specs: string[] = [];
  for (const t of result.tests) if (!specs.includes(t.spec)) specs.push(t.spec);
  const sections = await Promise.all(
    specs.map(async (spec) => {
      const cards = await Promise.all(
        result.tests.map((t, i) => (t.spec === spec ? testCard(t, i, thumbs, { relativeTo: opts.relativeTo }) : Promise.resolve(''))),
      );
      return `<section class="spec"><h2>${h(reportPath(spec, opts.relativeTo))}</h2>${cards.join('')}</section>`;
    }),
  );
  const board = leaderboard(result.tests);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${h(title)}</title>
<style>${STYLE}</style>
</head>
<body style="--t:${size}px">
${summaryHeader(result, title)}
<main>
${result.shards ? shardSection(result.shards, result) : ''}
${result.endpoints ? endpointSection(result.endpoints, !!result.shards) : ''}
${board ? await boardSection(board, result.tests, thumbs) : ''}
<h2 id="index" class="plain">Tests</h2>
${indexTable(result, opts.relativeTo)}
${sections.join('\n')}
</main>
<footer>Generated by Wabi. Thumbnails are JPEG, at most ${size} px on the longest side; scores are calibrated 0..1 trait scores and raw judge values.</footer>
</body>
</html>
`;
}
