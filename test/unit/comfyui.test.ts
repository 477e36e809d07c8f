// The comfyui backend against a real HTTP + WebSocket server on 127.0.0.1 that speaks ComfyUI's protocol
// (helpers/fakeComfyUI.ts): placeholders, uploads, progress, results, and each failure mode the backend must
// survive or report (500, 429 with Retry-After, slow answers, dropped connections, malformed history, non-image
// bytes, execution errors, interrupts, sockets that close or are refused, validation errors), the concurrency
// limit and cancellation.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { createComfyUIGenerator } from '../../server/src/generation/comfyui';
import { GenerationError, type GenerationRequest, type Generator } from '../../server/src/generation/generator';
import { settingsFrom } from '../../server/src/generation/settings';
import { colourFor, FakeComfyUI } from './helpers/fakeComfyUI';

let dir: string;
// The bundle runs from out/test/unit; the workflow is the one the examples ship.
const EXAMPLE = path.resolve(__dirname, '../../../examples/workflows/sdxl-api.json');
const example = () => JSON.parse(fs.readFileSync(EXAMPLE, 'utf8'));
const write = (name: string, value: unknown) => {
  fs.writeFileSync(path.join(dir, name), typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return name;
};

const REQUEST: GenerationRequest = { prompt: 'a grainy cow', negative: 'sharp, clean', seed: 42, width: 64, height: 48, steps: 3 };

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-comfyui-'));
  write('sdxl.json', example());
  // The example plus placeholders inside longer strings and guidance.
  const variant = example();
  variant['3'].inputs.cfg = '{{guidance}}';
  variant['6'].inputs.text = '{{prompt}}, shot on expired film';
  variant['9'].inputs.filename_prefix = 'wabi_{{seed}}_{{width}}x{{height}}';
  write('variant.json', variant);
  // Image to image: LoadImage -> VAEEncode -> KSampler with the strength as denoise.
  const img2img = example();
  delete img2img['5'];
  img2img['1'] = { class_type: 'LoadImage', inputs: { image: '{{input}}' } };
  img2img['2'] = { class_type: 'VAEEncode', inputs: { pixels: ['1', 0], vae: ['4', 2] } };
  img2img['3'].inputs.latent_image = ['2', 0];
  img2img['3'].inputs.denoise = '{{strength}}';
  write('img2img.json', img2img);
  await sharp({ create: { width: 40, height: 32, channels: 3, background: '#336699' } })
    .png()
    .toFile(path.join(dir, 'input.png'));
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

async function withFake(f: (fake: FakeComfyUI) => Promise<void>): Promise<void> {
  const fake = await new FakeComfyUI().start();
  try {
    await f(fake);
  } finally {
    await fake.close();
  }
}

function generator(fake: FakeComfyUI, values: Record<string, string> = {}): Generator {
  return createComfyUIGenerator(
    settingsFrom('sdxl', 'comfyui', path.join(dir, 'gen.wabi'), { url: fake.url, workflow: 'sdxl.json', timeout: '2s', retries: '2', ...values }),
  );
}

async function pixel(bytes: Buffer): Promise<{ r: number; g: number; b: number; width: number; height: number }> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { r: data[0], g: data[1], b: data[2], width: info.width, height: info.height };
}

async function rejects(p: Promise<unknown>, pattern: RegExp): Promise<GenerationError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof GenerationError, `expected a GenerationError, got ${String(e)}`);
    assert.match(e.message, pattern);
    return e;
  }
  assert.fail(`expected a rejection matching ${pattern}`);
}

