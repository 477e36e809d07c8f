// The command generator with a real executable: a node script the test writes, which makes a PNG at {out} with
// sharp, or misbehaves on request (non-zero exit with stderr, hanging with a child process, no output, text
// output, failing once). Also the command-line splitter's quoting rules on their own.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createCommandGenerator, expandCommandLine, placeholderValues } from '../../server/src/generation/command';
import { GenerationError, type GenerationRequest } from '../../server/src/generation/generator';
import { settingsFrom } from '../../server/src/generation/settings';
import { describeImage, seedColour } from './helpers/fakeHttp';

let dir: string;
let specFile: string;
const NODE = JSON.stringify(process.execPath);
const REQ: GenerationRequest = { prompt: 'a dim, "grainy" photo; of $HOME & `a shed`', negative: "studio 'lighting'", seed: 11, width: 48, height: 32 };

// The tool: `gen.cjs MODE OUT SEED WIDTH HEIGHT [ARGS...]`. Every call is logged to calls.jsonl in its cwd.
const SCRIPT = `
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const sharp = require(${JSON.stringify(require.resolve('sharp'))});
const [mode, out, seed, width, height, ...rest] = process.argv.slice(2);
const started = Date.now();
const log = (extra) => fs.appendFileSync(path.join(process.cwd(), 'calls.jsonl'), JSON.stringify({ mode, out, seed, width, height, rest, started, ended: Date.now(), ...extra }) + '\\n');
const colour = (s) => [(s * 67 + 13) % 256, (s * 131 + 71) % 256, (s * 29 + 199) % 256];
async function png(format) {
  const [r, g, b] = colour(Number(seed));
  let img = sharp({ create: { width: Number(width), height: Number(height), channels: 3, background: { r, g, b } } });
  img = format === 'jpeg' ? img.jpeg({ quality: 100 }) : img.png();
  fs.writeFileSync(out, await img.toBuffer());
}
(async () => {
  if (mode === 'ok' || mode === 'jpeg') { await png(mode === 'jpeg' ? 'jpeg' : 'png'); log(); return; }
  if (mode === 'slow') { await new Promise((r) => setTimeout(r, 150)); await png('png'); log(); return; }
  if (mode === 'fail') {
    for (let i = 1; i <= 12; i++) process.stderr.write('line ' + i + '\\n');
    log(); process.exit(3);
  }
  if (mode === 'stdout-only') { console.log('loading model...'); console.log('CUDA error: out of memory'); log(); process.exit(1); }
  if (mode === 'flaky') {
    const marker = path.join(process.cwd(), 'flaky.marker');
    if (!fs.existsSync(marker)) { fs.writeFileSync(marker, ''); process.stderr.write('first run fails\\n'); log({ failed: true }); process.exit(2); }
    await png('png'); log(); return;
  }
  if (mode === 'hang') {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'inherit' });
    fs.writeFileSync(path.join(process.cwd(), 'hang.pids'), JSON.stringify([process.pid, child.pid]));
    process.stderr.write('loading a very large model\\n');
    setTimeout(() => {}, 60000);
    return;
  }
  if (mode === 'leak') {
    // A tool that repeats its credentials when it fails: from the environment and from its own command line.
    const token = process.env.WABI_TEST_API_TOKEN;
    process.stderr.write('args: ' + rest.join(' ') + '\\n');
    process.stderr.write('POST https://user:' + token + '@api.example.com/v1/images?token=' + token + '\\n');
    process.stderr.write('Authorization: Bearer ' + token + '\\n');
    process.stderr.write('the key ' + token + ' was refused\\n');
    log(); process.exit(4);
  }
  if (mode === 'none') { log(); return; }
  if (mode === 'text') { fs.writeFileSync(out, 'hello'); log(); return; }
  if (mode === 'signal') { process.kill(process.pid, 'SIGSEGV'); }
})();
`;

const gen = (run: string, values: Record<string, string> = {}) =>
  createCommandGenerator(settingsFrom('tool', 'command', specFile, { run, timeout: '5s', ...values }), { backoffMs: 20 });
const tool = (mode: string, extra = '') => `${NODE} gen.cjs ${mode} {out} {seed} {width} {height}${extra ? ' ' + extra : ''}`;

function calls(): Array<{ mode: string; out: string; seed: string; width: string; height: string; rest: string[]; started: number; ended: number }> {
  const file = path.join(dir, 'calls.jsonl');
  return fs.existsSync(file)
    ? fs
        .readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
    : [];
}

function failsWith(pattern: RegExp, check?: (e: GenerationError) => void) {
  return (e: unknown) => {
    assert.ok(e instanceof GenerationError, `expected a GenerationError, got ${String(e)}`);
    assert.equal(e.backend, 'command');
    assert.match(e.message, pattern);
    check?.(e);
    return true;
  };
}

