// What each block may hold: keys, value types and documentation. The parser reads the value shapes, the
// model validates against the types, completion and hover show the docs. One table, so they never disagree.
import { CONCURRENCY_RANGE } from './endpoints';

export type ValueType =
  | 'text' // free text to end of line, quoted, or `|` block
  | 'expect'
  | 'seeds'
  | 'size'
  | 'pass'
  | 'numbers' // list of numbers (mean/std)
  | 'integer'
  | 'number'
  | 'unit' // number in 0..1
  | 'accuracy' // share 0..1, as a number (0.8) or a percentage (80%)
  | 'duration'
  | 'url'
  | 'file' // path relative to the spec that must exist (a folder for `dir`/`cwd`, either for `pairs`: fileEntry)
  | 'glob'
  | 'env' // environment variable name
  | 'generator-ref'
  | 'generator-list' // generator names separated by commas
  | 'judge-ref'
  | 'audit-judge' // a judge name of any kind, or the built-in `traits`
  | 'generator-kind'
  | 'judge-kind'
  | 'enum'
  | 'string';

export interface KeySpec {
  readonly key: string;
  readonly type: ValueType;
  readonly doc: string;
  readonly required?: boolean;
  /** For `enum` values. */
  readonly values?: readonly string[];
  /** For number-like values. */
  readonly min?: number;
  readonly max?: number;
  /** Allowed more than once in a block. */
  readonly repeatable?: boolean;
  /** For judge references: the judge kinds accepted. */
  readonly judgeKinds?: readonly string[];
}

export const HEADER_KEYWORDS = ['import', 'generator', 'judge', 'defaults', 'test', 'audit'] as const;
export type HeaderKeyword = (typeof HEADER_KEYWORDS)[number];

export const HEADER_DOCS: Readonly<Record<HeaderKeyword, string>> = {
  import: 'Imports the generators and judges of another spec file: `import "generators.wabi"`.',
  generator: 'Defines a named image generator: `generator NAME`, then `kind` and its settings.',
  judge: 'Defines a named judge, a user-supplied ONNX model: `judge NAME`, then `kind` and its model files.',
  defaults: 'Run settings every test in this file inherits: generator, seeds, size, pass rate, steps, guidance; and `compare`, generators to run side by side.',
  test: 'A test: `test "NAME" [tags]`, then its prompt, baseline, overrides and `expect` lines.',
  audit: 'A reward-model audit: `audit "NAME" [tags]`, then `pairs` (faithful and polished images of one anti-aesthetic prompt) and the `judge`s that must score the faithful image higher, with an optional `min-accuracy`.',
};

export type ValueShape = 'text' | 'expect' | 'seeds' | 'size' | 'pass' | 'numbers' | 'names';

const RUN_SHAPES: Readonly<Record<string, ValueShape>> = {
  prompt: 'text',
  negative: 'text',
  baseline: 'text',
  expect: 'expect',
  seeds: 'seeds',
  size: 'size',
  pass: 'pass',
};

/** Keys whose values the parser reads with a dedicated shape, per block; every other value is a single word. */
export const VALUE_SHAPES: Readonly<Record<'test' | 'defaults' | 'generator' | 'judge' | 'audit', Readonly<Record<string, ValueShape>>>> = {
  test: RUN_SHAPES,
  defaults: { ...RUN_SHAPES, compare: 'names' },
  generator: { run: 'text' },
  judge: { mean: 'numbers', std: 'numbers' },
  audit: {},
};

/** Every key some block reads with a shape: a column-0 line starting with one is a property that lost its indent. */
export const PROPERTY_KEYS: ReadonlySet<string> = new Set(
  ['kind', ...Object.values(VALUE_SHAPES).flatMap((shapes) => Object.keys(shapes))],
);

const RUN_SETTINGS: readonly KeySpec[] = [
  { key: 'generator', type: 'generator-ref', doc: 'The generator that makes the images (a name defined by a `generator` block here or in an import).' },
  { key: 'seeds', type: 'seeds', doc: 'Seeds to generate with: whole numbers and ranges, `1..4` or `1, 2, 7..9`. The pass rate is taken over them.' },
  { key: 'size', type: 'size', doc: 'Image size `WIDTHxHEIGHT` in pixels, each 64..8192; most models expect multiples of 8.' },
  { key: 'pass', type: 'pass', doc: 'Share of seeds that must meet every expectation for the test to pass: `3/4`, `75%` or `all`.' },
  { key: 'steps', type: 'integer', min: 1, max: 1000, doc: 'Sampler steps, 1..1000.' },
  { key: 'guidance', type: 'number', min: 0, max: 50, doc: 'Classifier-free guidance scale, 0..50.' },
  {
    key: 'aesthetic',
    type: 'judge-ref',
    judgeKinds: ['aesthetic', 'reward'],
    doc: 'An `aesthetic` or `reward` judge used instead of the `polish` trait to decide whether a failing image was *beautified against intent*.',
  },
];