test('text to image: placeholders arrive typed, progress is followed, the PNG is the one the server saved', async () => {
  await withFake(async (fake) => {
    const gen = generator(fake);
    const image = await gen.generate(REQUEST);
    assert.equal(fake.received.length, 1);
    const { prompt, clientId, body } = fake.received[0];
    assert.equal(prompt['3'].inputs.seed, 42);
    assert.equal(prompt['3'].inputs.steps, 3);
    assert.equal(prompt['5'].inputs.width, 64);
    assert.equal(prompt['5'].inputs.height, 48);
    assert.equal(prompt['6'].inputs.text, 'a grainy cow');
    assert.equal(prompt['7'].inputs.text, 'sharp, clean');
    assert.equal(prompt['3'].inputs.cfg, 6.5, 'values without placeholders are untouched');
    assert.deepEqual(prompt['3'].inputs.model, ['4', 0], 'links are untouched');
    // The prompt was queued for the client id whose socket followed it.
    assert.ok(clientId && fake.wsClients.includes(clientId));
    assert.equal(typeof body.prompt_id, 'string');
    assert.equal(image.info?.prompt_id, body.prompt_id);
    // Progress messages were read (one per sampler step), the binary preview frame was skipped.
    assert.deepEqual(image.info?.progress, { value: 3, max: 3, messages: 3 });
    assert.equal(fake.previewsSent, 1);
    // The bytes are the server's PNG, with the test's size and the colour of its seed and prompt.
    assert.deepEqual(image.bytes, fake.file('output', '', String(image.info?.filename)));
    assert.deepEqual(await pixel(image.bytes), { ...colourFor(42, 'a grainy cow'), width: 64, height: 48 });
    assert.equal(image.info?.node, '9');
    assert.equal(image.info?.class_type, 'SaveImage');
    // Missing values take ComfyUI's defaults; an absent negative is empty text.
    await gen.generate({ prompt: 'p', seed: 7, width: 64, height: 64 });
    assert.equal(fake.received[1].prompt['3'].inputs.steps, 20);
    assert.equal(fake.received[1].prompt['7'].inputs.text, '');
    await gen.close?.();
  });
});

test('placeholders inside longer strings are replaced by their text; guidance arrives as a number', async () => {
  await withFake(async (fake) => {
    const image = await generator(fake, { workflow: 'variant.json' }).generate({ ...REQUEST, guidance: 4.5 });
    const { prompt } = fake.received[0];
    assert.equal(prompt['3'].inputs.cfg, 4.5);
    assert.equal(prompt['6'].inputs.text, 'a grainy cow, shot on expired film');
    assert.equal(prompt['9'].inputs.filename_prefix, 'wabi_42_64x48');
    assert.match(String(image.info?.filename), /^wabi_42_64x48_\d{5}_\.png$/);
    assert.deepEqual(await pixel(image.bytes), { ...colourFor(42, 'a grainy cow, shot on expired film'), width: 64, height: 48 });
  });
});

test('of several image outputs, the SaveImage output is returned rather than a temp preview', async () => {
  await withFake(async (fake) => {
    const wf = example();
    wf['10'] = { class_type: 'PreviewImage', inputs: { images: ['8', 0] } };
    wf['9'].inputs.filename_prefix = 'kept';
    const image = await generator(fake, { workflow: write('preview.json', wf) }).generate(REQUEST);
    assert.equal(image.info?.node, '9');
    assert.match(String(image.info?.filename), /^kept_/);
    // A workflow that only previews still yields its (temp) image.
    delete wf['9'];
    const preview = await generator(fake, { workflow: write('preview-only.json', wf) }).generate(REQUEST);
    assert.equal(preview.info?.node, '10');
    assert.deepEqual(preview.bytes, fake.file('temp', '', String(preview.info?.filename)));
  });
});

test('image to image: the input is uploaded to /upload/image and its server name fills {{input}}', async () => {
  await withFake(async (fake) => {
    const input = path.join(dir, 'input.png');
    const gen = generator(fake, { workflow: 'img2img.json' });
    const image = await gen.generate({ ...REQUEST, input, strength: 0.4 });
    assert.equal(fake.uploads.length, 1);
    const upload = fake.uploads[0];
    assert.deepEqual(upload.bytes, fs.readFileSync(input));
    assert.equal(upload.type, 'input');
    assert.equal(upload.overwrite, 'true');
    assert.match(upload.name, /^wabi-[0-9a-f]{20}\.png$/);
    const { prompt } = fake.received[0];
    assert.equal(prompt['1'].inputs.image, upload.name);
    assert.equal(prompt['3'].inputs.denoise, 0.4);
    // The fake sizes the result from the loaded image, so this also shows it ran from the upload.
    assert.deepEqual(await pixel(image.bytes), { ...colourFor(42, 'a grainy cow'), width: 40, height: 32 });
    // The same input again keeps its name.
    await gen.generate({ ...REQUEST, seed: 43, input, strength: 0.4 });
    assert.equal(fake.uploads[1].name, upload.name);
    // An input the workflow cannot take, and a workflow that needs one, are errors before anything is sent.
    await rejects(generator(fake).generate({ ...REQUEST, input }), /comfyui: the test gives an input image, but workflow .*sdxl\.json has no \{\{input\}\} placeholder/);
    await rejects(gen.generate(REQUEST), /takes an input image \(\{\{input\}\}\), but the test has no `input`/);
    await rejects(gen.generate({ ...REQUEST, input: path.join(dir, 'nope.png') }), /cannot read the input image .*nope\.png: ENOENT/);
    assert.equal(fake.received.length, 2);
  });
});

