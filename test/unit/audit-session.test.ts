// An audit run in-process, from an `audit` block's resolved form to its reports: real ONNX judges declared in a
// spec, a built-in judge that abstains, real images, the result cache, and the JSON, CSV and HTML reports.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { named, type BuiltinJudge } from '../../server/src/audit/judges';
import { AuditConfigError, auditPlanOf, runAudit, type AuditEvent, type AuditReport, type ScoreStore } from '../../server/src/audit/session';
import { auditCsv, auditHtml, auditJson, AUDIT_CSV_COLUMNS } from '../../server/src/audit/reporters/index';
import { loadSpecs } from '../../server/src/engine/specs';
import { nodeHost } from '../../server/src/files/host';
import type { ResolvedAudit, ResolvedSpec } from '../../server/src/language/resolved';
import { ResultCache } from '../../server/src/runner/resultCache';
import { JudgePool } from '../../server/src/scoring/judges/pool';
import { writeAuditProject, type AuditProject } from './helpers/auditProject';

let project: AuditProject;
let spec: ResolvedSpec;
const HEADER = { start: { line: 3, character: 0 }, end: { line: 3, character: 20 } };

/** A built-in judge for the test: the image's darkness from its pixel mean, abstaining unless the prompt says
 *  "murky"; it counts the images it is asked to score, and how often it is opened. */
function toyJudge(calls: { n: number; opened?: number }): BuiltinJudge {
  return {
    description: 'darkness by pixel mean',
    identity: () => 'toy v1',
    open: async () => {
      calls.opened = (calls.opened ?? 0) + 1;
      return named('toy', {
        identity: 'toy v1',
        score: async (files, prompt) => {
          calls.n += files.length;
          if (!prompt.includes('murky')) return files.map(() => undefined);
          return Promise.all(files.map(async (f) => 1 - (await sharp(f).stats()).channels[0].mean / 255));
        },
        close: async () => undefined,
      });
    },
  };
}

/** The `audit` block the language would resolve: the spec's `dark` and `clip-s` judges and the built-in `toy`. */
function block(pairs: string, minAccuracy?: number): ResolvedAudit {
  const judge = (name: string) => ({ name, range: HEADER, declaration: spec.judges.get(name) });
  return { name: 'darkness', spec: spec.path, headerRange: HEADER, range: HEADER, tags: [], pairs, judges: [judge('dark'), judge('clip-s'), { name: 'toy', range: HEADER }], minAccuracy };
}

/** Counts the store's reads that found something. */
function counting(store: ScoreStore): ScoreStore & { hits: number } {
  const s = {
    hits: 0,
    getScores: async <T>(key: string) => {
      const v = await store.getScores<T>(key);
      if (v !== undefined) s.hits++;
      return v;
    },
    putScores: (key: string, value: unknown) => store.putScores(key, value),
    getFileHash: (key: string) => store.getFileHash(key),
    putFileHash: (key: string, hash: string) => store.putFileHash(key, hash),
  };
  return s;
}

before(async () => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-audit-')));
  project = await writeAuditProject(dir);
  const loaded = loadSpecs([path.join(dir, 'judges.wabi')]);
  assert.deepEqual(loaded.errors, []);
  spec = loaded.specs[0];
});

after(() => fs.rmSync(project.dir, { recursive: true, force: true }));

async function audit(resolved: ResolvedAudit, store: ScoreStore | undefined, calls: { n: number; opened?: number }, events: AuditEvent[] = []): Promise<AuditReport> {
  const pool = new JudgePool({ provider: 'cpu' });
  try {
    return await runAudit(auditPlanOf(resolved), { host: nodeHost, pool, store, builtins: { toy: toyJudge(calls) }, onEvent: (e) => events.push(e), intervals: { resamples: 400 } });
  } finally {
    await pool.close();
  }
}

