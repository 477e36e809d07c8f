// The generator factory: every kind the language accepts makes its backend, from the spec's own block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { GENERATOR_KINDS } from '../../server/src/catalogue/schema';
import { createGenerator, generatorSettings, GenerationError } from '../../server/src/generation/index';
import { generatorDeclarationOf } from '../../server/src/language/resolve';
import { settingsFrom } from '../../server/src/generation/settings';
import { parse } from '../../server/src/language/parser';
import type { GeneratorBlock } from '../../server/src/language/ast';

const EXAMPLES = path.resolve(__dirname, '../../../examples');

test('every generator kind of the schema has a backend, built from a parsed spec block', () => {
  const spec = path.join(EXAMPLES, 'generators.wabi');
  const text = [
    'generator a\n  kind degrade\n  input images/starry-night.jpg\n  strength 0.5',
    'generator b\n  kind comfyui\n  url http://127.0.0.1:8188\n  workflow workflows/sdxl-api.json',
    'generator c\n  kind a1111\n  url http://127.0.0.1:7860',
    'generator d\n  kind openai\n  model gpt-image-1',
    'generator e\n  kind command\n  run make-image --out {out}',
    'generator f\n  kind files',
  ].join('\n');
  const blocks = parse(text).blocks as GeneratorBlock[];
  const made = blocks.map((b) => createGenerator(generatorSettings(generatorDeclarationOf(b, spec)), { env: {} }));
  assert.deepEqual(
    made.map((g) => g.kind),
    ['degrade', 'comfyui', 'a1111', 'openai', 'command', 'files'],
  );
  assert.deepEqual(new Set(made.map((g) => g.kind)), new Set(GENERATOR_KINDS.map((k) => k.kind)), 'every kind of the schema is covered');
  assert.deepEqual(
    made.map((g) => g.name),
    ['a', 'b', 'c', 'd', 'e', 'f'],
  );
  for (const g of made) assert.ok(g.identity.length > 0 && !/sk-|key=/i.test(g.identity), g.identity);
});

test('an unknown kind is a located error, not a crash', () => {
  assert.throws(
    () => createGenerator(settingsFrom('x', 'stable-cascade', path.join(EXAMPLES, 's.wabi'), {}), { env: {} }),
    (e: unknown) => e instanceof GenerationError && /generator 'x' has an unknown kind 'stable-cascade'/.test(e.message),
  );
});

test('one behaviour for a value out of range, whatever the backend: the schema refuses it with the same message', () => {
  const spec = '/ws/spec.wabi';
  for (const kind of ['comfyui', 'a1111', 'openai', 'command']) {
    assert.throws(() => settingsFrom('g', kind, spec, { retries: '-1' }), /^Error: generator 'g': 'retries' must be between 0 and 20; got -1\.$/, kind);
    assert.throws(() => settingsFrom('g', kind, spec, { concurrency: '0' }), /'concurrency' must be between 1 and 64; got 0\./, kind);
    assert.throws(() => settingsFrom('g', kind, spec, { timeout: '0s' }), /'timeout' must be longer than 0\./, kind);
    const ok = settingsFrom('g', kind, spec, { retries: '3', timeout: '2m' });
    assert.deepEqual([ok.integer('retries', 0), ok.duration('timeout', 1)], [3, 120_000], kind);
  }
});
