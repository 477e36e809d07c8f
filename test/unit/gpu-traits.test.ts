// The trait graph on the GPU providers. WebGPU: every node placed on the GPU (none left to the CPU, so no copies
// between them in the middle of the graph) and the same scores as the CPU provider, wherever WebGPU finds an
// adapter: a GPU with a Vulkan, D3D12 or Metal driver, or Mesa's software Vulkan driver (lavapipe, Mesa 23 or later;
// CI installs it with test/gpu/install-lavapipe.sh). CUDA: loads and agrees with the CPU where onnxruntime-node's
// CUDA binaries are installed. Each test that cannot run here skips and says why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeImage } from '../../server/src/scoring/images';
import { hasGpuDevice, openSession } from '../../server/src/scoring/session';
import { TraitScorer } from '../../server/src/scoring/traitScorer';
import { TRAIT_ANALYSERS, traitAnalyser } from '../../server/src/scoring/traits/index';
import { buildTraitModel } from '../../server/src/scoring/traits/traitModel';
import { PHOTOS, photoPath } from './helpers/traits';

const REPO = path.resolve(__dirname, '../../..');
const model = buildTraitModel(TRAIT_ANALYSERS, traitAnalyser);

let webgpuProbe: Promise<string | undefined> | undefined;

/** Why WebGPU cannot run here, or undefined when it can (found out once, by opening the model on it). */
function webgpuMissing(): Promise<string | undefined> {
  return (webgpuProbe ??= probeWebgpu());
}

async function probeWebgpu(): Promise<string | undefined> {
  try {
    const { session } = await openSession(model, { provider: 'webgpu', optimization: 'basic' });
    await session.release();
    return undefined;
  } catch (e) {
    return `no WebGPU adapter here: ${(e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 160)}`;
  }
}

test('the trait graph runs wholly on WebGPU: no node on the CPU, no copies in the middle', async (t) => {
  const missing = await webgpuMissing();
  if (missing) return t.skip(missing);
  // onnxruntime reports node placement only in its verbose log, which its native logger writes to stderr: read it
  // from a child process.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-webgpu-'));
  try {
    const file = path.join(dir, 'traits.onnx');
    fs.writeFileSync(file, model);
    const script = `
      const ort = require(${JSON.stringify(require.resolve('onnxruntime-node', { paths: [REPO] }))});
      ort.env.logLevel = 'verbose';
      ort.InferenceSession.create(${JSON.stringify(file)}, { executionProviders: ['webgpu'], graphOptimizationLevel: 'basic', logSeverityLevel: 0 })
        .then((s) => s.release(), (e) => { console.error('FAILED ' + e.message); process.exitCode = 1; });`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 120_000, env: { XDG_RUNTIME_DIR: os.tmpdir(), ...process.env } });
    const log = `${r.stdout}${r.stderr}`;
    assert.equal(r.status, 0, log.slice(-2000));
    const onCpu = /Node\(s\) placed on \[CPUExecutionProvider\]\. Number of nodes: (\d+)/.exec(log);
    const copies = log.match(/AddCopyNode\] Add Memcpy\S+ (?:after|before) \S+/g) ?? [];
    const cpuNodes = onCpu ? log.slice(onCpu.index).split('\n').slice(1, 1 + Number(onCpu[1])).map((l) => l.replace(/^.*\]\s+/, '')) : [];
    assert.deepEqual(cpuNodes, [], 'nodes left to the CPU');
    assert.deepEqual(copies, [], 'copies between the CPU and the GPU');
    assert.match(log, /All nodes placed on \[WebGpuExecutionProvider\]/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('WebGPU and CPU give the same trait scores on photographs and paintings', async (t) => {
  const missing = await webgpuMissing();
  if (missing) return t.skip(missing);
  const files = [...PHOTOS.map(photoPath), ...['starry-night.jpg', 'shipwreck.jpg'].map((f) => path.join(REPO, 'examples/images', f))];
  const images = await Promise.all(files.map((f) => decodeImage(f)));
  const scores = async (provider: 'cpu' | 'webgpu') => {
    const scorer = await TraitScorer.open({ analysers: TRAIT_ANALYSERS, resolve: traitAnalyser, provider, batchSize: 3 });
    try {
      assert.equal(scorer.provider, provider);
      return await scorer.scoreBatch(images.slice(0, 3)).then(async (a) => [...a, ...(await scorer.scoreBatch(images.slice(3)))]);
    } finally {
      await scorer.close();
    }
  };
  const [gpu, cpu] = [await scores('webgpu'), await scores('cpu')];
  let worst = { diff: 0, where: '' };
  cpu.forEach((c, i) => {
    for (const [name, v] of Object.entries(c.traits)) {
      const diff = Math.abs(v - gpu[i].traits[name as keyof typeof c.traits]);
      if (diff > worst.diff) worst = { diff, where: `${name} on ${path.basename(files[i])}` };
    }
  });
  console.log(`webgpu vs cpu: largest score difference ${worst.diff.toExponential(2)} (${worst.where || 'none'})`);
  assert.ok(worst.diff < 1e-3, `${worst.where}: ${worst.diff}`);
});

test("'auto' leaves a software WebGPU adapter alone: without a GPU device it runs on the CPU and says why", async (t) => {
  const missing = await webgpuMissing();
  if (missing) return t.skip(missing);
  if (process.platform !== 'linux' || hasGpuDevice()) return t.skip('a GPU is here: its adapter is a real one');
  // WebGPU loads here, so its adapter is an emulation on the CPU (lavapipe): a judge's network ran tens of times
  // slower on it than on the CPU provider, and `auto` took it because it loaded first.
  const lines: string[] = [];
  const { session, provider } = await openSession(model, { provider: 'auto', label: 'traits', log: (l) => lines.push(l) });
  await session.release();
  assert.equal(provider, 'cpu');
  assert.match(lines.join('\n'), /^traits: running on cpu\b.*webgpu unavailable: no GPU device/);
});

test('where onnxruntime-node has its CUDA binaries, the trait graph loads on CUDA and agrees with the CPU', async (t) => {
  // They come from onnxruntime-node's optional download (ONNXRUNTIME_NODE_INSTALL=cuda12 npm install, on a
  // connected Linux x64 machine with CUDA 12 and cuDNN 9), which this project's own install skips.
  const bin = path.join(path.dirname(require.resolve('onnxruntime-node/package.json', { paths: [REPO] })), 'bin/napi-v6', process.platform, process.arch);
  const cudaProvider = ['libonnxruntime_providers_cuda.so', 'onnxruntime_providers_cuda.dll'].find((f) => fs.existsSync(path.join(bin, f)));
  if (!cudaProvider) return t.skip(`onnxruntime-node's CUDA binaries are not installed (${path.relative(REPO, bin)})`);
  const images = await Promise.all(PHOTOS.map((p) => decodeImage(photoPath(p))));
  const run = async (provider: 'cpu' | 'cuda') => {
    const scorer = await TraitScorer.open({ analysers: TRAIT_ANALYSERS, resolve: traitAnalyser, provider });
    try {
      assert.equal(scorer.provider, provider);
      return await scorer.scoreBatch(images);
    } finally {
      await scorer.close();
    }
  };
  const [gpu, cpu] = [await run('cuda'), await run('cpu')];
  cpu.forEach((c, i) => {
    for (const [name, v] of Object.entries(c.traits)) assert.ok(Math.abs(v - gpu[i].traits[name as keyof typeof c.traits]) < 1e-3, `${name} on ${PHOTOS[i]}`);
  });
});
