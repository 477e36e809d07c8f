// Generator pools (generation/pool.ts) against real servers on 127.0.0.1 speaking the real protocols: fake ComfyUI
// servers (HTTP + WebSocket), fake AUTOMATIC1111 and OpenAI-compatible servers. Requests spread by each endpoint's
// free capacity; an endpoint that fails (refused, 5xx, killed mid-prompt) is taken out of rotation and its requests
// succeed elsewhere, then it is probed and comes back; a request's own fault (400) is not retried elsewhere; dead
// pools end with a clear error instead of hanging; cancelling stops every endpoint's work; no secret leaks.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createA1111Generator } from '../../server/src/generation/a1111';
import { createComfyUIGenerator } from '../../server/src/generation/comfyui';
import { GenerationError, type GenerationRequest, type Generator } from '../../server/src/generation/generator';
import { createOpenAIGenerator } from '../../server/src/generation/openai';
import type { BackendOptions } from '../../server/src/generation/pool';
import { settingsFrom } from '../../server/src/generation/settings';
import { nodeHost } from '../../server/src/files/host';
import { resolveSpec } from '../../server/src/language/resolve';
import { SpecWorkspace } from '../../server/src/language/workspace';
import { planTests } from '../../server/src/runner/plan';
import { ResultCache } from '../../server/src/runner/resultCache';
import { runTests } from '../../server/src/runner/runner';
import { FakeA1111 } from './helpers/fakeA1111';
import { FakeComfyUI } from './helpers/fakeComfyUI';
import { startFakeOpenAI } from './helpers/fakeOpenAI';

let dir: string;
const EXAMPLE = path.resolve(__dirname, '../../../examples/workflows/sdxl-api.json');
const REQUEST: GenerationRequest = { prompt: 'a grainy cow', seed: 1, width: 64, height: 48, steps: 3 };
/** Short pauses, so failover and probes happen within a test. */
const FAST: BackendOptions = { backoffMs: 20, maxBackoffMs: 200, outMs: 150, maxOutMs: 600 };

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-pool-'));
  fs.copyFileSync(EXAMPLE, path.join(dir, 'sdxl.json'));
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

async function comfyServers(n: number): Promise<FakeComfyUI[]> {
  return Promise.all(Array.from({ length: n }, () => new FakeComfyUI().start()));
}

async function closeAll(servers: ReadonlyArray<{ close(): Promise<void> }>): Promise<void> {
  await Promise.all(servers.map((s) => s.close().catch(() => undefined)));
}

function comfyPool(urls: readonly string[], values: Record<string, string> = {}, options: BackendOptions = FAST): Generator {
  return createComfyUIGenerator(settingsFrom('pool', 'comfyui', path.join(dir, 'gen.wabi'), { url: urls, workflow: 'sdxl.json', timeout: '5s', retries: '0', ...values }), options);
}

/** A port nothing listens on: a server started and closed. */
async function deadUrl(): Promise<string> {
  const s = await new FakeComfyUI().start();
  await s.close();
  return s.url;
}

