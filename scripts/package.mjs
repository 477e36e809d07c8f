#!/usr/bin/env node
// Builds one VSIX per platform: `node scripts/package.mjs [--target T]... [--skip-build] [--out DIR]`
// (default: all DEFAULT_TARGETS, a production build first, out/package/).
//
// The server loads two native packages at run time (onnxruntime-node, sharp). Both ship binaries for many
// platforms; a single VSIX holding them all would be hundreds of MB, so each target's VSIX carries only its own
// platform's binaries (`vsce package --target T`; VS Code installs the one that matches the extension host).
//
// Each target is staged in out/package/<target>/ (an ignored path) with exactly what ships: the files the
// root `.vscodeignore` allowlist selects, plus the runtime packages under dist/node_modules/. They sit under
// dist/ because vsce never packs the root node_modules/ of a `--no-dependencies` package (its file walk skips
// it), while Node's module resolution from dist/server.js finds dist/node_modules/ first.
// Every VSIX is then listed and checked: required binaries present, no other platform's binary anywhere.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlibConstants, inflateRawSync } from 'node:zlib';
import { createHash } from 'node:crypto';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'out', 'package');
const require = createRequire(join(ROOT, 'package.json'));

/** The targets `npm run package` builds. Others that onnxruntime-node 1.30 has binaries for (linux-arm64,
 *  win32-arm64) would work the same way; darwin-x64 and alpine-* have no onnxruntime-node binaries. */
export const DEFAULT_TARGETS = ['linux-x64', 'darwin-arm64', 'win32-x64'];

/** Every platform either native package ships binaries for: the names that must not appear in a VSIX built
 *  for a different target. */
const ALL_PLATFORMS = ['linux-x64', 'linux-arm64', 'linux-arm', 'linux-ppc64', 'linux-riscv64', 'linux-s390x',
  'linuxmusl-x64', 'linuxmusl-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-arm64', 'win32-ia32',
  'wasm32', 'freebsd-wasm32', 'webcontainers-wasm32'];

/** The server's native packages, the same list esbuild.mjs keeps external: they load their own binaries and
 *  cannot be bundled, so the VSIX carries them (and their runtime dependencies) as packages. */
const NATIVE_PACKAGES = ['onnxruntime-node', 'sharp'];

/** Dependencies a package declares but only its install script uses; its runtime files never require them.
 *  onnxruntime-node's postinstall downloads the optional CUDA provider with adm-zip and global-agent. */
const INSTALL_ONLY_DEPENDENCIES = { 'onnxruntime-node': ['adm-zip', 'global-agent'] };

/** Modules a bundle may require that need not ship: the editor's own API, and the optional speed-ups ws tries
 *  in a try/catch before falling back to JavaScript. */
const PROVIDED_OR_OPTIONAL = new Set(['vscode', 'bufferutil', 'utf-8-validate']);

/** The bundles the extension runs (the server runs tests in dist/runWorker.js, and models in
 *  dist/sessionWorker.js). The CLI (dist/cli.js) is not one: the extension never calls it. */
const BUNDLES = ['dist/client.js', 'dist/server.js', 'dist/runWorker.js', 'dist/sessionWorker.js'];

/** Where the runtime packages go inside the staged extension (see the header for why not node_modules/). */
const RUNTIME_MODULES_DIR = 'dist/node_modules';

/** Package.json fields only the repository needs; the CLI's `bin` points at a file the VSIX does not hold. */
const REPO_ONLY_FIELDS = ['scripts', 'devDependencies', 'bin', 'allowScripts'];

/** What a target (a vsce target such as `linux-x64`) means for each native package. */
export function platformOf(target) {
  const [os, arch] = target.split('-');
  if (!['linux', 'darwin', 'win32'].includes(os) || !arch) throw new Error(`unsupported target ${target}`);
  return {
    target,
    os,
    arch,
    // onnxruntime-node loads bin/napi-v<N>/<process.platform>/<process.arch>/onnxruntime_binding.node.
    ortDir: `${ortBinRoot()}/${os}/${arch}`,
    // sharp loads @img/sharp-<platform>, where a glibc Linux is plain `linux` (a musl one is `linuxmusl`).
    sharpPlatform: `${os}-${arch}`,
  };
}

/** onnxruntime-node's binary root, derived from its N-API versions so that a new release's layout is noticed
 *  rather than silently shipping an empty folder. */
