// Renders the gallery page (media/gallery) in headless Chromium, outside VS Code: a fake `acquireVsCodeApi`, VS
// Code's theme variables for light, dark and high contrast, the page's real Content-Security-Policy, and the view
// model built by client/src/gallery/model.ts from sample results over real photographs (test/gallery/sample.ts).
// It checks what a reviewer would otherwise check by eye (images rendered, a hostile test name stays text, no CSP
// violation, zoom opens and Escape closes it, filters, a live update) and writes screenshots to
// test-artifacts/gallery/. Not shipped; not part of `npm test`.
//
//   node test/gallery/harness.mjs        (WABI_CHROMIUM: the browser binary, default /usr/bin/chromium)
// Functions passed to page.evaluate and addInitScript run in the page.
/* global document, window */
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, mkdirSync, readFileSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = path.join(repo, 'test-artifacts/gallery');
mkdirSync(out, { recursive: true });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'wabi-gallery-'));
// Inside the repo, so the bundle finds sharp in node_modules.
const bundle = path.join(repo, 'out/test/gallery/sample.cjs');
await build({ entryPoints: [path.join(repo, 'test/gallery/sample.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: bundle, external: ['sharp'], logLevel: 'warning', nodePaths: [path.join(repo, 'node_modules')] });
const require = createRequire(path.join(repo, 'package.json'));
const m = require(bundle);

const cache = path.join(tmp, 'cache');
const work = path.join(tmp, 'work');
const outside = path.join(tmp, 'elsewhere');
const entries = await m.makeSample(path.join(repo, 'test/fixtures/photos'), cache, work, outside);
const roots = [cache, work];
const ORIGIN = 'https://gallery.test';
const files = new Map();
const resolve = (file) => {
  const why = m.unavailableReason(file, roots);
  if (why) return { unavailable: why };
  if (!existsSync(file)) return { unavailable: `file not found: ${file}` };
  const key = `/file/${files.size}${path.extname(file)}`;
  files.set(key, file);
  return { src: ORIGIN + key };
};
const opts = { resolve, displayPath: (f) => path.relative(work, f) };
const cards = entries.map((e) => m.buildCard(e, opts));
const nonce = m.makeNonce();
const html = m.pageHtml({ cspSource: ORIGIN, nonce, scriptUri: `${ORIGIN}/media/gallery.js`, styleUri: `${ORIGIN}/media/gallery.css` });

const THEMES = {
  light: {
    cls: 'vscode-light',
    vars: {
      'editor-background': '#ffffff', foreground: '#3b3b3b', 'testing-iconPassed': '#73c991', 'testing-iconFailed': '#f14c4c', 'testing-iconErrored': '#f14c4c',
      'charts-purple': '#652d90', focusBorder: '#005fb8', descriptionForeground: '#717171', 'widget-border': '#e5e5e5', 'panel-border': '#e5e5e5',
      'input-background': '#ffffff', 'editorWidget-background': '#f8f8f8', 'badge-background': '#cccccc', 'badge-foreground': '#3b3b3b',
      'textLink-foreground': '#005fb8', 'button-background': '#005fb8', 'button-foreground': '#ffffff', 'button-hoverBackground': '#0258a8', 'progressBar-background': '#005fb8',
    },
  },
  dark: {
    cls: 'vscode-dark',
    vars: {
      'editor-background': '#1f1f1f', foreground: '#cccccc', 'testing-iconPassed': '#73c991', 'testing-iconFailed': '#f14c4c', 'testing-iconErrored': '#f14c4c',
      'charts-purple': '#b180d7', focusBorder: '#0078d4', descriptionForeground: '#9d9d9d', 'widget-border': '#313131', 'panel-border': '#2b2b2b',
      'input-background': '#313131', 'editorWidget-background': '#202020', 'badge-background': '#616161', 'badge-foreground': '#f8f8f8',
      'textLink-foreground': '#4daafc', 'button-background': '#0078d4', 'button-foreground': '#ffffff', 'button-hoverBackground': '#026ec1', 'progressBar-background': '#0078d4',
    },
  },
  hc: {
    cls: 'vscode-high-contrast',
    vars: {
      'editor-background': '#000000', foreground: '#ffffff', 'testing-iconPassed': '#73c991', 'testing-iconFailed': '#f48771', 'testing-iconErrored': '#f48771',
      'charts-purple': '#b180d7', focusBorder: '#f38518', descriptionForeground: '#ffffff', contrastBorder: '#6fc3df', 'widget-border': '#6fc3df', 'panel-border': '#6fc3df',
      'input-background': '#000000', 'editorWidget-background': '#0c141f', 'badge-background': '#000000', 'badge-foreground': '#ffffff',
      'textLink-foreground': '#21a6ff', 'button-background': '#000000', 'button-foreground': '#ffffff', 'button-border': '#6fc3df', 'progressBar-background': '#6fc3df',
    },
  },
};

const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};

const browser = await chromium.launch({ executablePath: process.env.WABI_CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  for (const [name, theme] of Object.entries(THEMES)) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const logs = [];
    page.on('console', (msg) => logs.push(`${msg.type()}: ${msg.text()}`));
    page.on('pageerror', (err) => logs.push(`pageerror: ${err.message}`));
    await page.route(`${ORIGIN}/**`, async (route) => {
      const url = new URL(route.request().url());
      if (url.pathname === '/') return route.fulfill({ contentType: 'text/html', body: html });
      if (url.pathname.startsWith('/media/')) {
        const f = path.join(repo, 'media/gallery', path.basename(url.pathname));
        return route.fulfill({ contentType: f.endsWith('.js') ? 'text/javascript' : 'text/css', body: readFileSync(f) });
      }
      const file = files.get(url.pathname);
      if (file) return route.fulfill({ contentType: 'image/png', body: readFileSync(file) });
      return route.fulfill({ status: 404, body: '' });
    });
    // VS Code's part: the API object, theme variables on <html>, the theme class on <body>; plus spies.
    await page.addInitScript(({ vars, cls }) => {
      window.__sent = [];
      window.__csp = [];
      window.__state = undefined;
      document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
      // <html> does not exist yet when this runs; VS Code sets these before the page's own script runs.
      document.addEventListener('DOMContentLoaded', () => {
        const root = document.documentElement.style;
        for (const [k, v] of Object.entries(vars)) root.setProperty(`--vscode-${k}`, v);
        root.setProperty('--vscode-font-family', 'system-ui, sans-serif');
        root.setProperty('--vscode-font-size', '13px');
        root.setProperty('--vscode-editor-font-family', 'monospace');
        document.body.classList.add(cls);
      });
      window.acquireVsCodeApi = () => ({
        postMessage: (msg) => window.__sent.push(msg),
        setState: (s) => (window.__state = s),
        getState: () => window.__state,
      });
    }, theme);
    await page.goto(`${ORIGIN}/`);
    await page.waitForFunction(() => window.__sent.some((x) => x.type === 'ready'), null, { timeout: 10000 }).catch(async (err) => {
      throw new Error(`the page never posted ready: ${JSON.stringify({ logs, csp: await page.evaluate(() => window.__csp) })}`, { cause: err });
    });
    await page.evaluate((msg) => window.postMessage(msg, '*'), { type: 'render', title: 'Wabi: cats.wabi', cards });
    // The next image report after `seen` of them: each change (render, filter, update) sends one.
    let seen = 0;
    const report = async () => {
      const h = await page.waitForFunction((n) => window.__sent.filter((x) => x.type === 'images')[n], seen, { timeout: 10000 });
      seen++;
      return h.jsonValue();
    };
    let r = await report();
    // 5 cards; main-run images: cat 4, launch 2, hostile 1 (baseline outside the roots), edit 2, live 1.
    check(r.cards === 5 && r.loaded === 10 && r.failed === 0, `${name}: images report ${JSON.stringify(r)}`);
    check((await page.locator('.missing').count()) >= 1, `${name}: the image outside the roots has a placeholder`);
    check((await page.locator('text=outside the folders').count()) >= 1, `${name}: the placeholder says why`);
    check((await page.evaluate(() => document.body.dataset.pwned)) === undefined, `${name}: hostile name did not run`);
    check((await page.getByText('<img src=x onerror=', { exact: false }).count()) >= 1, `${name}: hostile name shown as text`);
    await page.screenshot({ path: path.join(out, `${name}.png`), fullPage: true });

    if (name === 'dark') {
      // Keyboard: Tab to the first image, Enter zooms, Escape closes and gives focus back.
      await page.locator('.thumb-button').first().focus();
      await page.keyboard.press('Enter');
      check(await page.locator('#zoom').isVisible(), 'dark: Enter opens the zoom');
      await page.waitForFunction(() => document.getElementById('zoom-img').naturalWidth > 0);
      await page.screenshot({ path: path.join(out, 'zoom-dark.png') });
      await page.keyboard.press('Escape');
      check(!(await page.locator('#zoom').isVisible()), 'dark: Escape closes the zoom');
      check(await page.evaluate(() => document.activeElement?.classList.contains('thumb-button')), 'dark: focus back on the image');
      await page.locator('.thumb-button').first().focus();
      await page.screenshot({ path: path.join(out, 'focus-dark.png'), clip: { x: 0, y: 0, width: 1280, height: 560 } });

      // Filters and compare.
      await page.locator('#f-compare').check();
      r = await report();
      check(r.cards === 5 && r.loaded === 12, `dark: compare adds the previous/last runs' images ${JSON.stringify(r)}`);
      await page.screenshot({ path: path.join(out, 'compare-dark.png'), clip: { x: 0, y: 0, width: 1280, height: 900 } });
      await page.locator('#f-compare').uncheck();
      await report();
      await page.locator('#f-failures').check();
      r = await report();
      check(r.cards === 3, `dark: failures only shows 3 cards (${r.cards})`);
      await page.locator('#f-beautified').check();
      r = await report();
      check(r.cards === 2, `dark: beautified only shows 2 cards (${r.cards})`);
      check(JSON.stringify(await page.evaluate(() => window.__state.filters)) === JSON.stringify({ failuresOnly: true, beautifiedOnly: true, compare: false }), 'dark: filters saved with setState');
      await page.locator('#f-failures').uncheck();
      await report();
      await page.locator('#f-beautified').uncheck();
      await report();

      // Live: the running test's baseline arrives.
      const step2 = m.buildCard(m.liveStep2(entries, cache), opts);
      await page.evaluate((msg) => window.postMessage(msg, '*'), { type: 'update', cards: [step2] });
      r = await report();
      check(r.loaded === 11 && r.cards === 5, `dark: live update adds the baseline ${JSON.stringify(r)}`);
      await page.locator('article.state-running').screenshot({ path: path.join(out, 'live-dark.png') });
    }
    const csp = await page.evaluate(() => window.__csp);
    check(csp.length === 0, `${name}: no CSP violations ${JSON.stringify(csp)}`);
    check(!logs.some((l) => l.startsWith('error') || l.startsWith('pageerror')), `${name}: no console errors ${JSON.stringify(logs)}`);
    await page.close();
  }
} finally {
  await browser.close();
  rmSync(tmp, { recursive: true, force: true });
}
console.log(failures.length ? `${failures.length} check(s) failed` : 'all checks passed', `; screenshots in ${path.relative(repo, out)}/`);
process.exit(failures.length ? 1 : 0);
