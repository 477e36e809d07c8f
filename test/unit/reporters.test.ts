// Reporters of `wabi run`: the JSON report's schema, JUnit XML (counts, escaping, well-formedness by a strict checker
// written here), the self-contained HTML report (embedded JPEG thumbnails made from real images, escaping, CSP, a
// placeholder for missing and corrupt files), GitHub annotations with the runner's escaping, and live progress in
// CI and on a terminal. The run result is built here from real images: small PNGs made with sharp in a temp folder
// and the photographs in test/fixtures/photos.
//
// The HTML, JSON and JUnit reports are written to test-artifacts/reporters/; with WABI_SCREENSHOT=1 and Debian's
// chromium installed, a screenshot of the HTML report is taken there too (never required).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { TRAIT_NAMES } from '../../server/src/catalogue/traits';
import type { ExpectationResult, ImageRecord, RunEvent, RunResult, TestResult } from '../../server/src/runner/results';
import { summarise } from '../../server/src/runner/results';
import { githubAnnotations, escapeData, escapeProperty } from '../../server/src/runner/reporters/annotations';
import { reportPath } from '../../server/src/runner/reporters/common';
import { expectationAt } from './helpers/expectations';
import { CSP, htmlReport } from '../../server/src/runner/reporters/html';
import { parseReporters, writeReports, REPORT_FILES } from '../../server/src/runner/reporters/index';
import { jsonReport, jsonReportObject } from '../../server/src/runner/reporters/json';
import { junitReport, xmlAttr } from '../../server/src/runner/reporters/junit';
import { createProgressReporter, summaryLine } from '../../server/src/runner/reporters/progress';

const REPO = path.resolve(__dirname, '../../..');
const PHOTOS = path.join(REPO, 'test/fixtures/photos');
const ARTIFACTS = path.join(REPO, 'test-artifacts/reporters');

let ROOT = '';
let CACHE = '';
const spec = (name: string) => path.join(ROOT, 'specs', name);
const cached = (name: string) => path.join(CACHE, name);

const HOSTILE = `<script>alert(1)</script> "quoted" & 'apos'\u0007 end`;
/** The hostile name with its control character dropped, as JUnit and the annotations write it. */
const HOSTILE_CLEAN = `<script>alert(1)</script> "quoted" & 'apos' end`;

// ---------------------------------------------------------------- images

/** Deterministic grain: adds LCG noise of amplitude `amp` to every channel. */
async function grainy(src: string, out: string, amp: number): Promise<void> {
  const { data, info } = await sharp(src).resize(192, 128, { fit: 'cover' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let s = 12345;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const n = ((s >>> 16) / 65536 - 0.5) * 2 * amp;
    data[i] = Math.max(0, Math.min(255, Math.round(data[i] + n)));
  }
  await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } }).png().toFile(out);
}

async function makeImages(): Promise<void> {
  await fs.mkdir(CACHE, { recursive: true });
  await fs.mkdir(path.join(ROOT, 'images'), { recursive: true });
  const photo = (n: string) => path.join(PHOTOS, n);
  const plain = (src: string, out: string) => sharp(src).resize(192, 128, { fit: 'cover' }).png().toFile(out);
  await grainy(photo('chelsea.jpg'), cached('cat-s1-prompt.png'), 90);
  await plain(photo('chelsea.jpg'), cached('cat-s1-baseline.png'));
  await grainy(photo('chelsea.jpg'), cached('cat-s2-prompt.png'), 70);
  await sharp(photo('chelsea.jpg')).resize(192, 128, { fit: 'cover' }).modulate({ brightness: 1.05 }).png().toFile(cached('cat-s2-baseline.png'));
  // The "underexposed" launch came back bright and saturated: beautified.
  await sharp(photo('rocket.jpg')).resize(128, 192, { fit: 'cover' }).modulate({ brightness: 1.15, saturation: 1.5 }).sharpen().png().toFile(cached('launch-s1-prompt.png'));
  await plain(photo('rocket.jpg'), cached('launch-s1-baseline.png'));
  await sharp(photo('rocket.jpg')).resize(128, 192, { fit: 'cover' }).modulate({ brightness: 1.1, saturation: 1.3 }).png().toFile(cached('launch-s2-prompt.png'));
  await sharp(photo('rocket.jpg')).resize(128, 192, { fit: 'cover' }).modulate({ brightness: 0.95 }).png().toFile(cached('launch-s2-baseline.png'));
  // A sickly green cast that came out too weak.
  await sharp(photo('astronaut.jpg')).resize(160, 160).tint({ r: 150, g: 200, b: 120 }).png().toFile(cached('hostile-s1-prompt.png'));
  await plain(photo('astronaut.jpg'), cached('hostile-s1-baseline.png'));
  // An edit of a blurred input that restored sharpness.
  await sharp(photo('coffee.jpg')).resize(192, 128, { fit: 'cover' }).blur(5).png().toFile(path.join(ROOT, 'images/blurred-coffee.png'));
  await sharp(photo('coffee.jpg')).resize(192, 128, { fit: 'cover' }).sharpen({ sigma: 2 }).png().toFile(cached('edit-s1-prompt.png'));
  // Broken files for the error test.
  await fs.writeFile(cached('corrupt.png'), Buffer.from('this is not a PNG file at all'));
}

// ---------------------------------------------------------------- the run result

function traits(over: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  TRAIT_NAMES.forEach((name, i) => (out[name] = Math.round((0.05 + 0.01 * i) * 100) / 100));
  return { ...out, ...over };
}

const img = (seed: number, role: ImageRecord['role'], file: string, isCached: boolean, tr: Record<string, number>, judges: Record<string, number> = {}, error?: string): ImageRecord => ({
  seed,
  role,
  file,
  cached: isCached,
  traits: traits(tr),
  judges,
  ...(error ? { error } : {}),
});

