// Wabi's version. package.json is its one source: esbuild.mjs defines WABI_VERSION from it in every bundle (the
// benchmarks define "bench"). Code run without that define reports 0.0.0-dev rather than a copy that goes stale.
declare const WABI_VERSION: string | undefined;

export const VERSION = typeof WABI_VERSION === 'string' ? WABI_VERSION : '0.0.0-dev';
