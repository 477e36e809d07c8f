// Small helpers shared by the scoring benchmarks: statistics, tables, memory readings, machine description, and
// finding a Python that has OpenCV.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

export const PROVIDERS = ['auto', 'cuda', 'webgpu', 'cpu'];

export function checkProvider(p) {
  if (!PROVIDERS.includes(p)) throw new Error(`--provider must be one of ${PROVIDERS.join('|')}, not '${p}'`);
  return p;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const fmt = (x, d = 1) => (x === undefined || x === null || Number.isNaN(x) ? '-' : x.toFixed(d));

/** A plain text table: rows of strings, first row the header; numbers right-aligned. */
export function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  const line = (r) => r.map((v, c) => (c === 0 || !/^[-+]?[\d.]+[x%]?$|^-$/.test(String(v)) ? String(v).padEnd(widths[c]) : String(v).padStart(widths[c]))).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** VmRSS and VmHWM of this process from /proc, in MiB (undefined off Linux). */
export function procMemory() {
  try {
    const s = readFileSync('/proc/self/status', 'utf8');
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1]);
    return { rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024 };
  } catch {
    return { rssMiB: undefined, hwmMiB: undefined };
  }
}

export function machine() {
  const c = cpus();
  return {
    cpu: c[0]?.model ?? 'unknown',
    cores: c.length,
    memGiB: +(totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    uvThreadpool: process.env.UV_THREADPOOL_SIZE ?? '4 (default)',
    loadavg: loadavg().map((x) => +x.toFixed(2)),
  };
}

/** A Python 3 that imports cv2: $WABI_PYTHON, then Debian's /usr/bin/python3 (python3-opencv), then PATH's. */
export function findOpenCvPython() {
  const candidates = [process.env.WABI_PYTHON, '/usr/bin/python3', 'python3'].filter(Boolean);
  const tried = [];
  for (const py of candidates) {
    if (py.startsWith('/') && !existsSync(py)) continue;
    try {
      const v = execFileSync(py, ['-c', 'import cv2, numpy; print(cv2.__version__)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      return { python: py, opencv: v };
    } catch {
      tried.push(py);
    }
  }
  return { python: undefined, tried };
}

export const OPENCV_HINT = 'OpenCV for Python is missing: apt-get update && apt-get install -y python3-opencv (or set WABI_PYTHON to a python3 that imports cv2)';

// Errors (a missing execution provider, a bad option) end the benchmark with one line; WABI_BENCH_DEBUG=1 keeps
// the stack.
process.on('uncaughtException', (e) => {
  console.error(process.env.WABI_BENCH_DEBUG ? e : `error: ${e instanceof Error ? e.message.split('\n')[0] : e}`);
  process.exit(1);
});
