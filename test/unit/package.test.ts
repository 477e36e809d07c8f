// Packaging: scripts/package.mjs builds the linux-x64 VSIX once (from the bundles `npm run build` made, into a
// temporary folder) and the tests read its entries. Packaging takes ~10 s, so it runs once in before().
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const REPO = path.resolve(__dirname, '../../..');

interface PackagedTarget { target: string; vsix: string; bytes: number; entries: string[] }
interface PackageScript {
  packageTargets(targets: string[], options: { build: boolean; outDir: string }): Promise<PackagedTarget[]>;
  verifyVsix(vsix: string, target: string): unknown[];
}

let script: PackageScript;
let outDir: string;
let linux: PackagedTarget;

before(async () => {
  // A computed specifier, so that esbuild leaves the import to run time and the script finds the repository
  // from its own location.
  const specifier = pathToFileURL(path.join(REPO, 'scripts/package.mjs')).href;
  script = (await import(specifier)) as PackageScript;
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-package-'));
  [linux] = await script.packageTargets(['linux-x64'], { build: false, outDir });
});

after(() => {
  if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
});

const modules = 'extension/dist/node_modules';

test('the linux-x64 VSIX holds the bundles and the linux-x64 native binaries', () => {
  for (const file of [
    'extension/package.json',
    'extension/dist/client.js',
    'extension/dist/server.js',
    `${modules}/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node`,
    `${modules}/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1.br`,
    `${modules}/onnxruntime-common/package.json`,
    `${modules}/sharp/package.json`,
    `${modules}/@img/sharp-linux-x64/package.json`,
    `${modules}/@img/sharp-libvips-linux-x64/package.json`,
  ]) assert.ok(linux.entries.includes(file), `${file} is missing`);
  assert.ok(linux.entries.some((e) => /@img\/sharp-linux-x64\/lib\/sharp-linux-x64-[\d.]+\.node$/.test(e)), 'sharp binding');
  assert.ok(linux.entries.some((e) => /@img\/sharp-libvips-linux-x64\/lib\/libvips-cpp\.so[.\d]*$/.test(e)), 'libvips');
});

test('the linux-x64 VSIX holds no other platform binaries, no CLI and no source maps', () => {
  const foreign = linux.entries.filter((e) =>
    /(darwin|win32|linuxmusl|wasm32|arm64)/.test(e) || /\.(dll|dylib|exe)$/.test(e));
  assert.deepEqual(foreign, []);
  // Installed packages the server does not load at run time (build tools, the CUDA download's helpers).
  for (const absent of ['extension/dist/cli.js', `${modules}/adm-zip/package.json`, `${modules}/global-agent/package.json`]) {
    assert.ok(!linux.entries.includes(absent), `${absent} should not ship`);
  }
  assert.deepEqual(linux.entries.filter((e) => e.endsWith('.map')), []);
});

test('the verifier accepts the VSIX for its own target and rejects it for another', () => {
  assert.doesNotThrow(() => script.verifyVsix(linux.vsix, 'linux-x64'));
  assert.throws(() => script.verifyVsix(linux.vsix, 'darwin-arm64'), /missing onnxruntime binding[\s\S]*foreign onnxruntime binary/);
});

// The budget the VSIX must fit. The two vendor libraries (libonnxruntime.so.1, 46 MB, and libvips, 19 MB, both
// stripped) deflate to ~26 MB; libonnxruntime ships brotli-compressed instead (14.4 MB), unpacked on first use.
test('the linux-x64 VSIX is under 25 MB (libonnxruntime ships brotli-compressed)', () => {
  assert.ok(linux.bytes < 25e6, `${(linux.bytes / 1e6).toFixed(2)} MB`);
});
