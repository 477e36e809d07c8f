// The image gallery's pure half (client/src/gallery/model.ts): the view model built from TestResults and a running
// test's images, the page shell and its Content-Security-Policy, the check that an image lies inside the folders
// the webview may read, the saved state a reload hands back; plus static checks of the page's own files (no HTML
// parsing of data, no inline styles, colours only from VS Code's theme variables). The page itself is exercised in
// Chromium by test/gallery/harness.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ImageRecord, TestResult } from '../../server/src/runner/results';
import { expectationAt } from './helpers/expectations';
import {
  buildCard,
  contentSecurityPolicy,
  imageFiles,
  isInRoots,
  makeNonce,
  pageHtml,
  passesFilters,
  sanitizeState,
  splitId,
  unavailableReason,
  type ImageSource,
} from '../../client/src/gallery/model';

const REPO = path.resolve(__dirname, '../../..');
const CACHE = '/ws/.wabi/cache';
const resolve = (file: string): ImageSource => {
  const why = unavailableReason(file, [CACHE, '/ws'], 'linux');
  return why ? { unavailable: why } : { src: `https://webview/${file}` };
};

const img = (seed: number, role: ImageRecord['role'], file: string, traits: Record<string, number>, judges: Record<string, number> = {}): ImageRecord => ({
  seed,
  role,
  file,
  cached: false,
  traits,
  judges,
});

const JUDGE = 'clip("a dark launch")';
const launch: TestResult = {
  name: 'underexposed launch',
  spec: '/ws/specs/a.wabi',
  line: 12,
  tags: ['t'],
  generator: 'flux',
  prompt: 'dark launch',
  baseline: 'launch',
  verdict: 'beautified',
  reasons: ['underexposure stayed at the baseline while polish rose'],
  passRate: { passed: 1, total: 2, required: 2 },
  expectations: [
    {
      expectation: expectationAt('underexposure >= 0.5', 15, 2),
      passed: false,
      reason: 'asked for underexposure >= 0.5',
      seeds: [
        { seed: 1, value: 0.08, against: 0.5, passed: false, beautified: true },
        { seed: 2, value: 0.6, against: 0.5, passed: true },
      ],
    },
    {
      expectation: expectationAt('underexposure > baseline + 0.3', 16, 2),
      passed: false,
      reason: 'relative',
      seeds: [
        { seed: 1, value: 0.08, against: 0.4, passed: false },
        { seed: 2, value: 0.6, against: 0.45, passed: true },
      ],
    },
    {
      expectation: expectationAt(`${JUDGE} >= 0.25`, 17, 2),
      passed: true,
      reason: 'clip',
      seeds: [
        { seed: 1, value: 0.27, against: 0.25, passed: true },
        { seed: 2, value: 0.3, against: 0.25, passed: true },
      ],
    },
  ],
  images: [
    img(2, 'prompt', `${CACHE}/s2p.png`, { underexposure: 0.6, polish: 0.5 }, { [JUDGE]: 0.3 }),
    img(1, 'prompt', `${CACHE}/s1p.png`, { underexposure: 0.08, polish: 0.86 }, { [JUDGE]: 0.27, 'reward(hps)': 11.4 }),
    img(1, 'baseline', '/elsewhere/s1b.png', { underexposure: 0.1, polish: 0.74 }, { [JUDGE]: 0.21, 'reward(hps)': 10.2 }),
    img(2, 'baseline', `${CACHE}/s2b.png`, { underexposure: 0.15, polish: 0.7 }, { [JUDGE]: 0.2 }),
  ],
  durationMs: 10,
};

