#!/usr/bin/env node
// The paper's generated pairs (../shared/benchmarks/paper-pairs/bench: N_orig.jpg from the plain prompt, N_dist.jpg
// from the anti-aesthetic prompt, _meta.json with the prompts, the distortion dimensions the prompt asked for and
// HPSv3 scores): every Wabi trait score of orig and dist, and whether the traits that match the pair's
// `selected_dims` rose in dist.
//
// The paper's dimension names ("clarity", "lighting distinction", ...) are not the taxonomy's; DIMENSIONS below maps
// each to the taxonomy entries (categories.json) its distorted prompts describe, and a dimension's traits are the
// Wabi traits whose catalogue `serves` list (server/src/catalogue/traits.ts) names one of those entries. The
// mapping is printed. Dimensions about a region or about semantics ("background", "object pairing") map to no
// pixel trait: Wabi's traits measure the whole frame.
//
//   npm run bench:pairs
//   node bench/scoring/paper-pairs.mjs [--dir DIR] [--margin 0.05] [--compact] [--provider auto|cuda|webgpu|cpu]
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkProvider, fmt, table } from './lib/common.mjs';
import { loadWabi, pickAnalysers, root } from './lib/wabi.mjs';

/** Paper dimension -> taxonomy entries (category.subcategory), from what the pairs' distorted prompts ask for. */
export const DIMENSIONS = {
  // "blurry, distorted ... noise-filled", "heavy blur and noise ... pixelated distortion"
  clarity: ['clarity_and_focus.intentional_blur', 'clarity_and_focus.film_artifacts', 'clarity_and_focus.digital_artifacts', 'clarity_and_focus.bad_or_no_details'],
  // "poor lighting with no shadows or light effects", "lacking any light or shadow effects ... flat"
  'lighting distinction': ['lighting_and_exposure.flat_lighting', 'lighting_and_exposure.low_contrast_oppressive'],
  // "dimly lit ... overwhelming darkness", "uniformly dark"
  'color brightness': ['lighting_and_exposure.exposure_extremes'],
  // "garish, clashing colors ... poor color harmony"
  'color aesthetic': ['color_and_tone.clashing_disharmony'],
  // "details blatantly rough and unfinished", "jagged pixelated edges ... blotchy"
  'detail refinement': ['clarity_and_focus.bad_or_no_details', 'clarity_and_focus.digital_artifacts'],
  // "inauthentic details", "warped textures ... poorly rendered"
  'detail realism': ['clarity_and_focus.bad_or_no_details'],
  // "small, peripheral, and indistinct", "barely visible ... lost"
  'main object': ['composition_and_structure.unconventional_scale', 'composition_and_structure.obstructed_cropping'],
  // "background is low-quality, indistinct, or ugly": a region, which whole-frame traits cannot isolate
  background: [],
  // "mismatched proportions", "misaligned": semantic
  'object pairing': ['composition_and_structure.scale_inconsistency'],
};

