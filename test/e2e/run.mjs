#!/usr/bin/env node
// End-to-end test of the extension in a real VS Code: code-server 4.100.3 (VS Code 1.100.3, the minimum
// engines.vscode the extension claims) driven by headless Debian chromium through playwright-core.
//
//   npm run build && bash test/e2e/install.sh   # once
//   node test/e2e/run.mjs                        # = npm run test:e2e
//
// What happens:
//   0. it runs twice, in two windows one after the other (PHASES below): a trusted one (cow.wabi and a copy of
//      examples/), and an untrusted one (Workspace Trust on, Restricted Mode) where nothing may run until trust is
//      granted in the real UI;
//   1. a temporary folder gets a fixture workspace, a code-server user-data dir, extensions dir,
//      XDG dirs and a browser profile;
//   2. code-server starts on 127.0.0.1 with a free port; chromium opens the workspace with a `payload` that
//      loads this repo as extensionDevelopmentPath and test/e2e/suite/index.js as extensionTestsPath, so the
//      suite runs inside the real extension host and reports through window.codeAutomationExit;
//   3. when the suite hands over (files in <tmp>/sync), Playwright checks and screenshots the real UI: the
//      error squiggle on the right line, its hover, and the completion widget opened with Ctrl+Space;
//   4. code-server and chromium are stopped on every path; the exit code is 0 only if everything passed.
// Screenshots and logs go to test-artifacts/e2e/.
//
// Environment: WABI_E2E_CHROMIUM (browser binary; default `chromium` on PATH), WABI_E2E_EXTENSION_DIR
// (extension to load; default the repo root), WABI_E2E_KEEP=1 (keep the temporary folder),
// WABI_E2E_TIMEOUT_S (whole-run limit, default 330), WABI_E2E_PHASES=untrusted (run only the windows named).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
// The extension under test: the linux-x64 VSIX that `npm run package` makes, unpacked, as a user installs it
// (WABI_E2E_EXTENSION_DIR names another folder; WABI_E2E_FROM=repo loads the repository itself, faster).
let extensionDir = path.resolve(process.env.WABI_E2E_EXTENSION_DIR || root);
const fromVsix = !process.env.WABI_E2E_EXTENSION_DIR && process.env.WABI_E2E_FROM !== 'repo';
const suiteModule = path.join(root, 'test/e2e/suite/index.js');
const codeServerEntry = path.join(root, 'test/e2e/.tools/node_modules/code-server/out/node/entry.js');
const artifacts = path.join(root, 'test-artifacts/e2e');
const TOTAL_MS = Number(process.env.WABI_E2E_TIMEOUT_S || 330) * 1000;

const t0 = Date.now();
const log = (msg) => console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${msg}`);
class Failure extends Error {}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Rejects with a Failure naming `what` if `promise` does not settle within `ms`. */
function within(ms, what, promise) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Failure(`timed out after ${ms / 1000} s waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function until(what, ms, probe, intervalMs = 150) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Failure(`timed out after ${ms / 1000} s waiting for ${what}`);
    await sleep(intervalMs);
  }
}

// ---- cleanup: runs once, on success, failure, timeout or signal -------------------------------------------
const cleanups = []; // run last-registered first
let cleaning;
function cleanup() {
  cleaning ??= (async () => {
    while (cleanups.length) {
      const [name, fn] = cleanups.pop();
      try {
        await within(15_000, `cleanup: ${name}`, Promise.resolve().then(fn));
      } catch (e) {
        log(`cleanup '${name}' failed: ${e.message}`);
      }
    }
  })();
  return cleaning;
}
/** Runs the cleanups registered after the first `mark` of them (last first), leaving the earlier ones. */
async function runCleanupsAbove(mark) {
  while (cleanups.length > mark) {
    const [name, fn] = cleanups.pop();
    try {
      await within(15_000, `cleanup: ${name}`, Promise.resolve().then(fn));
    } catch (e) {
      log(`cleanup '${name}' failed: ${e.message}`);
    }
  }
}

