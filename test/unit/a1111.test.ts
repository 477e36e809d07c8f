// The a1111 generator against a fake AUTOMATIC1111 API on 127.0.0.1: what it sends for txt2img and img2img, what
// it makes of the answer, the checkpoint check, and every failure mode (500, 429 + Retry-After, slow answers,
// dropped connections, malformed JSON, non-image payloads, 404/422 errors), the concurrency limit and cancellation.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { createA1111Generator } from '../../server/src/generation/a1111';
import { GenerationError, type GenerationRequest } from '../../server/src/generation/generator';
import { settingsFrom } from '../../server/src/generation/settings';
import { checkpoint, httpException, startFakeA1111, type FakeA1111 } from './helpers/fakeA1111';
import { describeImage, mix, seedColour, solidPng } from './helpers/fakeHttp';

let dir: string;
let specFile: string;
let server: FakeA1111;
const FAST = { backoffMs: 20, maxBackoffMs: 2000 };
const REQ: GenerationRequest = { prompt: 'a rotten apple, harsh flash, motion blur', negative: 'beautiful, sharp', seed: 7, width: 96, height: 64 };

const gen = (values: Record<string, string> = {}, url = server.url) =>
  createA1111Generator(settingsFrom('sd', 'a1111', specFile, { url, timeout: '2s', retries: '2', ...values }), FAST);

function failsWith(pattern: RegExp, check?: (e: GenerationError) => void) {
  return (e: unknown) => {
    assert.ok(e instanceof GenerationError, `expected a GenerationError, got ${String(e)}`);
    assert.equal(e.backend, 'a1111');
    assert.match(e.message, /^a1111: /);
    assert.match(e.message, pattern);
    check?.(e);
    return true;
  };
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-a1111-'));
  specFile = path.join(dir, 'gen.wabi');
  fs.writeFileSync(path.join(dir, 'input.png'), await solidPng(40, 40, [200, 20, 20]));
  fs.writeFileSync(
    path.join(dir, 'input.avif'),
    await (
      await import('sharp')
    )
      .default({ create: { width: 16, height: 16, channels: 3, background: '#00f' } })
      .avif()
      .toBuffer(),
  );
  fs.writeFileSync(path.join(dir, 'notes.png'), 'just text, not a png');
});

beforeEach(async () => {
  await server?.close();
  server = await startFakeA1111();
});

