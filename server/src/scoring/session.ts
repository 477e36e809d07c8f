// onnxruntime sessions on the best available execution provider. `auto` tries CUDA (present only when the user
// installed onnxruntime-node's CUDA binaries), then WebGPU (bundled: Vulkan, D3D12 or Metal), then CPU, and says
// in one line what it ended up on. onnxruntime does not fall back by itself: a missing provider throws, so each
// is tried in turn.
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
}

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
  const order: Provider[] = setting === 'auto' ? ['cuda', 'webgpu', 'cpu'] : [setting];
  const log = options.log ?? (() => undefined);
  const label = options.label ?? (typeof model === 'string' ? model : 'model');
  const failures: string[] = [];
  for (const provider of order) {
    if (setting === 'auto' && provider === 'webgpu') {
      const missing = missingWebGpuDriver();
      if (missing) {
        failures.push(`webgpu unavailable: ${missing}`);
        continue;
      }
    }
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
      const session =
        typeof model === 'string' ? await ort.InferenceSession.create(model, sessionOptions) : await ort.InferenceSession.create(model, sessionOptions);
      if (failures.length > 0) log(`${label}: running on ${provider} (${failures.join('; ')})`);
      else log(`${label}: running on ${provider}`);
      return { session, provider };
    } catch (e) {
      const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
      // A model that fails on the CPU provider is broken, not missing a device: stop and say so.
      if (provider === 'cpu' || (setting !== 'auto' && !isProviderUnavailable(message))) {
        throw new Error(`${label}: cannot load on ${provider}: ${message}`);
      }
      if (setting !== 'auto') throw new Error(`${label}: the ${provider} execution provider is not available here: ${message}`);
      failures.push(`${provider} unavailable: ${shorten(message)}`);
    }
  }
  throw new Error(`${label}: no execution provider could load it (${failures.join('; ')})`);
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
  return dirs.some((d) => fs.existsSync(path.join(d, 'libvulkan.so.1'))) ? undefined : 'no Vulkan loader (libvulkan.so.1) found';
}