function buildRun(): RunResult {
  const cat: TestResult = {
    name: 'grainy cat',
    spec: spec('cats.wabi'),
    line: 4,
    tags: ['clarity_and_focus.film_artifacts'],
    generator: 'degrade',
    prompt: 'a cat, heavy film grain',
    baseline: 'a cat',
    verdict: 'pass',
    reasons: [],
    passRate: { passed: 2, total: 2, required: 2 },
    expectations: [
      {
        expectation: expectationAt('grain >= 0.6', 8, 2),
        passed: true,
        reason: 'asked for grain >= 0.6; got 0.82, 0.71 on seeds 1, 2',
        seeds: [
          { seed: 1, value: 0.82, against: 0.6, passed: true },
          { seed: 2, value: 0.71, against: 0.6, passed: true },
        ],
      },
      {
        expectation: expectationAt('grain > baseline + 0.3', 9, 2),
        passed: true,
        reason: 'asked for grain > baseline + 0.3; got 0.82 vs 0.40, 0.71 vs 0.42',
        seeds: [
          { seed: 1, value: 0.82, against: 0.4, passed: true },
          { seed: 2, value: 0.71, against: 0.42, passed: true },
        ],
      },
    ],
    images: [
      img(1, 'prompt', cached('cat-s1-prompt.png'), true, { grain: 0.82, polish: 0.41 }),
      img(1, 'baseline', cached('cat-s1-baseline.png'), true, { grain: 0.1, polish: 0.77 }),
      img(2, 'prompt', cached('cat-s2-prompt.png'), false, { grain: 0.71, polish: 0.45 }),
      img(2, 'baseline', cached('cat-s2-baseline.png'), false, { grain: 0.12, polish: 0.79 }),
    ],
    durationMs: 1234,
  };
  const launchJudge = 'clip("a dark, underexposed launch")';
  const launch: TestResult = {
    name: 'underexposed launch',
    spec: spec('cats.wabi'),
    line: 12,
    tags: ['lighting_and_exposure.exposure_extremes'],
    generator: 'flux-dev',
    verdict: 'beautified',
    reasons: ['underexposure stayed at the baseline (0.08 vs 0.10) while polish rose (0.86 vs 0.74) on seeds 1, 2'],
    passRate: { passed: 0, total: 2, required: 2 },
    expectations: [
      {
        expectation: expectationAt('underexposure >= 0.5', 15, 2),
        passed: false,
        reason: 'asked for underexposure >= 0.5; got 0.08, 0.12 (baseline 0.10, 0.11); polish 0.86 vs baseline 0.74; seeds 1, 2',
        seeds: [
          { seed: 1, value: 0.08, against: 0.5, passed: false, beautified: true },
          { seed: 2, value: 0.12, against: 0.5, passed: false, beautified: true },
        ],
      },
      {
        expectation: expectationAt('polish < baseline', 16, 2),
        passed: false,
        reason: 'asked for polish < baseline; got 0.86 vs 0.74, 0.83 vs 0.76',
        seeds: [
          { seed: 1, value: 0.86, against: 0.74, passed: false },
          { seed: 2, value: 0.83, against: 0.76, passed: false },
        ],
      },
      {
        expectation: expectationAt(`${launchJudge} >= 0.25`, 17, 2),
        passed: true,
        reason: 'asked for clip >= 0.25; got 0.27, 0.26',
        seeds: [
          { seed: 1, value: 0.27, against: 0.25, passed: true },
          { seed: 2, value: 0.26, against: 0.25, passed: true },
        ],
      },
    ],
    images: [
      img(1, 'prompt', cached('launch-s1-prompt.png'), false, { underexposure: 0.08, polish: 0.86 }, { [launchJudge]: 0.27, 'reward(hps)': 11.4 }),
      img(1, 'baseline', cached('launch-s1-baseline.png'), true, { underexposure: 0.1, polish: 0.74 }, { [launchJudge]: 0.21, 'reward(hps)': 10.2 }),
      img(2, 'prompt', cached('launch-s2-prompt.png'), false, { underexposure: 0.12, polish: 0.83 }, { [launchJudge]: 0.26, 'reward(hps)': 11.1 }),
      img(2, 'baseline', cached('launch-s2-baseline.png'), true, { underexposure: 0.11, polish: 0.76 }, { [launchJudge]: 0.2, 'reward(hps)': 10.4 }),
    ],
    durationMs: 5678,
  };
  const hostileJudge = 'clip("rotten, 100%: fruit")';
  const hostile: TestResult = {
    name: HOSTILE,
    spec: spec('cats.wabi'),
    line: 20,
    tags: ['color_and_tone.sickly_cast'],
    generator: 'flux-dev',
    verdict: 'fail',
    reasons: ['color-cast too weak: 0.31 < 0.5 on seed 1\r\nand the judge disagreed (100%: "no")'],
    passRate: { passed: 0, total: 1, required: 1 },
    expectations: [
      {
        expectation: expectationAt('color-cast >= 0.5', 22, 4),
        passed: false,
        reason: 'asked for color-cast >= 0.5; got 0.31 (baseline 0.05); seed 1',
        seeds: [{ seed: 1, value: 0.31, against: 0.5, passed: false, beautified: false }],
      },
      {
        expectation: expectationAt(`${hostileJudge} >= 0.3`, 23, 4),
        passed: false,
        reason: 'asked for clip("rotten, 100%: fruit") >= 0.3; got 0.21 <&> seed 1',
        seeds: [{ seed: 1, value: 0.21, against: 0.3, passed: false }],
      },
    ],
    images: [
      img(1, 'prompt', cached('hostile-s1-prompt.png'), false, { 'color-cast': 0.31 }, { [hostileJudge]: 0.21 }),
      img(1, 'baseline', cached('hostile-s1-baseline.png'), false, { 'color-cast': 0.05 }, { [hostileJudge]: 0.18 }),
    ],
    durationMs: 999,
  };
  const broken: TestResult = {
    name: 'comfy is down',
    spec: spec('edits.wabi'),
    line: 2,
    tags: [],
    generator: 'comfy',
    verdict: 'error',
    reasons: ['generator comfy failed on seed 1: connection refused (127.0.0.1:8188)', 'seed 2: the image could not be decoded'],
    passRate: { passed: 0, total: 2, required: 2 },
    expectations: [],
    images: [
      img(1, 'prompt', cached('missing.png'), false, {}, {}, 'connection refused (127.0.0.1:8188)'),
      img(2, 'prompt', cached('corrupt.png'), false, {}, {}, 'not an image'),
    ],
    durationMs: 40,
  };
  const edit: TestResult = {
    name: 'editing keeps the blur',
    spec: spec('edits.wabi'),
    line: 8,
    tags: ['clarity_and_focus.intentional_blur'],
    generator: 'flux-kontext',
    verdict: 'beautified',
    reasons: ['the edit restored sharpness: blur 0.12 vs input 0.78; polish 0.81 vs input 0.52'],
    passRate: { passed: 0, total: 1, required: 1 },
    expectations: [
      {
        expectation: expectationAt('blur >= input - 0.05', 12, 2),
        passed: false,
        reason: 'asked for blur >= input - 0.05; got 0.12 (input 0.78); polish 0.81 vs input 0.52; seed 1',
        seeds: [{ seed: 1, value: 0.12, against: 0.73, passed: false, beautified: true }],
      },
    ],
    images: [
      img(1, 'input', path.join(ROOT, 'images/blurred-coffee.png'), false, { blur: 0.78, polish: 0.52 }),
      img(1, 'prompt', cached('edit-s1-prompt.png'), true, { blur: 0.12, polish: 0.81 }),
    ],
    durationMs: 2100,
  };
  const photos = ['astronaut.jpg', 'chelsea.jpg', 'coffee.jpg', 'rocket.jpg'];
  const blurValues = [0.08, 0.11, 0.14, 0.09];
  const real: TestResult = {
    name: 'real photographs stay sharp',
    spec: spec('photos.wabi'),
    line: 0,
    tags: [],
    verdict: 'pass',
    reasons: [],
    passRate: { passed: 4, total: 4, required: 4 },
    expectations: [
      {
        expectation: expectationAt('blur < 0.5', 2, 2),
        passed: true,
        reason: 'asked for blur < 0.5; got at most 0.14',
        seeds: photos.map((_, i) => ({ seed: i, value: blurValues[i], against: 0.5, passed: true })),
      },
    ],
    images: photos.map((p, i) => img(i, 'prompt', path.join(PHOTOS, p), false, { blur: blurValues[i] })),
    durationMs: 300,
  };
  const tests = [cat, launch, hostile, broken, edit, real];
  return {
    startedAt: '2026-05-01T10:00:00.000Z',
    finishedAt: '2026-05-01T10:00:12.300Z',
    complete: true,
    tests,
    summary: summarise(tests, 12300),
  };
}

