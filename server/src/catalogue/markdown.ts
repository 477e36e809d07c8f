// The trait catalogue rendered as Markdown: docs/traits.md is this output, and a test keeps the two equal.
import { TAXONOMY } from './taxonomy';
import { TRAITS } from './traits';

export function catalogueMarkdown(): string {
  const lines = [
    '# Traits',
    '',
    '<!-- Generated from server/src/catalogue/traits.ts by `wabi traits --markdown`. Do not edit by hand. -->',
    '',
    'Every trait score is calibrated to 0..1, where 1 means the trait is strongly present, so a threshold means',
    'the same on every image size. `polish` is the one composite: high when an image is conventionally polished.',
    '',
    '| trait | meaning | raw measure | raw unit | paper categories |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const t of TRAITS) {
    const serves = t.serves.length ? t.serves.map((s) => '`' + s + '`').join(', ') : '(composite)';
    lines.push(`| \`${t.name}\` | ${t.meaning} | ${t.measure} | ${t.rawUnit} | ${serves} |`);
  }
  lines.push('', '## The paper\'s anti-aesthetic taxonomy', '', 'Tests may be tagged with a category or a `category.subcategory`.', '');
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