export const DEFAULTS_KEYS: readonly KeySpec[] = [
  ...RUN_SETTINGS,
  {
    key: 'compare',
    type: 'generator-list',
    doc:
      'Generators to compare, side by side: `compare base, tuned, tuned-v2`. `wabi run` runs every generated test once per generator ' +
      '(in place of its `generator`) and reports a leaderboard: pass rate, beautified-against-intent rate and the rise of each requested ' +
      'trait over its baseline, per generator and per category. `wabi run --generator` replaces the list. A single run (the editor) uses ' +
      'the test\'s `generator`, else the first one listed.',
  },
];

export const TEST_KEYS: readonly KeySpec[] = [
  { key: 'prompt', type: 'text', doc: 'The anti-aesthetic prompt. Free text to the end of the line, a quoted string, or `|` and an indented block.' },
  { key: 'negative', type: 'text', doc: 'Negative prompt: what the generator should avoid.' },
  { key: 'baseline', type: 'text', doc: 'The plain prompt the result is compared with: `expect grain > baseline + 0.3` compares against the image made from it.' },
  { key: 'input', type: 'file', doc: 'Input image for image-to-image, relative to this spec. `expect blur >= input` compares against it.' },
  { key: 'strength', type: 'unit', min: 0, max: 1, doc: 'Image-to-image denoising strength, 0..1: 0 returns the input, 1 ignores it.' },
  { key: 'images', type: 'glob', doc: 'Glob of existing images to score instead of generating (`artworks/*.jpg`), relative to this spec.' },
  ...RUN_SETTINGS,
  { key: 'expect', type: 'expect', repeatable: true, doc: 'An expectation: `MEASURE OP VALUE`, e.g. `grain >= 0.6`, `grain > baseline + 0.3`, `polish < baseline`, `clip("rotten fruit") > clip("fresh fruit")`.' },
];

/** The judge an audit may name without declaring it. */
export const BUILTIN_JUDGE = 'traits';

export const BUILTIN_JUDGE_DOC =
  'The built-in intent judge: it reads the anti-aesthetic prompt of each pair, maps its wording to pixel traits with a lexicon over the paper\'s taxonomy ("heavy grain" to `grain`, "washed out" to `overexposure`, "askew" to `tilt`, negations and intensity words included), and scores an image by how strongly it shows the traits the prompt asks for. It needs no model weights and no `judge` block. Wording it cannot map is reported per pair; prompts about emotion or subject need a model judge.';

export const AUDIT_KEYS: readonly KeySpec[] = [
  {
    key: 'pairs',
    type: 'file',
    required: true,
    doc: 'The pairs to audit, relative to this spec: a JSONL file (one object per pair: `faithful`, `polished`, `prompt`, optional `plain` and `category`, paths relative to the file) or a folder of `N_orig.*` / `N_dist.*` images with `_meta.json`.',
  },
  {
    key: 'judge',
    type: 'audit-judge',
    required: true,
    repeatable: true,
    doc: 'A judge to audit: any judge this spec can see (`clip`, `aesthetic` or `reward`), or the built-in `traits`. One line per judge; at least one.',
  },
  {
    key: 'min-accuracy',
    type: 'accuracy',
    min: 0,
    max: 1,
    doc: 'The accuracy every judge must reach (the share of pairs where it scores the faithful image above the polished one), or the audit fails: `0.8` or `80%`.',
  },
];

/** What a `file` setting must name: a folder for `dir` and `cwd`, a file or a folder for `pairs`, else a file. */
export function fileEntry(spec: KeySpec): 'file' | 'dir' | 'either' {
  if (spec.key === 'dir' || spec.key === 'cwd') return 'dir';
  return spec.key === 'pairs' ? 'either' : 'file';
}

const TIMEOUT_SETTING: KeySpec = { key: 'timeout', type: 'duration', doc: 'How long one image may take before the request is abandoned: `90s`, `2m`, `500ms`.' };

const COMMON_GENERATOR_SETTINGS: readonly KeySpec[] = [
  TIMEOUT_SETTING,
  { key: 'retries', type: 'integer', min: 0, max: 20, doc: 'Retries with backoff on 429, 5xx and dropped connections.' },
  { key: 'concurrency', type: 'integer', min: 1, max: 64, doc: 'How many images this generator makes at once.' },
];

