// The openai generator against a fake OpenAI Images API on 127.0.0.1: generations (JSON) and edits (multipart),
// the API key's sources and its absence from every message, response_format per model, URL answers, and every
// failure mode (401, 400, 500, 429 + Retry-After, slow answers, dropped connections, malformed JSON, non-image
// payloads), the concurrency limit and cancellation.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GenerationError, type GenerationRequest } from '../../server/src/generation/generator';
import { createOpenAIGenerator } from '../../server/src/generation/openai';
import { settingsFrom, type GeneratorEnvironment } from '../../server/src/generation/settings';
import { describeImage, mix, promptColour, solidPng } from './helpers/fakeHttp';
import { startFakeOpenAI, type FakeOpenAI, type FakeOpenAIOptions } from './helpers/fakeOpenAI';

const KEY = 'sk-test-7f3a9c2e51d84b06a1f2c3d4e5f6a7b8';
const FAST = { backoffMs: 20, maxBackoffMs: 2000 };
const REQ: GenerationRequest = {
  prompt: 'a blurry, badly framed snapshot of a parking lot',
  negative: 'professional',
  seed: 42,
  width: 1024,
  height: 1024,
  steps: 30,
  guidance: 7,
};
const ENV: GeneratorEnvironment = { env: { OPENAI_API_KEY: KEY } };

let dir: string;
let specFile: string;
let server: FakeOpenAI;

async function restart(options: Partial<FakeOpenAIOptions> = {}): Promise<void> {
  await server?.close();
  server = await startFakeOpenAI({ apiKey: KEY, ...options });
}

const gen = (values: Record<string, string> = {}, env: GeneratorEnvironment = ENV) =>
  createOpenAIGenerator(
    settingsFrom('gpt', 'openai', specFile, { url: `${server.url}/v1`, model: 'gpt-image-1', timeout: '2s', retries: '2', ...values }),
    env,
    FAST,
  );

function failsWith(pattern: RegExp, check?: (e: GenerationError) => void) {
  return (e: unknown) => {
    assert.ok(e instanceof GenerationError, `expected a GenerationError, got ${String(e)}`);
    assert.equal(e.backend, 'openai');
    assert.match(e.message, /^openai: /);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes(KEY), `the key leaked: ${e.message}`);
    check?.(e);
    return true;
  };
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-openai-'));
  specFile = path.join(dir, 'gen.wabi');
  fs.writeFileSync(path.join(dir, 'input.png'), await solidPng(32, 32, [10, 200, 90]));
  fs.writeFileSync(
    path.join(dir, 'input.tiff'),
    await (
      await import('sharp')
    )
      .default({ create: { width: 16, height: 16, channels: 3, background: '#0f0' } })
      .tiff()
      .toBuffer(),
  );
  fs.writeFileSync(path.join(dir, 'fake.png'), '%PDF-1.7 not an image');
});

beforeEach(() => restart());