async function rejection(p: Promise<unknown>): Promise<GenerationError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof GenerationError, `expected a GenerationError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a rejection');
}

const seeds = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

test('requests spread by free capacity: a concurrency-2 endpoint makes about twice the images of a concurrency-1 one', async () => {
  const servers = await Promise.all([new FakeA1111().start(), new FakeA1111().start()]);
  try {
    for (const s of servers) s.delayMs = 40; // each server works on its requests side by side, 40 ms each
    const settings = settingsFrom('pool', 'a1111', path.join(dir, 'gen.wabi'), { url: [`${servers[0].url} concurrency 2`, servers[1].url], timeout: '5s' });
    const g = createA1111Generator(settings, FAST);
    await Promise.all(seeds(60).map((seed) => g.generate({ ...REQUEST, seed })));
    const made = servers.map((s) => s.generations.length);
    assert.equal(made[0] + made[1], 60);
    // 2:1 is 40:20; the last few requests may land either way.
    assert.ok(made[0] >= 36 && made[0] <= 44, `images per endpoint: ${made.join(', ')}`);
    assert.deepEqual(servers.map((s) => s.maxActive), [2, 1], 'each endpoint held to its own concurrency');
    const figures = g.endpointFigures!();
    assert.deepEqual(figures.map((f) => [f.endpoint, f.concurrency, f.images, f.failures]), [
      [servers[0].url, 2, made[0], 0],
      [servers[1].url, 1, made[1], 0],
    ]);
    assert.ok(figures.every((f) => f.seconds.length === f.images && f.seconds.every((s) => s >= 0.04 && s < 5)), JSON.stringify(figures));
  } finally {
    await closeAll(servers);
  }
});

test('an endpoint that answers 500 is taken out of rotation, its request succeeds elsewhere; once healed, a probe brings it back', async () => {
  const [sick, well] = await comfyServers(2);
  try {
    sick.fail('POST /prompt', { kind: 'status', status: 500, body: '500 Internal Server Error' }, 1000);
    const g = comfyPool([sick.url, well.url], { concurrency: '2' }, { ...FAST, outMs: 400, maxOutMs: 400 });
    const images = await Promise.all(seeds(6).map((seed) => g.generate({ ...REQUEST, seed })));
    assert.equal(images.length, 6);
    assert.equal(sick.received.length, 0);
    assert.equal(well.received.length, 6);
    // Both slots of the sick endpoint got a request before the first 500 came back; neither came back to it.
    assert.equal(sick.attemptsOf('POST /prompt'), 2);
    let [s, w] = g.endpointFigures!();
    assert.deepEqual([s.images, s.failures, w.images, w.failures], [0, 2, 6, 0]);
    assert.ok(s.outOfRotationMs > 0 && w.outOfRotationMs === 0);

    // Healed: after the pause one request probes it, and it is back in rotation.
    sick.heal('POST /prompt');
    await new Promise((r) => setTimeout(r, 450));
    await Promise.all(seeds(6).map((seed) => g.generate({ ...REQUEST, seed: seed + 10 })));
    assert.ok(sick.received.length >= 2, `the healed endpoint takes work again: ${sick.received.length}`);
    [s, w] = g.endpointFigures!();
    assert.equal(s.images + w.images, 12);
    const out = s.outOfRotationMs;
    assert.ok(out >= 400 && out < 2000, `out of rotation for ${out} ms`);
  } finally {
    await closeAll([sick, well]);
  }
});

test('a server killed mid-prompt: the prompt is made again on another endpoint, and the dead one stays out', async () => {
  const [doomed, well] = await comfyServers(2);
  try {
    doomed.stepDelayMs = 30;
    well.stepDelayMs = 5;
    let killed = false;
    doomed.on('sent', (type: string) => {
      if (type !== 'execution_start' || killed) return;
      killed = true;
      void doomed.close();
    });
    const g = comfyPool([doomed.url, well.url], { retries: '1' });
    const started = Date.now();
    const images = await Promise.all(seeds(4).map((seed) => g.generate({ ...REQUEST, seed, steps: 20 })));
    assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
    assert.equal(images.length, 4);
    assert.equal(doomed.outputsServed, 0);
    assert.equal(well.outputsServed, 4, 'every image came from the live server');
    assert.deepEqual(well.received.map((r) => r.prompt['3'].inputs.seed).sort(), [1, 2, 3, 4]);
    const [d] = g.endpointFigures!();
    assert.equal(d.images, 0);
    assert.ok(d.failures >= 1 && d.outOfRotationMs > 0, JSON.stringify(d));
  } finally {
    await closeAll([doomed, well]);
  }
});

test("a 400 is the request's own fault: it is not retried on another endpoint", async () => {
  const [strict, lenient] = await comfyServers(2);
  try {
    // The workflow names a checkpoint only the second server has; the first rejects it (400, node_errors).
    strict.checkpoints = ['v1-5-pruned-emaonly.safetensors'];
    const g = comfyPool([strict.url, lenient.url]);
    const e = await rejection(g.generate(REQUEST));
    assert.match(e.message, /^comfyui: ComfyUI rejected the workflow: Prompt outputs failed validation - node 4 \(CheckpointLoaderSimple\): Value not in list/);
    assert.equal(e.serverFault, false);
    assert.equal(strict.attemptsOf('POST /prompt'), 1);
    assert.equal(lenient.attemptsOf('POST /prompt'), 0, 'not sent elsewhere');
    const [s] = g.endpointFigures!();
    assert.deepEqual([s.failures, s.outOfRotationMs], [1, 0], 'and the endpoint stays in rotation');
  } finally {
    await closeAll([strict, lenient]);
  }
});

test('every endpoint down: each request fails with every endpoint named, soon, and a run reports it at the test', async () => {
  const urls = await Promise.all([deadUrl(), deadUrl(), deadUrl()]);
  const g = comfyPool(urls);
  const started = Date.now();
  const errors = await Promise.all(seeds(8).map((seed) => rejection(g.generate({ ...REQUEST, seed }))));
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  for (const e of errors) {
    assert.match(e.message, /^comfyui: (every endpoint failed|all 3 endpoints are down, each failing again when tried after a pause): /);
    for (const url of urls) assert.ok(e.message.includes(`${url} (POST ${url}/prompt: connection refused (is the server running?) (after 1 attempt))`), e.message);
  }

  // In a run: the test errs at its line with that reason; nothing hangs.
  const ws = fs.mkdtempSync(path.join(dir, 'run-'));
  fs.copyFileSync(EXAMPLE, path.join(ws, 'sdxl.json'));
  const urlLines = urls.map((u) => `  url ${u}\n`).join('');
  fs.writeFileSync(path.join(ws, 'spec.wabi'), `generator pool\n  kind comfyui\n  workflow sdxl.json\n  retries 0\n${urlLines}test "down"\n  generator pool\n  prompt a cow\n  seeds 1..3\n  size 64x64\n  expect grain >= 0.5\n`);
  const analysis = new SpecWorkspace(nodeHost, { roots: [ws] }).analyze(path.join(ws, 'spec.wabi'))!;
  assert.deepEqual(analysis.diagnostics, []);
  const result = await runTests(planTests(resolveSpec(analysis)), { store: await ResultCache.open(path.join(ws, 'cache')), env: { env: {} }, provider: 'cpu' });
  const t = result.tests[0];
  assert.deepEqual([t.verdict, t.line], ['error', 7]);
  assert.match(t.reasons[0], /^generator 'pool' failed for seed [123] \(prompt image\): comfyui: (every endpoint failed|all 3 endpoints are down)/);
});

test('a run keeps the whole pool busy: unless told otherwise it makes as many images at once as the pool can', async () => {
  const servers = await comfyServers(3);
  try {
    for (const s of servers) s.stepDelayMs = 40;
    let most = 0;
    for (const s of servers) s.on('sent', () => (most = Math.max(most, servers.reduce((n, x) => n + x.outstanding, 0))));
    const ws = fs.mkdtempSync(path.join(dir, 'busy-'));
    fs.copyFileSync(EXAMPLE, path.join(ws, 'sdxl.json'));
    const urlLines = `  url ${servers[0].url} concurrency 2\n  url ${servers[1].url}\n  url ${servers[2].url}\n`;
    fs.writeFileSync(path.join(ws, 'spec.wabi'), `generator pool\n  kind comfyui\n  workflow sdxl.json\n${urlLines}test "busy"\n  generator pool\n  prompt a cow\n  seeds 1..8\n  size 64x64\n  steps 5\n  expect grain < 0.5\n`);
    const plans = () => planTests(resolveSpec(new SpecWorkspace(nodeHost, { roots: [ws] }).analyze(path.join(ws, 'spec.wabi'))!));
    const run = async (cache: string, concurrency?: number) => {
      most = 0;
      const result = await runTests(plans(), { store: await ResultCache.open(path.join(ws, cache)), env: { env: {} }, provider: 'cpu', concurrency });
      assert.equal(result.tests[0].verdict, 'pass', result.tests[0].reasons.join('; '));
      return { most, endpoints: result.endpoints! };
    };
    const pooled = await run('cache-a');
    assert.equal(pooled.most, 4, 'the pool holds 2 + 1 + 1');
    assert.deepEqual(pooled.endpoints.map((e) => e.endpoint), servers.map((s) => s.url));
    assert.equal(pooled.endpoints.reduce((n, e) => n + e.images, 0), 8);
    assert.equal((await run('cache-b', 2)).most, 2, '--concurrency still caps it');
  } finally {
    await closeAll(servers);
  }
});

test('cancelling stops the work on every endpoint: running prompts interrupted, waiting requests never sent', async () => {
  const servers = await comfyServers(2);
  try {
    for (const s of servers) s.stepDelayMs = 50;
    const g = comfyPool(servers.map((s) => s.url));
    const controller = new AbortController();
    const running = new Set<FakeComfyUI>();
    for (const s of servers) {
      s.on('sent', (type: string) => {
        if (type !== 'progress') return;
        running.add(s);
        if (running.size === 2) controller.abort();
      });
    }
    const started = Date.now();
    const all = seeds(4).map((seed) => rejection(g.generate({ ...REQUEST, seed, steps: 40 }, controller.signal)));
    const errors = await Promise.all(all);
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    assert.ok(errors.every((e) => e.message === 'comfyui: cancelled'), errors.map((e) => e.message).join('; '));
    for (const s of servers) {
      assert.equal(s.received.length, 1, 'one prompt per endpoint; the waiting two were never sent');
      assert.deepEqual(s.interrupts, [{ promptId: s.received[0].promptId, interrupted: s.received[0].promptId }]);
    }
    assert.deepEqual(g.endpointFigures!().map((f) => f.failures), [0, 0], 'a cancelled request is no failure');
  } finally {
    await closeAll(servers);
  }
});

test('a1111 and OpenAI-compatible pools fail over too, and no credential reaches a message or a figure', async () => {
  const auth = 'wabi:s3cret-pass';
  const a1111 = await new FakeA1111({ auth }).start();
  const key = 'sk-test-0123456789abcdefghij';
  const openai = await startFakeOpenAI({ apiKey: key, echoKey: true, anySize: true });
  try {
    const down = await deadUrl();
    const withAuth = (u: string) => u.replace('http://', `http://${auth}@`);
    const a = createA1111Generator(settingsFrom('sd', 'a1111', path.join(dir, 'gen.wabi'), { url: [withAuth(down), withAuth(a1111.url)], retries: '0', timeout: '5s' }), FAST);
    const made = await Promise.all(seeds(3).map((seed) => a.generate({ ...REQUEST, seed })));
    assert.equal(made.length, 3);
    assert.equal(a1111.generations.length, 3);
    const figures = a.endpointFigures!();
    assert.deepEqual(figures.map((f) => f.endpoint), [down, a1111.url]);
    assert.ok(!JSON.stringify(figures).includes('s3cret'));
    const deadA = createA1111Generator(settingsFrom('sd', 'a1111', path.join(dir, 'gen.wabi'), { url: [withAuth(down), withAuth(await deadUrl())], retries: '0' }), FAST);
    const e1 = await rejection(deadA.generate(REQUEST));
    assert.match(e1.message, /^a1111: every endpoint failed: http:\/\/127\.0\.0\.1:\d+ \(POST http:\/\/127\.0\.0\.1:\d+\/sdapi\/v1\/txt2img: connection refused/);
    assert.ok(!e1.message.includes('s3cret') && !(e1.stack ?? '').includes('s3cret'), e1.message);

    const env = { env: { OPENAI_API_KEY: key } };
    const o = createOpenAIGenerator(settingsFrom('gpt', 'openai', path.join(dir, 'gen.wabi'), { url: [`${down}/v1`, `${openai.url}/v1 concurrency 2`], model: 'gpt-image-1', retries: '0', timeout: '5s' }), env, FAST);
    const images = await Promise.all(seeds(3).map((seed) => o.generate({ ...REQUEST, width: 1024, height: 1024, seed })));
    assert.equal(images.length, 3);
    assert.deepEqual(o.endpointFigures!().map((f) => [f.endpoint, f.concurrency, f.images]), [
      [`${down}/v1`, 4, 0],
      [`${openai.url}/v1`, 2, 3],
    ]);
    // The live server refuses another key and echoes it; the dead one refuses the connection: neither shows it.
    const wrong = 'sk-wrong-9876543210zyxwvutsrq';
    const bad = createOpenAIGenerator(settingsFrom('gpt', 'openai', path.join(dir, 'gen.wabi'), { url: [`${down}/v1`, `${openai.url}/v1`], model: 'gpt-image-1', retries: '0' }), { env: { OPENAI_API_KEY: wrong } }, FAST);
    const e2 = await rejection(bad.generate({ ...REQUEST, width: 1024, height: 1024 }));
    assert.match(e2.message, /answered 401/);
    assert.ok(!e2.message.includes(wrong) && !(e2.body ?? '').includes(wrong), e2.message);
  } finally {
    await closeAll([a1111, openai]);
  }
});

test('a pool caches its images under its workflow, not its addresses; one server keeps its address', () => {
  const one = comfyPool(['http://127.0.0.1:8188']).identity;
  const two = comfyPool(['http://127.0.0.1:8188', 'http://127.0.0.1:8189']).identity;
  const other = comfyPool(['http://10.0.0.2:8188', 'http://10.0.0.3:8188 concurrency 2', 'http://10.0.0.4:8188']).identity;
  assert.match(one, /^comfyui:http:\/\/127\.0\.0\.1:8188:[0-9a-f]{64}$/);
  assert.match(two, /^comfyui:pool:[0-9a-f]{64}$/);
  assert.equal(other, two, 'endpoints come and go without making the images again');
});