/** The settings of the kinds that talk to servers, whose `url` may be repeated to make a pool. */
const SERVER_SETTINGS: readonly KeySpec[] = [
  TIMEOUT_SETTING,
  {
    key: 'retries',
    type: 'integer',
    min: 0,
    max: 20,
    doc: 'Retries with backoff on 429, 5xx and dropped connections, on one endpoint; in a pool, a request that still fails there then moves to another endpoint.',
  },
  {
    key: 'concurrency',
    type: 'integer',
    min: CONCURRENCY_RANGE.min,
    max: CONCURRENCY_RANGE.max,
    doc: 'How many images each endpoint makes at once (a `url` line\'s own `concurrency N` overrides it for that endpoint).',
  },
];

/** A server's `url`: one line per endpoint; several make a pool that shares the generator's requests. */
function urlSetting(example: string, required: boolean, what: string): KeySpec {
  return {
    key: 'url',
    type: 'url',
    required,
    repeatable: true,
    doc:
      `${what}. Repeat the line for a pool of servers that serve the same models: requests go to the endpoint with the ` +
      'most free capacity, an endpoint that fails (refused, 5xx, timed out) is left out for a while and its requests move to another. ' +
      `\`url ${example} concurrency 2\` lets one endpoint make 2 images at once.`,
  };
}

export interface KindSpec {
  readonly kind: string;
  readonly doc: string;
  readonly settings: readonly KeySpec[];
  /** For the kinds that talk to servers: how many images each endpoint makes at once when nothing says. */
  readonly defaultConcurrency?: number;
}

const KIND_KEY = (doc: string, type: 'generator-kind' | 'judge-kind'): KeySpec => ({ key: 'kind', type, required: true, doc });

export const GENERATOR_KINDS: readonly KindSpec[] = [
  {
    kind: 'files',
    doc: 'Scores existing image files matched by a test\'s `images` glob; generates nothing.',
    settings: [{ key: 'dir', type: 'file', doc: 'Folder the `images` globs are relative to (default: the spec\'s folder).' }],
  },
  {
    kind: 'degrade',
    doc: 'The built-in deterministic image-to-image reference: applies the requested traits to an input image at a strength. What honouring the prompt looks like.',
    settings: [
      { key: 'input', type: 'file', doc: 'Default source image for tests without `input`.' },
      { key: 'strength', type: 'unit', min: 0, max: 1, doc: 'Default degradation strength, 0..1 (default 1).' },
    ],
  },
  {
    kind: 'comfyui',
    doc: 'A ComfyUI server: POST /prompt with an API-format workflow, progress over /ws, results from /history and /view.',
    // ComfyUI runs one prompt at a time; more at once only wait in its queue.
    defaultConcurrency: 1,
    settings: [
      urlSetting('http://127.0.0.1:8188', true, 'Base URL of the ComfyUI server, e.g. `http://127.0.0.1:8188`'),
      { key: 'workflow', type: 'file', required: true, doc: 'API-format workflow JSON with placeholders for prompt, negative, seed, width, height, steps and input image.' },
      ...SERVER_SETTINGS,
    ],
  },
  {
    kind: 'a1111',
    doc: 'AUTOMATIC1111 / Forge / SD.Next: `/sdapi/v1/txt2img` and `/sdapi/v1/img2img`.',
    // The web UI runs one generation at a time behind its queue lock; more at once only queue there and time out.
    defaultConcurrency: 1,
    settings: [
      urlSetting('http://127.0.0.1:7860', true, 'Base URL of the web UI\'s API, e.g. `http://127.0.0.1:7860`'),
      { key: 'model', type: 'string', doc: 'Checkpoint name to switch to before generating.' },
      { key: 'sampler', type: 'string', doc: 'Sampler name, e.g. `Euler a`, `DPM++ 2M`.' },
      ...SERVER_SETTINGS,
    ],
  },
  {
    kind: 'openai',
    doc: 'Any OpenAI-compatible Images API: `/v1/images/generations` and `/v1/images/edits` with `b64_json`.',
    defaultConcurrency: 4,
    settings: [
      urlSetting('https://api.openai.com/v1', false, 'Base URL of the API (default `https://api.openai.com/v1`)'),
      { key: 'model', type: 'string', required: true, doc: 'Model name, e.g. `gpt-image-1`.' },
      { key: 'api-key-env', type: 'env', doc: 'Name of the environment variable holding the API key (default `OPENAI_API_KEY`). In the editor the key can also come from secret storage. Never write the key itself in a spec.' },
      { key: 'quality', type: 'enum', values: ['low', 'medium', 'high', 'auto', 'standard', 'hd'], doc: 'Quality setting passed to the API.' },
      ...SERVER_SETTINGS,
    ],
  },
  {
    kind: 'command',
    doc: 'Any executable: it receives prompt, seed, size and an output path, and writes the image there.',
    settings: [
      { key: 'run', type: 'text', required: true, doc: 'Command line; `{prompt}`, `{negative}`, `{seed}`, `{width}`, `{height}`, `{steps}`, `{input}` and `{out}` are substituted (each as one argument).' },
      { key: 'cwd', type: 'file', doc: 'Working directory, relative to the spec.' },
      ...COMMON_GENERATOR_SETTINGS,
    ],
  },
];