test('a finished result: verdict, reasons, seeds in order, thresholds per seed, polish bars, judges', () => {
  const card = buildCard({ id: `${launch.spec}#${launch.name}`, last: launch }, { resolve, displayPath: (f) => path.relative('/ws', f) });
  assert.equal(card.state, 'beautified');
  assert.equal(card.stateLabel, 'beautified against intent');
  assert.equal(card.spec, 'specs/a.wabi');
  assert.equal(card.line, 12);
  assert.equal(card.compare, undefined);
  const run = card.main!;
  assert.deepEqual(run.reasons, launch.reasons);
  assert.deepEqual(
    run.expectations.map((e) => [e.line, e.text, e.mark, e.seedsPassed, e.seedsTotal]),
    [
      [15, 'underexposure >= 0.5', 'bt', 1, 2],
      [16, 'underexposure > baseline + 0.3', 'no', 1, 2],
      [17, `${JUDGE} >= 0.25`, 'ok', 2, 2],
    ],
  );
  assert.deepEqual(run.seeds.map((s) => s.seed), [1, 2]);
  const [s1, s2] = run.seeds;
  assert.equal(s1.mark, 'bt');
  assert.equal(s1.summary, 'beautified against intent');
  assert.equal(s2.mark, 'ok');
  assert.deepEqual(s1.images.map((i) => [i.role, i.label]), [
    ['prompt', 'anti-aesthetic prompt'],
    ['baseline', 'baseline prompt'],
  ]);
  // The trait the expectations use, then polish (always: it is what "beautified" is measured by).
  assert.deepEqual(s1.traits.map((t) => t.trait), ['underexposure', 'polish']);
  const ux = s1.traits[0];
  assert.equal(ux.mark, 'bt');
  assert.deepEqual(ux.bars, [
    { role: 'prompt', value: 0.08 },
    { role: 'baseline', value: 0.1 },
  ]);
  assert.deepEqual(ux.thresholds, [
    { op: '≥', against: 0.5, comparand: '0.50', mark: 'bt' },
    { op: '>', against: 0.4, comparand: 'baseline + 0.3', mark: 'no' },
  ]);
  assert.deepEqual(s2.traits[0].thresholds.map((t) => [t.against, t.mark]), [
    [0.5, 'ok'],
    [0.45, 'ok'],
  ]);
  assert.deepEqual(s1.traits[1], { trait: 'polish', mark: 'none', bars: [{ role: 'prompt', value: 0.86 }, { role: 'baseline', value: 0.74 }], thresholds: [] });
  assert.deepEqual(s1.judgeRoles, ['prompt', 'baseline']);
  assert.deepEqual(s1.judges.map((j) => [j.key, j.values.map((v) => v.value), j.thresholds.map((t) => t.against)]), [
    [JUDGE, [0.27, 0.21], [0.25]],
    ['reward(hps)', [11.4, 10.2], []],
  ]);
  // Seed 2's baseline has no reward(hps): the cell is empty, not a zero.
  assert.deepEqual(s2.judges.map((j) => j.key), [JUDGE]);
});

test('images inside the roots get their URI; outside, missing roots and relative paths get a reason', () => {
  const card = buildCard({ id: 'x', last: launch }, { resolve });
  const s1 = card.main!.seeds[0];
  assert.equal(s1.images[0].src, `https://webview/${CACHE}/s1p.png`);
  assert.equal(s1.images[0].name, 's1p.png');
  assert.equal(s1.images[1].src, undefined);
  assert.match(s1.images[1].unavailable!, /outside the folders/);
  assert.match(unavailableReason('images/a.png', ['/ws'], 'linux')!, /not an absolute path/);
  assert.match(unavailableReason('', ['/ws'], 'linux')!, /no image file/);
  assert.match(unavailableReason('/ws/a.png', [], 'linux')!, /outside/);
});

test('isInRoots: no climbing out with .., no prefix siblings, the root itself is not a file in it; Windows ignores case', () => {
  assert.equal(isInRoots('/ws/.wabi/cache/a.png', ['/ws/.wabi/cache'], 'linux'), true);
  assert.equal(isInRoots('/ws/.wabi/cache/sub/dir/a.png', ['/other', '/ws/.wabi/cache'], 'linux'), true);
  assert.equal(isInRoots('/ws/.wabi/cache/../../../etc/passwd', ['/ws/.wabi/cache'], 'linux'), false);
  assert.equal(isInRoots('/ws/.wabi/cache-old/a.png', ['/ws/.wabi/cache'], 'linux'), false);
  assert.equal(isInRoots('/ws/.wabi/cache', ['/ws/.wabi/cache'], 'linux'), false);
  assert.equal(isInRoots('/ws/.wabi/cache/a.png', ['/ws/.wabi/cache/'], 'linux'), true);
  assert.equal(isInRoots('cache/a.png', ['/ws'], 'linux'), false);
  assert.equal(isInRoots('/ws/a.png', ['ws'], 'linux'), false);
  assert.equal(isInRoots('/WS/A.png', ['/ws'], 'linux'), false);
  assert.equal(isInRoots('C:\\Users\\Me\\Proj\\.wabi\\cache\\a.png', ['c:\\users\\me\\proj'], 'win32'), true);
  assert.equal(isInRoots('C:/Users/Me/Proj/a.png', ['C:\\Users\\Me\\Proj'], 'win32'), true);
  assert.equal(isInRoots('D:\\Proj\\a.png', ['C:\\Proj'], 'win32'), false);
  assert.equal(isInRoots('C:\\Proj2\\a.png', ['C:\\Proj'], 'win32'), false);
});