let RUN: RunResult;

before(async () => {
  ROOT = await fs.mkdtemp(path.join(os.tmpdir(), 'wabi-reporters-'));
  CACHE = path.join(ROOT, '.wabi/cache');
  await makeImages();
  RUN = buildRun();
});

after(async () => {
  if (ROOT) await fs.rm(ROOT, { recursive: true, force: true });
});

// ---------------------------------------------------------------- a strict XML checker

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

// eslint-disable-next-line no-control-regex
const BAD_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const NAME = /^[A-Za-z_:][A-Za-z0-9._:-]*/;

function decodeRefs(s: string, where: string): string {
  return s.replace(/&([^;]*);?/g, (all, body: string) => {
    if (!all.endsWith(';')) throw new Error(`unterminated reference in ${where}: ${all}`);
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (body in named) return named[body];
    const m = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(body);
    if (!m) throw new Error(`bad reference &${body}; in ${where}`);
    const cp = m[1] ? parseInt(m[1], 16) : parseInt(m[2], 10);
    const ch = String.fromCodePoint(cp);
    if (BAD_CHAR.test(ch) || (cp >= 0xd800 && cp <= 0xdfff)) throw new Error(`reference to a character XML forbids: &${body};`);
    return ch;
  });
}

/** Parses a whole document or throws at the first well-formedness error. */
function parseXml(doc: string): XmlElement {
  const bad = BAD_CHAR.exec(doc);
  if (bad) throw new Error(`character U+${bad[0].charCodeAt(0).toString(16)} is not allowed in XML at ${bad.index}`);
  let i = 0;
  const fail = (msg: string): never => {
    throw new Error(`${msg} at ${i}: ${JSON.stringify(doc.slice(i, i + 40))}`);
  };
  const skipMisc = () => {
    for (;;) {
      while (/\s/.test(doc[i] ?? '')) i++;
      if (doc.startsWith('<!--', i)) {
        const end = doc.indexOf('-->', i + 4);
        if (end < 0) fail('unterminated comment');
        if (doc.slice(i + 4, end).includes('--')) fail('"--" inside a comment');
        i = end + 3;
      } else return;
    }
  };
  if (doc.startsWith('<?xml')) {
    const end = doc.indexOf('?>');
    if (end < 0) fail('unterminated XML declaration');
    if (!/^<\?xml version="1\.0"( encoding="UTF-8")?\?>$/.test(doc.slice(0, end + 2))) fail('bad XML declaration');
    i = end + 2;
  }
  skipMisc();
  const element = (): XmlElement => {
    if (doc[i] !== '<') fail('expected an element');
    i++;
    const name = NAME.exec(doc.slice(i))?.[0] ?? fail('bad element name');
    i += name.length;
    const el: XmlElement = { name, attrs: {}, children: [], text: '' };
    for (;;) {
      const ws = /^\s*/.exec(doc.slice(i))![0];
      i += ws.length;
      if (doc.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (doc[i] === '>') {
        i++;
        break;
      }
      if (ws.length === 0) fail('attributes must be separated by whitespace');
      const an = NAME.exec(doc.slice(i))?.[0] ?? fail('bad attribute name');
      i += an.length;
      const eq = /^\s*=\s*(["'])/.exec(doc.slice(i)) ?? fail('expected ="');
      i += eq[0].length;
      const end = doc.indexOf(eq[1], i);
      if (end < 0) fail('unterminated attribute value');
      const raw = doc.slice(i, end);
      if (raw.includes('<')) fail('"<" in an attribute value');
      if (an in el.attrs) fail(`duplicate attribute ${an}`);
      el.attrs[an] = decodeRefs(raw, `attribute ${an}`);
      i = end + 1;
    }
    for (;;) {
      const next = doc.indexOf('<', i);
      if (next < 0) fail(`unclosed <${name}>`);
      const text = doc.slice(i, next);
      if (text.includes(']]>')) fail('"]]>" in text');
      el.text += decodeRefs(text, `<${name}> text`);
      i = next;
      if (doc.startsWith('</', i)) {
        i += 2;
        const close = NAME.exec(doc.slice(i))?.[0];
        if (close !== name) fail(`</${close}> closes <${name}>`);
        i += name.length;
        while (/\s/.test(doc[i] ?? '')) i++;
        if (doc[i] !== '>') fail('bad end tag');
        i++;
        return el;
      }
      if (doc.startsWith('<!--', i)) {
        skipMisc();
        continue;
      }
      el.children.push(element());
    }
  };
  const root = element();
  skipMisc();
  if (i !== doc.length) fail('content after the root element');
  return root;
}

test('the XML checker itself rejects what is not well-formed', () => {
  assert.equal(parseXml('<a x="1"><b>t &amp; u</b><!-- c --></a>').children[0].text, 't & u');
  for (const bad of ['<a>', '<a></b>', '<a x="1" x="2"/>', '<a x="<"/>', '<a>&nbsp;</a>', '<a>&amp</a>', '<a>\u0007</a>', '<a/><b/>', '<a>&#1;</a>', '<a x="1"y="2"/>']) {
    assert.throws(() => parseXml(bad), Error, bad);
  }
});

// ---------------------------------------------------------------- JSON

test('JSON: the schema of one test, exactly, with keys in order and paths relative', () => {
  const report = jsonReportObject(RUN, { relativeTo: ROOT });
  const expected = {
    name: 'grainy cat',
    spec: 'specs/cats.wabi',
    line: 5,
    tags: ['clarity_and_focus.film_artifacts'],
    generator: 'degrade',
    prompt: 'a cat, heavy film grain',
    negative: null,
    baseline: 'a cat',
    verdict: 'pass',
    reasons: [],
    passRate: { passed: 2, total: 2, required: 2 },
    durationMs: 1234,
    expectations: [
      {
        text: 'grain >= 0.6',
        line: 9,
        column: 3,
        passed: true,
        reason: 'asked for grain >= 0.6; got 0.82, 0.71 on seeds 1, 2',
        seeds: [
          { seed: 1, value: 0.82, against: 0.6, passed: true, beautified: null },
          { seed: 2, value: 0.71, against: 0.6, passed: true, beautified: null },
        ],
      },
      {
        text: 'grain > baseline + 0.3',
        line: 10,
        column: 3,
        passed: true,
        reason: 'asked for grain > baseline + 0.3; got 0.82 vs 0.40, 0.71 vs 0.42',
        seeds: [
          { seed: 1, value: 0.82, against: 0.4, passed: true, beautified: null },
          { seed: 2, value: 0.71, against: 0.42, passed: true, beautified: null },
        ],
      },
    ],
    images: [
      { seed: 1, role: 'prompt', file: '.wabi/cache/cat-s1-prompt.png', cached: true, traits: sorted(traits({ grain: 0.82, polish: 0.41 })), judges: {}, error: null },
      { seed: 1, role: 'baseline', file: '.wabi/cache/cat-s1-baseline.png', cached: true, traits: sorted(traits({ grain: 0.1, polish: 0.77 })), judges: {}, error: null },
      { seed: 2, role: 'prompt', file: '.wabi/cache/cat-s2-prompt.png', cached: false, traits: sorted(traits({ grain: 0.71, polish: 0.45 })), judges: {}, error: null },
      { seed: 2, role: 'baseline', file: '.wabi/cache/cat-s2-baseline.png', cached: false, traits: sorted(traits({ grain: 0.12, polish: 0.79 })), judges: {}, error: null },
    ],
  };
  // Stringify both: equal text means equal values and the same key order.
  assert.equal(JSON.stringify(report.tests[0]), JSON.stringify(expected));
  assert.equal(Object.keys(report.tests[0].images[0].traits).length, TRAIT_NAMES.length, 'every catalogue trait');
  assert.deepEqual(Object.keys(report.tests[0].images[0].traits), [...TRAIT_NAMES].sort());
});

function sorted(r: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k]]));
}

