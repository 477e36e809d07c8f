// Live progress of `wabi run`. On a terminal: one line redrawn in place (a bar, images done of total, tests by
// verdict, the test running now), with a permanent line printed above it for each test that did not pass. In CI or
// when the output is not a terminal: plain lines, one per finished test, and a summary line at the end.
import { displayPath } from '../../files/paths';
import { testTitle, type RunEvent, type RunResult, type ShardFigures, type TestResult, type Verdict } from '../results';
import { secondsPerImage, type EndpointFigures } from '../endpoints';
import { humanDuration, oneLine } from './common';

/** What the reporter needs of a stream; `process.stdout` and `process.stderr` are ones. */
export interface ProgressStream {
  write(chunk: string): boolean;
  readonly isTTY?: boolean;
  readonly columns?: number;
  hasColors?(): boolean;
}

export interface ProgressOptions {
  /** Plain lines even on a terminal (CI=true, --reporter plain). */
  readonly ci: boolean;
}

const LABEL: Readonly<Record<Verdict, string>> = { pass: 'PASS', fail: 'FAIL', beautified: 'BEAUTIFIED', error: 'ERROR' };
const COLOR: Readonly<Record<Verdict, string>> = { pass: '32', fail: '31', beautified: '35', error: '33' };

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** `PASS  specs/cows.wabi:5  grainy cow`, and for the others `  (reasons)` after the name. */
export function testLine(t: TestResult, color = false): string {
  const label = color ? `\x1b[1;${COLOR[t.verdict]}m${LABEL[t.verdict]}\x1b[0m` : LABEL[t.verdict];
  const why = t.verdict !== 'pass' && t.reasons.length > 0 ? `  (${oneLine(t.reasons.join('; '))})` : '';
  return `${label}  ${displayPath(t.spec)}:${t.line + 1}  ${oneLine(testTitle(t))}${why}`;
}

/** `5 tests: 2 passed, 1 failed, 1 beautified against intent, 1 error; 14 images (6 cached) in 12.3s`. */
export function summaryLine(result: RunResult): string {
  const s = result.summary;
  const tests = result.tests.length;
  const counts = [
    `${s.passed} passed`,
    `${s.failed} failed`,
    `${s.beautified} beautified against intent`,
    plural(s.errors, 'error'),
  ].join(', ');
  const images = `${plural(s.images, 'image')} (${s.cachedImages} cached)`;
  const cancelled = result.complete ? '' : '; cancelled before the end';
  return `${plural(tests, 'test')}: ${counts}; ${images} in ${humanDuration(s.durationMs)}${cancelled}`;
}

/** Per shard of a merged report, where and how long it ran: `shard 2/4  ci-runner-3  5 tests: 5 passed, ...;
 *  10 images (0 cached) in 12.3s (generating 9.8s, scoring 1.2s)`. The last line says how even the split was. */
export function shardLines(shards: readonly ShardFigures[]): string[] {
  const lines = shards.map((sh) => {
    const s = sh.summary;
    const tests = s.passed + s.failed + s.beautified + s.errors;
    const counts = `${s.passed} passed, ${s.failed} failed, ${s.beautified} beautified, ${plural(s.errors, 'error')}`;
    const work = sh.timings ? ` (generating ${humanDuration(sh.timings.generateMs)}, scoring ${humanDuration(sh.timings.scoreMs)})` : '';
    const cancelled = sh.complete ? '' : '; cancelled before the end';
    return `shard ${sh.index}/${sh.total}  ${sh.host}  ${plural(tests, 'test')}: ${counts}; ${plural(s.images, 'image')} (${s.cachedImages} cached) in ${humanDuration(s.durationMs)}${work}${cancelled}`;
  });
  const times = shards.map((sh) => sh.summary.durationMs);
  if (shards.length > 1) {
    const slowest = Math.max(...times);
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    lines.push(`shards: slowest ${humanDuration(slowest)}, mean ${humanDuration(mean)}, fastest ${humanDuration(Math.min(...times))}`);
  }
  return lines;
}

/** Per endpoint of the run's server generators: `endpoint sdxl http://gpu-2:8188 (2 at once): 40 images, 1 failure;
 *  2.10s mean, 2.05s median per image; out of rotation 12.3s`. */
export function endpointLines(endpoints: readonly EndpointFigures[]): string[] {
  return endpoints.map((f) => {
    const { mean, median } = secondsPerImage(f);
    const timing = mean === undefined || median === undefined ? '' : `; ${seconds(mean)} mean, ${seconds(median)} median per image`;
    const out = f.outOfRotationMs > 0 ? `; out of rotation ${humanDuration(f.outOfRotationMs)}` : '';
    return `endpoint ${f.generator} ${f.endpoint} (${f.concurrency} at once): ${plural(f.images, 'image')}, ${plural(f.failures, 'failure')}${timing}${out}`;
  });
}