after(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('txt2img sends the request fields the API names and returns the decoded PNG with parsed info', async () => {
  const g = gen({ sampler: 'DPM++ 2M', model: 'sd_xl_base_1.0' });
  const image = await g.generate({ ...REQ, steps: 12, guidance: 4.5 });
  const [sent] = server.generations;
  assert.equal(sent.path, '/sdapi/v1/txt2img');
  assert.equal(sent.headers['content-type'], 'application/json');
  const body = sent.json!;
  assert.equal(body.prompt, REQ.prompt);
  assert.equal(body.negative_prompt, REQ.negative);
  assert.equal(body.seed, 7);
  assert.equal(body.width, 96);
  assert.equal(body.height, 64);
  assert.equal(body.steps, 12);
  assert.equal(body.cfg_scale, 4.5);
  assert.equal(body.sampler_name, 'DPM++ 2M');
  assert.deepEqual(body.override_settings, { sd_model_checkpoint: 'sd_xl_base_1.0' });
  assert.equal(body.init_images, undefined);
  assert.equal(body.denoising_strength, undefined);
  const seen = await describeImage(image.bytes);
  assert.equal(seen.format, 'png');
  assert.deepEqual([seen.width, seen.height], [96, 64]);
  assert.deepEqual(seen.colour, seedColour(7));
  assert.equal(image.info?.seed, 7);
  assert.equal(image.info?.sampler_name, 'DPM++ 2M');
  assert.equal(image.info?.sd_model_name, 'sd_xl_base_1.0');
  assert.equal(server.loaded.model_name, 'sd_xl_base_1.0');
  assert.equal(g.identity, `a1111:${server.url} model=sd_xl_base_1.0 sampler=DPM++ 2M`);
  assert.equal(g.kind, 'a1111');
  assert.equal(g.name, 'sd');
});

test('settings the test does not give are not sent, so the web UI uses its own defaults', async () => {
  await gen().generate({ prompt: 'x', seed: 3, width: 64, height: 64 });
  const body = server.generations[0].json!;
  for (const k of ['steps', 'cfg_scale', 'sampler_name', 'override_settings', 'init_images']) assert.equal(body[k], undefined, k);
  assert.equal(body.negative_prompt, '');
  assert.equal(server.requests.filter((r) => r.path === '/sdapi/v1/sd-models').length, 0, 'no model, no checkpoint check');
});

test('img2img sends the input as base64 init_images with denoising_strength (0.75 unless the test gives one)', async () => {
  const input = path.join(dir, 'input.png');
  const a = await gen().generate({ ...REQ, input });
  const b = await gen().generate({ ...REQ, input, strength: 0.25 });
  const [first, second] = server.generations;
  assert.equal(first.path, '/sdapi/v1/img2img');
  assert.deepEqual(Buffer.from((first.json!.init_images as string[])[0], 'base64'), fs.readFileSync(input));
  assert.equal(first.json!.denoising_strength, 0.75);
  assert.equal(second.json!.denoising_strength, 0.25);
  assert.deepEqual((await describeImage(a.bytes)).colour, mix([200, 20, 20], seedColour(7), 0.75));
  assert.deepEqual((await describeImage(b.bytes)).colour, mix([200, 20, 20], seedColour(7), 0.25));
  // An input PIL may not read (AVIF) travels as PNG.
  await gen().generate({ ...REQ, input: path.join(dir, 'input.avif') });
  const sent = Buffer.from((server.generations[2].json!.init_images as string[])[0], 'base64');
  assert.equal(sent.subarray(1, 4).toString(), 'PNG');
});

test('an input that is missing or not an image fails before anything is sent', async () => {
  await assert.rejects(gen().generate({ ...REQ, input: path.join(dir, 'nope.png') }), failsWith(/cannot read the input image .*nope\.png: no such file/));
  await assert.rejects(
    gen().generate({ ...REQ, input: path.join(dir, 'notes.png') }),
    failsWith(/input image .*notes\.png is not an image: 20 bytes starting "just text/),
  );
  assert.equal(server.requests.length, 0);
});

test('a checkpoint the server does not have fails with the list instead of silently using the loaded model', async () => {
  const g = gen({ model: 'sdxl-turbo' });
  await assert.rejects(
    g.generate(REQ),
    failsWith(
      /no checkpoint "sdxl-turbo" \(the web UI would silently use the loaded model instead\); it has "v1-5-pruned-emaonly.safetensors \[6ce0161689\]", "sd_xl_base_1.0.safetensors \[31e35c80fc\]"/,
      (e) => assert.equal(e.retryable, false),
    ),
  );
  assert.equal(server.generations.length, 0);
  // Every name the web UI accepts: title, model name, file name, short hash.
  for (const model of ['sd_xl_base_1.0.safetensors [31e35c80fc]', 'sd_xl_base_1.0', 'sd_xl_base_1.0.safetensors', '31e35c80fc']) {
    await gen({ model }).generate(REQ);
  }
  assert.equal(server.generations.length, 4);
  // One check per generator, not per image.
  const h = gen({ model: 'sd_xl_base_1.0' });
  const before = server.requests.length;
  await Promise.all([h.generate(REQ), h.generate(REQ), h.generate(REQ)]);
  assert.equal(server.requests.length - before, 4);
});

test('a server without /sdapi/v1/sd-models is trusted with the checkpoint name', async () => {
  await server.close();
  server = await startFakeA1111({ noModelList: true, checkpoints: [checkpoint('mine.ckpt', 'abcdef1234')] });
  const image = await gen({ model: 'mine' }).generate(REQ);
  assert.equal(image.info?.sd_model_name, 'mine');
});

test('500 is retried with backoff until it succeeds', async () => {
  server.fail({ kind: 'status', ...httpException(500, 'CUDA out of memory') }, { kind: 'status', status: 502, body: '<html>Bad Gateway</html>' });
  const image = await gen().generate(REQ);
  assert.deepEqual((await describeImage(image.bytes)).colour, seedColour(7));
  assert.equal(server.generations.length, 3);
});

test('500 past the last retry fails, saying the status and the attempts', async () => {
  server.fail(...Array.from({ length: 3 }, () => ({ kind: 'status' as const, ...httpException(500, 'CUDA out of memory') })));
  await assert.rejects(
    gen().generate(REQ),
    failsWith(/POST http:\/\/127\.0\.0\.1:\d+\/sdapi\/v1\/txt2img answered 500.*\(after 3 attempts\)/, (e) => assert.equal(e.status, 500)),
  );
  assert.equal(server.generations.length, 3);
});

test('429 waits for Retry-After before trying again', async () => {
  server.fail({ kind: 'status', status: 429, body: { detail: 'busy' }, headers: { 'retry-after': '1' } });
  const t0 = Date.now();
  await gen().generate(REQ);
  const waited = Date.now() - t0;
  assert.ok(waited >= 950, `waited ${waited} ms`);
  assert.equal(server.generations.length, 2);
});

test('an answer slower than `timeout` is abandoned and retried; with no retries it fails saying so', async () => {
  server.fail({ kind: 'slow', ms: 1500 });
  const t0 = Date.now();
  await gen({ timeout: '300ms' }).generate(REQ);
  assert.ok(Date.now() - t0 < 1400, 'did not wait for the slow answer');
  assert.equal(server.generations.length, 2);
  server.fail({ kind: 'slow', ms: 1500 });
  await assert.rejects(gen({ timeout: '300ms', retries: '0' }).generate(REQ), failsWith(/txt2img timed out after 300 ms \(after 1 attempt\)/));
});

test('a connection dropped before or during the answer is retried', async () => {
  server.fail({ kind: 'drop' }, { kind: 'dropMidBody' });
  const image = await gen().generate(REQ);
  assert.deepEqual((await describeImage(image.bytes)).colour, seedColour(7));
  assert.equal(server.generations.length, 3);
  server.fail({ kind: 'drop' }, { kind: 'drop' }, { kind: 'drop' });
  await assert.rejects(gen().generate(REQ), failsWith(/connection failed \(\w+\).*\(after 3 attempts\)/));
});

test('a server that is not running: connection refused', async () => {
  await server.close();
  await assert.rejects(gen({ retries: '1' }).generate(REQ), failsWith(/connection refused \(is the server running\?\) \(after 2 attempts\)/));
  server = await startFakeA1111();
});

test('malformed JSON, a non-image payload and an empty image list are errors that say what came', async () => {
  server.fail({ kind: 'malformed' });
  await assert.rejects(gen().generate(REQ), failsWith(/txt2img answer is not JSON: \{"images"/));
  server.fail({ kind: 'notImage' });
  await assert.rejects(gen().generate(REQ), failsWith(/images\[0\] from POST .*txt2img is not an image: 40 bytes starting "<html><body>Internal err"\.\.\./));
  server.fail({ kind: 'noImage' });
  await assert.rejects(gen().generate(REQ), failsWith(/txt2img answered with no images/));
});

test('client errors are not retried: unknown sampler (404), validation (422)', async () => {
  await assert.rejects(
    gen({ sampler: 'Euler z' }).generate(REQ),
    failsWith(/answered 404/, (e) => assert.equal(e.status, 404)),
  );
  assert.equal(server.generations.length, 1);
  server.fail({ kind: 'status', status: 422, body: { detail: [{ loc: ['body', 'width'], msg: 'value is not a valid integer', type: 'type_error.integer' }] } });
  await assert.rejects(
    gen().generate(REQ),
    failsWith(/answered 422/, (e) => assert.equal(e.status, 422)),
  );
  assert.equal(server.generations.length, 2);
});

// The web UI answers {"error": "HTTPException", "detail": "..."}, and FastAPI's 422s carry a list of {loc, msg}.
test(
  "error messages carry the web UI's detail",
  async () => {
    await assert.rejects(gen({ sampler: 'Euler z' }).generate(REQ), failsWith(/answered 404: Sampler not found/));
    server.fail({
      kind: 'status',
      status: 422,
      body: { detail: [{ loc: ['body', 'width'], msg: 'value is not a valid integer', type: 'type_error.integer' }] },
    });
    await assert.rejects(gen().generate(REQ), failsWith(/answered 422: .*width.*value is not a valid integer/));
  },
);

test('the fake checks types as FastAPI does: what the generator sends always validates', async () => {
  // Odd but legal values: fractional size and steps are rounded, an empty negative is "", a seed stays whole.
  await gen().generate({ prompt: '', seed: 123456789, width: 64.4, height: 63.6, steps: 3.2, guidance: 0 });
  const body = server.generations[0].json!;
  assert.deepEqual([body.width, body.height, body.steps, body.cfg_scale, body.prompt], [64, 64, 3, 0, '']);
});

test('concurrency: never more requests at once than the setting (default 1, the web UI works one at a time)', async () => {
  server.delayMs = 120;
  const one = gen();
  await Promise.all(Array.from({ length: 3 }, (_, i) => one.generate({ ...REQ, seed: i })));
  assert.equal(server.maxActive, 1);
  server.maxActive = 0;
  const three = gen({ concurrency: '3' });
  const images = await Promise.all(Array.from({ length: 7 }, (_, i) => three.generate({ ...REQ, seed: i })));
  assert.equal(server.maxActive, 3);
  // Each answer is its own request's image.
  for (let i = 0; i < images.length; i++) assert.deepEqual((await describeImage(images[i].bytes)).colour, seedColour(i));
});

test('cancellation: an AbortSignal ends a request in flight, a backoff, and a queued request', async () => {
  server.fail({ kind: 'slow', ms: 3000 });
  const g = gen({ timeout: '5s' });
  const controller = new AbortController();
  const t0 = Date.now();
  const running = g.generate(REQ, controller.signal);
  const queued = g.generate(REQ, controller.signal);
  setTimeout(() => controller.abort(), 150);
  await assert.rejects(running, failsWith(/^a1111: cancelled$/));
  await assert.rejects(queued, failsWith(/^a1111: cancelled$/));
  assert.ok(Date.now() - t0 < 1000);
  assert.equal(server.generations.length, 1, 'the queued request never reached the server');

  server.fail({ kind: 'status', status: 503, body: 'busy', headers: { 'retry-after': '10' } });
  const c2 = new AbortController();
  const backingOff = gen().generate(REQ, c2.signal);
  setTimeout(() => c2.abort(), 200);
  await assert.rejects(backingOff, failsWith(/^a1111: cancelled$/));
  await assert.rejects(gen().generate(REQ, AbortSignal.abort()), failsWith(/^a1111: cancelled$/));
});

test('--api-auth: credentials in the URL go in a Basic Authorization header and nowhere else', async () => {
  await server.close();
  server = await startFakeA1111({ auth: 'wabi:s3cret-pass' });
  const url = server.url.replace('http://', 'http://wabi:s3cret-pass@');
  const g = gen({ model: 'sd_xl_base_1.0' }, url);
  await g.generate(REQ);
  assert.equal(server.generations[0].headers.authorization, 'Basic ' + Buffer.from('wabi:s3cret-pass').toString('base64'));
  assert.ok(!g.identity.includes('s3cret'), g.identity);
  const wrong = gen({}, server.url.replace('http://', 'http://wabi:wrong-pass@'));
  await assert.rejects(
    wrong.generate(REQ),
    failsWith(/answered 401/, (e) => assert.ok(!e.message.includes('wrong-pass'), e.message)),
  );
  await assert.rejects(gen().generate(REQ), failsWith(/answered 401/));
});

test('credentials in the URL reach no message and no report, even when the server echoes them back', async () => {
  await server.close();
  server = await startFakeA1111({ auth: 'alice:right-pass', echoAuth: true });
  const url = server.url.replace('http://', 'http://alice:hunter2pass@');
  const basic = Buffer.from('alice:hunter2pass').toString('base64');
  const leaks = (text: string) => ['hunter2pass', basic].filter((s) => text.includes(s));
  await assert.rejects(
    gen({ model: 'sd_xl_base_1.0' }, url).generate(REQ),
    failsWith(/answered 401: Incorrect username or password: got 'Basic \[redacted\]' \(\[redacted\]\)/, (e) => {
      for (const text of [e.message, e.reason, e.body ?? '', e.stack ?? '']) assert.deepEqual(leaks(text), [], text);
    }),
  );
  await assert.rejects(gen({}, url).generate(REQ), failsWith(/answered 401/, (e) => assert.deepEqual(leaks(e.message + (e.body ?? '')), [])));

  // The same through `wabi run`: its output and the JSON report say what failed, never with what.
  fs.writeFileSync(path.join(dir, 'leak.wabi'), `generator sd\n  kind  a1111\n  url  ${url}\n  retries  0\ntest "t"\n  generator  sd\n  prompt  a cow\n  seeds  1\n  expect  grain > 0.5\n`);
  const cli = path.resolve(__dirname, '../../../dist/cli.js');
  const child = spawn(process.execPath, [cli, 'run', 'leak.wabi', '--reporter', 'json', '--out', 'leak-report', '--no-cache'], { cwd: dir, env: { ...process.env, CI: 'true' } });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 1, output);
  assert.match(output, /Incorrect username or password: got 'Basic \[redacted\]'/);
  const report = fs.readFileSync(path.join(dir, 'leak-report', 'wabi-report.json'), 'utf8');
  assert.match(report, /Incorrect username or password: got 'Basic \[redacted\]'/);
  assert.deepEqual(leaks(output), [], output);
  assert.deepEqual(leaks(report), [], report);
});

test('a missing or malformed url is a clear error', async () => {
  const none = createA1111Generator(settingsFrom('sd', 'a1111', specFile, {}), FAST);
  await assert.rejects(none.generate(REQ), failsWith(/no `url`: give the base URL of the web UI/));
  await assert.rejects(gen({}, 'localhost:7860 oops').generate(REQ), failsWith(/`url` is not an http:\/\/ or https:\/\/ URL: "localhost:7860 oops"/));
});