test('JSON: header, summary, every test, judges sorted, errors kept, non-finite numbers as null', () => {
  const text = jsonReport(RUN, { relativeTo: ROOT });
  assert.ok(text.endsWith('}\n'));
  const parsed = JSON.parse(text);
  assert.deepEqual(Object.keys(parsed), ['schema', 'version', 'startedAt', 'finishedAt', 'complete', 'summary', 'tests']);
  assert.equal(parsed.schema, 'wabi-run-report');
  assert.equal(parsed.version, 1);
  assert.deepEqual(parsed.summary, { tests: 6, passed: 2, failed: 1, beautified: 2, errors: 1, images: 18, cachedImages: 5, durationMs: 12300 });
  assert.deepEqual(
    parsed.tests.map((t: { name: string; verdict: string; spec: string; line: number }) => [t.name, t.verdict, t.spec, t.line]),
    [
      ['grainy cat', 'pass', 'specs/cats.wabi', 5],
      ['underexposed launch', 'beautified', 'specs/cats.wabi', 13],
      [HOSTILE, 'fail', 'specs/cats.wabi', 21],
      ['comfy is down', 'error', 'specs/edits.wabi', 3],
      ['editing keeps the blur', 'beautified', 'specs/edits.wabi', 9],
      ['real photographs stay sharp', 'pass', 'specs/photos.wabi', 1],
    ],
  );
  const launch = parsed.tests[1];
  assert.deepEqual(Object.keys(launch.images[0].judges), ['clip("a dark, underexposed launch")', 'reward(hps)']);
  assert.equal(launch.expectations[0].seeds[0].beautified, true);
  assert.equal(launch.generator, 'flux-dev');
  const broken = parsed.tests[3];
  assert.equal(broken.images[0].error, 'connection refused (127.0.0.1:8188)');
  assert.equal(broken.images[0].file, '.wabi/cache/missing.png');
  assert.equal(parsed.tests[5].generator, null);
  // The images test's files are the user's, outside the workspace here: still relative, with `/`.
  assert.equal(parsed.tests[5].images[0].file, reportPath(path.join(PHOTOS, 'astronaut.jpg'), ROOT));
  assert.ok(!parsed.tests[5].images[0].file.includes('\\'));

  const odd: RunResult = { ...RUN, tests: [{ ...RUN.tests[0], images: [img(1, 'prompt', cached('x.png'), false, { grain: NaN })] }] };
  assert.equal(jsonReportObject(odd, { relativeTo: ROOT }).tests[0].images[0].traits.grain, null);
});

// ---------------------------------------------------------------- JUnit

