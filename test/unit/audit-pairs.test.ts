// Reading pairs datasets: JSONL and the paper's folder layout, with every bad row a located error and every other
// row still read, and image paths kept inside the project.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { formatPairError, loadPairs, PairsError } from '../../server/src/audit/pairs';
import { confinedHost, nodeHost } from '../../server/src/files/host';

async function png(file: string, shade: number): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: shade, g: shade, b: shade } } }).png().toFile(file);
}

function tempDir(): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-pairs-')));
}

test('JSONL: good rows load, each bad row is a located error, and the rest still load', async () => {
  const dir = tempDir();
  try {
    await png(path.join(dir, 'img/a.png'), 10);
    await png(path.join(dir, 'img/b.png'), 200);
    fs.writeFileSync(path.join(dir, 'img/text.png'), 'not an image at all');
    const rows = [
      '{"faithful": "img/a.png", "polished": "img/b.png", "prompt": "a grainy cow", "category": "clarity_and_focus.film_artifacts", "id": "cow"}',
      '',
      '{"faithful": "img/a.png", "polished": "img/b.png", "prompt": "a dim bear", "plain": "a bear", "extra": 3}',
      '{"faithful": "img/a.png", "polished": "img/b.png", "prompt": "x",}',
      '{"faithful": "img/a.png", "prompt": "no polished"}',
      '{"faithful": "img/missing.png", "polished": "img/b.png", "prompt": "p"}',
      '{"faithful": "img/a.png", "polished": "img/text.png", "prompt": "p"}',
      '{"faithful": "img/a.png", "polished": "img/b.png", "prompt": "p", "category": "color_and_tone.muted_fadded"}',
      '{"faithful": "img/a.png", "polished": "img/b.png", "prompt": "p", "catgory": "color_and_tone"}',
      '{"faithful": "img/a.png", "polished": "img/b.png", "prompt": "p", "id": "cow"}',
      '[1, 2]',
      '{"faithful": "img/a.png", "polished": "img/b.png", "prompt": ""}',
      '{"faithful": "img", "polished": "img/b.png", "prompt": "p"}',
      '{"faithful": "img/link.png", "polished": "img/b.png", "prompt": "p"}',
    ];
    fs.writeFileSync(path.join(dir, 'pairs.jsonl'), rows.join('\n') + '\n');
    // A link inside the project to an image outside it: read through the link, it would leave the project.
    const outside = `${dir}-outside.png`;
    await png(outside, 5);
    fs.symlinkSync(outside, path.join(dir, 'img/link.png'));
    const set = loadPairs(path.join(dir, 'pairs.jsonl'), confinedHost(nodeHost, () => [dir]));
    assert.deepEqual(
      set.pairs.map((p) => [p.id, p.line, p.prompt, p.plain, p.category, path.relative(dir, p.faithful), path.relative(dir, p.polished)]),
      [
        ['cow', 1, 'a grainy cow', undefined, 'clarity_and_focus.film_artifacts', 'img/a.png', 'img/b.png'],
        ['line 3', 3, 'a dim bear', 'a bear', undefined, 'img/a.png', 'img/b.png'],
      ],
    );
    assert.deepEqual(
      set.errors.map((e) => formatPairError(e, dir)),
      [
        'pairs.jsonl:4:66: not valid JSON (Expected double-quoted property name)',
        'pairs.jsonl:5: missing "polished" (an image path, relative to this file)',
        'pairs.jsonl:6:2: faithful image img/missing.png does not exist',
        'pairs.jsonl:7:27: polished image img/text.png is not an image (not PNG, JPEG, WebP, GIF, TIFF, AVIF, HEIF or BMP)',
        "pairs.jsonl:8:67: unknown category 'color_and_tone.muted_fadded'. Did you mean 'color_and_tone.muted_faded'?",
        "pairs.jsonl:9:67: unknown key 'catgory'. Did you mean 'category'?",
        "pairs.jsonl:10:67: id 'cow' is already used on line 1",
        'pairs.jsonl:11: a pair must be a JSON object {"faithful": ..., "polished": ..., "prompt": ...}',
        'pairs.jsonl:12:52: "prompt" must be a non-empty string',
        'pairs.jsonl:13:2: faithful image img is a folder, not an image',
        'pairs.jsonl:14:2: faithful image img/link.png is outside the project (--allow-outside reads it)',
      ],
    );
    // Without the confinement (--allow-outside) the linked image is read.
    const open = loadPairs(path.join(dir, 'pairs.jsonl'), nodeHost);
    assert.deepEqual(open.pairs.map((p) => p.line), [1, 3, 14]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(`${dir}-outside.png`, { force: true });
  }
});

test("the paper's folder: N_dist is faithful, N_orig polished, prompts from _meta.json; gaps located", async () => {
  const dir = tempDir();
  try {
    for (const n of ['16', '182', '7']) {
      await png(path.join(dir, `bench/${n}_dist.jpg`), 20);
      if (n !== '182') await png(path.join(dir, `bench/${n}_orig.png`), 220);
    }
    await png(path.join(dir, 'bench/99_orig.png'), 220);
    const meta = [
      { idx: 16, prompt_original: 'A bear.', prompt_distorted: 'A bear barely visible in the dark.', selected_dims: ['main object', 'color brightness'] },
      { idx: 182, prompt_original: 'A cat.', prompt_distorted: 'A blurred cat.', selected_dims: [] },
      { idx: 7, prompt_original: 'A dog.' },
    ];
    fs.writeFileSync(path.join(dir, 'bench/_meta.json'), JSON.stringify(meta, null, 1));
    const set = loadPairs(path.join(dir, 'bench'), confinedHost(nodeHost, () => [dir]));
    assert.equal(set.pairs.length, 1);
    const p = set.pairs[0];
    assert.deepEqual([p.id, path.basename(p.faithful), path.basename(p.polished), p.prompt, p.plain, p.dims], ['16', '16_dist.jpg', '16_orig.png', 'A bear barely visible in the dark.', 'A bear.', ['main object', 'color brightness']]);
    assert.equal(p.line, 3, 'the line of its "idx"');
    assert.deepEqual(
      set.errors.map((e) => formatPairError(e, dir)),
      [
        'bench/_meta.json:12:3: idx 182: no 182_orig image (the polished one) in the folder',
        'bench/_meta.json:18:3: idx 7: needs "prompt_distorted" (the anti-aesthetic prompt)',
        'bench/99_orig.png:1: idx 99 has no entry in _meta.json, so it has no prompt',
      ],
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a dataset that cannot be read at all is one PairsError, located where it can be', () => {
  const dir = tempDir();
  try {
    fs.mkdirSync(path.join(dir, 'empty'));
    fs.writeFileSync(path.join(dir, 'latin1.jsonl'), Buffer.from('{"prompt": "caf\xe9"}\n', 'latin1'));
    const host = confinedHost(nodeHost, () => [dir]);
    assert.throws(() => loadPairs(path.join(dir, 'none.jsonl'), host), (e: Error) => e instanceof PairsError && /none\.jsonl does not exist/.test(e.message));
    assert.throws(() => loadPairs(path.join(dir, 'empty'), host), /has no _meta\.json: a pairs folder holds N_dist\.\* \(faithful\) and N_orig\.\* \(polished\)/);
    assert.throws(() => loadPairs(path.join(dir, 'latin1.jsonl'), host), /latin1\.jsonl:1:16: not valid UTF-8 \(byte 0xE9/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
