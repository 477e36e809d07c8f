// The `wabi` CLI as a user runs it: the bundled dist/cli.js in a child process, on real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as http from 'node:http';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { traitsMarkdown } from '../../server/src/scoring/traits/docs';
import { TRAIT_NAMES } from '../../server/src/catalogue/traits';
import { nodeHost } from '../../server/src/files/host';
import { cpuSessionLayout } from '../../server/src/scoring/traitScorer';
import { hover } from '../../server/src/language/hover';
import { SpecWorkspace } from '../../server/src/language/workspace';

const REPO = path.resolve(__dirname, '../../..');
const CLI = path.join(REPO, 'dist/cli.js');

function wabi(args: string[], cwd = REPO) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempWorkspace(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-cli-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

test('wabi check passes the bundled examples', () => {
  const r = wabi(['check', 'examples']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^\d+ spec files checked: 0 errors, 0 warnings\.\n$/);
});

test('wabi check prints file:line:col severity message and exits 1 on errors', () => {
  const dir = tempWorkspace({
    'specs/bad.wabi': 'generator g\n  kind degrade\n  input missing.png\ntest "t"\n  generator g\n  prompt a cow\n  expect grian >= 0.6\n  expect grain > 1.5\n',
    'specs/warn.wabi': 'generator g\n  kind comfyui\n  url http://127.0.0.1:8188\n  workflow w.json\ndefaults\n  generator g\n  size 1000x1001\ntest "t"\n  prompt p\n',
    'specs/w.json': '{}',
    'node_modules/skipped.wabi': 'garbage',
  });
  try {
    const r = wabi(['check', '.'], dir);
    assert.equal(r.code, 1);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      "specs/bad.wabi:3:9 error 'missing.png' does not exist (relative to this spec). [missing-file]",
      "specs/bad.wabi:7:10 error Unknown trait 'grian'. Did you mean 'grain'? [unknown-trait]",
      'specs/bad.wabi:8:18 error Trait scores are 0..1; 1.5 can never be reached. [threshold-range]',
      'specs/warn.wabi:7:13 warning 1001 is not a multiple of 8; most diffusion models round it. [size-not-multiple-of-8]',
    ]);
    assert.equal(r.stderr, '2 spec files checked: 3 errors, 1 warning.\n');

    const warnOnly = wabi(['check', 'specs/warn.wabi'], dir);
    assert.equal(warnOnly.code, 0, 'warnings alone do not fail');

    const json = wabi(['check', '--json', 'specs/bad.wabi'], dir);
    const parsed = JSON.parse(json.stdout) as Array<{ file: string; diagnostics: Array<{ line: number; column: number; code: string }> }>;
    assert.deepEqual(
      parsed[0].diagnostics.map((d) => [d.line, d.column, d.code]),
      [
        [3, 9, 'missing-file'],
        [7, 10, 'unknown-trait'],
        [8, 18, 'threshold-range'],
      ],
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('usage errors exit 2 with a message', () => {
  const missing = wabi(['check', 'no/such/dir']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^wabi: 'no\/such\/dir' does not exist/);
  const flag = wabi(['check', '--frobnicate']);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /unknown option '--frobnicate'/);
  const cmd = wabi(['launch']);
  assert.equal(cmd.code, 2);
  assert.match(cmd.stderr, /unknown command 'launch'/);
  const batch = wabi(['run', '--judge-batch', '300']);
  assert.equal(batch.code, 2);
  assert.match(batch.stderr, /--judge-batch must be a whole number from 1 to 256/);
});

test('wabi fmt --check lists unformatted specs; wabi fmt rewrites them', () => {
  const messy = 'test   "t"\n    prompt      grainy cow\n    baseline a cow\n    expect grain>=0.6\n';
  const dir = tempWorkspace({ 'a.wabi': messy });
  try {
    const check = wabi(['fmt', '--check', '.'], dir);
    assert.equal(check.code, 1);
    assert.equal(check.stdout, 'a.wabi\n');
    const write = wabi(['fmt', '.'], dir);
    assert.equal(write.code, 0);
    const formatted = fs.readFileSync(path.join(dir, 'a.wabi'), 'utf8');
    assert.notEqual(formatted, messy);
    const head = 'test "t"\n  prompt    grainy cow\n';
    assert.equal(formatted.slice(0, head.length), head);
    assert.equal(wabi(['fmt', '--check', '.'], dir).code, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the examples are formatted', () => {
  const r = wabi(['fmt', '--check', 'examples']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
});

test('wabi traits lists the catalogue; docs/traits.md is its Markdown', () => {
  const r = wabi(['traits']);
  assert.equal(r.code, 0);
  assert.deepEqual(
    r.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0]),
    [...TRAIT_NAMES],
  );
  const json = JSON.parse(wabi(['traits', '--json']).stdout) as Array<{ name: string }>;
  assert.deepEqual(json.map((t) => t.name), [...TRAIT_NAMES]);
  const doc = fs.readFileSync(path.join(REPO, 'docs/traits.md'), 'utf8');
  assert.equal(doc, traitsMarkdown() + '\n', 'docs/traits.md is stale: run `npm run docs`');
});

test('wabi --version prints the package version', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
  assert.equal(wabi(['--version']).stdout, pkg.version + '\n');
});

test('a UTF-8 byte-order mark is ignored by check and kept by fmt', () => {
  const dir = tempWorkspace({ 'bom.wabi': '\ufeffgenerator g\n  kind degrade\n  input x.png\ntest   "t"\n  generator g\n  prompt p\n', 'x.png': 'x' });
  try {
    const r = wabi(['check', '.'], dir);
    assert.equal(r.code, 0, r.stdout);
    assert.equal(wabi(['fmt', '.'], dir).code, 0);
    const text = fs.readFileSync(path.join(dir, 'bom.wabi'), 'utf8');
    assert.ok(text.startsWith('\ufeffgenerator g\n'));
    assert.match(text, /\ntest "t"\n/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('specs are UTF-8: check locates the first invalid byte, fmt leaves undecodable files alone, binaries are one "not a text spec"', async () => {
  const { default: sharp } = await import('sharp');
  const latin1 = Buffer.from('generator g\n  kind degrade\n  input x.png\ntest "caf\xe9 cr\xe8me"\n  generator g\n  prompt p\n', 'latin1');
  const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 40, b: 40 } } }).jpeg().toBuffer();
  // 4,000 bytes of "binary": text-like bytes with NULs among them, and valid UTF-8 otherwise.
  const binary = Buffer.alloc(4000, 'ab\0cd\n');
  // A valid multi-byte character before the bad byte on the same line: the column counts characters.
  const late = Buffer.concat([Buffer.from('test "t"\n  prompt  caf\u00e9 '), Buffer.from([0xff]), Buffer.from(' ok\n')]);
  const dir = tempWorkspace({ 'x.png': 'x', 'good.wabi': 'import "lib.wabi"\ntest "t"\n  generator g\n  prompt p\n' });
  try {
    fs.writeFileSync(path.join(dir, 'latin1.wabi'), latin1);
    fs.writeFileSync(path.join(dir, 'lib.wabi'), latin1);
    fs.writeFileSync(path.join(dir, 'late.wabi'), late);
    fs.writeFileSync(path.join(dir, 'photo.jpg'), jpeg);
    fs.writeFileSync(path.join(dir, 'blob.wabi'), binary);

    const one = wabi(['check', 'latin1.wabi'], dir);
    assert.equal(one.code, 1);
    assert.equal(
      one.stdout,
      'latin1.wabi:4:10 error The file is not valid UTF-8 (byte 0xE9 at line 4, column 10): save it as UTF-8. [not-utf8]\n',
    );
    assert.equal(one.stderr, '1 spec file checked: 1 error, 0 warnings.\n');
    assert.equal(wabi(['check', 'late.wabi'], dir).stdout, 'late.wabi:2:16 error The file is not valid UTF-8 (byte 0xFF at line 2, column 16): save it as UTF-8. [not-utf8]\n');

    const photo = wabi(['check', 'photo.jpg'], dir);
    assert.equal(photo.code, 1);
    assert.equal(photo.stdout, 'photo.jpg:1:1 error The file is not a text spec (it looks like a JPEG image). [not-text]\n');
    assert.equal(wabi(['check', 'blob.wabi'], dir).stdout, 'blob.wabi:1:1 error The file is not a text spec (it holds NUL bytes). [not-text]\n');

    // An import that cannot be decoded is an error at the import, naming where the bad byte is.
    const imp = wabi(['check', 'good.wabi'], dir);
    assert.equal(imp.code, 1);
    assert.equal(
      imp.stdout,
      "good.wabi:1:8 error Cannot import 'lib.wabi': it is not valid UTF-8 (byte 0xE9 at line 4, column 10): save it as UTF-8. [missing-import]\n" +
        "good.wabi:3:13 error Unknown generator 'g'. Define it with a `generator` block or import a file that does. [unknown-generator]\n",
    );

    // fmt writes nothing it could not decode exactly, says so, and exits 1.
    for (const args of [['fmt', '.'], ['fmt', '--check', '.']]) {
      const r = wabi(args, dir);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^blob\.wabi:1:1 error The file is not a text spec \(it holds NUL bytes\); left unchanged\. \[not-text\]$/m);
      assert.match(r.stderr, /^late\.wabi:2:16 error The file is not valid UTF-8 \(byte 0xFF at line 2, column 16\): save it as UTF-8; left unchanged\. \[not-utf8\]$/m);
      assert.match(r.stderr, /^latin1\.wabi:4:10 error .*; left unchanged\. \[not-utf8\]$/m);
      assert.match(r.stderr, /^lib\.wabi:4:10 error .*; left unchanged\. \[not-utf8\]$/m);
    }
    assert.deepEqual(fs.readFileSync(path.join(dir, 'latin1.wabi')), latin1);
    assert.deepEqual(fs.readFileSync(path.join(dir, 'lib.wabi')), latin1);
    assert.deepEqual(fs.readFileSync(path.join(dir, 'late.wabi')), late);
    assert.deepEqual(fs.readFileSync(path.join(dir, 'blob.wabi')), binary);
    const named = wabi(['fmt', 'photo.jpg'], dir);
    assert.equal(named.code, 1);
    assert.deepEqual(fs.readFileSync(path.join(dir, 'photo.jpg')), jpeg);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('wabi traits --json scores every catalogue trait per image; a bad file gets an error and exit 1', () => {
  const dir = tempWorkspace({ 'broken.png': 'not a png at all' });
  try {
    const photo = path.join(REPO, 'test/fixtures/photos/coffee.jpg');
    const r = spawnSync(process.execPath, [CLI, 'traits', '--json', '--provider', 'cpu', photo, path.join(dir, 'broken.png'), path.join(REPO, 'test/fixtures/photos/rocket.jpg')], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 1, r.stderr);
    const out = JSON.parse(r.stdout) as Array<{ file: string; traits?: Record<string, number>; raw?: Record<string, number>; error?: string }>;
    assert.equal(out.length, 3);
    assert.deepEqual(Object.keys(out[0].traits!), [...TRAIT_NAMES]);
    assert.deepEqual(Object.keys(out[0].raw!), [...TRAIT_NAMES]);
    for (const v of Object.values(out[0].traits!)) assert.ok(v >= 0 && v <= 1);
    assert.equal(out[1].file, 'broken.png');
    assert.match(out[1].error!, /not an image/);
    assert.ok(out[2].traits && out[2].traits.polish > 0.5, 'the file after the bad one is still scored');
    assert.match(r.stderr, /1 of 3 files could not be scored/);
    // Batches sized for where the model runs: 2 on the CPU (the CLI asked for 8 whatever the provider), spread over
    // as many sessions as cores (at most 4).
    const { sessions, threads } = cpuSessionLayout(os.availableParallelism());
    assert.match(r.stderr, new RegExp(`^trait analysers: running on cpu \\(as set\\); batches of 2 in ${sessions} sessions? of ${threads} threads?$`, 'm'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('wabi traits takes a shell glob of hundreds of files: the model opens and every file is reported', () => {
  // Loading the trait graph recurses deep inside onnxruntime, in the worker thread that runs it. With Node's 4 MB
  // worker stack it crashed (SIGSEGV, nothing printed) once the command line held ~13 KB of file names, as
  // `wabi traits photos/*.jpg` does for a few hundred files. The names here do not exist, so only the open is costly.
  const files = Array.from({ length: 1500 }, (_, i) => path.join(os.tmpdir(), 'wabi-no-such-folder', `generated-image-${String(i).padStart(5, '0')}.png`));
  const r = spawnSync(process.execPath, [CLI, 'traits', '--json', '--provider', 'cpu', '--batch', '3', ...files], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.signal, null, `crashed: ${r.signal}`);
  assert.equal(r.status, 1, r.stderr);
  const out = JSON.parse(r.stdout) as Array<{ file: string; error?: string }>;
  assert.equal(out.length, files.length);
  assert.ok(out.every((o) => /no such file/.test(o.error ?? '')));
  assert.match(r.stderr, /1500 of 1500 files could not be scored/);
  assert.match(r.stderr, /^trait analysers: running on cpu \(as set\); batches of 3 in \d+ sessions? of \d+ threads?$/m);
});

test('wabi run on the example: verdicts, exit 1, reports written, annotations under GitHub Actions, cached rerun', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-run-'));
  try {
    fs.cpSync(path.join(REPO, 'examples'), path.join(dir, 'examples'), { recursive: true });
    // The polishing stand-in model imports sharp: resolve it from this repository.
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
    const env = { ...process.env, CI: 'true', GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: dir };
    const run = (args: string[]) => spawnSync(process.execPath, [CLI, 'run', ...args], { cwd: dir, env, encoding: 'utf8', timeout: 240_000 });
    const r = run(['examples', '--reporter', 'json,junit,html', '--out', 'reports', '--provider', 'cpu']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^FAIL {2}examples\/editing\.wabi:20 {2}barely grainy/m);
    assert.match(r.stderr, /^BEAUTIFIED {2}examples\/aligned-model\.wabi:10 {2}the model restores the grain away {2}\(.*moved toward conventional polish instead/m);
    assert.match(r.stderr, /13 tests: 11 passed, 1 failed, 1 beautified against intent, 0 errors/);
    const annotations = r.stdout.trim().split('\n');
    assert.ok(annotations.some((l) => l.startsWith('::error file=examples/aligned-model.wabi,line=17,') && l.includes('title=beautified against intent')), r.stdout);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'reports/wabi-report.json'), 'utf8')) as { tests: Array<{ name: string; verdict: string; images: Array<{ traits: Record<string, number>; cached: boolean }> }> };
    assert.equal(report.tests.length, 13);
    assert.equal(report.tests.find((t) => t.name === 'barely grainy')?.verdict, 'fail');
    assert.equal(Object.keys(report.tests[0].images[0].traits).length, TRAIT_NAMES.length);
    assert.ok(fs.readFileSync(path.join(dir, 'reports/wabi-report.html'), 'utf8').includes('data:image/jpeg;base64,'));
    assert.match(fs.readFileSync(path.join(dir, 'reports/wabi-junit.xml'), 'utf8'), /<testsuites [^>]*tests="13"/);

    const again = run(['examples', '--reporter', 'json', '--out', 'reports', '--provider', 'cpu']);
    assert.equal(again.status, 1);
    type Report = { tests: Array<{ generator: string | null; images: Array<{ role: string; cached: boolean }> }> };
    const second = JSON.parse(fs.readFileSync(path.join(dir, 'reports/wabi-report.json'), 'utf8')) as Report;
    const generated = second.tests.filter((t) => t.generator !== null).flatMap((t) => t.images.filter((i) => i.role !== 'input'));
    assert.ok(generated.length > 50 && generated.every((i) => i.cached), 'every generated image of the rerun is served from the cache');

    const passing = run(['examples', '--filter', 'grainy night', '--provider', 'cpu']);
    assert.equal(passing.status, 0, passing.stderr);
    fs.writeFileSync(path.join(dir, 'bad.wabi'), 'test "t"\n  prompt p\n  expect grian > 0.5\n');
    const bad = spawnSync(process.execPath, [CLI, 'run', 'bad.wabi'], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    assert.equal(bad.status, 2, 'spec errors stop the run before anything is generated');
    assert.match(bad.stderr, /bad\.wabi:3:10 error Unknown trait 'grian'/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('wabi run and hover agree on a key set twice: the later seeds, and the required count they give', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-agree-'));
  try {
    fs.copyFileSync(path.join(REPO, 'test/fixtures/photos/coffee.jpg'), path.join(dir, 'coffee.jpg'));
    const text = 'generator g\n  kind degrade\n  input coffee.jpg\ntest "t"\n  generator g\n  size 64x64\n  seeds 1..2\n  pass 1/2\n  prompt p\n  seeds 5..9\n  expect grain >= 0\n';
    const spec = path.join(dir, 'spec.wabi');
    fs.writeFileSync(spec, text);
    const r = spawnSync(process.execPath, [CLI, 'run', 'spec.wabi', '--reporter', 'json', '--out', 'out', '--provider', 'cpu', '--cache', 'cache'], { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, CI: 'true' } });
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'out/wabi-report.json'), 'utf8')) as { tests: Array<{ passRate: { total: number; required: number }; images: Array<{ seed: number }> }> };
    const t = report.tests[0];
    assert.deepEqual([t.passRate.total, t.passRate.required], [5, 3]);
    assert.deepEqual([...new Set(t.images.map((i) => i.seed))], [5, 6, 7, 8, 9]);
    const ws = new SpecWorkspace(nodeHost, { roots: [dir] });
    const shown = hover(ws, spec, { line: 7, character: 8 })!.contents;
    assert.match(shown, new RegExp(`^${t.passRate.required} of ${t.passRate.total} seeds`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('wabi run checks the report folder, the seed limit and --no-cache before anything runs', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-usage-'));
  try {
    fs.copyFileSync(path.join(REPO, 'test/fixtures/photos/coffee.jpg'), path.join(dir, 'coffee.jpg'));
    fs.writeFileSync(path.join(dir, 'spec.wabi'), 'generator g\n  kind degrade\n  input coffee.jpg\ntest "t"\n  generator g\n  size 64x64\n  prompt p\n  expect grain >= 0\n');
    fs.writeFileSync(path.join(dir, 'report.txt'), 'not a folder');
    const run = (args: string[]) => spawnSync(process.execPath, [CLI, 'run', 'spec.wabi', '--provider', 'cpu', ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, CI: 'true' } });

    const file = run(['--reporter', 'json', '--out', 'report.txt']);
    assert.equal(file.status, 2, file.stderr);
    assert.match(file.stderr, /--out report\.txt is a file, not a folder/);
    const proc = run(['--reporter', 'json', '--out', '/proc/nope']);
    assert.equal(proc.status, 2, proc.stderr);
    assert.match(proc.stderr, /--out \/proc\/nope: cannot create the report folder/);
    assert.ok(!fs.existsSync(path.join(dir, '.wabi')), 'nothing ran: no cache was made');

    const many = run(['--seeds', '0..20000']);
    assert.equal(many.status, 2);
    assert.match(many.stderr, /--seeds: 20001 seeds is more than the 10000 a run may use/);
    fs.writeFileSync(path.join(dir, 'huge.wabi'), 'generator g\n  kind degrade\n  input coffee.jpg\ntest "t"\n  generator g\n  seeds 0..4294967295\n  prompt p\n  expect grain >= 0\n');
    const huge = spawnSync(process.execPath, [CLI, 'run', 'huge.wabi'], { cwd: dir, encoding: 'utf8', timeout: 20_000 });
    assert.equal(huge.status, 2, huge.stderr);
    assert.match(huge.stderr, /huge\.wabi:6:9 error 4294967296 seeds is more than the 10000 a test may run/);

    const none = run(['--no-cache']);
    assert.equal(none.status, 0, none.stderr);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['coffee.jpg', 'huge.wabi', 'report.txt', 'spec.wabi'], '--no-cache with no reporter writes nothing');
    const kept = run(['--no-cache', '--reporter', 'json', '--out', 'out']);
    assert.equal(kept.status, 0, kept.stderr);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'out/wabi-report.json'), 'utf8')) as { tests: Array<{ images: Array<{ file: string }> }> };
    assert.ok(report.tests[0].images.every((i) => fs.existsSync(path.join(dir, i.file))), 'with a report, its images are kept beside it');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a stopped run stops: Ctrl+C ends wabi run within a second, and a finished run exits right after its summary', async () => {
  // A server that takes every request and never answers.
  const hung = http.createServer(() => undefined);
  await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(hung.address() as { port: number }).port}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-stop-'));
  try {
    fs.writeFileSync(
      path.join(dir, 'spec.wabi'),
      `generator api\n  kind openai\n  url ${url}/v1\n  model gpt-image-1\n  timeout 1s\n  retries 0\ntest "a"\n  generator api\n  seeds 1..4\n  prompt p\n  expect grain >= 0.5\ntest "b"\n  generator api\n  prompt q\n  expect grain >= 0.5\n`,
    );
    const start = (args: string[]) => {
      const child = spawn(process.execPath, [CLI, 'run', 'spec.wabi', '--provider', 'cpu', '--no-cache', ...args], { cwd: dir, env: { ...process.env, CI: 'true', OPENAI_API_KEY: 'sk-test' } });
      let stderr = '';
      let summaryAt = 0;
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (!summaryAt && /\d+ tests?: /.test(stderr)) summaryAt = Date.now();
      });
      const exited = new Promise<{ code: number | null; at: number }>((r) => child.on('exit', (code) => r({ code, at: Date.now() })));
      return { child, exited, stderr: () => stderr, summaryAt: () => summaryAt };
    };

    const interrupted = start([]);
    await new Promise((r) => setTimeout(r, 700));
    const sentAt = Date.now();
    interrupted.child.kill('SIGINT');
    const end = await interrupted.exited;
    assert.ok(end.at - sentAt < 1500, `exited ${end.at - sentAt} ms after Ctrl+C: ${interrupted.stderr()}`);
    assert.match(interrupted.stderr(), /stopping; finished results are kept/);

    const finished = start([]);
    const done = await finished.exited;
    assert.equal(done.code, 1, finished.stderr());
    assert.ok(finished.summaryAt() > 0, finished.stderr());
    assert.ok(done.at - finished.summaryAt() < 1000, `exited ${done.at - finished.summaryAt()} ms after its summary`);
  } finally {
    hung.closeAllConnections();
    hung.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the command line keeps a spec inside its project: the nearest folder holding .git or .wabi, else the folder given; --allow-outside opts out", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-project-'));
  try {
    const proj = path.join(dir, 'proj');
    fs.mkdirSync(path.join(proj, '.git'), { recursive: true });
    fs.mkdirSync(path.join(proj, 'specs'));
    fs.writeFileSync(path.join(dir, 'elsewhere.wabi'), 'generator leaked\n  kind degrade\n');
    fs.copyFileSync(path.join(REPO, 'test/fixtures/photos/coffee.jpg'), path.join(dir, 'outside.jpg'));
    fs.copyFileSync(path.join(REPO, 'test/fixtures/photos/coffee.jpg'), path.join(proj, 'inside.jpg'));
    // A spec one folder down may reach its project's files, not the folder above the project.
    fs.writeFileSync(path.join(proj, 'specs', 'a.wabi'), 'import "../../elsewhere.wabi"\ngenerator g\n  kind degrade\n  input ../inside.jpg\ntest "t"\n  generator g\n  input ../../outside.jpg\n  size 64x64\n  prompt p\n  expect grain >= 0\n');
    const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: proj, encoding: 'utf8', timeout: 60_000, env: { ...process.env, CI: 'true' } });

    const checked = run(['check', 'specs']);
    assert.equal(checked.status, 1, checked.stdout + checked.stderr);
    assert.deepEqual(checked.stdout.trim().split('\n').filter((l) => / error /.test(l)), [
      "specs/a.wabi:1:8 error Cannot import '../../elsewhere.wabi': it is outside the workspace. [missing-import]",
      "specs/a.wabi:7:9 error '../../outside.jpg' is outside the workspace; Wabi reads only files inside it. [outside-workspace]",
    ]);
    const ran = run(['run', 'specs', '--provider', 'cpu', '--no-cache']);
    assert.equal(ran.status, 2, 'a run stops at the same errors before reading anything');
    assert.match(ran.stderr, /specs\/a\.wabi:7:9 error '\.\.\/\.\.\/outside\.jpg' is outside the workspace/);

    const allowed = run(['check', '--allow-outside', 'specs']);
    assert.equal(allowed.status, 0, allowed.stdout);
    const allowedRun = run(['run', '--allow-outside', 'specs', '--provider', 'cpu', '--no-cache']);
    assert.equal(allowedRun.status, 0, allowedRun.stderr);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
