// A server generator's endpoints as its settings give them: one per `url` line, each with its own `concurrency N`
// or else the generator's `concurrency`.
import { endpointOf } from '../catalogue/endpoints';
import { generatorKind } from '../catalogue/schema';
import { redact } from './http';
import { redactSecrets } from './redact';
import type { GeneratorSettings } from './settings';

export interface EndpointSetting {
  readonly url: string;
  readonly concurrency: number;
}

/** The `url` lines in the order written (empty ones left out). An endpoint without its own `concurrency N` takes
 *  the generator's `concurrency`, else its kind's default. */
export function endpointsOf(settings: GeneratorSettings): EndpointSetting[] {
  const shared = sharedConcurrency(settings);
  return settings
    .texts('url')
    .filter((text) => text.trim() !== '')
    .map((text) => {
      const e = endpointOf(text);
      return { url: e.url, concurrency: e.concurrency ?? shared };
    });
}

/** An endpoint as messages and reports name it: its URL without credentials, query or trailing slash. A URL that
 *  cannot be parsed keeps its text, with any credential in it masked. */
export function endpointLabel(url: string): string {
  return redactSecrets(redact(url)).replace(/\/+$/, '');
}

/** The generator's `concurrency`, else its kind's default: what an endpoint without its own makes at once. */
export function sharedConcurrency(settings: GeneratorSettings): number {
  return settings.integer('concurrency', generatorKind(settings.kind)?.defaultConcurrency ?? 1);
}

/** How many images a server generator's endpoints make at once together (one endpoint when it lists none: the
 *  openai kind's default URL); undefined for the kinds that talk to no server. */
export function poolCapacity(settings: GeneratorSettings): number | undefined {
  if (generatorKind(settings.kind)?.defaultConcurrency === undefined) return undefined;
  const listed = endpointsOf(settings);
  return listed.length > 0 ? listed.reduce((n, e) => n + e.concurrency, 0) : sharedConcurrency(settings);
}
