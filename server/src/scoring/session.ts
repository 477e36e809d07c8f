// onnxruntime sessions on the best available execution provider. `auto` tries CUDA (present only when the user
// installed onnxruntime-node's CUDA binaries), then WebGPU (bundled: Vulkan, D3D12 or Metal), then CPU, and says
// in one line what it ended up on and why. onnxruntime does not fall back by itself: a missing provider throws,
// so each is tried in turn.
//
// Which provider is fastest depends on the kind of work. Networks (judges) gain 2-19x on a GPU, so for them `auto`
// takes the first that loads. Small per-pixel graphs (the traits) ran slower on WebGPU than on the same machine's
// CPU (0.56-0.82x on an H200 with 16 cores), so their callers pass `probe`: every provider that loads then runs
// the same timed batch and the fastest is kept.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';

import type { Provider, ProviderSetting } from '../catalogue/providers';

export { PROVIDER_SETTINGS, type Provider, type ProviderSetting } from '../catalogue/providers';

export interface SessionOptions {
  readonly provider?: ProviderSetting;
  /** 'basic' for the small per-pixel trait graphs (the NCHWc rewrite of 'all' slows 1-channel convolutions
   *  tenfold); 'all' for real CNNs and transformers. */
  readonly optimization?: 'basic' | 'extended' | 'all';
  readonly intraOpThreads?: number;
  /** Receives one line per provider tried and not used, and one for the provider chosen. */
  readonly log?: (line: string) => void;
  /** Names the model in messages (a file path, or "trait analysers"). */
  readonly label?: string;
  /** With `auto`: time this batch (inputs by name and shape, float32; those the model does not have are left
   *  out) on every provider that loads and keep the fastest, instead of the first that loads. */
  readonly probe?: Readonly<Record<string, readonly number[]>>;
}

/** Runs of the probe batch timed per provider, after one untimed run (kernels compiled, arenas sized). */
const PROBE_RUNS = 3;

export interface OpenSession {
  readonly session: ort.InferenceSession;
  readonly provider: Provider;
}

/** Errors from a provider that is not there at all, as opposed to a broken model. */
function isProviderUnavailable(message: string): boolean {
  return /provider|not (?:supported|available|found)|No supported adapters|cuda|webgpu|dawn|vulkan|adapter|libcudart|libcudnn|Failed to load/i.test(message);
}

// onnxruntime's process-wide logger otherwise prints every failed provider probe to stderr.
ort.env.logLevel = 'fatal';

export async function openSession(model: Uint8Array | string, options: SessionOptions = {}): Promise<OpenSession> {
  const setting = options.provider ?? 'auto';
  const log = options.log ?? (() => undefined);
  const label = options.label ?? (typeof model === 'string' ? model : 'model');
  if (setting !== 'auto') {
    const session = await tryProvider(model, setting, options, label, false);
    log(`${label}: running on ${setting}`);
    return { session, provider: setting };
  }
  const failures: string[] = [];
  const loaded: OpenSession[] = [];
  for (const provider of AUTO_ORDER) {
    if (provider === 'webgpu') {
      const missing = missingWebGpuDriver();
      if (missing) {
        failures.push(`webgpu unavailable: ${missing}`);
        continue;
      }
    }
    try {
      loaded.push({ session: await tryProvider(model, provider, options, label, true), provider });
    } catch (e) {
      if (provider === 'cpu' || !(e instanceof ProviderUnavailable)) {
        for (const o of loaded) await o.session.release();
        throw e;
      }
      failures.push(`${provider} unavailable: ${e.cause}`);
      continue;
    }
    // Without a probe the first provider that loads is the one.
    if (!options.probe) break;
  }
  if (loaded.length === 1 || !options.probe) {
    const chosen = loaded[0];
    log(`${label}: running on ${chosen.provider}` + (failures.length ? ` (${failures.join('; ')})` : ''));
    return chosen;
  }
  const timed: Array<{ open: OpenSession; ms: number }> = [];
  for (const open of loaded) timed.push({ open, ms: await probeMs(open.session, options.probe) });
  timed.sort((x, y) => x.ms - y.ms);
  for (const t of timed.slice(1)) await t.open.session.release();
  const batch = Object.values(options.probe)[0]?.[0] ?? 1;
  const times = timed.map((t) => `${t.open.provider} ${t.ms.toFixed(1)} ms`).join(', ');
  log(`${label}: running on ${timed[0].open.provider}, the fastest here (${times} per batch of ${batch} in a probe${failures.length ? `; ${failures.join('; ')}` : ''})`);
  return timed[0].open;
}