async function finish(code, message) {
  clearTimeout(watchdog);
  await cleanup();
  console.log(code === 0
    ? `E2E PASSED in ${((Date.now() - t0) / 1000).toFixed(1)} s (artifacts: ${path.relative(process.cwd(), artifacts) || '.'})`
    : `E2E FAILED after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${message ?? 'see above'}\n` +
      `  logs and screenshots: ${path.relative(process.cwd(), artifacts) || '.'}`);
  process.exit(code);
}
const watchdog = setTimeout(() => void finish(1, `the whole run exceeded ${TOTAL_MS / 1000} s`), TOTAL_MS);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void finish(130, `interrupted by ${signal}`));

// ---- helpers ------------------------------------------------------------------------------------------------
function findOnPath(names) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    for (const name of names) {
      const candidate = path.join(dir, name);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        return candidate;
      } catch {
        // not here, or not executable: try the next one
      }
    }
  }
  return undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const FIXTURE = `# Written by test/e2e/run.mjs for the end-to-end test; test/e2e/suite/index.js edits it.
generator local
  kind  command
  run   make-image --prompt {prompt} --seed {seed} --out {out}

defaults
  generator  local
  seeds      1..2

test "grainy cow"
  prompt    A cow stands in a field. Heavy grain fills the frame.
  baseline  a cow in a field
  expect    grain >= 0.6
`;

const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'editor.hover.delay': 300,
  'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' }, // the widget opens only on Ctrl+Space
  'editor.minimap.enabled': false,
  'window.commandCenter': false,
  'chat.commandCenter.enabled': false,
};

// ---- the run --------------------------------------------------------------------------------------------------
/** Packages the linux-x64 VSIX from the current bundles and unpacks it; returns its extension folder. */
function packagedExtension(tmp) {
  const out = path.join(tmp, 'vsix');
  const packaged = spawnSyncChecked(process.execPath, [path.join(root, 'scripts/package.mjs'), '--target', 'linux-x64', '--skip-build', '--out', out]);
  const vsix = fs.readdirSync(out).find((f) => f.endsWith('-linux-x64.vsix'));
  if (!vsix) throw new Failure(`packaging made no linux-x64 VSIX:\n${packaged}`);
  log(`testing the packaged ${vsix} (${(fs.statSync(path.join(out, vsix)).size / 1e6).toFixed(2)} MB)`);
  spawnSyncChecked('unzip', ['-q', path.join(out, vsix), '-d', path.join(out, 'unpacked')]);
  return path.join(out, 'unpacked', 'extension');
}

function spawnSyncChecked(command, args) {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 180_000 });
  if (r.status !== 0) throw new Failure(`${path.basename(command)} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}


async function main() {
  // Preconditions, with the command that fixes each.
  for (const file of ['dist/client.js', 'dist/server.js', 'dist/runWorker.js', 'package.json']) {
    if (!fs.existsSync(path.join(extensionDir, file))) {
      throw new Failure(`${path.join(extensionDir, file)} is missing: run \`npm run build\` first`);
    }
  }
  if (!fs.existsSync(codeServerEntry)) throw new Failure('code-server is not installed: run `bash test/e2e/install.sh`');
  const chromiumPath = process.env.WABI_E2E_CHROMIUM || findOnPath(['chromium', 'chromium-browser']);
  if (!chromiumPath) throw new Failure('no chromium on PATH: run `bash test/e2e/install.sh` (or set WABI_E2E_CHROMIUM)');
  let playwright;
  try {
    playwright = await import('playwright-core');
  } catch (e) {
    throw new Failure(`playwright-core is not installed (npm ci): ${e.message}`);
  }

  fs.rmSync(artifacts, { recursive: true, force: true });
  fs.mkdirSync(artifacts, { recursive: true });

  // Everything the run writes lives under one temporary folder.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-e2e-'));
  cleanups.push(['remove temporary folder', () => {
    if (process.env.WABI_E2E_KEEP) log(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
  }]);
  if (fromVsix) extensionDir = packagedExtension(tmp);

  // Two windows, one after the other: a trusted one where everything runs, and an untrusted one where nothing may
  // run until trust is granted in the UI.
  const only = process.env.WABI_E2E_PHASES?.split(',');
  for (const phase of PHASES.filter((p) => (only ? only.includes(p.name) : !p.benchOnly))) {
    const mark = cleanups.length;
    log(`--- ${phase.name} window`);
    await session(phase, path.join(tmp, phase.name), { playwright, chromiumPath });
    await runCleanupsAbove(mark); // stop this window's code-server and chromium before the next starts
  }
}