test('JUnit: well-formed, a suite per spec, counts right, failures typed, hostile text escaped', () => {
  const xml = junitReport(RUN, { relativeTo: ROOT });
  const root = parseXml(xml);
  assert.equal(root.name, 'testsuites');
  assert.deepEqual(
    { tests: root.attrs.tests, failures: root.attrs.failures, errors: root.attrs.errors, skipped: root.attrs.skipped, time: root.attrs.time },
    { tests: '6', failures: '3', errors: '1', skipped: '0', time: '12.300' },
  );
  const suites = root.children;
  assert.deepEqual(
    suites.map((s) => [s.attrs.name, s.attrs.tests, s.attrs.failures, s.attrs.errors, s.attrs.time]),
    [
      ['specs/cats.wabi', '3', '2', '0', '7.911'],
      ['specs/edits.wabi', '2', '1', '1', '2.140'],
      ['specs/photos.wabi', '1', '0', '0', '0.300'],
    ],
  );
  for (const s of suites) assert.equal(s.children.length, Number(s.attrs.tests));
  const [cat, launch, hostile] = suites[0].children;
  assert.deepEqual(cat.attrs, { classname: 'specs/cats.wabi', name: 'grainy cat', time: '1.234', file: 'specs/cats.wabi', line: '5' });
  assert.deepEqual(cat.children.map((c) => c.name), ['system-out']);

  const lf = launch.children[0];
  assert.equal(lf.name, 'failure');
  assert.equal(lf.attrs.type, 'beautified');
  assert.equal(lf.attrs.message, 'beautified against intent: underexposure stayed at the baseline (0.08 vs 0.10) while polish rose (0.86 vs 0.74) on seeds 1, 2');
  assert.match(lf.text, /specs\/cats\.wabi:16: expect underexposure >= 0\.5 \[beautified against intent\]: asked for underexposure/);
  assert.match(lf.text, /specs\/cats\.wabi:17: expect polish < baseline: asked for polish < baseline/);
  assert.ok(!lf.text.includes('clip("a dark'), 'passing expectations are not listed');
  assert.match(lf.text, /seeds passing: 0\/2 \(required 2\)$/);

  // The hostile name: quotes, <, & survive as text; the BEL control character is dropped; \r\n in a reason kept.
  assert.equal(hostile.attrs.name, `<script>alert(1)</script> "quoted" & 'apos' end`);
  assert.ok(xml.includes('name="&lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot; &amp; &apos;apos&apos; end"'));
  const hf = hostile.children[0];
  assert.equal(hf.attrs.type, 'fail');
  assert.equal(hf.attrs.message, 'color-cast too weak: 0.31 < 0.5 on seed 1 and the judge disagreed (100%: "no")');
  assert.ok(hf.text.startsWith('color-cast too weak: 0.31 < 0.5 on seed 1\r\nand the judge disagreed (100%: "no")\n'));
  assert.ok(hf.text.includes('expect clip("rotten, 100%: fruit") >= 0.3: asked for clip("rotten, 100%: fruit") >= 0.3; got 0.21 <&> seed 1'));

  const [broken, edit] = suites[1].children;
  const err = broken.children[0];
  assert.equal(err.name, 'error');
  assert.equal(err.attrs.message, 'generator comfy failed on seed 1: connection refused (127.0.0.1:8188)');
  assert.match(err.text, /seed 1 prompt \(\.wabi\/cache\/missing\.png\): connection refused/);
  assert.equal(edit.children[0].attrs.type, 'beautified');
  assert.equal(suites[2].children[0].children.length, 1);
});

test('JUnit: attribute escaping keeps line breaks and tabs, drops what XML cannot hold; a cancelled run says so', () => {
  assert.equal(xmlAttr('a\tb\nc\rd"e\'f<g>h&i\u0000j\uffffk\ud800l'), 'a&#9;b&#10;c&#13;d&quot;e&apos;f&lt;g&gt;h&amp;ijkl');
  assert.equal(xmlAttr('emoji 🎨 ok'), 'emoji 🎨 ok');
  const cancelled = junitReport({ ...RUN, complete: false, tests: [] }, { relativeTo: ROOT });
  const root = parseXml(cancelled);
  assert.equal(root.attrs.tests, '0');
  assert.ok(cancelled.includes('<!-- run cancelled'));
});

// ---------------------------------------------------------------- HTML

let HTML = '';
/** The HTML of the n-th test's card (1-based). */
const card = (n: number) => {
  const start = HTML.indexOf(`<article class="test`, HTML.indexOf(`id="t${n}"`) - 40);
  const end = HTML.indexOf('</article>', start);
  assert.ok(start >= 0 && end > start, `card ${n}`);
  return HTML.slice(start, end);
};