test('500 from /prompt is retried with backoff, then succeeds; past the retries it says how many attempts', async () => {
  await withFake(async (fake) => {
    fake.fail('POST /prompt', { kind: 'status', status: 500, body: '500 Internal Server Error' }, 2);
    const image = await generator(fake).generate(REQUEST);
    assert.equal(fake.attemptsOf('POST /prompt'), 3);
    assert.equal(fake.received.length, 1);
    assert.deepEqual((await pixel(image.bytes)).r, 42);
  });
  await withFake(async (fake) => {
    fake.fail('POST /prompt', { kind: 'status', status: 503, body: '{"error": "model loading"}' }, 2);
    await rejects(generator(fake, { retries: '1' }).generate(REQUEST), /^comfyui: POST http:\/\/127\.0\.0\.1:\d+\/prompt answered 503: model loading \(after 2 attempts\)$/);
    assert.equal(fake.attemptsOf('POST /prompt'), 2);
  });
});

test('429 is retried after the Retry-After the server asks for', async () => {
  await withFake(async (fake) => {
    fake.fail('POST /prompt', { kind: 'status', status: 429, headers: { 'retry-after': '1' }, body: '{"error": "queue full"}' });
    const started = Date.now();
    await generator(fake).generate(REQUEST);
    const elapsed = Date.now() - started;
    assert.equal(fake.attemptsOf('POST /prompt'), 2);
    assert.ok(elapsed >= 950, `waited ${elapsed} ms, Retry-After was 1 s`);
  });
});

test('a connection dropped mid-response is retried (on /prompt and on /view)', async () => {
  await withFake(async (fake) => {
    fake.fail('POST /prompt', { kind: 'drop' });
    fake.fail('GET /view', { kind: 'drop' });
    const image = await generator(fake).generate(REQUEST);
    assert.equal(fake.attemptsOf('POST /prompt'), 2);
    assert.equal(fake.attemptsOf('GET /view'), 2);
    assert.equal(fake.received.length, 1);
    assert.equal((await pixel(image.bytes)).width, 64);
  });
});

test('a request slower than the timeout fails with the timeout in the message', async () => {
  await withFake(async (fake) => {
    fake.fail('POST /prompt', { kind: 'slow', delayMs: 1500 });
    await rejects(
      generator(fake, { timeout: '300ms', retries: '0' }).generate(REQUEST),
      /^comfyui: POST http:\/\/127\.0\.0\.1:\d+\/prompt timed out after 300 ms \(after 1 attempt\)$/,
    );
  });
});

test('a prompt that does not finish in time: the error says how far it got, and the prompt is interrupted on the server', async () => {
  await withFake(async (fake) => {
    fake.stepDelayMs = 100;
    const e = await rejects(
      generator(fake, { timeout: '500ms' }).generate({ ...REQUEST, steps: 30 }),
      /timed out after 500 ms waiting for prompt [0-9a-f-]+ \(running node 3 \(KSampler\), step \d+\/30\); raise the generator's `timeout`/,
    );
    assert.equal(e.retryable, false);
    const id = fake.received[0].promptId;
    assert.deepEqual(fake.interrupts, [{ promptId: id, interrupted: id }]);
  });
});