const { values: opt } = parseArgs({
  options: {
    dir: { type: 'string', default: resolve(root, '..', 'shared', 'benchmarks', 'paper-pairs', 'bench') },
    meta: { type: 'string' },
    margin: { type: 'string', default: '0.05' },
    provider: { type: 'string', default: 'auto' },
    traits: { type: 'string', default: 'all' },
    compact: { type: 'boolean', default: false },
    out: { type: 'string', default: join(root, 'bench', 'results', 'scoring-paper-pairs.json') },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opt.help) {
  console.log(`Usage: node bench/scoring/paper-pairs.mjs [options]
  --dir DIR        pairs folder (default ../shared/benchmarks/paper-pairs/bench)
  --meta FILE      metadata JSON (default DIR/_meta.json, else the first JSON array in DIR with idx entries)
  --margin M       a trait 'rose' when its dist score exceeds orig by more than M (default 0.05)
  --compact        per pair, only the requested traits and polish
  --provider P     auto|cuda|webgpu|cpu (default auto)
  --traits LIST    comma-separated traits instead of the full registry
  --out FILE       JSON results (default bench/results/scoring-paper-pairs.json)`);
  process.exit(0);
}
const provider = checkProvider(opt.provider);
const margin = Number(opt.margin);
const log = (l) => console.error(l);
const warnings = [];
const warn = (w) => {
  warnings.push(w);
  log(`warning: ${w}`);
};

if (!existsSync(opt.dir)) {
  console.error(`no pairs folder at ${opt.dir} (pass --dir)`);
  process.exit(2);
}

// Metadata: _meta.json, else any JSON array of objects with an idx; missing metadata leaves pairs without dims.
function loadMeta() {
  const candidates = opt.meta ? [opt.meta] : [join(opt.dir, '_meta.json'), ...readdirSync(opt.dir).filter((f) => f.endsWith('.json') && f !== '_meta.json').map((f) => join(opt.dir, f))];
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    try {
      const data = JSON.parse(readFileSync(file, 'utf8'));
      const list = Array.isArray(data) ? data : Array.isArray(data?.pairs) ? data.pairs : undefined;
      if (list && list.some((e) => e && typeof e === 'object' && 'idx' in e)) return { file, list };
      warn(`${file}: not a list of pairs with 'idx'; ignored`);
    } catch (e) {
      warn(`${file}: unreadable metadata (${e instanceof Error ? e.message : e}); ignored`);
    }
  }
  warn('no pair metadata found: scores are printed without selected dimensions');
  return { file: undefined, list: [] };
}
const meta = loadMeta();
const metaByIdx = new Map();
for (const e of meta.list) {
  if (!e || typeof e !== 'object' || e.idx === undefined) continue;
  metaByIdx.set(String(e.idx), e);
}

// Pairs: every N with both N_orig and N_dist present; metadata entries without images are reported.
const filesByIdx = new Map();
for (const f of readdirSync(opt.dir)) {
  const m = /^(.+)_(orig|dist)\.(jpe?g|png|webp)$/i.exec(f);
  if (!m) continue;
  const e = filesByIdx.get(m[1]) ?? {};
  e[m[2].toLowerCase()] = join(opt.dir, f);
  filesByIdx.set(m[1], e);
}
const order = [...new Set([...meta.list.map((e) => String(e?.idx)), ...[...filesByIdx.keys()].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b))])];
const pairs = [];
for (const idx of order) {
  const f = filesByIdx.get(idx);
  if (!f?.orig || !f?.dist) {
    if (metaByIdx.has(idx)) warn(`pair ${idx}: ${!f?.orig ? `${idx}_orig` : `${idx}_dist`} image missing; skipped`);
    continue;
  }
  const m = metaByIdx.get(idx);
  if (!m) warn(`pair ${idx}: no metadata entry`);
  let dims = m?.selected_dims;
  if (dims !== undefined && !Array.isArray(dims)) {
    warn(`pair ${idx}: selected_dims is not a list (${JSON.stringify(dims)}); read as ${typeof dims === 'string' ? 'one dimension' : 'none'}`);
    dims = typeof dims === 'string' ? [dims] : [];
  }
  dims = (dims ?? []).filter((d) => typeof d === 'string').map((d) => d.trim());
  pairs.push({ idx, orig: f.orig, dist: f.dist, dims, meta: m });
}
if (pairs.length === 0) {
  console.error(`no N_orig/N_dist pairs in ${opt.dir}`);
  process.exit(2);
}

const wabi = await loadWabi();
const analysers = pickAnalysers(wabi, opt.traits);
const traitNames = analysers.map((a) => a.name);
const catalogue = new Map(wabi.TRAITS.map((t) => [t.name, t]));

/** Taxonomy entries of a dimension: the table above, or the dimension itself when it is already an entry
 *  (`category.subcategory`) or a subcategory name. */
