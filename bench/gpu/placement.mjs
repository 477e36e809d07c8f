#!/usr/bin/env node
// Where onnxruntime places the full trait graph on a GPU provider: its node count, the nodes it leaves to the CPU
// and the copies it adds between the CPU and the GPU (none, on WebGPU, since the graph was rewritten for it; the
// test test/unit/gpu-traits.test.ts asserts the same wherever WebGPU has an adapter). onnxruntime reports placement
// only in its verbose log, which its native logger writes to stderr, so the session opens in a child process.
//
//   node bench/gpu/placement.mjs [--provider webgpu|cuda] [--out FILE]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadWabi, root } from '../scoring/lib/wabi.mjs';

const { values: opt } = parseArgs({
  options: {
    provider: { type: 'string', default: 'webgpu' },
    out: { type: 'string', default: join(root, 'bench', 'results', 'gpu-placement.json') },
  },
});

const wabi = await loadWabi();
const dir = mkdtempSync(join(tmpdir(), 'wabi-placement-'));
try {
  const file = join(dir, 'traits.onnx');
  writeFileSync(file, wabi.buildTraitModel(wabi.ANALYSERS, wabi.resolveTrait));
  const ort = createRequire(join(root, 'package.json')).resolve('onnxruntime-node');
  const script = `
    const ort = require(${JSON.stringify(ort)});
    ort.env.logLevel = 'verbose';
    ort.InferenceSession.create(${JSON.stringify(file)}, { executionProviders: [${JSON.stringify(opt.provider)}], graphOptimizationLevel: 'basic', logSeverityLevel: 0 })
      .then((s) => s.release(), (e) => { console.error('FAILED ' + e.message); process.exitCode = 1; });`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 300_000, maxBuffer: 256 << 20, env: { XDG_RUNTIME_DIR: tmpdir(), ...process.env } });
  const log = `${r.stdout}${r.stderr}`;
  const count = (re) => {
    const m = re.exec(log);
    return m ? Number(m[1]) : 0;
  };
  const onCpu = /Node\(s\) placed on \[CPUExecutionProvider\]\. Number of nodes: (\d+)/.exec(log);
  const cpuNodes = onCpu ? log.slice(onCpu.index).split('\n').slice(1, 1 + Number(onCpu[1])).map((l) => l.replace(/^.*\]\s+/, '').trim()) : [];
  const result = {
    benchmark: 'gpu-placement',
    date: new Date().toISOString(),
    provider: opt.provider,
    loaded: r.status === 0,
    error: r.status === 0 ? undefined : (log.match(/FAILED .*/)?.[0] ?? log.slice(-500)),
    all: new RegExp(`All nodes placed on \\[${opt.provider === 'cuda' ? 'CUDA' : 'WebGpu'}ExecutionProvider\\]`).test(log),
    gpuNodes: count(new RegExp(`Node\\(s\\) placed on \\[${opt.provider === 'cuda' ? 'CUDA' : 'WebGpu'}ExecutionProvider\\]\\. Number of nodes: (\\d+)`)) || count(/All nodes placed on \[\w+\]\. Number of nodes: (\d+)/),
    cpuNodes,
    copies: log.match(/AddCopyNode\] Add Memcpy\S+ (?:after|before) \S+/g) ?? [],
    adapter: log.match(/(?:adapter|Adapter)[^\n]{0,160}/)?.[0],
  };
  console.log(
    result.loaded
      ? `${opt.provider}: ${result.gpuNodes} nodes on the GPU${result.all ? ' (all)' : ''}, ${cpuNodes.length} on the CPU${cpuNodes.length ? ` (${cpuNodes.join(', ')})` : ''}, ${result.copies.length} copies`
      : `${opt.provider} did not load: ${result.error}`,
  );
  mkdirSync(dirname(opt.out), { recursive: true });
  writeFileSync(opt.out, JSON.stringify(result, null, 2) + '\n');
  if (!result.loaded) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