test('HTML: one self-contained document with a CSP, embedded JPEG thumbnails and nothing fetched', async () => {
  const t0 = performance.now();
  HTML = await htmlReport(RUN, { relativeTo: ROOT });
  const ms = performance.now() - t0;
  await fs.mkdir(ARTIFACTS, { recursive: true });
  await fs.writeFile(path.join(ARTIFACTS, 'report.html'), HTML);
  console.log(`# html report: ${(HTML.length / 1024).toFixed(0)} KiB in ${ms.toFixed(0)} ms`);

  assert.ok(HTML.startsWith('<!DOCTYPE html>\n<html lang="en">'));
  assert.ok(HTML.includes(`<meta http-equiv="Content-Security-Policy" content="${CSP}">`));
  assert.equal(CSP, "default-src 'none'; img-src data:; style-src 'unsafe-inline'");
  assert.ok(!/https?:\/\//i.test(HTML), 'no URL anywhere');
  assert.ok(!/<script|<link|<iframe|<object|<embed|@import|url\(/i.test(HTML));
  const srcs = [...HTML.matchAll(/\ssrc="([^"]*)"/g)].map((m) => m[1]);
  assert.ok(srcs.length > 0);
  for (const s of srcs) assert.ok(s.startsWith('data:image/jpeg;base64,'), s.slice(0, 40));
  for (const m of HTML.matchAll(/\shref="([^"]*)"/g)) assert.match(m[1], /^#t\d+$/);
  // Every image that exists is embedded: 16 distinct readable files (two broken ones are placeholders).
  assert.equal(new Set(srcs).size, 16);
  // A thumbnail is a JPEG of at most 256 px.
  for (const s of new Set(srcs)) {
    const meta = await sharp(Buffer.from(s.slice('data:image/jpeg;base64,'.length), 'base64')).metadata();
    assert.equal(meta.format, 'jpeg');
    assert.ok(Math.max(meta.width!, meta.height!) <= 256);
  }
  // The fixture photos (300..640 px) were scaled down to 256 on their longest side.
  assert.match(HTML, /width="256" height="\d+" alt="image, seed 0, test real photographs stay sharp"/);
});

test('HTML: hostile names render as text; tags balance; headings, alt texts and verdict badges', async () => {
  if (!HTML) HTML = await htmlReport(RUN, { relativeTo: ROOT });
  assert.ok(!HTML.includes('<script>'));
  // Escaped, and the BEL control character dropped.
  assert.ok(HTML.includes('<span>&lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot; &amp; &#39;apos&#39; end</span>'));
  assert.ok(!HTML.includes('\u0007'));
  assert.ok(HTML.includes('<code>expect clip(&quot;rotten, 100%: fruit&quot;) &gt;= 0.3</code>'));
  // Balanced non-void elements outside <style>.
  const body = HTML.replace(/<style>[\s\S]*?<\/style>/, '');
  const stack: string[] = [];
  const VOID = new Set(['meta', 'img', 'br', 'hr', 'input', 'link']);
  for (const m of body.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>/g)) {
    const name = m[2].toLowerCase();
    if (VOID.has(name)) continue;
    if (m[1]) assert.equal(stack.pop(), name, `</${name}> at ${m.index}`);
    else stack.push(name);
  }
  assert.deepEqual(stack, []);
  assert.equal((HTML.match(/<h1>/g) ?? []).length, 1);
  assert.equal((HTML.match(/<article class="test /g) ?? []).length, 6);
  assert.equal((HTML.match(/<article class="test beautified"/g) ?? []).length, 2);
  assert.ok(HTML.includes('<span class="badge beautified">beautified against intent</span>'));
  assert.ok(HTML.includes('<span class="badge pass">pass</span>'));
  assert.ok(HTML.includes('<span class="badge error">error</span>'));
  for (const m of HTML.matchAll(/<img [^>]*>/g)) assert.match(m[0], /alt="[^"]+"/);
  // Summary: counts by verdict, duration, cached share.
  assert.ok(HTML.includes('<li class="beautified"><b>2</b>beautified against intent</li>'));
  assert.ok(HTML.includes('<b>18</b>images, 5 from the cache (28%)'));
  assert.ok(HTML.includes('<b>12.3s</b>duration'));
  // Anti-aesthetic beside the baseline, the edit's input first.
  const edit = card(5);
  const order = ['<figure class="input">', '<figure class="prompt">'].map((s) => edit.indexOf(s));
  assert.ok(order[0] > 0 && order[0] < order[1]);
  assert.ok(edit.includes('images/blurred-coffee.png'));
});

test('HTML: trait bars for the traits the expectations use, thresholds marked, judges listed', async () => {
  if (!HTML) HTML = await htmlReport(RUN, { relativeTo: ROOT });
  const cat = card(1);
  // grain: prompt 0.82 against both thresholds of seed 1 (0.6, and baseline + 0.3 = 0.40).
  assert.ok(cat.includes('<span class="fill" style="width:82.0%"></span><span class="thr" style="left:60.0%" title="≥ 0.60"></span><span class="thr" style="left:40.0%" title="&gt; 0.40"></span>'));
  assert.ok(cat.includes('<span class="ok">&gt; 0.40</span> (baseline + 0.3)'));
  assert.ok(!cat.includes('<div class="name">polish</div>'), 'only the traits the expectations use');
  assert.ok(cat.includes('<dl class="prompts"><dt>prompt</dt><dd>a cat, heavy film grain</dd><dt>baseline</dt><dd>a cat</dd></dl>'), 'what the images were made from');
  const launch = card(2);
  assert.ok(launch.includes('<div class="name">underexposure</div>'));
  assert.ok(launch.includes('<div class="name">polish</div>'));
  assert.ok(launch.includes('style="--fc:var(--beau)"'), 'a beautified seed colours its bar');
  assert.ok(launch.includes('<span class="bt">beautified against intent</span>'));
  assert.ok(launch.includes('<th scope="row"><code>reward(hps)</code></th><td class="n">11.40</td><td class="n">10.20</td><td></td>'));
  assert.ok(launch.includes('<code>clip(&quot;a dark, underexposed launch&quot;)</code></th><td class="n">0.27</td><td class="n">0.21</td><td><span class="ok">≥ 0.25</span></td>'));
});

test('HTML: a missing or corrupt image is a placeholder with its error, never a crash', async () => {
  if (!HTML) HTML = await htmlReport(RUN, { relativeTo: ROOT });
  assert.ok(HTML.includes('<div class="missing" role="img" aria-label="anti-aesthetic prompt image, seed 1, test comfy is down: image unavailable">image unavailable<br>file not found: .wabi/cache/missing.png</div>'));
  assert.match(HTML, /<div class="missing"[^>]*>image unavailable<br>cannot decode \.wabi\/cache\/corrupt\.png: [^<]+<\/div>/);
  assert.ok(HTML.includes('<span class="no">connection refused (127.0.0.1:8188)</span>'), 'the record\u2019s own error in the caption');
  // A directory where a file should be, and an empty run, do not throw either.
  const dir: RunResult = { ...RUN, tests: [{ ...RUN.tests[0], images: [img(1, 'prompt', ROOT, false, {})] }] };
  assert.match(await htmlReport(dir, { relativeTo: ROOT }), /image unavailable<br>not a file: \./);
  const empty = await htmlReport({ ...RUN, complete: false, tests: [], summary: summarise([], 5) }, { relativeTo: ROOT });
  assert.ok(empty.includes('No tests ran.'));
  assert.ok(empty.includes('cancelled: only the tests that finished are listed'));
});

test('HTML: an image path under its thumbnail is one line, cut at its start, the whole path in its tooltip', async () => {
  if (!HTML) HTML = await htmlReport(RUN, { relativeTo: ROOT });
  // Long cache paths used to wrap into a column as narrow as the thumbnail, a dozen lines each.
  assert.ok(HTML.includes('<span class="path" title=".wabi/cache/missing.png"><span dir="ltr">.wabi/cache/missing.png</span></span>'));
  assert.match(HTML, /figcaption \.path\{[^}]*white-space:nowrap[^}]*text-overflow:ellipsis[^}]*direction:rtl/);
});

test('HTML: thumbnailSize sets the embedded size', async () => {
  const small = await htmlReport({ ...RUN, tests: [RUN.tests[5]] }, { relativeTo: ROOT, thumbnailSize: 64 });
  const srcs = [...small.matchAll(/\ssrc="data:image\/jpeg;base64,([^"]*)"/g)].map((m) => m[1]);
  assert.equal(srcs.length, 4);
  for (const s of srcs) {
    const meta = await sharp(Buffer.from(s, 'base64')).metadata();
    assert.equal(Math.max(meta.width!, meta.height!), 64);
  }
  assert.ok(small.includes('<body style="--t:64px">'));
});

// ---------------------------------------------------------------- annotations

test('annotations: one ::error per failing expectation, beautified titled so, exact escaping', () => {
  const lines = githubAnnotations(RUN, { relativeTo: ROOT });
  assert.deepEqual(lines, [
    '::error file=specs/cats.wabi,line=16,col=3,title=beautified against intent::expect underexposure >= 0.5 (test "underexposed launch")%0Aasked for underexposure >= 0.5; got 0.08, 0.12 (baseline 0.10, 0.11); polish 0.86 vs baseline 0.74; seeds 1, 2',
    '::error file=specs/cats.wabi,line=17,col=3,title=expectation failed::expect polish < baseline (test "underexposed launch")%0Aasked for polish < baseline; got 0.86 vs 0.74, 0.83 vs 0.76',
    `::error file=specs/cats.wabi,line=23,col=5,title=expectation failed::expect color-cast >= 0.5 (test "${HOSTILE_CLEAN}")%0Aasked for color-cast >= 0.5; got 0.31 (baseline 0.05); seed 1`,
    `::error file=specs/cats.wabi,line=24,col=5,title=expectation failed::expect clip("rotten, 100%25: fruit") >= 0.3 (test "${HOSTILE_CLEAN}")%0Aasked for clip("rotten, 100%25: fruit") >= 0.3; got 0.21 <&> seed 1`,
    '::error file=specs/edits.wabi,line=3,col=1,title=test error::test "comfy is down"%0Agenerator comfy failed on seed 1: connection refused (127.0.0.1:8188)%0Aseed 2: the image could not be decoded',
    '::error file=specs/edits.wabi,line=13,col=3,title=beautified against intent::expect blur >= input - 0.05 (test "editing keeps the blur")%0Aasked for blur >= input - 0.05; got 0.12 (input 0.78); polish 0.81 vs input 0.52; seed 1',
  ]);
  for (const l of lines) assert.ok(!/[\r\n]/.test(l));
});

test('annotations: property and data escaping; a spec path with : and , and a test failing only in combination', () => {
  assert.equal(escapeData('50% done\r\nnext: a, b'), '50%25 done%0D%0Anext: a, b');
  assert.equal(escapeProperty('50% done\r\nnext: a, b'), '50%25 done%0D%0Anext%3A a%2C b');
  const t = RUN.tests[0];
  const combo: TestResult = {
    ...t,
    spec: path.join(ROOT, 'specs', 'odd: name, 100%.wabi'),
    verdict: 'fail',
    reasons: ['no seed met every expectation together\n(each passed on its own)'],
    passRate: { passed: 0, total: 2, required: 2 },
  };
  assert.deepEqual(githubAnnotations({ ...RUN, tests: [combo] }, { relativeTo: ROOT }), [
    '::error file=specs/odd%3A name%2C 100%25.wabi,line=5,col=1,title=expectation failed::test "grainy cat"%0Ano seed met every expectation together%0A(each passed on its own)',
  ]);
  // A beautified test whose seeds carry no marks: its failing expectations speak for the verdict.
  const e: ExpectationResult = { ...RUN.tests[4].expectations[0], seeds: [{ seed: 1, value: 0.12, against: 0.73, passed: false }] };
  const unmarked: TestResult = { ...RUN.tests[4], expectations: [e] };
  assert.match(githubAnnotations({ ...RUN, tests: [unmarked] }, { relativeTo: ROOT })[0], /title=beautified against intent::/);
  assert.deepEqual(githubAnnotations({ ...RUN, tests: [RUN.tests[0], RUN.tests[5]] }, { relativeTo: ROOT }), []);
});

// ---------------------------------------------------------------- progress

class FakeStream {
  chunks: string[] = [];
  constructor(
    readonly isTTY: boolean,
    readonly columns?: number,
  ) {}
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }
  get text(): string {
    return this.chunks.join('');
  }
}

function events(run: RunResult): RunEvent[] {
  const imagesTotal = run.tests.reduce((n, t) => n + t.images.length, 0);
  const out: RunEvent[] = [{ type: 'run-started', tests: run.tests.length, images: imagesTotal }];
  let done = 0;
  run.tests.forEach((t, ti) => {
    out.push({ type: 'test-started', spec: t.spec, test: t.name, line: t.line });
    for (const i of t.images) {
      done++;
      out.push({ type: 'image-generated', spec: t.spec, test: t.name, seed: i.seed, role: i.role, file: i.file, cached: i.cached, done, total: imagesTotal });
      out.push({ type: 'image-scored', spec: t.spec, test: t.name, seed: i.seed, role: i.role, file: i.file, traits: i.traits, done, total: imagesTotal });
    }
    for (const e of t.expectations) out.push({ type: 'expectation-decided', spec: t.spec, test: t.name, expectation: e });
    out.push({ type: 'test-finished', result: t, done: ti + 1, total: run.tests.length });
  });
  out.push({ type: 'run-finished', result: run });
  return out;
}

/** What `displayPath` shows for a spec in the temp folder (outside the working directory: the absolute path). */
const shown = (file: string) => {
  const rel = path.relative(process.cwd(), file);
  return rel === '' || rel.startsWith('..') ? file : rel;
};

test('summaryLine', () => {
  assert.equal(summaryLine(RUN), '6 tests: 2 passed, 1 failed, 2 beautified against intent, 1 error; 18 images (5 cached) in 12.3s');
  const one = { ...RUN, complete: false, tests: [RUN.tests[0]], summary: { ...summarise([RUN.tests[0]], 61_000) } };
  assert.equal(summaryLine(one), '1 test: 1 passed, 0 failed, 0 beautified against intent, 0 errors; 4 images (2 cached) in 1m 01s; cancelled before the end');
});

test('progress in CI: exactly one plain line per finished test and a summary, even on a TTY', () => {
  for (const stream of [new FakeStream(true, 100), new FakeStream(false)]) {
    const report = createProgressReporter(stream as unknown as NodeJS.WriteStream, { ci: stream.isTTY });
    for (const e of events(RUN)) report(e);
    const cats = shown(spec('cats.wabi'));
    const edits = shown(spec('edits.wabi'));
    assert.equal(
      stream.text,
      [
        `PASS  ${cats}:5  grainy cat`,
        `BEAUTIFIED  ${cats}:13  underexposed launch  (underexposure stayed at the baseline (0.08 vs 0.10) while polish rose (0.86 vs 0.74) on seeds 1, 2)`,
        `FAIL  ${cats}:21  <script>alert(1)</script> "quoted" & 'apos' end  (color-cast too weak: 0.31 < 0.5 on seed 1 and the judge disagreed (100%: "no"))`,
        `ERROR  ${edits}:3  comfy is down  (generator comfy failed on seed 1: connection refused (127.0.0.1:8188); seed 2: the image could not be decoded)`,
        `BEAUTIFIED  ${edits}:9  editing keeps the blur  (the edit restored sharpness: blur 0.12 vs input 0.78; polish 0.81 vs input 0.52)`,
        `PASS  ${shown(spec('photos.wabi'))}:1  real photographs stay sharp`,
        '6 tests: 2 passed, 1 failed, 2 beautified against intent, 1 error; 18 images (5 cached) in 12.3s',
        '',
      ].join('\n'),
    );
    assert.ok(!stream.text.includes('\r') && !stream.text.includes('\x1b'));
  }
});

// eslint-disable-next-line no-control-regex
const visible = (chunk: string) => chunk.replace(/\r|\x1b\[[0-9;]*[A-Za-z]/g, '');

test('progress on a terminal: one line redrawn with \\r and erase-line, within the width; failures stay above', () => {
  const stream = new FakeStream(true, 100);
  const report = createProgressReporter(stream as unknown as NodeJS.WriteStream, { ci: false });
  const all = events(RUN);
  for (const e of all) report(e);
  const redraws = stream.chunks.filter((c) => c.startsWith('\r\x1b[2K') && !c.endsWith('\n') && c !== '\r\x1b[2K');
  assert.ok(redraws.length >= 18, `${redraws.length} redraws`);
  for (const c of redraws) {
    assert.ok(!c.includes('\n'));
    assert.ok(Array.from(visible(c)).length <= 99, `too wide: ${JSON.stringify(visible(c))}`);
  }
  // The bar moves: first image, halfway, and the end.
  assert.ok(redraws.some((c) => visible(c).startsWith('█░') && c.includes(' 1/18 images')));
  assert.ok(redraws.some((c) => c.includes('18/18 images (5 cached)')));
  assert.ok(redraws.some((c) => c.includes('grainy cat')), 'the current test');
  const last = redraws[redraws.length - 1];
  assert.match(visible(last), /^█{19} {2}18\/18 images \(5 cached\) {2}6\/6 tests {2}2 pass 1 fail 2 beautified 1 error$/);
  // Tests that did not pass are printed on their own lines; passes are not.
  const permanent = stream.chunks.filter((c) => c.endsWith('\n')).map(visible);
  assert.deepEqual(
    permanent.map((l) => l.split('  ')[0]),
    ['BEAUTIFIED', 'FAIL', 'ERROR', 'BEAUTIFIED', '6 tests: 2 passed, 1 failed, 2 beautified against intent, 1 error; 18 images (5 cached) in 12.3s\n'],
  );
  // The bar line is cleared before each permanent line and at the end.
  const idx = stream.chunks.findIndex((c) => c.startsWith('BEAUTIFIED'));
  assert.equal(stream.chunks[idx - 1], '\r\x1b[2K');
  assert.equal(stream.chunks[stream.chunks.length - 2], '\r\x1b[2K');
});

test('progress on a narrow terminal drops the bar and cuts the line; unchanged lines are not rewritten', () => {
  const stream = new FakeStream(true, 30);
  const report = createProgressReporter(stream as unknown as NodeJS.WriteStream, { ci: false });
  report({ type: 'run-started', tests: 2, images: 8 });
  report({ type: 'test-started', spec: spec('cats.wabi'), test: 'a test with a very long name indeed', line: 0 });
  report({ type: 'expectation-decided', spec: spec('cats.wabi'), test: 'x', expectation: RUN.tests[0].expectations[0] });
  report({ type: 'test-started', spec: spec('cats.wabi'), test: 'a test with a very long name indeed', line: 0 });
  const lines = stream.chunks.map(visible);
  assert.deepEqual(lines, ['0/8 images  0/2 tests  0 pass', '0/8 images  0/2 tests  0 pas…']);
  assert.equal(Array.from(lines[1]).length, 29);
});

// ---------------------------------------------------------------- writing reports

test('writeReports writes the chosen reports into --out; parseReporters reads the flag', async () => {
  assert.deepEqual(parseReporters('json, junit,html,json'), ['json', 'junit', 'html']);
  assert.throws(() => parseReporters('json,xml,tap'), /unknown reporters 'xml', 'tap'; expected json, junit, html/);
  const out = path.join(ROOT, 'out');
  const t0 = performance.now();
  const files = await writeReports(RUN, ['json', 'junit', 'html'], out, { relativeTo: ROOT });
  console.log(`# all three reports: ${(performance.now() - t0).toFixed(0)} ms`);
  assert.deepEqual(files.map((f) => path.basename(f)), [REPORT_FILES.json, REPORT_FILES.junit, REPORT_FILES.html]);
  for (const f of files) assert.ok((await fs.stat(f)).size > 100);
  await fs.mkdir(ARTIFACTS, { recursive: true });
  for (const f of files) if (!f.endsWith('.html')) await fs.copyFile(f, path.join(ARTIFACTS, path.basename(f)));
});

test('optional: screenshot of the HTML report with headless chromium (WABI_SCREENSHOT=1)', { skip: process.env.WABI_SCREENSHOT !== '1' || !existsSync('/usr/bin/chromium') }, async () => {
  const html = path.join(ARTIFACTS, 'report.html');
  if (!existsSync(html)) await fs.writeFile(html, await htmlReport(RUN, { relativeTo: ROOT }));
  const png = path.join(ARTIFACTS, 'report.png');
  await new Promise<void>((resolve) => {
    execFile(
      '/usr/bin/chromium',
      ['--headless', '--no-sandbox', '--disable-gpu', `--screenshot=${png}`, '--window-size=1200,1600', '--hide-scrollbars', `file://${html}`],
      { timeout: 60_000 },
      () => resolve(),
    );
  });
  console.log(`# screenshot: ${existsSync(png) ? png : 'not made'}`);
});