const seconds = (s: number) => `${s < 10 ? s.toFixed(2) : s.toFixed(1)}s`;

/** Cuts text to `width` characters (code points), ending in `…` when cut. */
export function fit(text: string, width: number): string {
  const chars = Array.from(text);
  if (chars.length <= width) return text;
  if (width <= 1) return chars.slice(0, Math.max(0, width)).join('');
  return chars.slice(0, width - 1).join('') + '…';
}

interface State {
  tests: number;
  testsDone: number;
  images: number;
  generated: number;
  scored: number;
  scoredTotal: number;
  sawScores: boolean;
  cached: number;
  counts: Record<Verdict, number>;
  /** Tests started and not yet finished, oldest first, by `spec\0name`. */
  running: Map<string, string>;
}

function barLine(s: State, columns: number): string {
  const width = Math.max(10, columns - 1);
  const total = s.sawScores ? s.scoredTotal || s.images : s.images;
  const done = s.sawScores ? s.scored : s.generated;
  const frac = total > 0 ? Math.min(1, done / total) : s.tests > 0 ? s.testsDone / s.tests : 0;
  const parts: string[] = [];
  if (width >= 50) {
    const barWidth = Math.min(30, Math.max(10, Math.floor(width / 5)));
    const filled = Math.round(frac * barWidth);
    parts.push(`${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}`);
  }
  parts.push(`${done}/${total} images${s.cached > 0 ? ` (${s.cached} cached)` : ''}`);
  parts.push(`${s.testsDone}/${s.tests} tests`);
  const c = s.counts;
  const verdicts = [`${c.pass} pass`];
  if (c.fail) verdicts.push(`${c.fail} fail`);
  if (c.beautified) verdicts.push(`${c.beautified} beautified`);
  if (c.error) verdicts.push(`${c.error} error`);
  parts.push(verdicts.join(' '));
  const names = [...s.running.values()];
  if (names.length > 0) {
    const newest = oneLine(names[names.length - 1]);
    parts.push(names.length > 1 ? `${newest} (+${names.length - 1})` : newest);
  }
  return fit(parts.join('  '), width);
}

/**
 * A listener for the runner's events that writes progress to `stream`. On a terminal (and not `ci`) it redraws one
 * line with `\r` and erase-line, never wider than the terminal; otherwise it writes plain lines only.
 */
export function createProgressReporter(stream: ProgressStream, opts: ProgressOptions): (event: RunEvent) => void {
  const live = !opts.ci && stream.isTTY === true;
  const color = live && typeof stream.hasColors === 'function' && stream.hasColors() && !process.env.NO_COLOR;
  const state: State = {
    tests: 0,
    testsDone: 0,
    images: 0,
    generated: 0,
    scored: 0,
    scoredTotal: 0,
    sawScores: false,
    cached: 0,
    counts: { pass: 0, fail: 0, beautified: 0, error: 0 },
    running: new Map(),
  };
  let shown = ''; // the line on screen now ('' when none)

  const clear = () => {
    if (shown !== '') stream.write('\r\x1b[2K');
    shown = '';
  };
  const redraw = () => {
    const line = barLine(state, stream.columns && stream.columns > 0 ? stream.columns : 80);
    if (line === shown) return;
    stream.write(`\r\x1b[2K${line}`);
    shown = line;
  };

  return (event: RunEvent) => {
    switch (event.type) {
      case 'run-started':
        state.tests = event.tests;
        state.images = event.images;
        break;
      case 'test-started':
        state.running.set(`${event.spec}\0${event.test}\0${event.variant ?? ''}`, testTitle({ name: event.test, variant: event.variant }));
        break;
      case 'image-generated':
        state.generated = Math.max(state.generated, event.done);
        if (event.total > 0) state.images = event.total;
        if (event.cached) state.cached++;
        break;
      case 'image-scored':
        state.sawScores = true;
        state.scored = Math.max(state.scored, event.done);
        state.scoredTotal = event.total;
        break;
      case 'expectation-decided':
        return;
      case 'test-finished': {
        const t = event.result;
        state.running.delete(`${t.spec}\0${t.name}\0${t.variant ?? ''}`);
        state.testsDone = Math.max(state.testsDone + 1, event.done);
        if (event.total > 0) state.tests = event.total;
        state.counts[t.verdict]++;
        if (!live) {
          stream.write(testLine(t) + '\n');
          return;
        }
        if (t.verdict !== 'pass') {
          clear();
          stream.write(testLine(t, color) + '\n');
        }
        break;
      }
      case 'run-finished':
        if (live) clear();
        stream.write(summaryLine(event.result) + '\n');
        return;
    }
    if (live) redraw();
  };
}
