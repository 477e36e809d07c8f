// The SVG builders of the audit report: coordinates that follow the data, and text that cannot break out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { barChart, rocChart, seriesColour } from '../../server/src/audit/reporters/svg';

test('bars: width proportional to the value on a 0..1 axis, whiskers at the interval, references as dashed lines', () => {
  const svg = barChart(
    [
      { label: 'all pairs', bars: [{ series: 0, label: 'a', value: 0.5, low: 0.25, high: 0.75 }] },
      { label: 'color_and_tone <b>', bars: [{ series: 1, label: 'b "x"', value: 1.2, low: NaN, high: NaN }, { series: 2, label: 'c', value: NaN, low: 0, high: 1 }] },
    ],
    [{ value: 0.6, label: 'required', colour: '#cf222e' }],
    'title & more',
  );
  // The plot starts at x = 230 and is 420 wide: 0.5 is 210 wide; 1.2 is clamped to the full 420.
  assert.match(svg, /<rect x="230" y="8" width="210" height="12" fill="#0072B2"><title>a<\/title><\/rect>/);
  assert.match(svg, /<path d="M335 14H545M335 10V18M545 10V18"/, 'whisker from 0.25 (x 335) to 0.75 (x 545) at the bar centre');
  assert.match(svg, new RegExp(`width="420" height="12" fill="${seriesColour(1)}"><title>b &quot;x&quot;</title>`));
  assert.equal((svg.match(/<rect /g) ?? []).length, 2, 'a NaN value draws no bar');
  assert.match(svg, />color_and_tone &lt;b&gt;<\/text>/);
  assert.match(svg, /<path d="M482 2V\d+(\.\d)?" stroke="#cf222e" stroke-dasharray="4 3"/, 'the reference at 0.6: x = 230 + 252');
  assert.match(svg, /aria-label="title &amp; more"/);
  assert.doesNotMatch(svg, /NaN|undefined/);
});

test('ROC: the unit square mapped to the plot, the diagonal, one polyline and legend entry per judge', () => {
  const svg = rocChart(
    [
      { label: 'dark (AUROC 0.75)', series: 0, points: [{ fpr: 0, tpr: 0 }, { fpr: 0, tpr: 0.5 }, { fpr: 0.5, tpr: 1 }, { fpr: 1, tpr: 1 }] },
      { label: '<none>', series: 1, points: [] },
    ],
    'roc',
  );
  // x = 40 + 300 fpr, y = 20 + 300 (1 - tpr).
  assert.match(svg, /<polyline points="40,320 40,170 190,20 340,20" fill="none" stroke="#0072B2"/);
  assert.match(svg, /<path d="M40 320L340 20" stroke="#8c959f" stroke-dasharray="4 3"\/>/);
  assert.equal((svg.match(/<polyline /g) ?? []).length, 1, 'an empty curve draws nothing');
  assert.match(svg, />&lt;none&gt;<\/text>/, 'but keeps its legend entry');
});