test('an audit block runs: each judge scored on every pair, abstentions counted, figures as the images make them', async () => {
  const calls = { n: 0 };
  const events: AuditEvent[] = [];
  const r = await audit(block(project.pairsFile, 0.7), undefined, calls, events);
  const rows = project.rows;
  assert.equal(r.pairs.length, 16);
  assert.deepEqual(r.errors, []);
  const dark = r.judges.find((j) => j.judge === 'dark')!;
  // Right on the 12 darkened pairs, wrong on the 4 brightened ones.
  assert.equal(dark.accuracy, 0.75);
  assert.equal(dark.n, 16);
  assert.equal(dark.passed, true);
  // Per photo: darkening levels 0 and 2 and the brightening are exposure pairs, level 1 a muted one.
  assert.equal(dark.byCategory.color_and_tone.accuracy, 1);
  assert.equal(dark.byCategory.color_and_tone.n, 4);
  assert.equal(dark.byCategory.lighting_and_exposure.accuracy, 8 / 12);
  assert.equal(dark.byCategory.lighting_and_exposure.n, 12);
  assert.ok(r.scores.dark.every((s, i) => (s!.faithful > s!.polished) === (rows[i].kind === 'dark')));
  // The toy judge abstains on the brightened pairs (their prompts do not say "murky") and wins every other.
  const toy = r.judges.find((j) => j.judge === 'toy')!;
  assert.equal(toy.abstained, 4);
  assert.equal(toy.n, 12);
  assert.equal(toy.accuracy, 1);
  assert.equal(calls.n, 32, 'both images of each of the 16 pairs, once');
  assert.deepEqual(
    r.comparisons.map((c) => [c.a, c.b, c.n]),
    [
      ['dark', 'clip-s', 16],
      ['dark', 'toy', 12],
      ['clip-s', 'toy', 12],
    ],
  );
  const darkToy = r.comparisons[1];
  assert.deepEqual([darkToy.mcnemar.b, darkToy.mcnemar.c], [0, 0], 'both right on every pair they share');
  assert.deepEqual(r.cache, { hits: 0, misses: 48 });
  assert.equal(events.filter((e) => e.type === 'pair-scored').length, 48);
  assert.deepEqual(
    events.filter((e) => e.type === 'judge-finished').map((e) => (e.type === 'judge-finished' ? e.judge : '')),
    ['dark', 'clip-s', 'toy'],
  );
  const last = events[events.length - 1];
  assert.ok(last.type === 'audit-finished' && last.report === r, 'the last event carries the report');
});

test('the accuracy an audit block asks for fails the audit when a judge falls under it', async () => {
  const r = await audit(block(project.pairsFile, 0.8), undefined, { n: 0 });
  assert.equal(r.passed, false);
  assert.equal(r.judges.find((j) => j.judge === 'dark')!.passed, false);
  assert.equal(r.judges.find((j) => j.judge === 'toy')!.passed, true);
});