const AUTO_ORDER: readonly Provider[] = ['cuda', 'webgpu', 'cpu'];

/** A provider that is not there at all (as opposed to a model it cannot run). */
class ProviderUnavailable extends Error {
  constructor(
    message: string,
    override readonly cause: string,
  ) {
    super(message);
  }
}

async function tryProvider(model: Uint8Array | string, provider: Provider, options: SessionOptions, label: string, auto: boolean): Promise<ort.InferenceSession> {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: [provider],
    graphOptimizationLevel: options.optimization ?? 'all',
    logSeverityLevel: 4,
    ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
    // onnxruntime's worker threads otherwise spin for a while after every run, taking the cores that decoding
    // (sharp) and the result store need between batches: on 2 cores that halved scoring throughput in a run.
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
  try {
    return typeof model === 'string' ? await ort.InferenceSession.create(model, sessionOptions) : await ort.InferenceSession.create(model, sessionOptions);
  } catch (e) {
    const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
    // A model that fails on the CPU provider is broken, not missing a device: stop and say so.
    if (provider === 'cpu' || !isProviderUnavailable(message)) throw new Error(`${label}: cannot load on ${provider}: ${message}`);
    if (!auto) throw new Error(`${label}: the ${provider} execution provider is not available here: ${message}`);
    throw new ProviderUnavailable(message, shorten(message));
  }
}

/** Median milliseconds of the probe batch on `session`: values spread over 0..255 like pixels, not zeros, which
 *  some kernels shortcut. */
async function probeMs(session: ort.InferenceSession, shapes: Readonly<Record<string, readonly number[]>>): Promise<number> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, dims] of Object.entries(shapes)) {
    if (!session.inputNames.includes(name)) continue;
    const data = new Float32Array(dims.reduce((a, d) => a * d, 1));
    for (let i = 0; i < data.length; i++) data[i] = ((i * 37) ^ (i >>> 7)) & 255;
    feeds[name] = new ort.Tensor('float32', data, [...dims]);
  }
  await session.run(feeds);
  const ms: number[] = [];
  for (let r = 0; r < PROBE_RUNS; r++) {
    const t0 = performance.now();
    await session.run(feeds);
    ms.push(performance.now() - t0);
  }
  return ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)];
}

/** The part of a provider's failure a user can act on: its last clause, where ORT puts the cause ("No supported
 *  adapters", "Failed to load shared library"), without the source-file prefix. */
function shorten(s: string): string {
  const cause = s.replace(/^.*?\.(?:cc|cpp|h):\d+\s+\S+\s*/, '').trim();
  const known = /No supported adapters|Failed to load shared library|libcudart[^ ]*|libcudnn[^ ]*|libvulkan[^ ]*/i.exec(s);
  const text = known ? known[0] : cause;
  return text.length > 120 ? text.slice(0, 117) + '...' : text;
}

export { ort };

/** On Linux, ORT's WebGPU runs on Vulkan; without a Vulkan loader, Dawn prints a raw warning to stderr and fails.
 *  `auto` checks for the loader first and skips WebGPU quietly when there is none. */
function missingWebGpuDriver(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/lib/x86_64-linux-gnu',
    '/lib64',
    '/usr/local/lib',
  ];
  if (!dirs.some((d) => fs.existsSync(path.join(d, 'libvulkan.so.1')))) return 'no Vulkan loader (libvulkan.so.1) found';
  // Mesa's software driver (lavapipe) gives Vulkan, and so WebGPU, an adapter without any GPU: a judge's network then
  // ran tens of times slower than on the CPU provider. `auto` takes WebGPU only where there is a GPU to drive (a DRM
  // render node, or NVIDIA's device files); --provider webgpu still uses whatever adapter is there.
  return hasGpuDevice() ? undefined : 'no GPU device (/dev/dri/renderD*, /dev/nvidia*): a software Vulkan driver would run it on the CPU';
}

function hasGpuDevice(): boolean {
  const list = (dir: string) => {
    try {
      return fs.readdirSync(dir);
    } catch {
      return [];
    }
  };
  return list('/dev/dri').some((f) => f.startsWith('renderD')) || list('/dev').some((f) => /^nvidia\d+$/.test(f));
}