function entriesOf(dim) {
  const key = dim.toLowerCase();
  if (key in DIMENSIONS) return { entries: DIMENSIONS[key], known: true };
  const all = [...new Set(wabi.TRAITS.flatMap((t) => t.serves))];
  const direct = all.filter((e) => e === key || e.endsWith(`.${key.replace(/\s+/g, '_')}`));
  return { entries: direct, known: direct.length > 0 };
}
function traitsOf(dim) {
  const { entries, known } = entriesOf(dim);
  const traits = traitNames.filter((n) => catalogue.get(n)?.serves.some((s) => entries.includes(s)));
  return { entries, traits, known };
}

// The mapping, for every dimension seen (and the table's).
const allDims = [...new Set([...Object.keys(DIMENSIONS), ...pairs.flatMap((p) => p.dims.map((d) => d.toLowerCase()))])];
console.log('Paper dimension -> taxonomy entries -> Wabi traits (via catalogue `serves`):');
console.log(
  table([
    ['dimension', 'taxonomy entries', 'traits'],
    ...allDims.map((d) => {
      const m = traitsOf(d);
      return [d, m.entries.join(', ') || (m.known ? '(region or semantics: none)' : '(unknown dimension)'), m.traits.join(', ') || '-'];
    }),
  ]),
);

log(`scoring ${pairs.length} pairs with ${analysers.length} traits (${wabi.REGISTRY})...`);
const scorer = await wabi.TraitScorer.open({ analysers, resolve: wabi.resolveTrait, provider, batchSize: 8, log });
const files = pairs.flatMap((p) => [p.orig, p.dist]);
const scored = new Map();
for await (const r of scorer.scoreFiles(files)) scored.set(r.file, r);
await scorer.close();

const results = [];
for (const p of pairs) {
  const o = scored.get(p.orig);
  const d = scored.get(p.dist);
  if (!o || !d || wabi.isFailure(o) || wabi.isFailure(d)) {
    warn(`pair ${p.idx}: ${[o, d].filter((r) => r && wabi.isFailure(r)).map((r) => `${r.file}: ${r.error}`).join('; ') || 'not scored'}; skipped`);
    continue;
  }
  const dimResults = p.dims.map((dim) => {
    const m = traitsOf(dim);
    const rose = m.traits.filter((t) => d.traits[t] - o.traits[t] > margin);
    return { dim, entries: m.entries, traits: m.traits, rose, known: m.known };
  });
  const requested = [...new Set(dimResults.flatMap((x) => x.traits))];
  const rose = requested.filter((t) => d.traits[t] - o.traits[t] > margin);
  const measurable = dimResults.filter((x) => x.traits.length > 0);
  results.push({
    idx: p.idx,
    dims: p.dims,
    promptDistorted: p.meta?.prompt_distorted,
    hpsv3: { orig: p.meta?.hpsv3_oidp, dist: p.meta?.hpsv3_didp },
    orig: o.traits,
    dist: d.traits,
    rawOrig: o.raw,
    rawDist: d.raw,
    dimensions: dimResults,
    requested,
    rose,
    anyRose: rose.length > 0,
    allDimsRose: measurable.length > 0 && measurable.every((x) => x.rose.length > 0),
    measurable: measurable.length > 0,
    polishFell: 'polish' in o.traits ? o.traits.polish - d.traits.polish > margin : undefined,
  });
}

