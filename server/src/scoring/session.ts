// onnxruntime sessions on the best available execution provider. `auto` tries CUDA (present only when the user
// installed onnxruntime-node's CUDA binaries), then WebGPU (bundled: Vulkan, D3D12 or Metal), then CPU, and says
// in one line what it ended up on and why. onnxruntime does not fall back by itself: a missing provider throws,
// so each is tried in turn.
//
// Which provider is fastest depends on the kind of work. Networks (judges) gain 2-19x on a GPU, so for them `auto`
// takes the first that loads. Small per-pixel graphs (the traits) ran slower on WebGPU than on the same machine's
// CPU (0.56-0.82x on an H200 with 16 cores), so their callers pass `probe`: every provider that loads then runs
// the same timed batch and the fastest is kept. On Linux, `auto` tries WebGPU only where a GPU device is there:
// otherwise Vulkan could only be a software driver, which loads and then runs a network tens of times slower than
// the CPU provider (webGpuUnusable).
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
  /** Receives one line saying which provider was chosen and why (the providers tried and not used included). */
  readonly log?: (line: string) => void;
  /** false: the caller logs the choice itself (from OpenSession's `why`), with what else it knows. */
  readonly logChoice?: boolean;
  /** Names the model in messages (a file path, or "trait analysers"). */
  readonly label?: string;
  /** With `auto`: time this batch (inputs by name, type and shape; those the model does not have are left out) on
   *  every provider that loads and keep the fastest, instead of the first that loads. */
  readonly probe?: Readonly<Record<string, ProbeInput>>;
  /** With `probe`: the caller runs this many CPU sessions side by side, so the CPU's probe time counts divided
   *  by it (default 1). */
  readonly cpuSessions?: number;
}

export interface ProbeInput {
  readonly type: 'float32' | 'uint8';
  readonly dims: readonly number[];
}

/** Runs of the probe batch timed per provider, after one untimed run (kernels compiled, arenas sized). */
const PROBE_RUNS = 3;

export interface OpenSession {
  readonly session: ort.InferenceSession;
  readonly provider: Provider;
  /** Why this provider, to follow "running on cpu": ", the first of cuda, webgpu and cpu that loads (cuda
   *  unavailable: ...)", " (as set)", or the probe's timings. */
  readonly why: string;
}

/** Errors from a provider that is not there at all, as opposed to a broken model. */
function isProviderUnavailable(message: string): boolean {
  return /provider|not (?:supported|available|found)|No supported adapters|cuda|webgpu|dawn|vulkan|adapter|libcudart|libcudnn|Failed to load/i.test(message);
}

// onnxruntime's process-wide logger otherwise prints every failed provider probe to stderr.
ort.env.logLevel = 'fatal';

export async function openSession(model: Uint8Array | string, options: SessionOptions = {}): Promise<OpenSession> {
  const label = options.label ?? (typeof model === 'string' ? model : 'model');
  const opened = await chooseProvider(model, options, label);
  if (options.logChoice !== false) options.log?.(`${label}: running on ${opened.provider}${opened.why}`);
  return opened;
}

async function chooseProvider(model: Uint8Array | string, options: SessionOptions, label: string): Promise<OpenSession> {
  const setting = options.provider ?? 'auto';
  if (setting !== 'auto') return { session: await tryProvider(model, setting, options, label, false), provider: setting, why: ' (as set)' };
  const failures: string[] = [];
  const loaded: Array<{ session: ort.InferenceSession; provider: Provider }> = [];
  for (const provider of AUTO_ORDER) {
    if (provider === 'webgpu') {
      const unusable = webGpuUnusable();
      if (unusable) {
        failures.push(`webgpu unavailable: ${unusable}`);
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
  const tried = failures.length ? ` (${failures.join('; ')})` : '';
  if (!options.probe) return { ...loaded[0], why: `, the first of ${AUTO_ORDER.join(', ')} that loads${tried}` };
  if (loaded.length === 1) return { ...loaded[0], why: tried };
  const timed: Array<{ open: (typeof loaded)[number]; ms: number }> = [];
  const cpuSessions = Math.max(1, options.cpuSessions ?? 1);
  for (const open of loaded) {
    const ms = await probeMs(open.session, options.probe);
    timed.push({ open, ms: open.provider === 'cpu' ? ms / cpuSessions : ms });
  }
  timed.sort((x, y) => x.ms - y.ms);
  for (const t of timed.slice(1)) await t.open.session.release();
  const batch = Object.values(options.probe)[0]?.dims[0] ?? 1;
  const times = timed.map((t) => `${t.open.provider} ${t.ms.toFixed(1)} ms${t.open.provider === 'cpu' && cpuSessions > 1 ? ` (${cpuSessions} sessions side by side)` : ''}`).join(', ');
  return { ...timed[0].open, why: `, the fastest here (${times} per batch of ${batch} in a probe${failures.length ? `; ${failures.join('; ')}` : ''})` };
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
async function probeMs(session: ort.InferenceSession, inputs: Readonly<Record<string, ProbeInput>>): Promise<number> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, { type, dims }] of Object.entries(inputs)) {
    if (!session.inputNames.includes(name)) continue;
    const size = dims.reduce((a, d) => a * d, 1);
    const data = type === 'uint8' ? new Uint8Array(size) : new Float32Array(size);
    for (let i = 0; i < data.length; i++) data[i] = ((i * 37) ^ (i >>> 7)) & 255;
    feeds[name] = new ort.Tensor(type, data, [...dims]);
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

/** Why `auto` should not try WebGPU here, or undefined. On Linux, ORT's WebGPU runs on Vulkan: without a Vulkan
 *  loader, Dawn prints a raw warning to stderr and fails. With a loader but no GPU device node, the only Vulkan
 *  driver that can answer is a software one (Mesa's lavapipe, installed with desktop and browser packages): WebGPU
 *  then loads and runs on the CPU, a CLIP ViT-B/32 image encoder at 0.22 img/s where the CPU provider ran 15.9 on
 *  the same 2 cores. An explicit `webgpu` setting still tries. */
export function webGpuUnusable(): string | undefined {
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
  if (!hasGpuDevice()) return 'no GPU device (/dev/dri/renderD*, /dev/nvidia*, /dev/dxg): Vulkan here could only run in software on the CPU';
  return undefined;
}

/** A device node a hardware Vulkan driver opens: DRM render nodes (AMD, Intel, most others), NVIDIA's own nodes,
 *  or WSL's GPU paravirtualisation. */
export function hasGpuDevice(): boolean {
  const listed = (dir: string, prefix: string) => {
    try {
      return fs.readdirSync(dir).some((f) => f.startsWith(prefix));
    } catch {
      return false;
    }
  };
  return listed('/dev/dri', 'renderD') || listed('/dev', 'nvidia') || fs.existsSync('/dev/dxg');
}