test('compare: the previous result beside the last; while running, the last result beside the live images', () => {
  const previous: TestResult = { ...launch, verdict: 'fail', reasons: ['old'] };
  const card = buildCard({ id: 'a#b', last: launch, previous }, { resolve });
  assert.equal(card.compareLabel, 'previous run');
  assert.equal(card.compare!.verdict, 'fail');
  assert.deepEqual(card.compare!.reasons, ['old']);

  const live = buildCard(
    { id: 'a#b', last: launch, previous, live: { images: [{ seed: 3, role: 'prompt', file: `${CACHE}/s3p.png`, traits: { underexposure: 0.7, polish: 0.3, grain: 0.1 } }] } },
    { resolve },
  );
  assert.equal(live.state, 'running');
  assert.equal(live.main!.kind, 'live');
  assert.equal(live.main!.verdict, undefined);
  assert.equal(live.compareLabel, 'last run');
  assert.equal(live.compare!.verdict, 'beautified');
  assert.deepEqual(live.main!.seeds.map((s) => s.seed), [3]);
  // The bars the last result's expectations used, and polish; no thresholds until the test is decided.
  assert.deepEqual(live.main!.seeds[0].traits.map((t) => [t.trait, t.bars[0].value, t.thresholds.length]), [
    ['underexposure', 0.7, 0],
    ['polish', 0.3, 0],
  ]);

  const first = buildCard({ id: '/ws/specs/a.wabi#new # test', live: { images: [] } }, { resolve });
  assert.equal(first.name, 'new # test');
  assert.equal(first.spec, '/ws/specs/a.wabi');
  assert.equal(first.compare, undefined);
  assert.deepEqual(first.main!.seeds, []);
  const never = buildCard({ id: '/ws/a.wabi#t' }, { resolve });
  assert.equal(never.state, 'none');
  assert.equal(never.main, undefined);
});

test('an edit shows its input beside every seed; an images test calls its images "image"; names pass through as data', () => {
  const edit: TestResult = {
    ...launch,
    name: '<img src=x onerror=alert(1)>',
    verdict: 'fail',
    expectations: [],
    images: [img(1, 'input', '/ws/in.png', { blur: 0.8 }), img(1, 'prompt', `${CACHE}/1.png`, { blur: 0.1 }), img(2, 'prompt', `${CACHE}/2.png`, { blur: 0.2 })],
  };
  const card = buildCard({ id: 'e', last: edit }, { resolve });
  assert.equal(card.name, '<img src=x onerror=alert(1)>');
  assert.deepEqual(card.main!.seeds.map((s) => s.images.map((i) => i.role)), [
    ['input', 'prompt'],
    ['input', 'prompt'],
  ]);
  const images: TestResult = { ...edit, generator: undefined, images: [img(1, 'prompt', '/ws/a.png', {}), img(2, 'prompt', '/ws/b.png', {})] };
  assert.deepEqual(buildCard({ id: 'i', last: images }, { resolve }).main!.seeds.map((s) => s.images[0].label), ['image', 'image']);
  assert.deepEqual(imageFiles([{ id: 'e', last: edit, previous: edit, live: { images: [{ seed: 1, role: 'prompt', file: '/ws/live.png' }] } }]).sort(), [
    `${CACHE}/1.png`,
    `${CACHE}/2.png`,
    '/ws/in.png',
    '/ws/live.png',
  ]);
});

