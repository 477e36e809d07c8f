// The leaderboard of a compare run as terminal lines, printed after the run's summary: one row per generator,
// best first, then the rise per requested trait, the figures per category (test tag), each generator's worst
// tests, and the tests that ran once and are not on the board. Rates show their count, share and interval.
import { displayPath } from '../../files/paths';
import type { Leaderboard, Mean, Rate } from '../leaderboard';
import type { TestResult } from '../results';
import { VERDICT_LABEL } from './common';

/** `6/8 75% [41-93%]`. */
export function rateText(r: Rate): string {
  const pc = (x: number) => Math.round(x * 100);
  return `${r.count}/${r.total} ${pc(r.rate)}% [${pc(r.interval.low)}-${pc(r.interval.high)}%]`;
}

/** `+0.31 [+0.22, +0.40]`; `-` when nothing was measured. */
export function meanText(m: Mean | undefined): string {
  if (!m || !Number.isFinite(m.mean)) return '-';
  return `${signed(m.mean)} [${signed(m.interval.low)}, ${signed(m.interval.high)}]`;
}

export function signed(x: number): string {
  if (!Number.isFinite(x)) return '-';
  const text = Math.abs(x).toFixed(2);
  return text === '0.00' ? '+0.00' : `${x < 0 ? '-' : '+'}${text}`;
}

/** Columns padded to their widest cell, two spaces apart. */
function columns(rows: readonly (readonly string[])[], indent: string): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => indent + r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ').trimEnd());
}

/** `grainy cow (specs/cows.wabi:5)`. */
function where(t: TestResult): string {
  return `${t.name} (${displayPath(t.spec)}:${t.line + 1})`;
}

export function leaderboardLines(board: Leaderboard, tests: readonly TestResult[]): string[] {
  const level = Math.round(board.level * 100);
  const out = [`Leaderboard: ${board.rows.length} generator${board.rows.length === 1 ? '' : 's'} side by side (${level}% intervals over seeds)`];
  out.push(
    ...columns(
      [
        ['#', 'generator', 'seeds passed', 'beautified against intent', 'mean trait rise', 'tests passed'],
        ...board.rows.map((r) => [String(r.rank), r.generator, rateText(r.passRate), rateText(r.beautifiedRate), meanText(r.rise), `${r.passed}/${r.tests}`]),
      ],
      '  ',
    ),
  );
  const traits = [...new Set(board.rows.flatMap((r) => Object.keys(r.traits)))].sort();
  if (traits.length > 0) {
    out.push('Rise of each requested trait over its baseline:');
    out.push(...columns(traits.map((trait) => [trait, board.rows.map((r) => `${r.generator} ${meanText(r.traits[trait])}`).join(' · ')]), '  '));
  }
  const tags = [...new Set(board.rows.flatMap((r) => Object.keys(r.categories)))].sort();
  if (tags.length > 0) {
    out.push('By category (seeds passed, beautified, mean rise):');
    const cell = (r: Leaderboard['rows'][number], tag: string) => {
      const f = r.categories[tag];
      return f ? `${r.generator} ${f.passRate.count}/${f.passRate.total} passed, ${f.beautifiedRate.count} beautified, rise ${signed(f.rise?.mean ?? NaN)}` : `${r.generator} -`;
    };
    out.push(...columns(tags.map((tag) => [tag, board.rows.map((r) => cell(r, tag)).join(' · ')]), '  '));
  }
  out.push('Worst tests:');
  const worst = (w: Leaderboard['rows'][number]['worst'][number]) => {
    const t = tests[w.index];
    return `${where(t)} ${VERDICT_LABEL[t.verdict]}${w.seed !== undefined ? `, seed ${w.seed}` : ''}`;
  };
  out.push(...columns(board.rows.map((r) => [r.generator, r.worst.map(worst).join('; ')]), '  '));
  const reasons = [...new Set(board.excluded.map((x) => x.reason))];
  for (const reason of reasons) {
    const which = board.excluded.filter((x) => x.reason === reason).map((x) => where(tests[x.index]));
    out.push(`Not on the leaderboard (${reason}): ${which.join(', ')}`);
  }
  return out;
}