const PREPROCESSING: readonly KeySpec[] = [
  { key: 'size', type: 'integer', min: 16, max: 4096, doc: 'Square input resolution of the image encoder (default 224).' },
  { key: 'mean', type: 'numbers', doc: 'Per-channel normalisation mean, three numbers (default CLIP\'s 0.4815 0.4578 0.4082).' },
  { key: 'std', type: 'numbers', doc: 'Per-channel normalisation std, three numbers (default CLIP\'s 0.2686 0.2613 0.2758).' },
];

export const JUDGE_KINDS: readonly KindSpec[] = [
  {
    kind: 'clip',
    doc: 'A CLIP-style dual encoder: prompt-image similarity and zero-shot semantic traits (`clip("a creepy photo") > clip("a pleasant photo")`).',
    settings: [
      { key: 'image-model', type: 'file', required: true, doc: 'ONNX image encoder: pixel values in, image embedding out.' },
      { key: 'text-model', type: 'file', required: true, doc: 'ONNX text encoder: token ids in, text embedding out.' },
      { key: 'tokenizer', type: 'file', required: true, doc: 'The model\'s `tokenizer.json`.' },
      ...PREPROCESSING,
    ],
  },
  {
    kind: 'aesthetic',
    doc: 'An aesthetic predictor head (LAION-v2 style MLP) on CLIP image embeddings, scoring 0..10.',
    settings: [
      { key: 'model', type: 'file', required: true, doc: 'ONNX MLP head: CLIP image embedding in, score out.' },
      { key: 'encoder', type: 'judge-ref', judgeKinds: ['clip'], required: true, doc: 'The `clip` judge whose image embeddings the head reads.' },
    ],
  },
  {
    kind: 'reward',
    doc: 'A reward model (HPS, ImageReward, PickScore style): image, and optionally prompt, to one scalar.',
    settings: [
      { key: 'model', type: 'file', required: true, doc: 'ONNX reward model.' },
      { key: 'tokenizer', type: 'file', doc: '`tokenizer.json` for models that also read the prompt.' },
      { key: 'resize', type: 'enum', values: ['shortest', 'stretch'], doc: 'Resize the shortest side then crop (`shortest`, default) or stretch to the square input.' },
      { key: 'crop', type: 'enum', values: ['center', 'none'], doc: 'Centre-crop after resizing (default `center`).' },
      ...PREPROCESSING,
    ],
  },
];

/** `manifest` may replace a judge's settings: a JSON file beside the model holding them. */
export const MANIFEST_KEY: KeySpec = {
  key: 'manifest',
  type: 'file',
  doc: 'A JSON manifest beside the model holding this judge\'s settings (`kind`, model files, preprocessing) instead of writing them here.',
};

export const GENERATOR_KIND_KEY = KIND_KEY('What kind of backend makes the images.', 'generator-kind');
export const JUDGE_KIND_KEY = KIND_KEY('What kind of model this judge runs.', 'judge-kind');

/** Judge-score functions usable as expectation measures. */
export const MEASURE_FUNCTIONS: Readonly<Record<string, { readonly judgeKind: string; readonly doc: string; readonly min?: number; readonly max?: number }>> = {
  clip: {
    judgeKind: 'clip',
    doc: '`clip("text")` or `clip(JUDGE, "text")`: cosine similarity of the image and the text under a `clip` judge, -1..1.',
    min: -1,
    max: 1,
  },
  aesthetic: { judgeKind: 'aesthetic', doc: '`aesthetic(JUDGE)`: the aesthetic head\'s score, 0..10.', min: 0, max: 10 },
  reward: { judgeKind: 'reward', doc: '`reward(JUDGE)`: the reward model\'s scalar, on its own scale.' },
};

/** Setting names that would hold a secret; specs are checked in, so they are refused. */
export const SECRET_KEYS = ['api-key', 'apikey', 'key', 'token', 'secret', 'password', 'api_key'];

/** Whether a setting name would hold a secret, in any case (`API-KEY`, `Token`). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.includes(key.toLowerCase());
}

/** The variable an `openai` generator reads its key from when the spec names none with `api-key-env`. */
export const DEFAULT_KEY_ENV = 'OPENAI_API_KEY';

export function generatorKind(kind: string): KindSpec | undefined {
  return GENERATOR_KINDS.find((k) => k.kind === kind);
}

export function judgeKind(kind: string): KindSpec | undefined {
  return JUDGE_KINDS.find((k) => k.kind === kind);
}