for (const r of results) {
  const hps = r.hpsv3.orig !== undefined ? `  HPSv3 ${r.hpsv3.orig} -> ${r.hpsv3.dist}` : '';
  console.log(`\nPair ${r.idx}: dims ${r.dims.length ? r.dims.map((x) => `"${x}"`).join(', ') : '(none)'}${hps}`);
  if (r.promptDistorted) console.log(`  dist prompt: ${r.promptDistorted.length > 150 ? r.promptDistorted.slice(0, 147) + '...' : r.promptDistorted}`);
  const shown = opt.compact ? traitNames.filter((t) => r.requested.includes(t) || t === 'polish') : traitNames;
  console.log(
    table([
      ['trait', 'orig', 'dist', 'delta', 'requested by', 'rose?'],
      ...shown.map((t) => {
        const delta = r.dist[t] - r.orig[t];
        const by = r.dimensions.filter((x) => x.traits.includes(t)).map((x) => x.dim);
        return [t, fmt(r.orig[t], 3), fmt(r.dist[t], 3), `${delta >= 0 ? '+' : ''}${fmt(delta, 3)}`, by.join(', ') || '', by.length ? (delta > margin ? 'ROSE' : 'no') : delta > margin ? '(rose)' : ''];
      }),
    ]),
  );
  const per = r.dimensions.map((x) => `${x.dim}: ${x.traits.length === 0 ? 'no pixel trait' : x.rose.length ? `rose (${x.rose.join(', ')})` : 'no requested trait rose'}`);
  console.log(`  ${per.join('; ') || 'no dimensions'}${r.polishFell !== undefined ? `; polish ${r.polishFell ? 'fell' : 'did not fall'}` : ''}`);
}

const measurable = results.filter((r) => r.measurable);
const tally = new Map();
for (const r of results) for (const t of r.requested) {
  const e = tally.get(t) ?? { requested: 0, rose: 0 };
  e.requested++;
  if (r.rose.includes(t)) e.rose++;
  tally.set(t, e);
}
const dimTally = new Map();
for (const r of results) for (const x of r.dimensions) {
  const e = dimTally.get(x.dim) ?? { pairs: 0, measurable: 0, rose: 0 };
  e.pairs++;
  if (x.traits.length) e.measurable++;
  if (x.rose.length) e.rose++;
  dimTally.set(x.dim, e);
}
console.log(`\nSummary (${results.length} pairs; a trait rose when dist - orig > ${margin}):`);
console.log(`  pairs where a requested trait rose in dist: ${measurable.filter((r) => r.anyRose).length} of ${measurable.length} with a pixel-measurable dimension (${results.length - measurable.length} pairs ask only for region/semantic dimensions)`);
console.log(`  pairs where every measurable dimension rose: ${measurable.filter((r) => r.allDimsRose).length} of ${measurable.length}`);
if (results.some((r) => r.polishFell !== undefined)) console.log(`  pairs where polish fell in dist: ${results.filter((r) => r.polishFell).length} of ${results.length}`);
console.log('\nBy dimension:');
console.log(table([['dimension', 'pairs', 'with traits', 'rose'], ...[...dimTally].map(([d, e]) => [d, String(e.pairs), String(e.measurable), String(e.rose)])]));
console.log('\nBy trait (requested through a dimension):');
console.log(table([['trait', 'requested', 'rose'], ...[...tally].sort((a, b) => b[1].requested - a[1].requested).map(([t, e]) => [t, String(e.requested), String(e.rose)])]));
if (warnings.length) console.log(`\n${warnings.length} warning(s): ${warnings.join(' | ')}`);

const out = {
  benchmark: 'scoring-paper-pairs',
  date: new Date().toISOString(),
  dir: opt.dir,
  metadata: meta.file,
  registry: wabi.REGISTRY,
  margin,
  mapping: Object.fromEntries(allDims.map((d) => [d, traitsOf(d)])),
  summary: {
    pairs: results.length,
    measurable: measurable.length,
    anyRequestedRose: measurable.filter((r) => r.anyRose).length,
    allDimensionsRose: measurable.filter((r) => r.allDimsRose).length,
    polishFell: results.filter((r) => r.polishFell).length,
    byTrait: Object.fromEntries(tally),
    byDimension: Object.fromEntries(dimTally),
  },
  pairs: results,
  warnings,
};
mkdirSync(dirname(resolve(opt.out)), { recursive: true });
writeFileSync(opt.out, JSON.stringify(out, null, 2) + '\n');
console.log(`\nwrote ${opt.out}`);