test('scores are cached by image, prompt and judge: a second audit scores nothing; a changed image is scored again', async () => {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-audit-cache-'));
  try {
    const store = counting(await ResultCache.open(cacheDir));
    const first = { n: 0, opened: 0 };
    const a = await audit(block(project.pairsFile), store, first);
    assert.equal(first.n, 32);
    assert.equal(first.opened, 1);
    const second = { n: 0, opened: 0 };
    const b = await audit(block(project.pairsFile), store, second);
    assert.equal(second.n, 0, 'the built-in judge was not asked again');
    assert.equal(second.opened, 0, 'nor opened: every score it would give is in the cache');
    assert.deepEqual(b.cache, { hits: 48, misses: 0 });
    assert.deepEqual(b.scores, a.scores, 'abstentions come back from the cache as abstentions');
    // A polished image replaced: the four pairs that use it are scored again, by every judge.
    const edited = path.join(project.dir, project.rows[0].polished);
    const original = fs.readFileSync(edited);
    try {
      await sharp(original).modulate({ brightness: 0.9 }).jpeg().toFile(edited + '.tmp');
      fs.renameSync(edited + '.tmp', edited);
      const third = { n: 0 };
      const c = await audit(block(project.pairsFile), store, third);
      assert.deepEqual(c.cache, { hits: 36, misses: 12 });
      assert.equal(third.n, 8);
    } finally {
      fs.writeFileSync(edited, original);
    }
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
});

test('a pair whose image cannot be decoded is a located error, left out for every judge; an unknown judge is a configuration error', async () => {
  const broken = path.join(project.dir, 'img/broken.jpg');
  const bytes = fs.readFileSync(path.join(project.dir, project.rows[0].faithful));
  fs.writeFileSync(broken, bytes.subarray(0, bytes.length >> 1));
  const file = path.join(project.dir, 'with-broken.jsonl');
  const lines = fs.readFileSync(project.pairsFile, 'utf8').trimEnd().split('\n');
  lines.splice(2, 0, JSON.stringify({ faithful: 'img/broken.jpg', polished: project.rows[0].polished, prompt: 'murky and cut short' }));
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const r = await audit(block(file), undefined, { n: 0 });
  assert.equal(r.pairs.length, 16);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0].line, 3);
  assert.match(r.errors[0].message, /^faithful image broken\.jpg cannot be used: /);
  for (const j of r.judges) assert.equal(j.n + j.abstained, 16);
  await assert.rejects(audit({ ...block(file), judges: [{ name: 'hpsv3', range: HEADER }] }, undefined, { n: 0 }), (e: Error) => e instanceof AuditConfigError && /unknown judge 'hpsv3'/.test(e.message));
  assert.throws(() => auditPlanOf({ ...block(file), pairs: undefined }), /audit 'darkness' has no pairs/);
});

test('reports: JSON in the documented shape, a CSV row per judge and group, and a self-contained HTML report', async () => {
  const r = await audit(block(project.pairsFile, 0.7), undefined, { n: 0 });
  const json = auditJson(r, project.dir);
  assert.equal(json.pairs, 'pairs.jsonl');
  assert.equal(json.n_pairs, 16);
  const judges = json.judges as Array<Record<string, unknown>>;
  assert.deepEqual(Object.keys(judges[0]).slice(0, 4), ['judge', 'n', 'abstained', 'accuracy']);
  assert.equal(judges[0].accuracy, 0.75);
  assert.equal((judges[0].accuracy_ci as number[]).length, 2);
  assert.deepEqual(Object.keys(judges[0].by_category as object), ['color_and_tone', 'lighting_and_exposure']);
  assert.equal((json.results as unknown[]).length, 16);

  const csv = auditCsv([r]).trimEnd().split('\r\n');
  assert.equal(csv[0], AUDIT_CSV_COLUMNS.join(','));
  // Per judge: all pairs, two categories, two subcategories.
  assert.equal(csv.length, 1 + 3 * 5);
  assert.equal(csv[1].split(',').slice(0, 7).join(','), 'darkness,dark,all,,16,0,0.75');

  const html = await auditHtml([r], { relativeTo: project.dir });
  assert.doesNotMatch(html, /<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/, 'no script and no address but the SVG namespace');
  assert.match(html, /Content-Security-Policy/);
  assert.equal((html.match(/<svg class="chart"/g) ?? []).length, 2, 'the category bars and the ROC curves');
  assert.equal((html.match(/<polyline /g) ?? []).length, 3, 'one ROC curve per judge');
  // The darkness judge got the four brightened pairs wrong: each shown with both images and its prompt.
  const darkSection = html.slice(html.indexOf('<h4>dark</h4>'), html.indexOf('<h4>clip-s</h4>'));
  for (const row of project.rows.filter((x) => x.kind === 'bright')) assert.ok(darkSection.includes(row.prompt), row.prompt);
  assert.equal((darkSection.match(/src="data:image\/jpeg;base64,/g) ?? []).length, 8);
});