test('malformed JSON from /history is retried; if it stays malformed the error says so', async () => {
  await withFake(async (fake) => {
    fake.fail('GET /history', { kind: 'body', contentType: 'application/json', body: '{"outputs": {' });
    const image = await generator(fake).generate(REQUEST);
    assert.equal(fake.attemptsOf('GET /history'), 2);
    assert.equal((await pixel(image.bytes)).r, 42);
  });
  await withFake(async (fake) => {
    fake.fail('GET /history', { kind: 'body', contentType: 'text/html', body: '<html>502 Bad Gateway</html>' }, 10);
    await rejects(generator(fake, { retries: '1' }).generate(REQUEST), /GET \/history\/[0-9a-f-]+ answer is not JSON: <html>502 Bad Gateway/);
    assert.equal(fake.attemptsOf('GET /history'), 2);
  });
});

test('bytes from /view that are not an image are a "non-image payload" error', async () => {
  await withFake(async (fake) => {
    fake.fail('GET /view', { kind: 'body', contentType: 'text/html; charset=utf-8', body: '<!doctype html><title>ComfyUI</title>' });
    await rejects(generator(fake).generate(REQUEST), /^comfyui: GET \/view for wabi_\d{5}_\.png returned a non-image payload \(text\/html; charset=utf-8, 37 bytes: "<!doctype html><title>ComfyUI<\/title>"\)$/);
  });
});

test('execution_error names the node, its type and the exception', async () => {
  await withFake(async (fake) => {
    fake.failNode = { classType: 'KSampler', exceptionType: 'torch.OutOfMemoryError', message: 'CUDA out of memory. Tried to allocate 20.00 MiB' };
    const e = await rejects(generator(fake).generate(REQUEST), /^comfyui: ComfyUI failed at node 3 \(KSampler\): torch\.OutOfMemoryError: CUDA out of memory\. Tried to allocate 20\.00 MiB$/);
    assert.equal(e.retryable, false);
    assert.equal(fake.attemptsOf('GET /queue'), 0, 'a failed prompt is not cancelled again');
  });
});

test('execution_interrupted (someone pressed Cancel in ComfyUI) is an error naming the node', async () => {
  await withFake(async (fake) => {
    fake.on('sent', (type: string) => type === 'progress' && fake.interrupt());
    await rejects(generator(fake).generate(REQUEST), /the prompt was interrupted on the server at node 3 \(KSampler\)/);
  });
});

