// docs/traits.md, generated: each trait's catalogue entry (meaning, paper categories) with its analyser's
// formula, raw unit, calibration and blind spots. A test keeps the committed file equal to this output.
import { TAXONOMY } from '../../catalogue/taxonomy';
import { TRAITS } from '../../catalogue/traits';
import { PATCH_SIZE, WORKING_SIZE } from '../images';
import { traitAnalyser } from './index';

export function traitsMarkdown(): string {
  const lines = [
    '# Traits',
    '',
    '<!-- Generated from server/src/catalogue/traits.ts and server/src/scoring/traits/*.ts by `npm run docs`. Do not edit by hand. -->',
    '',
    'Wabi scores every image on the traits below with ONNX graphs it builds itself (no downloaded weights), run',
    'by onnxruntime. Each trait yields a **raw measure** in its own unit and a **score** calibrated to 0..1, where',
    '1 means the trait is strongly present, so a threshold means the same on every image size.',
    '',
    `Every image is read twice: the whole image resampled to ${WORKING_SIZE}x${WORKING_SIZE} (the *working image*, for the`,
    `overall look), and a ${PATCH_SIZE}x${PATCH_SIZE} *patch* of native pixels from the centre, aligned to the 8x8 JPEG grid (for`,
    'grain, compression blocks, pixelation and colour fringes, which resampling would erase). Luma is ITU-R BT.601',
    '(0.299 R + 0.587 G + 0.114 B), on 0..255. Borders are reflected.',
    '',
    'Scores are calibrated on real photographs degraded step by step along each trait (the calibration tests in',
    '`test/unit/trait-*.test.ts`); the constants and the measured ranges they come from are in each analyser\'s source.',
    '',
    '| trait | meaning | raw unit | paper categories |',
    '| --- | --- | --- | --- |',
  ];
  for (const t of TRAITS) {
    const serves = t.serves.length ? t.serves.map((s) => '`' + s + '`').join(', ') : '(composite)';
    lines.push(`| [\`${t.name}\`](#${t.name}) | ${t.meaning} | ${t.rawUnit} | ${serves} |`);
  }
  for (const t of TRAITS) {
    const doc = traitAnalyser(t.name).doc;
    lines.push(
      '',
      `## ${t.name}`,
      '',
      t.meaning,
      '',
      `- **Measure:** ${doc.formula}`,
      `- **Raw unit:** ${t.rawUnit}`,
      `- **Score:** ${doc.calibration}`,
      `- **Paper categories:** ${t.serves.length ? t.serves.map((s) => '`' + s + '`').join(', ') : 'none: a composite of conventional polish, used to decide *beautified against intent*'}`,
      ...(doc.usableRange ? [`- **Usable range:** ${doc.usableRange}`] : []),
      `- **Blind spots:** ${doc.blindSpots}`,
    );
  }
  lines.push('', "## The paper's anti-aesthetic taxonomy", '', 'Tests may be tagged with a category or a `category.subcategory`.', '');
  for (const c of TAXONOMY) {
    lines.push(`### \`${c.name}\``, '', c.description, '');
    for (const [sub, text] of Object.entries(c.subcategories)) {
      const measured = TRAITS.filter((t) => t.serves.includes(`${c.name}.${sub}`)).map((t) => '`' + t.name + '`');
      lines.push(`- \`${c.name}.${sub}\`: ${text}` + (measured.length ? ` Measured by ${measured.join(', ')}.` : ' Needs a semantic judge (clip).'));
    }
    lines.push('');
  }
  return lines.join('\n');
}