test('filters: failures only keeps fail, beautified and error; beautified only keeps beautified', () => {
  const states = ['pass', 'fail', 'beautified', 'error', 'running', 'none'] as const;
  const keep = (failuresOnly: boolean, beautifiedOnly: boolean) => states.filter((state) => passesFilters({ state }, { failuresOnly, beautifiedOnly }));
  assert.deepEqual(keep(false, false), [...states]);
  assert.deepEqual(keep(true, false), ['fail', 'beautified', 'error']);
  assert.deepEqual(keep(false, true), ['beautified']);
  assert.deepEqual(keep(true, true), ['beautified']);
});

test('ids: spec path and test name, split at the .wabi# boundary', () => {
  assert.deepEqual(splitId('/ws/a.wabi#grainy cow'), { spec: '/ws/a.wabi', name: 'grainy cow' });
  assert.deepEqual(splitId('/ws/#odd/a.wabi#n#1'), { spec: '/ws/#odd/a.wabi', name: 'n#1' });
  assert.deepEqual(splitId('/ws/a#b'), { spec: '/ws/a', name: 'b' });
});

test('saved state from a reload: only well-formed fields survive', () => {
  assert.deepEqual(sanitizeState(undefined), {});
  assert.deepEqual(sanitizeState('junk'), {});
  assert.deepEqual(sanitizeState({ ids: ['a', 1], title: 5, filters: 'x' }), {});
  assert.deepEqual(sanitizeState({ ids: ['a#b'], title: 'T', filters: { failuresOnly: true, beautifiedOnly: 'yes', extra: 1 } }), {
    ids: ['a#b'],
    title: 'T',
    filters: { failuresOnly: true, beautifiedOnly: false, compare: false },
  });
});

test('CSP and page shell: fresh nonce, nothing inline, no unsafe sources', () => {
  const a = makeNonce();
  const b = makeNonce();
  assert.notEqual(a, b);
  assert.match(a, /^[A-Za-z0-9+/]{22}$/);
  const csp = contentSecurityPolicy('https://file+.vscode-resource.vscode-cdn.net', a);
  assert.equal(
    csp,
    `default-src 'none'; img-src https://file+.vscode-resource.vscode-cdn.net; style-src https://file+.vscode-resource.vscode-cdn.net; script-src 'nonce-${a}'`,
  );
  const html = pageHtml({ cspSource: 'https://src', nonce: a, scriptUri: 'https://src/g.js', styleUri: 'https://src/g.css' });
  assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src https://src; style-src https://src; script-src 'nonce-${a}'">`));
  assert.ok(html.includes(`<script nonce="${a}" src="https://src/g.js"></script>`));
  assert.ok(html.includes('<link rel="stylesheet" href="https://src/g.css">'));
  assert.equal((html.match(/<script/g) ?? []).length, 1);
  assert.doesNotMatch(html, /<style|style=|unsafe-|\son[a-z]+=/i);
  // The filters are real checkboxes; the zoom is a dialog with a close button.
  assert.equal((html.match(/type="checkbox"/g) ?? []).length, 3);
  assert.match(html, /role="dialog"/);
});

test('the page files: DOM built with textContent, no HTML parsing, no eval, no inline styles; colours only from the theme', () => {
  const js = readFileSync(path.join(REPO, 'media/gallery/gallery.js'), 'utf8');
  assert.doesNotMatch(js, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|setAttribute\(\s*'style'|setAttribute\(\s*'on/);
  assert.match(js, /postMessage\(\{ type: 'ready'/);
  assert.match(js, /naturalWidth > 0/);
  const css = readFileSync(path.join(REPO, 'media/gallery/gallery.css'), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  assert.doesNotMatch(css, /#[0-9a-f]{3,8}\b|rgba?\(|hsla?\(|url\(|@import/i);
  for (const v of ['--vscode-editor-background', '--vscode-foreground', '--vscode-testing-iconPassed', '--vscode-testing-iconFailed', '--vscode-focusBorder']) {
    assert.ok(css.includes(`var(${v}`), v);
  }
});