function ortBinRoot() {
  const pkg = readPackageJson('onnxruntime-node');
  const napi = pkg.binary?.napi_versions;
  if (!Array.isArray(napi) || napi.length !== 1) throw new Error(`onnxruntime-node ${pkg.version}: expected one N-API version, got ${JSON.stringify(napi)}`);
  return `bin/napi-v${napi[0]}`;
}

/** An installed package's folder. Packages are looked up in the root node_modules only (npm installs them flat;
 *  `exports` maps hide package.json from require.resolve). */
function packageDir(name) {
  const dir = join(ROOT, 'node_modules', name);
  if (!existsSync(join(dir, 'package.json'))) throw new Error(`${name} is not installed in node_modules`);
  return dir;
}

function readPackageJson(name) {
  return JSON.parse(readFileSync(join(packageDir(name), 'package.json'), 'utf8'));
}

function run(cmd, args, options = {}) {
  return execFileSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', ...options });
}

/** Production bundles: minified, no source maps. */
export function buildProductionBundles() {
  run(process.execPath, ['esbuild.mjs', '--production'], { stdio: 'inherit' });
}

/** The bare module names a bundle requires that Node does not provide. */
export function externalRequires(bundlePath) {
  const code = readFileSync(bundlePath, 'utf8');
  const names = new Set();
  for (const [, spec] of code.matchAll(/\brequire\(\s*["']([^"'./][^"']*)["']\s*\)/g)) {
    if (spec.startsWith('node:') || builtinModules.includes(spec)) continue;
    names.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
  }
  return names;
}

/** The packages the VSIX must carry: the natives and everything they need at run time. A shipped bundle that
 *  requires any other package fails the build: that package was meant to be bundled, and the VSIX would not
 *  hold it. */
export function runtimePackages() {
  const required = new Set(NATIVE_PACKAGES);
  for (const bundle of BUNDLES) {
    const file = join(ROOT, bundle);
    if (!existsSync(file)) throw new Error(`${bundle} is missing: build first`);
    for (const name of externalRequires(file)) {
      if (PROVIDED_OR_OPTIONAL.has(name)) continue;
      if (!NATIVE_PACKAGES.includes(name)) throw new Error(`${bundle} requires ${name}, which is not a native package: bundle it (esbuild.mjs) or ship it here`);
      required.add(name);
    }
  }
  return dependencyClosure([...required]);
}

/** The names plus their runtime dependencies, transitively. Optional dependencies are per-platform binaries,
 *  chosen per target elsewhere. */
function dependencyClosure(names) {
  const seen = new Set();
  const queue = [...names];
  while (queue.length) {
    const name = queue.shift();
    if (seen.has(name)) continue;
    seen.add(name);
    const skip = INSTALL_ONLY_DEPENDENCIES[name] ?? [];
    for (const dep of Object.keys(readPackageJson(name).dependencies ?? {})) if (!skip.includes(dep)) queue.push(dep);
  }
  return [...seen].sort();
}

/** Names of the bundles' native packages a bundle does not require (yet): shipped anyway because the server
 *  is meant to load them, but worth saying. */
export function unrequiredNatives() {
  const used = new Set(BUNDLES.flatMap((b) => [...externalRequires(join(ROOT, b))]));
  return NATIVE_PACKAGES.filter((n) => !used.has(n));
}

/** The extension's own files, as the root `.vscodeignore` allowlist selects them (vsce's own listing, so the
 *  staged folder and a plain `vsce package` agree). */
async function extensionFiles() {
  const { listFiles, PackageManager } = require('@vscode/vsce');
  const files = await listFiles({ cwd: ROOT, packageManager: PackageManager.None });
  return files.filter((f) => f !== 'package.json');
}

/** package.json as the VSIX needs it: the manifest without the repository's build-only fields. */
function stagedPackageJson() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  for (const field of REPO_ONLY_FIELDS) delete pkg[field];
  return pkg;
}

/** Files in a runtime package that nothing loads at run time: type declarations, source maps, TypeScript and
 *  C/C++ sources and headers. Licence and package.json files always stay. */
const NOT_RUNTIME = /(\.d\.[cm]?ts|\.map|(?<!\.d)\.ts|\.(cc|cpp|h|hpp|gyp|gypi))$/;

/** Copies one runtime package without its development files, and without nested node_modules (runtime
 *  dependencies are staged flat). */
function copyPackage(name, modulesDir, from = packageDir(name)) {
  const dest = join(modulesDir, name);
  cpSync(from, dest, {
    recursive: true,
    filter: (src) => {
      const rel = relative(from, src).split(/[\\/]/);
      return !rel.includes('node_modules') && !NOT_RUNTIME.test(src);
    },
  });
  return dest;
}

/** onnxruntime-node keeps only the target's binary folder. On Linux the CUDA and TensorRT providers (present
 *  only where its postinstall downloaded them) are dropped: hundreds of MB that need CUDA to load at all. */
function pruneOnnxRuntime(dest, platform) {
  const src = join(packageDir('onnxruntime-node'), platform.ortDir);
  if (!existsSync(src)) throw new Error(`onnxruntime-node has no binaries for ${platform.target} (${platform.ortDir})`);
  rmSync(join(dest, 'bin'), { recursive: true, force: true });
  // The install script (it downloads the CUDA provider): never run from the VSIX.
  rmSync(join(dest, 'script'), { recursive: true, force: true });
  cpSync(src, join(dest, platform.ortDir), {
    recursive: true,
    filter: (file) => !/providers_(cuda|tensorrt)/.test(file),
  });
  dropDuplicateLibraries(join(dest, platform.ortDir));
  compressRuntimeLibrary(join(dest, platform.ortDir));
}

/** libonnxruntime is most of a VSIX (46 MB; 17.9 MB deflated). Shipped brotli-compressed (14.4 MB), it is unpacked
 *  once, beside itself, the first time the server runs tests (server/src/lsp/nativeLibraries.ts). Compressing takes
 *  ~30 s, so the result is cached by the library's hash in out/package/tarballs/. */
function compressRuntimeLibrary(dir) {
  for (const name of readdirSync(dir)) {
    if (!/^(lib)?onnxruntime[.\d]*\.(so[.\d]*|dylib|dll)$/.test(name)) continue;
    const bytes = readFileSync(join(dir, name));
    const cached = join(OUT, 'tarballs', `${name}-${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.br`);
    if (!existsSync(cached)) {
      mkdirSync(dirname(cached), { recursive: true });
      const packed = brotliCompressSync(bytes, {
        params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 9, [zlibConstants.BROTLI_PARAM_LGWIN]: 24, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
      });
      writeFileSync(`${cached}.tmp`, packed);
      cpSync(`${cached}.tmp`, cached);
      rmSync(`${cached}.tmp`);
    }
    cpSync(cached, join(dir, `${name}.br`));
    rmSync(join(dir, name));
  }
}

/** npm tarballs cannot hold symlinks, so on macOS libonnxruntime.1.30.0.dylib is a second full copy (45 MB) of
 *  libonnxruntime.1.dylib. Of byte-identical files, only those the binding names are kept. */
function dropDuplicateLibraries(dir) {
  const binding = readFileSync(join(dir, 'onnxruntime_binding.node')).toString('latin1');
  const files = readdirSync(dir).filter((f) => f !== 'onnxruntime_binding.node');
  for (const a of files) {
    for (const b of files) {
      if (a === b || !existsSync(join(dir, a)) || !existsSync(join(dir, b))) continue;
      if (binding.includes(a) || !binding.includes(b)) continue;
      if (readFileSync(join(dir, a)).equals(readFileSync(join(dir, b)))) rmSync(join(dir, a));
    }
  }
}

/** sharp's binding and libvips for the target, at the versions this sharp pins. The host's copies come from
 *  node_modules; other platforms' are fetched with `npm pack` (npm installs only the host's). */
function stageSharpBinaries(modulesDir, platform, outDir) {
  const pins = readPackageJson('sharp').optionalDependencies ?? {};
  const binding = `@img/sharp-${platform.sharpPlatform}`;
  if (!pins[binding]) throw new Error(`sharp ${readPackageJson('sharp').version} has no ${binding}`);
  const bindingDir = stageImgPackage(binding, pins[binding], modulesDir, outDir);
  // The binding names its libvips (none on Windows, where the DLLs are inside the binding package).
  const bindingPkg = JSON.parse(readFileSync(join(bindingDir, 'package.json'), 'utf8'));
  for (const [lib, version] of Object.entries(bindingPkg.optionalDependencies ?? {})) stageImgPackage(lib, version, modulesDir, outDir);
}

function stageImgPackage(name, version, modulesDir, outDir) {
  const installed = existsSync(join(ROOT, 'node_modules', name, 'package.json')) ? readPackageJson(name) : undefined;
  if (installed?.version === version) return copyPackage(name, modulesDir);
  const tarball = fetchTarball(name, version);
  const unpackDir = join(outDir, 'unpacked', `${name}@${version}`);
  rmSync(unpackDir, { recursive: true, force: true });
  mkdirSync(unpackDir, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', unpackDir, '--strip-components=1']);
  const unpacked = JSON.parse(readFileSync(join(unpackDir, 'package.json'), 'utf8'));
  if (unpacked.name !== name || unpacked.version !== version) throw new Error(`${tarball} holds ${unpacked.name}@${unpacked.version}, not ${name}@${version}`);
  return copyPackage(name, modulesDir, unpackDir);
}

/** `npm pack` of one package version, kept in out/package/tarballs/ so that later runs need no registry. */
function fetchTarball(name, version) {
  const dir = join(OUT, 'tarballs');
  const file = join(dir, `${name.replace('@', '').replace('/', '-')}-${version}.tgz`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  console.log(`fetching ${name}@${version}`);
  const [{ filename }] = JSON.parse(run('npm', ['pack', `${name}@${version}`, '--json', '--pack-destination', dir], { shell: process.platform === 'win32' }));
  const fetched = join(dir, filename);
  if (fetched !== file) throw new Error(`npm pack wrote ${filename}, expected ${relative(dir, file)}`);
  return file;
}

/** Stages out/package/<target>/ with exactly what the target's VSIX holds. */
export async function stageTarget(target, outDir = OUT) {
  const platform = platformOf(target);
  const dir = join(outDir, target);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const file of await extensionFiles()) cpSync(join(ROOT, file), join(dir, file), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify(stagedPackageJson(), null, 2) + '\n');
  // The staged folder is already the allowlist; an ignore file that ignores nothing says so to vsce.
  writeFileSync(join(dir, '.vscodeignore'), '# Staged by scripts/package.mjs: everything here ships.\n');
  const modulesDir = join(dir, RUNTIME_MODULES_DIR);
  for (const name of runtimePackages()) {
    const dest = copyPackage(name, modulesDir);
    if (name === 'onnxruntime-node') pruneOnnxRuntime(dest, platform);
  }
  stageSharpBinaries(modulesDir, platform, outDir);
  return dir;
}

export function vsixPath(target, outDir = OUT) {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  return join(outDir, `wabi-${version}-${target}.vsix`);
}

/** `vsce package` for one staged target. */
export function packageTarget(target, stagedDir, outDir = OUT) {
  const vsix = vsixPath(target, outDir);
  rmSync(vsix, { force: true });
  const vsce = join(packageDir('@vscode/vsce'), 'vsce');
  // The project has no public repository yet: without one vsce cannot turn README.md's relative links (to docs/
  // and examples/, which the VSIX does not hold) into absolute ones, and refuses unless told to leave them.
  const flags = ['--no-dependencies', '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links'];
  run(process.execPath, [vsce, 'package', '--target', target, ...flags, '-o', vsix],
    { cwd: stagedDir, stdio: ['ignore', 'ignore', 'inherit'] });
  return vsix;
}

/** The entries of a zip file (a VSIX), read from its central directory: name and uncompressed size, plus a
 *  reader for the first bytes of an entry. Enough for the checks below, without an unzip dependency. */
export function zipEntries(file) {
  const buf = readFileSync(file);
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error(`${file} is not a zip`);
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const entries = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(at) !== 0x02014b50) throw new Error(`${file}: bad central directory`);
    const method = buf.readUInt16LE(at + 10);
    const compressedSize = buf.readUInt32LE(at + 20);
    const size = buf.readUInt32LE(at + 24);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    const localHeader = buf.readUInt32LE(at + 42);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLen);
    const read = () => {
      const start = localHeader + 30 + buf.readUInt16LE(localHeader + 26) + buf.readUInt16LE(localHeader + 28);
      const raw = buf.subarray(start, start + compressedSize);
      return method === 0 ? raw : inflateRawSync(raw);
    };
    entries.push({ name, size, read });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

const BINARY = /\.(node|so(\.\d+)*|dylib|dll|exe)$/;

/** What a binary's first bytes say it was built for: ELF (Linux), Mach-O (macOS) or PE (Windows). */
function binaryOs(bytes) {
  if (bytes.readUInt32BE(0) === 0x7f454c46) return 'linux';
  if ([0xcffaedfe, 0xcefaedfe, 0xcafebabe].includes(bytes.readUInt32BE(0))) return 'darwin';
  if (bytes.toString('latin1', 0, 2) === 'MZ') return 'win32';
  return 'unknown';
}

/** Checks a target's VSIX: the bundles and the target's native binaries are there, and nothing built for another
 *  platform is. Returns the entries; throws with every problem found. */
export function verifyVsix(vsix, target) {
  const platform = platformOf(target);
  const entries = zipEntries(vsix);
  const names = entries.map((e) => e.name);
  const problems = [];
  const ext = `extension/${RUNTIME_MODULES_DIR}`;
  // Shipped brotli-compressed, unpacked on first use.
  const libOrt = { linux: /\/libonnxruntime\.so[.\d]*\.br$/, darwin: /\/libonnxruntime[.\d]*\.dylib\.br$/, win32: /\/onnxruntime\.dll\.br$/ }[platform.os];
  const required = [
    ['package.json', (n) => n === 'extension/package.json'],
    ...BUNDLES.map((b) => [b, (n) => n === `extension/${b}`]),
    ['onnxruntime binding', (n) => n === `${ext}/onnxruntime-node/${platform.ortDir}/onnxruntime_binding.node`],
    ['libonnxruntime', (n) => n.startsWith(`${ext}/onnxruntime-node/${platform.ortDir}/`) && libOrt.test(n)],
    ['onnxruntime-common', (n) => n === `${ext}/onnxruntime-common/package.json`],
    ['sharp', (n) => n === `${ext}/sharp/package.json`],
    ['sharp binding', (n) => n.startsWith(`${ext}/@img/sharp-${platform.sharpPlatform}/`) && n.endsWith('.node')],
    ['libvips', (n) => /libvips-cpp[^/]*\.(so[.\d]*|dylib|dll)$/.test(n) && n.includes(`/@img/sharp-`) && n.includes(platform.sharpPlatform)],
  ];
  for (const [what, test] of required) if (!names.some(test)) problems.push(`missing ${what}`);

  const foreign = ALL_PLATFORMS.filter((p) => p !== platform.sharpPlatform);
  for (const entry of entries) {
    const n = entry.name;
    const ortPlatform = n.match(/onnxruntime-node\/bin\/napi-v\d+\/([^/]+)\/([^/]+)\//);
    if (ortPlatform && `${ortPlatform[1]}-${ortPlatform[2]}` !== target) problems.push(`foreign onnxruntime binary ${n}`);
    const img = n.match(/\/@img\/sharp-(?:libvips-)?([^/]+)\//);
    if (img && foreign.includes(img[1])) problems.push(`foreign sharp package ${n}`);
    if (/providers_(cuda|tensorrt)/.test(n)) problems.push(`GPU provider library ${n}`);
    if (BINARY.test(n)) {
      const os = binaryOs(entry.read().subarray(0, 4));
      if (os !== platform.os) problems.push(`${n} is a ${os} binary`);
    }
  }
  if (problems.length) throw new Error(`${relative(ROOT, vsix)}:\n  ${problems.join('\n  ')}`);
  return entries;
}

function megabytes(file) {
  return (statSync(file).size / 1e6).toFixed(2);
}

/** Stages, packages and verifies each target; prints one line per VSIX. */
export async function packageTargets(targets, { build = true, outDir = OUT } = {}) {
  if (build) buildProductionBundles();
  const missing = unrequiredNatives();
  if (missing.length) console.log(`note: the bundles do not require ${missing.join(', ')} yet; shipped for the server's run features`);
  const results = [];
  for (const target of targets) {
    const vsix = packageTarget(target, await stageTarget(target, outDir), outDir);
    const entries = verifyVsix(vsix, target);
    console.log(`${relative(outDir, vsix)}  ${megabytes(vsix)} MB  ${entries.length} files`);
    results.push({ target, vsix, bytes: statSync(vsix).size, entries: entries.map((e) => e.name) });
  }
  return results;
}

function parseArgs(argv) {
  const targets = [];
  let build = true;
  let outDir = OUT;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--target') targets.push(argv[++i]);
    else if (argv[i].startsWith('--target=')) targets.push(argv[i].slice('--target='.length));
    else if (argv[i] === '--skip-build') build = false;
    else if (argv[i] === '--out') outDir = resolve(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]} (usage: package.mjs [--target T]... [--skip-build] [--out DIR])`);
  }
  for (const t of targets) platformOf(t);
  return { targets: targets.length ? targets : DEFAULT_TARGETS, build, outDir };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { targets, build, outDir } = parseArgs(process.argv.slice(2));
    await packageTargets(targets, { build, outDir });
  } catch (err) {
    console.error(`package: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  }
}