/** Whether a process still runs. A killed orphan stays a zombie until init reaps it, which some containers' init
 *  does slowly: a zombie has stopped running, so it counts as dead. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

async function waitDead(pids: number[], ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pids.every((p) => !alive(p))) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-command-test-'));
  specFile = path.join(dir, 'gen.wabi');
  fs.writeFileSync(path.join(dir, 'gen.cjs'), SCRIPT);
  fs.mkdirSync(path.join(dir, 'tools'));
  fs.writeFileSync(path.join(dir, 'tools', 'gen.cjs'), SCRIPT);
});

beforeEach(() => {
  for (const f of ['calls.jsonl', 'flaky.marker', 'hang.pids', 'tools/calls.jsonl']) fs.rmSync(path.join(dir, f), { force: true });
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('splitting: whitespace, single and double quotes, backslash escapes, Windows paths', () => {
  // No placeholders in these, so the product's expansion is the split alone.
  const split = (run: string) => expandCommandLine(run, placeholderValues(REQ, 'o'));
  assert.deepEqual(split('  a  b\tc\n d '), ['a', 'b', 'c', 'd']);
  assert.deepEqual(split(`'it has  spaces' "and \\"quotes\\" \\\\ too" 'keeps \\n and "x"'`), [
    'it has  spaces',
    'and "quotes" \\ too',
    'keeps \\n and "x"',
  ]);
  assert.deepEqual(split(`a"b c"'d e'f`), ['ab cd ef']);
  assert.deepEqual(split(`"" '' x`), ['', '', 'x']);
  assert.deepEqual(split(`one\\ arg \\"q\\' \\\\`), ['one arg', `"q'`, '\\']);
  assert.deepEqual(split(`C:\\tools\\sd.exe --out C:\\tmp\\x.png`), ['C:\\tools\\sd.exe', '--out', 'C:\\tmp\\x.png']);
  assert.deepEqual(split(''), []);
  assert.throws(() => split(`gen 'open`), /unterminated ' quote at column 5/);
  assert.throws(() => split(`gen "open`), /unterminated " quote/);
});

test('placeholders substitute within each argument; escaped braces and unknown names stay literal', () => {
  const values = placeholderValues({ ...REQ, steps: 20 }, '/tmp/o.png');
  assert.deepEqual(
    expandCommandLine(`sd --prompt {prompt} --size={width}x{height} '{seed}' \\{seed\\} "\\{out\\}" {json} --steps {steps} --cfg {guidance}`, values),
    ['sd', '--prompt', REQ.prompt, '--size=48x32', '11', '{seed}', '{out}', '{json}', '--steps', '20', '--cfg', ''],
  );
  // A value is never split or re-read: braces and quotes in a prompt arrive as they are.
  assert.deepEqual(expandCommandLine('x {prompt}', placeholderValues({ ...REQ, prompt: 'a {seed} "b" c' }, 'o')), ['x', 'a {seed} "b" c']);
  assert.equal(placeholderValues({ ...REQ, input: '/in.png' }, 'o').strength, '0.75');
  assert.equal(placeholderValues({ ...REQ, input: '/in.png', strength: 0.3 }, 'o').strength, '0.3');
  assert.equal(placeholderValues(REQ, 'o').strength, '');
});

test('runs the program with its arguments (no shell) and returns the PNG it wrote at {out}', async () => {
  const g = gen(tool('ok', '--prompt {prompt} --negative={negative} --input {input} --strength {strength} --steps {steps}'));
  const image = await g.generate({ ...REQ, steps: 25, input: '/data/in put.png' });
  const seen = await describeImage(image.bytes);
  assert.deepEqual([seen.format, seen.width, seen.height], ['png', 48, 32]);
  assert.deepEqual(seen.colour, seedColour(11));
  const [call] = calls();
  assert.deepEqual(call.rest, ['--prompt', REQ.prompt, `--negative=${REQ.negative}`, '--input', '/data/in put.png', '--strength', '0.75', '--steps', '25']);
  assert.deepEqual([call.seed, call.width, call.height], ['11', '48', '32']);
  // {out} was a fresh temporary file, removed with its folder afterwards.
  assert.ok(path.isAbsolute(call.out) && call.out.startsWith(os.tmpdir()));
  assert.ok(!fs.existsSync(path.dirname(call.out)));
  assert.equal(g.identity, `command:${tool('ok', '--prompt {prompt} --negative={negative} --input {input} --strength {strength} --steps {steps}')} cwd=${dir}`);
  assert.equal(image.info?.program, process.execPath);
});

test('any image format at {out} is accepted (JPEG here)', async () => {
  const image = await gen(tool('jpeg')).generate(REQ);
  assert.equal((await describeImage(image.bytes)).format, 'jpeg');
});

test('`cwd` is relative to the spec, and a relative program path is found there', async () => {
  await gen(tool('ok'), { cwd: 'tools' }).generate(REQ);
  assert.equal(
    fs
      .readFileSync(path.join(dir, 'tools', 'calls.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean).length,
    1,
  );
  await assert.rejects(
    gen(tool('ok'), { cwd: 'missing' }).generate(REQ),
    failsWith(/the working folder .*missing \(`cwd`\) does not exist or is not a folder/),
  );
});

test("a tool that prints its credentials: the error masks them, from the environment and the command line", async () => {
  const token = 'tok-0123456789abcdef';
  process.env.WABI_TEST_API_TOKEN = token;
  try {
    await assert.rejects(
      gen(tool('leak', '--api-key cli-secret-98765')).generate(REQ),
      failsWith(/exited with code 4; it said:\nargs: --api-key \[redacted\]\nPOST https:\/\/\[redacted\]@api\.example\.com\/v1\/images\?token=\[redacted\]\nAuthorization: Bearer \[redacted\]\nthe key \[redacted\] was refused$/, (e) => {
        for (const text of [e.message, e.stack ?? '']) assert.ok(!text.includes(token) && !text.includes('cli-secret-98765'), text);
      }),
    );
  } finally {
    delete process.env.WABI_TEST_API_TOKEN;
  }
});

test('a non-zero exit fails with the code and the last lines of stderr', async () => {
  await assert.rejects(
    gen(tool('fail')).generate(REQ),
    failsWith(/^command: .*node\S* exited with code 3; it said:\nline 5\nline 6\nline 7\nline 8\nline 9\nline 10\nline 11\nline 12$/, (e) =>
      assert.ok(!/line 4\n/.test(e.message)),
    ),
  );
  // With nothing on stderr, stdout is what it said.
  await assert.rejects(gen(tool('stdout-only')).generate(REQ), failsWith(/exited with code 1; it said:\nloading model\.\.\.\nCUDA error: out of memory$/));
  await assert.rejects(gen(tool('signal')).generate(REQ), failsWith(/was killed by SIGSEGV/));
  const out = calls()[0].out;
  assert.ok(!fs.existsSync(path.dirname(out)), 'the temporary folder is removed after a failure too');
});

test('`retries` runs a failed command again', async () => {
  const image = await gen(tool('flaky'), { retries: '1' }).generate(REQ);
  assert.ok(image.bytes.length > 0);
  assert.equal(calls().length, 2);
  fs.rmSync(path.join(dir, 'flaky.marker'));
  await assert.rejects(gen(tool('flaky')).generate(REQ), failsWith(/exited with code 2; it said:\nfirst run fails$/));
});

test('exit 0 without an image at {out}, or with something else there, is an error', async () => {
  await assert.rejects(gen(tool('none')).generate(REQ), failsWith(/exited with code 0 but wrote no file at \{out\} \(.*out\.png\) and printed nothing$/));
  await assert.rejects(gen(tool('text')).generate(REQ), failsWith(/wrote something that is not an image at \{out\}: 5 bytes starting "hello"$/));
});

test('a timeout kills the program and the processes it started', async () => {
  const t0 = Date.now();
  await assert.rejects(
    gen(tool('hang'), { timeout: '700ms' }).generate(REQ),
    failsWith(/took longer than 700 ms and was killed with the processes it started; it said:\nloading a very large model$/),
  );
  assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
  const pids = JSON.parse(fs.readFileSync(path.join(dir, 'hang.pids'), 'utf8')) as number[];
  assert.ok(await waitDead(pids), `still running: ${pids.filter(alive).join(', ')}`);
});

test('cancellation kills the program tree at once', async () => {
  const controller = new AbortController();
  const running = gen(tool('hang')).generate(REQ, controller.signal);
  while (!fs.existsSync(path.join(dir, 'hang.pids'))) await new Promise((r) => setTimeout(r, 20));
  controller.abort();
  await assert.rejects(running, failsWith(/^command: cancelled$/));
  const pids = JSON.parse(fs.readFileSync(path.join(dir, 'hang.pids'), 'utf8')) as number[];
  assert.ok(await waitDead(pids));
  await assert.rejects(gen(tool('ok')).generate(REQ, AbortSignal.abort()), failsWith(/^command: cancelled$/));
});

test('concurrency: one run at a time unless the setting says more', async () => {
  const overlap = () => {
    const spans = calls().map((c) => [c.started, c.ended]);
    return Math.max(...spans.map(([s]) => spans.filter(([a, b]) => a <= s && s < b).length));
  };
  const one = gen(tool('slow'));
  await Promise.all([1, 2, 3].map((seed) => one.generate({ ...REQ, seed })));
  assert.equal(overlap(), 1);
  fs.rmSync(path.join(dir, 'calls.jsonl'));
  const three = gen(tool('slow'), { concurrency: '3' });
  const images = await Promise.all([1, 2, 3, 4, 5, 6].map((seed) => three.generate({ ...REQ, seed })));
  assert.ok(overlap() >= 2 && overlap() <= 3, `overlap ${overlap()}`);
  for (let i = 0; i < 6; i++) assert.deepEqual((await describeImage(images[i].bytes)).colour, seedColour(i + 1));
});

test('a program that cannot run, an empty or unsplittable `run`', async () => {
  await assert.rejects(gen('no-such-program-wabi {out}').generate(REQ), failsWith(/^command: cannot run no-such-program-wabi: no such program/));
  await assert.rejects(gen(`${NODE} gen.cjs ok "{out}`).generate(REQ), failsWith(/`run` cannot be split into arguments: unterminated " quote/));
  await assert.rejects(gen('   ').generate(REQ), failsWith(/no `run`/));
  await assert.rejects(gen("'' {out}").generate(REQ), failsWith(/`run` names no program/));
});