after(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('generations: the JSON body the API takes, the key in the Authorization header, the base64 PNG back', async () => {
  const g = gen({ quality: 'low' });
  const image = await g.generate(REQ);
  const [sent] = server.generations;
  assert.equal(sent.path, '/v1/images/generations');
  assert.equal(sent.headers.authorization, `Bearer ${KEY}`);
  assert.equal(sent.headers['content-type'], 'application/json');
  // No seed, negative, steps or guidance (the API has none, and rejects unknown parameters), and no
  // response_format for a gpt-image model.
  assert.deepEqual(sent.json, { model: 'gpt-image-1', prompt: REQ.prompt, n: 1, size: '1024x1024', quality: 'low' });
  const seen = await describeImage(image.bytes);
  assert.deepEqual([seen.format, seen.width, seen.height], ['png', 1024, 1024]);
  assert.deepEqual(seen.colour, promptColour(REQ.prompt));
  assert.equal(image.info?.model, 'gpt-image-1');
  assert.equal(image.info?.output_format, 'png');
  assert.deepEqual(image.info?.ignored, ['seed', 'negative', 'steps', 'guidance']);
  assert.ok(image.info?.usage);
  assert.equal(g.identity, `openai:${server.url}/v1 model=gpt-image-1 quality=low`);
  assert.ok(!g.identity.includes(KEY));
});

test('DALL-E models are asked for b64_json, and their revised prompt is kept', async () => {
  const image = await gen({ model: 'dall-e-3', quality: 'hd' }).generate(REQ);
  assert.deepEqual(server.generations[0].json, { model: 'dall-e-3', prompt: REQ.prompt, n: 1, size: '1024x1024', quality: 'hd', response_format: 'b64_json' });
  assert.equal(image.info?.revised_prompt, `A picture of ${REQ.prompt}`);
});

test('a server that rejects response_format for every model: asked once more without it, then never again', async () => {
  await restart({ noResponseFormat: true });
  const g = gen({ model: 'dall-e-2' });
  await g.generate({ ...REQ, width: 512, height: 512 });
  assert.equal(server.generations.length, 2);
  assert.equal(server.generations[0].json!.response_format, 'b64_json');
  assert.equal(server.generations[1].json!.response_format, undefined);
  await g.generate({ ...REQ, width: 512, height: 512 });
  assert.equal(server.generations.length, 3);
  assert.equal(server.generations[2].json!.response_format, undefined);
});

test('a server that answers a URL anyway: the image is fetched from it without the key', async () => {
  await restart({ alwaysUrl: true });
  const image = await gen().generate(REQ);
  assert.deepEqual((await describeImage(image.bytes)).colour, promptColour(REQ.prompt));
  const download = server.requests.find((r) => r.method === 'GET');
  assert.ok(download?.path.startsWith('/files/'));
  assert.equal(download!.headers.authorization, undefined);
  server.fail({ kind: 'notImage' });
  await assert.rejects(
    gen().generate(REQ),
    failsWith(/GET http:\/\/127\.0\.0\.1:\d+\/files\/img-2\.png \(data\[0\]\.url\) is not an image: 19 bytes starting "\{\\"status\\":\\"queued\\"\}"/),
  );
});

test('edits: multipart/form-data with the input as a file, and the image back', async () => {
  const input = path.join(dir, 'input.png');
  const image = await gen({ quality: 'medium' }).generate({ ...REQ, width: 1536, height: 1024, input, strength: 0.4 });
  const [sent] = server.generations;
  assert.equal(sent.path, '/v1/images/edits');
  assert.match(String(sent.headers['content-type']), /^multipart\/form-data; boundary=/);
  assert.equal(sent.headers.authorization, `Bearer ${KEY}`);
  const form = await new Response(new Uint8Array(sent.body), { headers: { 'content-type': String(sent.headers['content-type']) } }).formData();
  const file = form.get('image') as File;
  assert.equal(file.type, 'image/png');
  assert.equal(file.name, 'input.png');
  assert.deepEqual(Buffer.from(await file.arrayBuffer()), fs.readFileSync(input));
  assert.deepEqual([...form.keys()].sort(), ['image', 'model', 'n', 'prompt', 'quality', 'size']);
  assert.deepEqual(
    [form.get('prompt'), form.get('model'), form.get('n'), form.get('size'), form.get('quality')],
    [REQ.prompt, 'gpt-image-1', '1', '1536x1024', 'medium'],
  );
  const seen = await describeImage(image.bytes);
  assert.deepEqual([seen.width, seen.height], [1536, 1024]);
  assert.deepEqual(seen.colour, mix([10, 200, 90], promptColour(REQ.prompt), 0.5));
  assert.deepEqual(image.info?.ignored, ['seed', 'negative', 'steps', 'guidance', 'strength']);
  // A format the endpoint does not take (TIFF) is sent as PNG; DALL-E 2 edits ask for b64_json.
  await gen({ model: 'dall-e-2' }).generate({ ...REQ, input: path.join(dir, 'input.tiff') });
  const form2 = await new Response(new Uint8Array(server.generations[1].body), {
    headers: { 'content-type': String(server.generations[1].headers['content-type']) },
  }).formData();
  assert.equal((form2.get('image') as File).type, 'image/png');
  assert.equal(form2.get('response_format'), 'b64_json');
});

test('an input that is not an image fails before anything is sent', async () => {
  await assert.rejects(
    gen().generate({ ...REQ, input: path.join(dir, 'fake.png') }),
    failsWith(/input image .*fake\.png is not an image: 21 bytes starting "%PDF-1\.7/),
  );
  await assert.rejects(gen().generate({ ...REQ, input: path.join(dir, 'gone.png') }), failsWith(/cannot read the input image .*gone\.png: no such file/));
  assert.equal(server.requests.length, 0);
});

test("the key: from the variable `api-key-env` names, else OPENAI_API_KEY, else the editor's secret storage", async () => {
  await gen({ 'api-key-env': 'MY_IMAGES_KEY' }, { env: { MY_IMAGES_KEY: KEY, OPENAI_API_KEY: 'sk-wrong' } }).generate(REQ);
  assert.equal(server.generations[0].headers.authorization, `Bearer ${KEY}`);
  const asked: string[] = [];
  const secret = async (name: string) => (asked.push(name), name === 'MY_IMAGES_KEY' ? KEY : undefined);
  await gen({ 'api-key-env': 'MY_IMAGES_KEY' }, { env: {}, secret }).generate(REQ);
  assert.deepEqual(asked, ['MY_IMAGES_KEY']);
  assert.equal(server.generations[1].headers.authorization, `Bearer ${KEY}`);
  // The environment wins over the store, and the store is asked once per generator.
  const g = gen({}, { env: { OPENAI_API_KEY: KEY }, secret });
  await g.generate(REQ);
  assert.deepEqual(asked, ['MY_IMAGES_KEY']);
  const h = gen({}, { env: {}, secret: async () => (asked.push('again'), KEY) });
  await h.generate(REQ);
  await h.generate(REQ);
  assert.deepEqual(asked, ['MY_IMAGES_KEY', 'again']);
});

test('no key anywhere: an error that says where to put it, and nothing is sent', async () => {
  await assert.rejects(
    gen({}, { env: {} }).generate(REQ),
    failsWith(
      /^openai: no API key: set the environment variable OPENAI_API_KEY \(or name another with `api-key-env`\) or store it in the editor's secret storage$/,
    ),
  );
  await assert.rejects(
    gen({ 'api-key-env': 'IMG_KEY' }, { env: { OPENAI_API_KEY: KEY }, secret: async () => undefined }).generate(REQ),
    failsWith(/^openai: no API key: set the environment variable IMG_KEY \(named by `api-key-env`\) or store it in the editor's secret storage$/),
  );
  await assert.rejects(
    gen({}, { env: { OPENAI_API_KEY: '  ' }, secret: async () => Promise.reject(new Error('keychain locked')) }).generate(REQ),
    failsWith(/no API key: reading OPENAI_API_KEY from the editor's secret storage failed \(keychain locked\)/),
  );
  assert.equal(server.requests.length, 0);
});

test('a wrong key: 401, not retried, and the key is in no message even when the server echoes it', async () => {
  const wrong = 'sk-live-0123456789abcdefWRONGKEY9876';
  await assert.rejects(
    gen({}, { env: { OPENAI_API_KEY: wrong } }).generate(REQ),
    failsWith(/answered 401: Incorrect API key provided: sk-li\*+9876/, (e) => {
      assert.equal(e.status, 401);
      assert.ok(!e.message.includes(wrong), e.message);
    }),
  );
  assert.equal(server.generations.length, 1);
  await restart({ echoKey: true });
  await assert.rejects(
    gen({}, { env: { OPENAI_API_KEY: wrong } }).generate(REQ),
    failsWith(/Incorrect API key provided: \[redacted\]\./, (e) => assert.ok(!e.message.includes(wrong), e.message)),
  );
});

test("a size or quality the model does not take: 400 with the API's message, not retried", async () => {
  await assert.rejects(
    gen().generate({ ...REQ, width: 640, height: 480 }),
    failsWith(/answered 400: Invalid value: '640x480'\. Supported values are: '1024x1024', '1536x1024', '1024x1536', 'auto'\./, (e) =>
      assert.equal(e.status, 400),
    ),
  );
  await assert.rejects(gen({ quality: 'hd' }).generate(REQ), failsWith(/answered 400: Invalid value: 'hd'/));
  assert.equal(server.generations.length, 2);
  // A compatible server that takes any size gets the test's size as it is.
  await restart({ anySize: true });
  const image = await gen().generate({ ...REQ, width: 96, height: 64 });
  assert.equal(server.generations[0].json!.size, '96x64');
  assert.deepEqual([(await describeImage(image.bytes)).width, (await describeImage(image.bytes)).height], [96, 64]);
});

test('500 and 429 are retried (429 after Retry-After); past the last retry the error says so', async () => {
  server.fail(
    {
      kind: 'status',
      status: 500,
      body: { error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } },
    },
    {
      kind: 'status',
      status: 429,
      body: { error: { message: 'Rate limit reached for images per minute.', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
      headers: { 'retry-after': '1' },
    },
  );
  const t0 = Date.now();
  await gen().generate(REQ);
  assert.ok(Date.now() - t0 >= 950);
  assert.equal(server.generations.length, 3);
  server.fail(
    ...Array.from({ length: 3 }, () => ({
      kind: 'status' as const,
      status: 503,
      body: { error: { message: 'Service overloaded', type: 'server_error', param: null, code: null } },
    })),
  );
  await assert.rejects(
    gen().generate(REQ),
    failsWith(/images\/generations answered 503: Service overloaded \(after 3 attempts\)/, (e) => assert.equal(e.status, 503)),
  );
});

test('slow answers time out and are retried; dropped connections are retried', async () => {
  server.fail({ kind: 'slow', ms: 1500 }, { kind: 'drop' }, { kind: 'dropMidBody' });
  const t0 = Date.now();
  const image = await gen({ timeout: '300ms', retries: '3' }).generate(REQ);
  assert.ok(Date.now() - t0 < 1400);
  assert.deepEqual((await describeImage(image.bytes)).colour, promptColour(REQ.prompt));
  assert.equal(server.generations.length, 4);
  server.fail({ kind: 'slow', ms: 1500 });
  await assert.rejects(gen({ timeout: '300ms', retries: '0' }).generate(REQ), failsWith(/images\/generations timed out after 300 ms/));
});

test('malformed JSON, base64 that is not an image, and no image at all are errors that say what came', async () => {
  server.fail({ kind: 'malformed' });
  await assert.rejects(gen().generate(REQ), failsWith(/images\/generations answer is not JSON/));
  server.fail({ kind: 'notImage' });
  await assert.rejects(
    gen().generate(REQ),
    failsWith(/data\[0\]\.b64_json from POST .*images\/generations is not an image: 19 bytes starting "\{\\"status\\":\\"queued\\"\}"/),
  );
  server.fail({ kind: 'noImage' });
  await assert.rejects(gen().generate(REQ), failsWith(/images\/generations answered without an image in `data`/));
});

test('concurrency: never more requests at once than the setting', async () => {
  server.delayMs = 100;
  await Promise.all(Array.from({ length: 6 }, (_, i) => gen({ concurrency: '2' }).generate({ ...REQ, prompt: `p${i}` })));
  // Six generators of concurrency 2 are six limits; one generator is one limit.
  server.maxActive = 0;
  const g = gen({ concurrency: '2' });
  const images = await Promise.all(Array.from({ length: 6 }, (_, i) => g.generate({ ...REQ, prompt: `p${i}` })));
  assert.equal(server.maxActive, 2);
  for (let i = 0; i < 6; i++) assert.deepEqual((await describeImage(images[i].bytes)).colour, promptColour(`p${i}`));
});

test('cancellation ends a request in flight and a backoff, with the backend named', async () => {
  server.fail({ kind: 'slow', ms: 3000 });
  const controller = new AbortController();
  const running = gen({ timeout: '5s' }).generate(REQ, controller.signal);
  setTimeout(() => controller.abort(), 100);
  await assert.rejects(running, failsWith(/^openai: cancelled$/));
  server.fail({ kind: 'status', status: 429, body: { error: { message: 'slow down' } }, headers: { 'retry-after': '10' } });
  const c2 = new AbortController();
  const backingOff = gen().generate(REQ, c2.signal);
  setTimeout(() => c2.abort(), 150);
  await assert.rejects(backingOff, failsWith(/^openai: cancelled$/));
});

test('the default base URL is the OpenAI API; a missing model is a clear error', async () => {
  const g = createOpenAIGenerator(settingsFrom('gpt', 'openai', specFile, { model: 'gpt-image-1' }), ENV);
  assert.equal(g.identity, 'openai:https://api.openai.com/v1 model=gpt-image-1 quality=');
  const none = createOpenAIGenerator(settingsFrom('gpt', 'openai', specFile, { url: `${server.url}/v1` }), ENV);
  await assert.rejects(none.generate(REQ), failsWith(/no `model`/));
});