/** One code-server window on its own workspace, with the in-host suite running `phase.name`'s checks. */
async function session(phase, tmp, { playwright, chromiumPath }) {
  const dirs = Object.fromEntries(['ws', 'sync', 'user-data/User', 'extensions', 'xdg/config', 'xdg/data', 'profile']
    .map((d) => [d, path.join(tmp, d)]));
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  const ws = dirs.ws;
  const userData = path.join(tmp, 'user-data');
  phase.workspace(ws);
  // The generators the checks run are node scripts that import sharp: a link to the repo's sharp alone (its own
  // dependencies resolve from its real path), since the whole node_modules would keep VS Code's file watcher busy.
  fs.mkdirSync(path.join(ws, 'node_modules'));
  fs.symlinkSync(path.join(root, 'node_modules/sharp'), path.join(ws, 'node_modules/sharp'), 'dir');
  fs.writeFileSync(path.join(userData, 'User/settings.json'), JSON.stringify({ ...USER_SETTINGS, ...phase.settings }, null, 2));
  // The suite reads which checks to run from here (beside the workspace, like the sync folder).
  fs.writeFileSync(path.join(tmp, 'phase.json'), JSON.stringify({ phase: phase.name }));
  cleanups.push(['save VS Code logs', () => {
    const logs = path.join(userData, 'logs');
    if (fs.existsSync(logs)) fs.cpSync(logs, path.join(artifacts, `vscode-logs-${phase.name}`), { recursive: true });
  }]);

  // code-server, in a process group of its own so that the extension host and helpers stop with it.
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const configFile = path.join(userData, 'config.yaml');
  fs.writeFileSync(configFile, `bind-addr: ${host}\nauth: none\ncert: false\n`);
  const serverLog = fs.openSync(path.join(artifacts, `code-server-${phase.name}.log`), 'w');
  const serverTail = [];
  const server = spawn(process.execPath, [
    codeServerEntry,
    '--auth', 'none',
    '--bind-addr', host,
    '--disable-telemetry',
    '--disable-update-check',
    ...(phase.trust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--user-data-dir', userData,
    '--extensions-dir', dirs.extensions,
    '--config', configFile,
    ws,
  ], {
    cwd: tmp,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, XDG_CONFIG_HOME: dirs['xdg/config'], XDG_DATA_HOME: dirs['xdg/data'], PORT: '' },
  });
  let serverExited = null;
  const serverExit = new Promise((resolve) => server.on('exit', (code, signal) => resolve((serverExited = { code, signal }))));
  for (const stream of [server.stdout, server.stderr]) {
    stream.on('data', (chunk) => {
      fs.writeSync(serverLog, chunk);
      serverTail.push(...chunk.toString().split('\n').filter(Boolean));
      serverTail.splice(0, Math.max(0, serverTail.length - 30));
    });
  }
  const killServer = (signal) => {
    try {
      process.kill(-server.pid, signal);
    } catch {
      // the process group is already gone
    }
  };
  process.on('exit', () => serverExited || killServer('SIGKILL')); // last resort if the runner itself dies
  cleanups.push(['stop code-server', async () => {
    if (serverExited) return;
    killServer('SIGTERM');
    const stopped = await Promise.race([serverExit.then(() => true), sleep(5_000).then(() => false)]);
    if (!stopped) killServer('SIGKILL');
    await sleep(200);
    killServer('SIGKILL'); // anything left in its group (e.g. an extension host that ignored SIGTERM)
  }]);
  log(`code-server ${host} (pid ${server.pid}), workspace ${ws}`);

  const base = `http://${host}`;
  await until('code-server to answer /healthz', 30_000, async () => {
    if (serverExited) throw new Failure(`code-server exited (${JSON.stringify(serverExited)}):\n  ${serverTail.join('\n  ')}`);
    try {
      return (await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2_000) })).ok;
    } catch {
      return false;
    }
  });
  log('code-server is up');

  // Chromium, headless, with the flags that work offline here.
  const context = await within(30_000, 'chromium to start', playwright.chromium.launchPersistentContext(dirs.profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  }));
  cleanups.push(['close chromium', () => context.close()]);
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);

  const consoleLines = [];
  const hostFailures = []; // the suite logs `[wabi-e2e] FAILED: <why>` before it rejects
  const consoleFile = fs.openSync(path.join(artifacts, `browser-console-${phase.name}.log`), 'w');
  const record = (line) => {
    fs.writeSync(consoleFile, line + '\n');
    consoleLines.push(line);
    // The workbench logs each extension-host console line both to the console and to codeAutomationLog.
    if (line.startsWith('[automation') && line.includes('[wabi-e2e]')) {
      const text = line.slice(line.indexOf('[wabi-e2e]') + 11);
      log(`  host: ${text.split('\n').join('\n                host: ')}`);
      if (text.startsWith('FAILED')) hostFailures.push(text);
    }
  };
  page.on('console', (m) => record(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => record(`[pageerror] ${e.message}`));

  // The workbench calls these when it runs extension tests; they must exist before the page loads.
  let exitInfo = null;
  let resolveExit;
  const testExit = new Promise((resolve) => (resolveExit = resolve));
  await page.exposeFunction('codeAutomationExit', (code, logs) => {
    exitInfo = { code, logs };
    resolveExit(exitInfo);
  });
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    record(`[automation ${type}] ${Array.isArray(args) ? args.join(' ') : String(args)}`);
  });

  const remote = (p) => `vscode-remote://${host}${p.split(path.sep).join('/')}`;
  const payload = [
    ['extensionDevelopmentPath', remote(extensionDir)],
    ['extensionTestsPath', remote(suiteModule)],
  ];
  const url = `${base}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  await within(30_000, 'the workbench page to load', page.goto(url, { waitUntil: 'domcontentloaded' }));
  log('workbench loading; the suite runs in the extension host');

  // Drive the UI checks the suite hands over, while waiting for its exit code.
  const uiFailures = [];
  const ui = driveUi(page, phase.steps, dirs.sync, () => exitInfo !== null, uiFailures);
  const outcome = await within(phase.limitMs, `the in-host ${phase.name} checks to finish (codeAutomationExit)`, Promise.race([
    testExit,
    serverExit.then((e) => { throw new Failure(`code-server exited during the test (${JSON.stringify(e)})`); }),
    new Promise((_, reject) => {
      page.on('crash', () => reject(new Failure('the browser page crashed')));
      page.on('close', () => reject(new Failure('the browser page closed before the test finished')));
    }),
  ]));
  await within(5_000, 'the UI driver to stop', ui).catch(() => {});
  for (const entry of outcome.logs ?? []) {
    if (entry?.relativePath && typeof entry.contents === 'string') {
      const file = path.join(artifacts, `automation-logs-${phase.name}`, entry.relativePath.replace(/\.\.(\/|\\)/g, ''));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, entry.contents);
    }
  }

  if (outcome.code !== 0 || uiFailures.length) {
    await page.screenshot({ path: path.join(artifacts, `failure-${phase.name}.png`) }).catch(() => {});
    const why = [];
    if (outcome.code !== 0) {
      why.push(`the in-host test failed (exit code ${outcome.code})` + (hostFailures.length
        ? `: ${hostFailures.join('\n').replace(/^FAILED:\s*/, '')}`
        : `; its output is in browser-console-${phase.name}.log and automation-logs-${phase.name}/exthost`));
    }
    if (uiFailures.length) why.push(`UI checks failed:\n  ${uiFailures.join('\n  ')}`);
    throw new Failure(why.join('\n'));
  }
}

// ---- UI checks, in step with the suite ---------------------------------------------------------------------
async function driveUi(page, steps, syncDir, testFinished, failures) {
  for (const [step, check] of Object.entries(steps)) {
    const ready = path.join(syncDir, `${step}.ready`);
    while (!fs.existsSync(ready)) {
      if (testFinished()) return;
      await sleep(100);
    }
    const info = JSON.parse(fs.readFileSync(ready, 'utf8'));
    let verdict = { ok: true };
    try {
      await within(40_000, `UI check '${step}'`, check(page, info));
      log(`UI check '${step}' passed`);
    } catch (e) {
      verdict = { ok: false, error: e.message.split('\n')[0] };
      failures.push(`${step}: ${e.message}`);
      log(`UI check '${step}' FAILED: ${e.message}`);
      await page.screenshot({ path: path.join(artifacts, `failed-${step}.png`) }).catch(() => {});
    }
    // Written whole, then renamed, as the suite writes its .ready files.
    const done = path.join(syncDir, `${step}.done`);
    fs.writeFileSync(`${done}.tmp`, JSON.stringify(verdict));
    fs.renameSync(`${done}.tmp`, done);
  }
}

/** The line number shown in the gutter at the vertical middle of `box`. */
async function gutterLineAt(page, box) {
  const y = box.y + box.height / 2;
  const numbers = await page.$$eval('.monaco-editor .margin-view-overlays .line-numbers', (els) =>
    els.map((e) => ({ text: e.textContent.trim(), top: e.getBoundingClientRect().top, bottom: e.getBoundingClientRect().bottom })));
  return numbers.find((n) => y >= n.top && y <= n.bottom)?.text;
}

async function checkSquiggle(page, { line, message }) {
  const editor = page.locator('.editor-instance .monaco-editor').first();
  await editor.waitFor({ state: 'visible' });
  // The error squiggle is drawn as a decoration in the view overlays; find the one on the suite's line.
  const squiggles = editor.locator('.view-overlays .squiggly-error');
  let target;
  await until(`an error squiggle on line ${line + 1} of the editor`, 15_000, async () => {
    for (const s of await squiggles.all()) {
      const box = await s.boundingBox();
      if (box && box.width > 0 && (await gutterLineAt(page, box)) === String(line + 1)) return (target = box);
    }
    return false;
  }, 250);
  await sleep(300); // let the frame settle
  await page.screenshot({ path: path.join(artifacts, '01-squiggle.png') });

  // Hovering the squiggle shows the diagnostic's message.
  await page.mouse.move(target.x + Math.min(target.width / 2, 20), target.y + target.height / 2 - 2);
  const hover = page.locator('.monaco-hover').filter({ hasText: 'grian' }).first();
  await hover.waitFor({ state: 'visible', timeout: 10_000 });
  const text = (await hover.innerText()).replace(/\s+/g, ' ');
  if (!text.includes('grain')) throw new Error(`the hover does not suggest 'grain': ${text}`);
  await sleep(200);
  await page.screenshot({ path: path.join(artifacts, '02-hover.png') });
  log(`  hover: ${text.slice(0, 120)} (diagnostic: ${message})`);
  await page.mouse.move(2, 2);
  await page.keyboard.press('Escape');
}

async function checkCompletion(page, { line, traits }) {
  // The suite put the caret at the end of `  expect  ` and focused the editor; Ctrl+Space opens the widget.
  const widget = page.locator('.monaco-editor .suggest-widget.visible');
  const rows = widget.locator('.monaco-list-row');
  await until('the completion widget with trait names', 15_000, async () => {
    if (!(await widget.isVisible())) {
      await page.keyboard.press('Control+Space');
      await sleep(700);
    }
    return (await rows.count()) > 0 && (await rows.allInnerTexts()).some((t) => traits.some((tr) => t.includes(tr)));
  }, 300);
  const labels = (await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') || e.textContent)))
    .map((s) => s.trim());
  const caretLine = await gutterLineAt(page, await page.locator('.monaco-editor .cursor').first().boundingBox());
  if (caretLine !== String(line + 1)) throw new Error(`the caret is on line ${caretLine}, expected ${line + 1}`);
  await sleep(300);
  await page.screenshot({ path: path.join(artifacts, '03-completion.png') });
  log(`  completion widget rows: ${labels.slice(0, 8).join(' | ')}${labels.length > 8 ? ' | ...' : ''}`);
  await page.keyboard.press('Escape');
}

/** The Testing view with `text` in its tree, and the editor beside it. */
async function screenshotTesting(page, file, text) {
  const tree = page.locator('.test-explorer .monaco-list');
  await tree.first().waitFor({ state: 'visible' });
  await until(`the Test Explorer to show '${text}'`, 15_000, async () => (await tree.first().innerText()).includes(text), 250);
  await sleep(500);
  await page.screenshot({ path: path.join(artifacts, file) });
}

/** The gallery's webview, in the real UI: its images decoded with a size (the page runs in nested iframes). */
async function checkGallery(page, { images }) {
  await until('the gallery webview to show its images', 20_000, async () => {
    for (const frame of page.frames()) {
      // Images that have a source and decoded to a real size (the zoom overlay's empty <img> does not count).
      const decoded = await frame.$$eval('img[src]', (els) => els.filter((e) => e.complete && e.naturalWidth > 0).length).catch(() => 0);
      if (decoded >= images) return true;
    }
    return false;
  }, 250);
  await sleep(300);
  await page.screenshot({ path: path.join(artifacts, '06b-gallery.png') });
}

async function checkResultDiagnostic(page, { line }) {
  const editor = page.locator('.editor-instance .monaco-editor').first();
  await editor.waitFor({ state: 'visible' });
  let target;
  await until(`a warning squiggle on line ${line + 1}`, 15_000, async () => {
    for (const s of await editor.locator('.view-overlays .squiggly-warning').all()) {
      const box = await s.boundingBox();
      if (box && box.width > 0 && (await gutterLineAt(page, box)) === String(line + 1)) return (target = box);
    }
    return false;
  }, 250);
  await sleep(300);
  await page.screenshot({ path: path.join(artifacts, '05-beautified.png') });
  await page.mouse.move(target.x + Math.min(target.width / 2, 30), target.y + target.height / 2 - 2);
  const hover = page.locator('.monaco-hover').filter({ hasText: 'beautified against intent' }).first();
  await hover.waitFor({ state: 'visible', timeout: 10_000 });
  const text = (await hover.innerText()).replace(/\s+/g, ' ');
  if (!text.includes('asked for grain')) throw new Error(`the hover does not say what was asked: ${text}`);
  await sleep(200);
  await page.screenshot({ path: path.join(artifacts, '06-beautified-hover.png') });
  log(`  hover: ${text.slice(0, 160)}`);
  await page.mouse.move(2, 2);
  await page.keyboard.press('Escape');
}

// ---- the two windows ------------------------------------------------------------------------------------------
// A spec whose generator is a script that leaves a trace (ran.log): in the untrusted window it must not run until
// trust is granted in the real UI, and then it must.
const UNTRUSTED_SPEC = `# Written by test/e2e/run.mjs: its generator leaves ran.log behind, so the test sees whether it ran.
generator painter
  kind  command
  run   node paint.mjs {out} {width} {height} {seed}

