// A generator's `url` lines as the editor explains them: which endpoint of the pool a line is, how many images it
// makes at once, and what the pool as a whole can make.
import { ENDPOINT_CONCURRENCY, readEndpoint } from '../catalogue/endpoints';
import type { KindSpec } from '../catalogue/schema';
import { typedValue } from '../catalogue/values';
import type { GeneratorBlock, Property } from './ast';
import { lastSetting } from './ast';

/** Hover text for a `url` line of a generator of `kind`. Undefined when the line does not read as an endpoint (the
 *  checker says why). */
export function endpointMarkdown(block: GeneratorBlock, prop: Property, kind: KindSpec): string | undefined {
  if (prop.value.type !== 'word') return undefined;
  const here = readEndpoint(prop.value.text);
  if (!here.ok) return undefined;
  const lines = block.properties.filter((p) => p.key.text === 'url' && p.value.type === 'word');
  const endpoints = lines.map((p) => (p.value.type === 'word' ? readEndpoint(p.value.text) : undefined));
  const shared = sharedConcurrency(block, kind);
  const capacity = (r: (typeof endpoints)[number]) => (r?.ok ? (r.endpoint.concurrency ?? shared.value) : 0);
  const own = here.endpoint.concurrency;
  const atOnce = `${own ?? shared.value} image${(own ?? shared.value) === 1 ? '' : 's'} at once (${own !== undefined ? `its own \`${ENDPOINT_CONCURRENCY} ${own}\`` : shared.source})`;
  const name = block.name?.text ?? '';
  if (lines.length === 1) {
    return [
      `**${here.endpoint.url}** · the server of the \`${kind.kind}\` generator \`${name}\`, ${atOnce}.`,
      `Add more \`url\` lines to make a pool of servers that serve the same models: requests go to the endpoint with the most free capacity, and one that fails is left out for a while while its requests move to another.`,
    ].join('\n\n');
  }
  const index = lines.indexOf(prop) + 1;
  const total = endpoints.reduce((n, r) => n + capacity(r), 0);
  return [
    `**${here.endpoint.url}** · endpoint ${index} of ${lines.length} of the \`${kind.kind}\` generator \`${name}\`, ${atOnce}.`,
    `The pool makes up to ${total} images at once. Each request goes to the endpoint with the most free capacity; an endpoint that fails (refused, 5xx, timed out) is left out of rotation for a while, then tried again, and its requests are retried on another. A request the server refuses as wrong (a 4xx such as a bad workflow) is not retried elsewhere.`,
  ].join('\n\n');
}

/** The generator's `concurrency`, else its kind's default, and which it is. */
function sharedConcurrency(block: GeneratorBlock, kind: KindSpec): { value: number; source: string } {
  const fallback = kind.defaultConcurrency ?? 1;
  const p = lastSetting(block, 'concurrency');
  const spec = kind.settings.find((k) => k.key === 'concurrency');
  if (p?.value.type === 'word' && spec) {
    const typed = typedValue(spec, p.value.text);
    if (typed.ok && typeof typed.value === 'number') return { value: typed.value, source: "the generator's `concurrency`" };
  }
  return { value: fallback, source: `the \`${kind.kind}\` default` };
}