test('a workflow ComfyUI rejects (400 with node_errors) is reported node by node', async () => {
  await withFake(async (fake) => {
    const wf = example();
    wf['4'].inputs.ckpt_name = 'missing.safetensors';
    wf['3'].inputs.sampler_name = 'dpm_fast_typo';
    write('rejected.json', wf);
    const e = await rejects(generator(fake, { workflow: 'rejected.json' }).generate(REQUEST), /^comfyui: ComfyUI rejected the workflow: Prompt outputs failed validation - /);
    assert.match(e.message, /node 3 \(KSampler\): Value not in list: sampler_name: 'dpm_fast_typo' not in \['euler'/);
    assert.match(e.message, /node 4 \(CheckpointLoaderSimple\): Value not in list: ckpt_name: 'missing\.safetensors' not in \['sd_xl_base_1\.0\.safetensors'/);
    assert.equal(e.status, 400);
    assert.equal(fake.received.length, 0);
    // Unknown node types: the error has no node_errors, only its message and details.
    const custom = example();
    custom['9'].class_type = 'SaveImageWebsocket';
    write('custom.json', custom);
    await rejects(generator(fake, { workflow: 'custom.json' }).generate(REQUEST), /ComfyUI rejected the workflow: Cannot execute because node SaveImageWebsocket does not exist\. - Node ID '#9'$/);
  });
});

test('the socket closing early: the backend polls /history and still gets the image', async () => {
  await withFake(async (fake) => {
    fake.wsCloseAfter = 'execution_start';
    const image = await generator(fake).generate(REQUEST);
    assert.ok(fake.attemptsOf('GET /history') >= 1);
    assert.equal(image.info?.progress, undefined, 'no progress arrives after the socket closed');
    assert.deepEqual(await pixel(image.bytes), { ...colourFor(42, 'a grainy cow'), width: 64, height: 48 });
  });
});

test('a refused WebSocket upgrade: the backend polls /history from the start', async () => {
  await withFake(async (fake) => {
    fake.wsRefuse = true;
    const image = await generator(fake).generate(REQUEST);
    assert.match(String(image.info?.websocket), /^unavailable \(GET \/ws answered 404\); polled \/history$/);
    assert.equal((await pixel(image.bytes)).r, 42);
    // Failures still arrive through the history entry's status.
    fake.failNode = { classType: 'VAEDecode', exceptionType: 'RuntimeError', message: 'Given groups=1, weight of size [4, 4, 1, 1]' };
    await rejects(generator(fake).generate(REQUEST), /ComfyUI failed at node 8 \(VAEDecode\): RuntimeError: Given groups=1/);
  });
});

test('the concurrency limit bounds the prompts queued or running on the server', async () => {
  for (const concurrency of [1, 2]) {
    await withFake(async (fake) => {
      fake.stepDelayMs = 10;
      const gen = generator(fake, { concurrency: String(concurrency) });
      const seeds = [1, 2, 3, 4, 5];
      const images = await Promise.all(seeds.map((seed) => gen.generate({ ...REQUEST, seed })));
      assert.equal(fake.maxOutstanding, concurrency);
      assert.equal(fake.received.length, 5);
      assert.deepEqual(
        await Promise.all(images.map(async (i) => (await pixel(i.bytes)).r)),
        seeds,
      );
    });
  }
});

test('cancellation: a running prompt is interrupted, a queued one deleted, a waiting one never sent', async () => {
  await withFake(async (fake) => {
    fake.stepDelayMs = 50;
    const gen = generator(fake, { concurrency: '2' });
    // Running: abort once the sampler reports progress.
    const running = new AbortController();
    fake.on('sent', (type: string) => type === 'progress' && running.abort());
    const started = Date.now();
    await rejects(gen.generate({ ...REQUEST, steps: 30 }, running.signal), /^comfyui: cancelled$/);
    assert.ok(Date.now() - started < 1000);
    const first = fake.received[0].promptId;
    assert.deepEqual(fake.interrupts, [{ promptId: first, interrupted: first }]);
    fake.removeAllListeners('sent');
  });
  await withFake(async (fake) => {
    fake.stepDelayMs = 30;
    const gen = generator(fake, { concurrency: '2' });
    const a = gen.generate({ ...REQUEST, seed: 1, steps: 10 });
    // Queued behind it on the server: abort once the server has it.
    const queued = new AbortController();
    const b = gen.generate({ ...REQUEST, seed: 2 }, queued.signal);
    fake.on('sent', (type: string, data: { status?: { exec_info: { queue_remaining: number } } }) => {
      if (type === 'status' && data.status?.exec_info.queue_remaining === 2) queued.abort();
    });
    // Waiting for a concurrency slot: never reaches the server.
    const waiting = new AbortController();
    const c = gen.generate({ ...REQUEST, seed: 3 }, waiting.signal);
    waiting.abort();
    await rejects(c, /cancelled/);
    await rejects(b, /cancelled/);
    assert.deepEqual(fake.deleted, [fake.received[1].promptId]);
    assert.equal((await pixel((await a).bytes)).r, 1);
    assert.equal(fake.received.length, 2);
    // Already aborted: rejected before anything happens.
    await rejects(gen.generate(REQUEST, AbortSignal.abort()), /cancelled/);
    assert.equal(fake.received.length, 2);
  });
});

test('workflow files are checked at load, with errors that say what to do', () => {
  const load = (workflow: string | undefined, url: string | undefined = 'http://127.0.0.1:8188') =>
    createComfyUIGenerator(settingsFrom('sdxl', 'comfyui', path.join(dir, 'gen.wabi'), { ...(url ? { url } : {}), ...(workflow ? { workflow } : {}) }));
  const throwsWith = (f: () => unknown, pattern: RegExp) =>
    assert.throws(f, (e: unknown) => e instanceof GenerationError && pattern.test(e.message), `expected ${pattern}`);
  throwsWith(() => load('absent.json'), /^comfyui: workflow .*absent\.json does not exist$/);
  throwsWith(() => load(write('broken.json', '{"3": {')), /workflow .*broken\.json is not JSON: /);
  const ui = { last_node_id: 9, last_link_id: 9, nodes: [{ id: 3, type: 'KSampler', widgets_values: [] }], links: [[1, 4, 0, 3, 0, 'MODEL']], version: 0.4 };
  throwsWith(() => load(write('ui.json', ui)), /workflow .*ui\.json is a UI-format workflow: export it with 'Save \(API Format\)'/);
  throwsWith(() => load(write('wrapped.json', { prompt: example(), client_id: 'x' })), /looks like a saved \/prompt request/);
  throwsWith(() => load(write('list.json', [1, 2])), /is not an API-format workflow: expected a JSON object of nodes keyed by id/);
  const noClass = example();
  delete noClass['8'].class_type;
  throwsWith(() => load(write('noclass.json', noClass)), /is not an API-format workflow: node 8 has no class_type$/);
  const dangling = example();
  dangling['8'].inputs.vae = ['40', 2];
  throwsWith(() => load(write('dangling.json', dangling)), /links node 8 \(VAEDecode\) input vae to node 40, which the workflow does not have/);
  const noPrompt = example();
  noPrompt['6'].inputs.text = 'a fixed prompt';
  throwsWith(() => load(write('noprompt.json', noPrompt)), /has no \{\{prompt\}\} placeholder: put "\{\{prompt\}\}" in the text input of the positive CLIPTextEncode node/);
  const typo = example();
  typo['3'].inputs.seed = '{{sed}}';
  throwsWith(() => load(write('typo.json', typo)), /node 3 \(KSampler\) input 'seed' uses the unknown placeholder \{\{sed\}\}; the placeholders are \{\{prompt\}\}, \{\{negative\}\}/);
  throwsWith(() => load(undefined), /the `workflow` setting is required/);
  throwsWith(() => load('sdxl.json', ''), /the `url` setting is required/);
  throwsWith(() => load('sdxl.json', 'ftp://host/'), /must start with http:\/\/ or https:\/\//);
});

test('credentials in a comfyui url are in no error: a bad url, a server that refuses them, one that is down', async () => {
  const settings = (url: string) => settingsFrom('sdxl', 'comfyui', path.join(dir, 'gen.wabi'), { url, workflow: 'sdxl.json', timeout: '2s', retries: '0' });
  const clean = (e: unknown) => {
    assert.ok(e instanceof GenerationError, String(e));
    for (const text of [e.message, e.stack ?? '']) assert.ok(!text.includes('hunter2') && !text.includes('tok-999'), text);
    return true;
  };
  assert.throws(() => createComfyUIGenerator(settings('http://user:hunter2@exa mple.com:8188')), clean);
  assert.throws(() => createComfyUIGenerator(settings('ftp://user:hunter2@example.com/?token=tok-999')), clean);
  await withFake(async (fake) => {
    await assert.rejects(createComfyUIGenerator(settings(fake.url.replace('http://', 'http://user:hunter2@'))).generate(REQUEST), clean);
  });
  await assert.rejects(createComfyUIGenerator(settings('http://user:hunter2@127.0.0.1:9')).generate(REQUEST), clean);
});

test('identity: URL and a hash of the canonical workflow, without credentials', () => {
  const make = (workflow: string, url = 'http://127.0.0.1:8188/') =>
    createComfyUIGenerator(settingsFrom('sdxl', 'comfyui', path.join(dir, 'gen.wabi'), { url, workflow })).identity;
  const id = make('sdxl.json');
  assert.match(id, /^comfyui:http:\/\/127\.0\.0\.1:8188:[0-9a-f]{64}$/);
  // Same nodes, other key order and spacing: same identity.
  const wf = example();
  const reordered = Object.fromEntries(Object.entries(wf).reverse().map(([k, v]) => [k, { inputs: (v as { inputs: unknown }).inputs, class_type: (v as { class_type: string }).class_type }]));
  fs.writeFileSync(path.join(dir, 'reordered.json'), JSON.stringify(reordered));
  assert.equal(make('reordered.json'), id);
  wf['3'].inputs.cfg = 7;
  assert.notEqual(make(write('cfg7.json', wf)), id);
  assert.notEqual(make('sdxl.json', 'http://127.0.0.1:8189'), id);
  const secret = make('sdxl.json', 'http://user:hunter2@127.0.0.1:8188/?token=abc');
  assert.ok(!secret.includes('hunter2') && !secret.includes('abc'), secret);
});
