#!/usr/bin/env node
// A CLIP judge of ViT-B/32's real shapes and cost, with seeded random weights (test/unit/helpers/clipTransformer.ts
// at CLIP_VIT_B32's sizes: 151M parameters, about 600 MB of float32), for benchmarks that time a model judge without
// downloading one: image.onnx, text.onnx, a CLIP-format tokenizer.json (test/unit/helpers/judgeModels.ts's small
// BPE vocabulary, with CLIP's special token ids; the 49,408-row text embedding covers them) and judges.wabi
// declaring the judge `clip-b32`.
//
// The files go to a folder under the OS temp dir (never into the repo) keyed by VERSION and a hash of the builder's
// sources and the seed; a later run reuses it. Building takes the model's size in memory about three times over
// while it is serialised; the folder is written under a temporary name and renamed once complete. After a build,
// both models are loaded once with onnxruntime and run on a dummy input to check their output shapes.
//
//   node bench/lib/clipVitB32.mjs [--seed S]      # builds if needed, prints the folder and the parameter count
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadTypeScript, root } from './bundle.mjs';

/** Bump when the files written here change in a way the source hash does not see. */
const VERSION = 1;
const SOURCES = [
  'test/unit/helpers/clipTransformer.ts',
  'test/unit/helpers/judgeModels.ts',
  'server/src/scoring/onnx/graph.ts',
  'server/src/scoring/onnx/protobuf.ts',
  'bench/lib/clipVitB32.mjs',
];
export const JUDGE_NAME = 'clip-b32';

const SPEC = `# A CLIP judge with ViT-B/32's shapes and random weights, for benchmarks (bench/lib/clipVitB32.mjs).
judge ${JUDGE_NAME}
  kind         clip
  image-model  image.onnx
  text-model   text.onnx
  tokenizer    tokenizer.json
`;

function folderFor(seed) {
  const h = createHash('sha256').update(`v${VERSION} seed ${seed}\n`);
  for (const f of SOURCES) h.update(readFileSync(join(root, f)));
  return join(tmpdir(), `wabi-bench-clip-vit-b32-v${VERSION}-${h.digest('hex').slice(0, 12)}`);
}

const builder = () =>
  loadTypeScript(
    'clip-vit-b32',
    `export { buildClipImageTower, buildClipTextTower, CLIP_VIT_B32, expectedParameters } from './test/unit/helpers/clipTransformer';
export { clipTokenizerJson } from './test/unit/helpers/judgeModels';
export { ort } from './server/src/scoring/session';
`,
  );

/**
 * The judge's files, built on first use.
 * @returns {Promise<{dir: string, spec: string, imageModel: string, textModel: string, tokenizer: string,
 *   parameters: {image: number, text: number, total: number}, built: boolean, buildSeconds?: number}>}
 */
export async function clipVitB32Judge({ seed = 1, log = (line) => console.error(line) } = {}) {
  const dir = folderFor(seed);
  const files = { spec: join(dir, 'judges.wabi'), imageModel: join(dir, 'image.onnx'), textModel: join(dir, 'text.onnx'), tokenizer: join(dir, 'tokenizer.json') };
  const info = join(dir, 'parameters.json');
  if (existsSync(info) && Object.values(files).every(existsSync)) {
    return { dir, ...files, parameters: JSON.parse(readFileSync(info, 'utf8')), built: false };
  }
  const t0 = performance.now();
  const lib = await builder();
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  try {
    log(`building a CLIP ViT-B/32-sized judge with random weights (seed ${seed}) in ${dir} ...`);
    // One tower at a time, so only one model's bytes are held while it is written.
    let tower = lib.buildClipImageTower(lib.CLIP_VIT_B32, seed);
    const image = tower.parameters;
    writeFileSync(join(partial, 'image.onnx'), tower.bytes);
    tower = lib.buildClipTextTower(lib.CLIP_VIT_B32, seed + 1);
    const text = tower.parameters;
    writeFileSync(join(partial, 'text.onnx'), tower.bytes);
    tower = undefined;
    const expected = lib.expectedParameters(lib.CLIP_VIT_B32);
    if (image !== expected.image || text !== expected.text) {
      throw new Error(`the towers hold ${image} + ${text} parameters, not ViT-B/32's ${expected.image} + ${expected.text}`);
    }
    writeFileSync(join(partial, 'tokenizer.json'), JSON.stringify(lib.clipTokenizerJson()));
    writeFileSync(join(partial, 'judges.wabi'), SPEC);
    await verify(lib, partial);
    const parameters = { image, text, total: image + text };
    writeFileSync(join(partial, 'parameters.json'), JSON.stringify(parameters));
    rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
    return { dir, ...files, parameters, built: true, buildSeconds: (performance.now() - t0) / 1000 };
  } catch (e) {
    rmSync(partial, { recursive: true, force: true });
    throw e;
  }
}

/** Loads both towers with onnxruntime and checks their inputs, outputs and output shapes on a dummy batch of 2. */
async function verify(lib, dir) {
  const { ort, CLIP_VIT_B32: c } = lib;
  const check = async (file, input, feed, output) => {
    const session = await ort.InferenceSession.create(join(dir, file), { executionProviders: ['cpu'] });
    try {
      if (session.inputNames.join() !== input || session.outputNames.join() !== output) {
        throw new Error(`${file}: inputs ${session.inputNames}, outputs ${session.outputNames}; expected ${input} -> ${output}`);
      }
      const out = (await session.run({ [input]: feed }))[output];
      const ok = out.dims.length === 2 && out.dims[0] === 2 && out.dims[1] === c.embedDim && out.data.every(Number.isFinite);
      if (!ok) throw new Error(`${file}: ${output} has shape [${out.dims}] or non-finite values; expected [2,${c.embedDim}]`);
    } finally {
      await session.release();
    }
  };
  const s = c.imageSize;
  await check('image.onnx', 'pixel_values', new ort.Tensor('float32', new Float32Array(2 * 3 * s * s).fill(0.5), [2, 3, s, s]), 'image_embeds');
  const ids = new BigInt64Array(2 * c.text.context).fill(49407n);
  ids[0] = 49406n;
  ids[c.text.context] = 49406n;
  ids[c.text.context + 1] = 300n;
  await check('text.onnx', 'input_ids', new ort.Tensor('int64', ids, [2, c.text.context]), 'text_embeds');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { seed: { type: 'string', default: '1' } } });
  const j = await clipVitB32Judge({ seed: Number(values.seed) });
  console.log(`${j.dir}`);
  console.log(
    `parameters: ${j.parameters.total.toLocaleString('en')} (image ${j.parameters.image.toLocaleString('en')}, text ${j.parameters.text.toLocaleString('en')})` +
      (j.built ? `; built and checked in ${j.buildSeconds.toFixed(1)} s` : '; reused'),
  );
}