test "grain from a script"
  generator  painter
  prompt     Grey film grain over everything.
  size       256x256
  expect     grain >= 0.5
`;
const PAINT_SCRIPT = `// Writes a noisy grey image, and a line in ran.log that says it ran.
import fs from 'node:fs';
import sharp from 'sharp';
const [out, width, height, seed] = process.argv.slice(2);
fs.appendFileSync(new URL('./ran.log', import.meta.url), 'seed ' + seed + '\\n');
const w = Number(width), h = Number(height);
let s = Number(seed) >>> 0 || 1;
const data = Buffer.alloc(w * h * 3);
for (let i = 0; i < data.length; i++) { s = (s * 1664525 + 1013904223) >>> 0; data[i] = 88 + ((s >>> 24) % 81); }
await sharp(data, { raw: { width: w, height: h, channels: 3 } }).png().toFile(out);
`;

const PHASES = [
  {
    name: 'trusted',
    limitMs: 200_000,
    trust: false, // code-server's --disable-workspace-trust: every folder is trusted
    settings: {},
    workspace(ws) {
      fs.writeFileSync(path.join(ws, 'cow.wabi'), FIXTURE);
      // The examples run for real in the Test Explorer checks: the built-in degrade generator, and the aligned-model
      // stand-in (a node script).
      fs.cpSync(path.join(root, 'examples'), path.join(ws, 'examples'), { recursive: true });
    },
    steps: {
      squiggle: checkSquiggle,
      completion: checkCompletion,
      'test-passed': (p) => screenshotTesting(p, '04-test-passed.png', 'clarity-and-focus.wabi'),
      beautified: checkResultDiagnostic,
      gallery: checkGallery,
      cancelled: (p) => screenshotTesting(p, '07-cancelled.png', 'clarity-and-focus.wabi'),
    },
  },
  {
    name: 'untrusted',
    limitMs: 100_000,
    trust: true,
    // Workspace Trust on, and no start-up question: the folder opens in Restricted Mode.
    settings: { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'always' },
    workspace(ws) {
      fs.writeFileSync(path.join(ws, 'mark.wabi'), UNTRUSTED_SPEC);
      fs.writeFileSync(path.join(ws, 'paint.mjs'), PAINT_SCRIPT);
    },
    steps: {
      refused: checkRefused,
      'grant-trust': grantTrust,
      'lens-after-run': checkLensAfterRun,
      'ran-after-trust': (p) => screenshotTesting(p, '10-ran-after-trust.png', 'mark.wabi'),
    },
  },
  {
    // Not a check: bench/editor/gallery-first-image.mjs runs this window alone (WABI_E2E_PHASES=bench).
    name: 'bench',
    limitMs: 200_000,
    trust: false,
    benchOnly: true,
    settings: {},
    workspace: benchWorkspace,
    steps: {},
  },
];

/** The gallery benchmark's workspace (bench/editor/gallery-first-image.mjs): one fresh test per measured run, so
 *  each starts with nothing in the gallery. */
function benchWorkspace(ws) {
  const runs = Number(process.env.WABI_BENCH_RUNS || 7);
  const images = path.join(root, 'examples/images');
  fs.cpSync(images, path.join(ws, 'images'), { recursive: true });
  let spec = '# Written by test/e2e/run.mjs for the gallery benchmark.\ngenerator ref\n  kind      degrade\n  input     images/starry-night.jpg\n  strength  1\n\ndefaults\n  generator  ref\n  seeds      1\n  size       512x512\n';
  for (let i = 1; i <= runs; i++) spec += `\ntest "first image ${i}"\n  prompt  A village at night, heavy grain ${i}.\n  expect  grain >= 0.3\n`;
  fs.writeFileSync(path.join(ws, 'bench.wabi'), spec);
}

/** Restricted Mode in the status bar, and the Test Explorer showing the test that was refused. */
async function checkRefused(page) {
  await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ state: 'visible' });
  await screenshotTesting(page, '08-untrusted-refused.png', 'mark.wabi');
}

/** The editor's CodeLens above the test shows the pass rate of the run that just ended. */
async function checkLensAfterRun(page) {
  await until("the CodeLens to show '1/1 passed'", 15_000, async () => (await page.locator('.codelens-decoration', { hasText: '1/1 passed' }).count()) > 0, 250);
}

/** Trust granted as a user would: the refusal's "Manage Workspace Trust" button, then "Trust" in the editor. */
async function grantTrust(page) {
  await page.locator('.notification-toast .monaco-button', { hasText: 'Manage Workspace Trust' }).first().click();
  const editor = page.locator('.workspace-trust-editor');
  await editor.waitFor({ state: 'visible' });
  await sleep(300);
  await page.screenshot({ path: path.join(artifacts, '09-trust-editor.png') });
  await editor.getByRole('button', { name: 'Trust', exact: true }).first().click();
  await until('Restricted Mode to end', 15_000, async () => !(await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).count()), 250);
}

try {
  await main();
  await finish(0);
} catch (e) {
  await finish(1, e instanceof Failure ? e.message : (e?.stack ?? String(e)));
}
