// `wabi audit` as a user runs it: dist/cli.js in a child process, on a temp project with real ONNX judges declared
// in a spec and pairs made from the test photos.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { loadSpecs } from '../../server/src/engine/specs';
import { ClipJudge, judgeSpecFrom, type ClipJudgeSpec } from '../../server/src/scoring/judges/index';
import { writeAuditProject, type AuditProject } from './helpers/auditProject';

const REPO = path.resolve(__dirname, '../../..');
const CLI = path.join(REPO, 'dist/cli.js');

let project: AuditProject;

before(async () => {
  project = await writeAuditProject(fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-audit-cli-'))));
});
after(() => fs.rmSync(project.dir, { recursive: true, force: true }));

function wabi(args: string[], cwd = project.dir) {
  const r = spawnSync(process.execPath, [CLI, 'audit', ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, CI: 'true' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const JUDGES = ['--judge', 'dark', '--judge', 'clip-s', '--provider', 'cpu'];

interface JsonJudge {
  judge: string;
  n: number;
  abstained: number;
  accuracy: number;
  accuracy_ci: [number, number];
  f1: number;
  auroc: number;
  mean_gap: number;
  passed?: boolean;
  by_category: Record<string, { n: number; accuracy: number }>;
}

test('wabi audit --json: the documented shape, figures as the images make them, and a clip judge read as cosine similarity', async () => {
  const r = wabi(['--pairs', 'pairs.jsonl', ...JUDGES, '--json', '--no-cache', '--judge-batch', '6']);
  assert.equal(r.code, 0, r.stderr);
  // Each model says where it runs and in what batches, and how well the pairs' images met in them.
  assert.match(r.stderr, /judge 'clip-s' \(models\/image\.onnx\): running on cpu \(as set\); batches of up to 6\n/);
  const met = /judge 'dark' \(models\/dark\.onnx\): 32 items in (\d+) runs? \([\d.]+ a run, largest (\d)\)/.exec(r.stderr);
  assert.ok(met && Number(met[2]) <= 6 && Number(met[1]) >= 6, r.stderr);
  const out = JSON.parse(r.stdout) as { judges: JsonJudge[]; comparisons: Array<{ a: string; b: string; n: number; wilcoxon: { p: number }; mcnemar: { p: number } }>; errors: unknown[]; n_pairs: number };
  assert.equal(out.n_pairs, 16);
  assert.deepEqual(out.errors, []);
  const [dark, clip] = out.judges;
  assert.equal(dark.judge, 'dark');
  assert.equal(dark.n, 16);
  assert.equal(dark.accuracy, 0.75, 'right on the 12 darkened pairs, wrong on the 4 brightened');
  assert.ok(dark.accuracy_ci[0] < 0.75 && 0.75 < dark.accuracy_ci[1]);
  assert.deepEqual(Object.keys(dark.by_category), ['color_and_tone', 'lighting_and_exposure']);
  assert.equal(out.comparisons.length, 1);
  assert.deepEqual([out.comparisons[0].a, out.comparisons[0].b, out.comparisons[0].n], ['dark', 'clip-s', 16]);
  assert.ok(out.comparisons[0].wilcoxon.p >= 0 && out.comparisons[0].wilcoxon.p <= 1);

  // The clip judge's accuracy is the share of pairs whose faithful image is nearer the prompt, as the judge
  // itself computes it in-process.
  const spec = loadSpecs([path.join(project.dir, 'judges.wabi')]).specs[0];
  const judge = await ClipJudge.open(judgeSpecFrom(spec.judges.get('clip-s')!) as ClipJudgeSpec, { provider: 'cpu' });
  try {
    let right = 0;
    for (const row of project.rows) {
      const [f, p] = await judge.similarity([path.join(project.dir, row.faithful), path.join(project.dir, row.polished)], row.prompt);
      right += f > p ? 1 : f === p ? 0.5 : 0;
    }
    assert.equal(clip.accuracy, Math.round((right / 16) * 1e6) / 1e6);
  } finally {
    await judge.dispose();
  }
});

test('--min-accuracy gates the exit code; the terminal table says which judge failed', () => {
  const pass = wabi(['--pairs', 'pairs.jsonl', '--judge', 'dark', '--provider', 'cpu', '--no-cache', '--min-accuracy', '0.75']);
  assert.equal(pass.code, 0, pass.stderr);
  assert.match(pass.stdout, /^audit pairs\.jsonl: 16 pairs\n/);
  assert.match(pass.stdout, /\n {2}dark +16 +0 +0\.75 \[0\.\d\d, 0\.\d\d\] .* pass\n/);
  const fail = wabi(['--pairs', 'pairs.jsonl', '--judge', 'dark', '--provider', 'cpu', '--no-cache', '--min-accuracy', '0.8']);
  assert.equal(fail.code, 1, fail.stderr);
  assert.match(fail.stdout, / FAIL\n/);
  assert.match(fail.stderr, /pairs\.jsonl: dark: 16 pairs scored \(0 from the cache\)/, 'progress on stderr');
});

test('usage and configuration errors exit 2 with a message', () => {
  const typo = wabi(['--pairs', 'pairs.jsonl', '--judge', 'drak']);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /^wabi: unknown judge 'drak'\. Did you mean 'dark'\?/);
  const range = wabi(['--pairs', 'pairs.jsonl', '--judge', 'dark', '--min-accuracy', '1.5']);
  assert.equal(range.code, 2);
  assert.match(range.stderr, /--min-accuracy must be a number from 0 to 1/);
  assert.match(wabi(['--pairs', 'pairs.jsonl']).stderr, /--pairs needs at least one --judge NAME/);
  assert.match(wabi(['--judge', 'dark']).stderr, /--judge needs --pairs/);
  assert.match(wabi([]).stderr, /no --pairs given, and the specs found hold no audit block/);
  const missing = wabi(['--pairs', 'nope.jsonl', '--judge', 'dark']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--pairs nope\.jsonl: no such file or folder/);
  assert.match(wabi(['--pairs', 'pairs.jsonl', '--judge', 'dark', '--reporter', 'junit']).stderr, /unknown reporter 'junit'; expected json, csv, html/);
  const batch = wabi(['--pairs', 'pairs.jsonl', '--judge', 'dark', '--judge-batch', '0']);
  assert.equal(batch.code, 2);
  assert.match(batch.stderr, /--judge-batch must be a whole number from 1 to 256; got '0'/);
});

test('bad rows are located errors on stderr and the rest are audited; images outside the project need --allow-outside', () => {
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-outside-'));
  try {
    fs.copyFileSync(path.join(project.dir, project.rows[0].faithful), path.join(outside, 'dark.jpg'));
    const rows = fs.readFileSync(project.pairsFile, 'utf8').trimEnd().split('\n');
    const extra = [
      '{"faithful": "img/none.jpg", "polished": "img/coffee.jpg", "prompt": "p"}',
      JSON.stringify({ faithful: path.join(outside, 'dark.jpg'), polished: project.rows[0].polished, prompt: 'murky, from outside' }),
    ];
    fs.writeFileSync(path.join(project.dir, 'mixed.jsonl'), [rows[0], extra[0], ...rows.slice(1), extra[1]].join('\n') + '\n');
    const r = wabi(['--pairs', 'mixed.jsonl', '--judge', 'dark', '--provider', 'cpu', '--no-cache', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^mixed\.jsonl:2:2: faithful image img\/none\.jpg does not exist$/m);
    assert.match(r.stderr, /^mixed\.jsonl:18:2: faithful image .*dark\.jpg is outside the project \(--allow-outside reads it\)$/m);
    const json = JSON.parse(r.stdout) as { n_pairs: number; errors: Array<{ line: number }> };
    assert.equal(json.n_pairs, 16);
    assert.deepEqual(json.errors.map((e) => e.line), [2, 18]);
    const open = wabi(['--pairs', 'mixed.jsonl', '--judge', 'dark', '--provider', 'cpu', '--no-cache', '--json', '--allow-outside']);
    assert.equal((JSON.parse(open.stdout) as { n_pairs: number }).n_pairs, 17);
  } finally {
    fs.rmSync(outside, { recursive: true, force: true });
  }
});

test('--reporter json,csv,html --out writes the reports; the HTML is self-contained with charts and the worst pairs', () => {
  const r = wabi(['--pairs', 'pairs.jsonl', ...JUDGES, '--no-cache', '--reporter', 'json,csv,html', '--out', 'report']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /wrote report\/wabi-audit\.json\nwrote report\/wabi-audit\.csv\nwrote report\/wabi-audit\.html/);
  const json = JSON.parse(fs.readFileSync(path.join(project.dir, 'report/wabi-audit.json'), 'utf8')) as { judges: JsonJudge[] };
  assert.equal(json.judges[0].accuracy, 0.75);
  const csv = fs.readFileSync(path.join(project.dir, 'report/wabi-audit.csv'), 'utf8').split('\r\n');
  assert.match(csv[1], /^pairs\.jsonl,dark,all,,16,0,0\.75,/);
  const html = fs.readFileSync(path.join(project.dir, 'report/wabi-audit.html'), 'utf8');
  assert.doesNotMatch(html, /<script|<link|src="(?!data:)/);
  assert.match(html, /<h3>Accuracy by category<\/h3><svg class="chart"/);
  assert.match(html, /<h3>ROC curves<\/h3><svg class="chart"/);
  assert.match(html, /<th scope="row">dark vs clip-s<\/th><td class="n">16<\/td>/);
  const worst = html.slice(html.indexOf('<h4>dark</h4>'), html.indexOf('<h4>clip-s</h4>'));
  assert.equal((worst.match(/<div class="pair">/g) ?? []).length, 4, 'the four brightened pairs the darkness judge got wrong');
  assert.match(worst, /A blown-out, washed-out coffee, level 3/);
  assert.equal((worst.match(/<img src="data:image\/jpeg;base64,/g) ?? []).length, 8);
});

test('an audit killed part way resumes: the rerun reads every score it had finished from the cache and scores only the rest', async () => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-audit-kill-')));
  try {
    const levels = Array.from({ length: 16 }, (_, k) => 0.9 - k * 0.05);
    await writeAuditProject(dir, levels, []);
    const pairs = 64;
    const args = [CLI, 'audit', '--pairs', 'pairs.jsonl', ...JUDGES, '--json', '--cache', 'cache'];
    // Killed (SIGKILL: no chance to tidy up) as soon as the first judge has finished and the second has begun.
    const child = spawn(process.execPath, args, { cwd: dir, env: { ...process.env, CI: 'true' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (/: dark: 64 pairs scored/.test(stderr)) child.kill('SIGKILL');
    });
    const end = await new Promise<{ code: number | null; signal: string | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
    assert.equal(end.signal, 'SIGKILL', `the audit was killed before it finished: ${stderr}`);
    const stored = countScores(path.join(dir, 'cache'));
    assert.ok(stored >= 2 * pairs && stored < 4 * pairs, `the first judge's ${2 * pairs} scores and part of the second's are stored: ${stored}`);

    const rerun = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, CI: 'true' } });
    assert.equal(rerun.status, 0, rerun.stderr);
    const resumed = JSON.parse(rerun.stdout) as { cache: { hits: number; misses: number }; judges: unknown; results: unknown };
    // A pair's two scores are stored together, and up to 32 pairs are scored at once: at most those 32 were cut
    // between their two scores. Every pair with both stored is read back, and only those.
    const { hits, misses } = resumed.cache;
    assert.equal(hits + misses, 2 * pairs);
    assert.ok(hits <= Math.floor(stored / 2) && hits >= Math.ceil((stored - 32) / 2), `${hits} pairs read back of ${stored} scores stored`);
    assert.match(rerun.stderr, new RegExp(`: dark: 64 pairs scored \\(64 from the cache\\)`));

    const fresh = spawnSync(process.execPath, [...args.slice(0, -2), '--no-cache'], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, CI: 'true' } });
    const clean = JSON.parse(fresh.stdout) as typeof resumed;
    assert.deepEqual(resumed.judges, clean.judges, 'the resumed audit reports what an uncached one does');
    assert.deepEqual(resumed.results, clean.results);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function countScores(cache: string): number {
  const scores = path.join(cache, 'scores');
  if (!fs.existsSync(scores)) return 0;
  return fs.readdirSync(scores).reduce((n, shard) => n + fs.readdirSync(path.join(scores, shard)).filter((f) => /^[0-9a-f]{64}\.json$/.test(f)).length, 0);
}
