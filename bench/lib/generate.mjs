// Deterministic generator of one big benchmark spec, rendered twice from the same data:
//   - as a `.wabi` file (docs/spec-language.md), and
//   - as an equivalent YAML document plus a draft-07 JSON Schema that makes yaml-language-server do the same
//     checks (trait/tag/kind enums, threshold ranges, size/seed/pass patterns, name references, baseline needs).
// It also records, for both renderings, the positions used for one-character edits and for completion.

/** mulberry32: small, fast, seedable PRNG. */
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = (arr) => arr[Math.floor(next() * arr.length)];
  const chance = (p) => next() < p;
  return { next, int, pick, chance };
}

// ---------------------------------------------------------------------------------------------------------------
// Vocabulary. Each theme is one anti-aesthetic intent: the tag it belongs to, the traits that should rise, prompt
// phrasing, and a clip text describing the intended look.

const THEMES = [
  { key: 'grainy', tag: 'clarity_and_focus.film_artifacts', traits: ['grain'], phrase: 'Heavy film grain fills the frame and makes it hard to resolve', clip: 'a grainy, noisy analog photo' },
  { key: 'smeared', tag: 'clarity_and_focus.intentional_blur', traits: ['motion-blur', 'blur'], phrase: 'Everything is smeared by heavy intentional motion blur, nothing is in focus', clip: 'a photo smeared by motion blur' },
  { key: 'soft', tag: 'clarity_and_focus.intentional_blur', traits: ['blur'], phrase: 'The lens is badly out of focus and every edge dissolves into soft haze', clip: 'an out of focus, blurry photo' },
  { key: 'blocky', tag: 'clarity_and_focus.digital_artifacts', traits: ['jpeg-artifacts'], phrase: 'It has been saved as a low quality JPEG many times over, with blocky compression artifacts', clip: 'a heavily compressed jpeg with blocky artifacts' },
  { key: 'pixelated', tag: 'clarity_and_focus.digital_artifacts', traits: ['pixelation'], phrase: 'It is rendered in huge visible square pixels, like an enlarged thumbnail', clip: 'a pixelated low resolution image' },
  { key: 'vhs', tag: 'clarity_and_focus.analog_degradation', traits: ['grain', 'chromatic-aberration'], phrase: 'It looks like a worn VHS tape frame with tracking noise and colour bleeding', clip: 'a degraded vhs video still' },
  { key: 'blown', tag: 'lighting_and_exposure.exposure_extremes', traits: ['overexposure'], phrase: 'The exposure is blown out, the highlights are pure white and the sky has no detail', clip: 'a badly overexposed photo' },
  { key: 'dark', tag: 'lighting_and_exposure.exposure_extremes', traits: ['underexposure'], phrase: 'It is badly underexposed, the shadows are crushed to black and faces are barely visible', clip: 'a dark, underexposed photo' },
  { key: 'flash', tag: 'lighting_and_exposure.harsh_or_insufficient_flash', traits: ['overexposure'], phrase: 'A harsh on-camera flash flattens everything and throws hard shadows on the wall', clip: 'a harsh direct flash snapshot' },
  { key: 'leaky', tag: 'lighting_and_exposure.light_leak', traits: ['overexposure', 'vignette'], phrase: 'Orange light leaks burn across one side of the frame and the corners fall into darkness', clip: 'a film photo with light leaks' },
  { key: 'murky', tag: 'lighting_and_exposure.low_contrast_oppressive', traits: ['low-contrast'], phrase: 'The light is murky and oppressive, with flat grey tones and no real blacks or whites', clip: 'a murky low contrast photo' },
  { key: 'faded', tag: 'color_and_tone.muted_faded', traits: ['desaturation', 'low-contrast'], phrase: 'The colours are faded and washed out like an old print left in the sun', clip: 'a faded, washed out photo' },
  { key: 'garish', tag: 'color_and_tone.clashing_disharmony', traits: ['oversaturation', 'posterization'], phrase: 'Toxic neon colours clash everywhere, acid green against hot magenta, with harsh banding', clip: 'garish clashing neon colours' },
  { key: 'sickly', tag: 'color_and_tone.sickly_cast', traits: ['color-cast'], phrase: 'A sickly green fluorescent cast tints every surface and every face', clip: 'a photo with a sickly green colour cast' },
  { key: 'fringed', tag: 'color_and_tone.chromatic_aberration', traits: ['chromatic-aberration'], phrase: 'Cheap optics leave red and blue colour fringes along every edge', clip: 'strong chromatic aberration fringes' },
  { key: 'tilted', tag: 'composition_and_structure.unconventional_framing', traits: ['tilt'], phrase: 'The camera is tilted hard to one side and the subject is pushed into a corner', clip: 'a crooked, tilted snapshot' },
  { key: 'cluttered', tag: 'composition_and_structure.obstructed_cropping', traits: ['clutter'], phrase: 'The subject is half hidden behind clutter and cut off by the edge of the frame', clip: 'a cluttered, badly cropped photo' },
  { key: 'careless', tag: 'composition_and_structure.amateur_snapshot_energy', traits: ['tilt', 'clutter'], phrase: 'It is a careless phone snapshot, taken without looking, with a thumb in the corner', clip: 'a careless amateur phone snapshot' },
  { key: 'rotting', tag: 'emotion_and_subject.decay_and_degradation', traits: ['desaturation'], phrase: 'Everything is rotting, rusted and peeling, stained with damp and mould', clip: 'rot, rust and decay' },
  { key: 'sketchy', tag: 'emotion_and_subject.unfinished_raw', traits: ['low-contrast'], phrase: 'It is a raw unfinished sketch with smudged lines and half erased shapes', clip: 'a rough unfinished sketch' },
];

const SUBJECTS = [
  ['A cow stands in a muddy field', 'a cow in a field', 'cow'],
  ['A street at night with parked cars and shop signs', 'a street at night', 'street'],
  ['An old man sits at a kitchen table', 'portrait of an old man at a table', 'old man'],
  ['A bowl of fruit on a wooden counter', 'a bowl of fruit', 'fruit bowl'],
  ['An empty supermarket parking lot', 'a supermarket parking lot', 'parking lot'],
  ['A bus stop in the rain', 'a bus stop in the rain', 'bus stop'],
  ['A wedding couple cutting the cake', 'a wedding couple cutting the cake', 'wedding'],
  ['A crowded beach in August', 'a crowded beach', 'beach'],
  ['An office desk covered in paperwork', 'an office desk', 'desk'],
  ['A birthday cake with candles', 'a birthday cake', 'cake'],
  ['A forest path in autumn', 'a forest path in autumn', 'forest path'],
  ['The inside of a late night subway car', 'a subway car', 'subway'],
  ['A dog asleep on a sofa', 'a dog on a sofa', 'dog'],
  ['A child on a swing in a playground', 'a child on a swing', 'swing'],
  ['A plate of spaghetti in a diner', 'a plate of spaghetti', 'spaghetti'],
  ['A lighthouse on a rocky coast', 'a lighthouse on a coast', 'lighthouse'],
  ['A high school gym during a dance', 'a school dance', 'school dance'],
  ['A row of washing machines in a laundromat', 'a laundromat', 'laundromat'],
  ['A mountain lake at dawn', 'a mountain lake at dawn', 'lake'],
  ['A cat on a windowsill', 'a cat on a windowsill', 'cat'],
  ['A petrol station off a highway', 'a petrol station', 'petrol station'],
  ['A family dinner around a table', 'a family dinner', 'dinner'],
  ['A bicycle leaning against a brick wall', 'a bicycle against a wall', 'bicycle'],
  ['A hospital corridor', 'a hospital corridor', 'corridor'],
  ['A city skyline from a rooftop', 'a city skyline', 'skyline'],
];

const NEGATIVES = [
  'sharp, clean, professional photo, perfect lighting',
  'crisp focus, studio lighting, vibrant colours',
  'beautiful, polished, award winning, high detail',
  'well exposed, balanced composition, high quality',
  'smooth, noise free, 8k, masterpiece',
];

const CLEAN_CLIP = ['a clean, sharp professional photo', 'a polished, beautiful photo', 'a well lit studio photo'];

const BAD_TRAITS = ['grainyness', 'blurr', 'sharpness', 'noise', 'contrast', 'saturation'];
const BAD_THRESHOLDS = ['1.5', '1.2', '2', '-0.3'];

// ---------------------------------------------------------------------------------------------------------------
// Shared definitions (the top of the file).

const GENERATORS = [
  { name: 'sdxl', settings: [['kind', 'a1111'], ['url', 'http://127.0.0.1:7860'], ['model', 'sd_xl_base_1.0'], ['sampler', 'DPM++ 2M Karras'], ['timeout', '90s'], ['retries', 2], ['concurrency', 2]] },
  { name: 'flux-dev', settings: [['kind', 'command'], ['run', 'python gen.py --prompt {prompt} --seed {seed} --width {width} --height {height} --out {out}'], ['timeout', '2m'], ['retries', 1]] },
  { name: 'gpt-image', settings: [['kind', 'openai'], ['model', 'gpt-image-1'], ['api-key-env', 'OPENAI_API_KEY'], ['quality', 'high'], ['timeout', '120s'], ['concurrency', 4]] },
  { name: 'degraded', settings: [['kind', 'degrade'], ['input', 'inputs/street.png'], ['strength', 0.8]] },
];

const JUDGES = [
  { name: 'clip_l', kind: 'clip', settings: [['kind', 'clip'], ['image-model', 'models/clip-l/image.onnx'], ['text-model', 'models/clip-l/text.onnx'], ['tokenizer', 'models/clip-l/tokenizer.json'], ['size', 224], ['mean', [0.4815, 0.4578, 0.4082]], ['std', [0.2686, 0.2613, 0.2758]]] },
  { name: 'laion', kind: 'aesthetic', settings: [['kind', 'aesthetic'], ['model', 'models/laion-aesthetic-v2.onnx'], ['encoder', 'clip_l']] },
  { name: 'hpsv3', kind: 'reward', settings: [['kind', 'reward'], ['model', 'models/hpsv3.onnx'], ['tokenizer', 'models/clip-l/tokenizer.json'], ['size', 448], ['resize', 'shortest'], ['crop', 'center']] },
];

/** Files the definitions reference; the benchmark creates them so "file must exist" checks pass. */
export const REFERENCED_FILES = [
  'inputs/street.png',
  'models/clip-l/image.onnx',
  'models/clip-l/text.onnx',
  'models/clip-l/tokenizer.json',
  'models/laion-aesthetic-v2.onnx',
  'models/hpsv3.onnx',
];

const DEFAULTS = [['generator', 'sdxl'], ['seeds', '1..4'], ['size', '1024x1024'], ['pass', '3/4'], ['steps', 30], ['guidance', 7]];

const OVERRIDES = [
  ['seeds', '1..8'],
  ['seeds', '1, 2, 7..9'],
  ['size', '768x512'],
  ['size', '512x768'],
  ['generator', 'flux-dev'],
  ['generator', 'gpt-image'],
  ['pass', '75%'],
  ['pass', 'all'],
  ['steps', 40],
  ['guidance', 4.5],
  ['aesthetic', 'hpsv3'],
];

// ---------------------------------------------------------------------------------------------------------------
// The data model.

function fmtThreshold(r, lo, hi) {
  // one or two decimals, always "0.x" or "0.xy" so a one-digit edit of the last digit stays in 0..1
  const v = lo + r.next() * (hi - lo);
  return r.chance(0.6) ? v.toFixed(1) : v.toFixed(2);
}

function makeTests(count, r, errorPlan) {
  const tests = [];
  for (let i = 0; i < count; i++) {
    const theme = r.pick(THEMES);
    const second = r.chance(0.3) ? r.pick(THEMES.filter((t) => t !== theme)) : undefined;
    const [subjectSentence, plain, short] = r.pick(SUBJECTS);
    const id = String(i + 1).padStart(5, '0');
    const tags = [theme.tag];
    if (second && second.tag !== theme.tag) {
      const [cat] = second.tag.split('.');
      tags.push(cat === theme.tag.split('.')[0] || r.chance(0.5) ? second.tag : cat);
    }
    const prompt = `${subjectSentence}. ${theme.phrase}${second ? ', and ' + second.phrase.charAt(0).toLowerCase() + second.phrase.slice(1) : ''}.`;
    const test = {
      name: `t${id} ${theme.key} ${short}`,
      tags,
      prompt,
      negative: r.chance(0.5) ? r.pick(NEGATIVES) : undefined,
      baseline: r.chance(0.7) ? plain : undefined,
      overrides: r.chance(0.35) ? [r.pick(OVERRIDES)] : [],
      expects: [],
      primary: 0, // index of the trait >= number expectation (edit and completion target)
      error: undefined,
    };
    const main = theme.traits[0];
    const nExpect = r.int(2, 5);
    const ex = test.expects;
    ex.push({ measure: { type: 'trait', name: main }, op: r.pick(['>=', '>']), comparand: { type: 'number', value: fmtThreshold(r, 0.35, 0.8) } });
    const optional = [];
    if (test.baseline) {
      optional.push(() => ({ measure: { type: 'trait', name: main }, op: '>', comparand: { type: 'relative', ref: 'baseline', sign: '+', margin: r.pick(['0.2', '0.3', '0.25', '0.15']) } }));
      optional.push(() => ({ measure: { type: 'trait', name: 'polish' }, op: '<', comparand: r.chance(0.5) ? { type: 'relative', ref: 'baseline' } : { type: 'relative', ref: 'baseline', sign: '-', margin: r.pick(['0.05', '0.1']) } }));
      optional.push(() => ({ measure: { type: 'aesthetic', judge: 'laion' }, op: '<', comparand: { type: 'relative', ref: 'baseline' } }));
      optional.push(() => ({ measure: { type: 'reward', judge: 'hpsv3' }, op: '<', comparand: { type: 'relative', ref: 'baseline' } }));
    }
    if (theme.traits[1]) optional.push(() => ({ measure: { type: 'trait', name: theme.traits[1] }, op: '>=', comparand: { type: 'number', value: fmtThreshold(r, 0.3, 0.6) } }));
    optional.push(() => ({ measure: { type: 'trait', name: 'polish' }, op: '<=', comparand: { type: 'number', value: fmtThreshold(r, 0.2, 0.5) } }));
    optional.push(() => ({ measure: { type: 'clip', text: theme.clip }, op: '>', comparand: { type: 'number', value: fmtThreshold(r, 0.18, 0.3) } }));
    optional.push(() => ({ measure: { type: 'clip', judge: 'clip_l', text: theme.clip }, op: '>', comparand: { type: 'measure', measure: { type: 'clip', text: r.pick(CLEAN_CLIP) } } }));
    optional.push(() => ({ measure: { type: 'aesthetic', judge: 'laion' }, op: '<', comparand: { type: 'number', value: (3 + r.next() * 2.5).toFixed(1) } }));
    while (ex.length < nExpect && optional.length > 0) {
      const k = Math.floor(r.next() * optional.length);
      ex.push(optional.splice(k, 1)[0]());
    }
    const plan = errorPlan.get(i);
    if (plan === 'trait') {
      const bad = r.pick(BAD_TRAITS);
      ex.push({ measure: { type: 'trait', name: bad }, op: '>=', comparand: { type: 'number', value: '0.5' } });
      test.error = `unknown trait ${bad}`;
    } else if (plan === 'threshold') {
      const bad = r.pick(BAD_THRESHOLDS);
      ex.push({ measure: { type: 'trait', name: main }, op: '>=', comparand: { type: 'number', value: bad } });
      test.error = `threshold ${bad}`;
    }
    tests.push(test);
  }
  return tests;
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering: Wabi.

const q = (s) => JSON.stringify(s); // the spec's string escapes are a subset of JSON's

function wabiMeasure(m) {
  switch (m.type) {
    case 'trait':
      return m.name;
    case 'clip':
      return m.judge ? `clip(${m.judge}, ${q(m.text)})` : `clip(${q(m.text)})`;
    default:
      return `${m.type}(${m.judge})`;
  }
}

function wabiComparand(c) {
  if (c.type === 'number') return c.value;
  if (c.type === 'relative') return c.sign ? `${c.ref} ${c.sign} ${c.margin}` : c.ref;
  return wabiMeasure(c.measure);
}

function wabiValue(v) {
  return Array.isArray(v) ? v.join(' ') : String(v);
}

/** Renders a block's properties with values aligned in one column, as the formatter does. */
function wabiProps(props) {
  const width = Math.max(...props.map(([k]) => k.length)) + 2;
  return props.map(([k, v]) => '  ' + k.padEnd(width) + v);
}

function renderWabi(tests, meta) {
  const out = [];
  const push = (s) => out.push(s);
  push(`# Generated by bench/lsp-bench.mjs (seed ${meta.seed}): ${tests.length} tests. Do not edit; do not commit.`);
  push('');
  for (const g of GENERATORS) {
    push(`generator ${g.name}`);
    for (const l of wabiProps(g.settings.map(([k, v]) => [k, wabiValue(v)]))) push(l);
    push('');
  }
  for (const j of JUDGES) {
    push(`judge ${j.name}`);
    for (const l of wabiProps(j.settings.map(([k, v]) => [k, wabiValue(v)]))) push(l);
    push('');
  }
  push('defaults');
  for (const l of wabiProps(DEFAULTS.map(([k, v]) => [k, wabiValue(v)]))) push(l);
  push('');
  const positions = [];
  for (const t of tests) {
    push(`test ${q(t.name)}  [${t.tags.join(', ')}]`);
    const props = [['prompt', t.prompt]];
    if (t.negative) props.push(['negative', t.negative]);
    if (t.baseline) props.push(['baseline', t.baseline]);
    for (const [k, v] of t.overrides) props.push([k, wabiValue(v)]);
    const firstExpect = props.length;
    for (const e of t.expects) props.push(['expect', `${wabiMeasure(e.measure)} ${e.op} ${wabiComparand(e.comparand)}`]);
    const lines = wabiProps(props);
    const base = out.length;
    for (const l of lines) push(l);
    push('');
    // positions: the prompt text, the primary threshold, the primary measure
    const promptLine = base;
    const primaryLine = base + firstExpect + t.primary;
    const pl = out[primaryLine];
    const e = t.expects[t.primary];
    positions.push({
      prompt: { line: promptLine, character: out[promptLine].indexOf(t.prompt) },
      threshold: { line: primaryLine, character: pl.length - 1 }, // last digit of the value
      measure: { line: primaryLine, character: pl.lastIndexOf(e.measure.name + ' ' + e.op) },
    });
  }
  return { text: out.join('\n'), lineCount: out.length, positions };
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering: YAML. Expectations are one flow mapping per line, mirroring one `expect` line each.

const YAML_PLAIN_OK = /^[A-Za-z][A-Za-z0-9 _.,'()\-+/]*$/;
const YAML_RESERVED = /^(true|false|yes|no|on|off|null|y|n)$/i;
function yamlScalar(s, inFlow = false) {
  if (typeof s === 'number') return String(s);
  const plainOk = YAML_PLAIN_OK.test(s) && !YAML_RESERVED.test(s) && !/\s$/.test(s) && !(inFlow && /[,[\]{}]/.test(s));
  return plainOk ? s : JSON.stringify(s);
}

function yamlValue(v) {
  if (Array.isArray(v)) return `[${v.join(', ')}]`;
  return yamlScalar(v);
}

function yamlMeasureFields(m) {
  switch (m.type) {
    case 'trait':
      return [`trait: ${m.name}`];
    case 'clip':
      return m.judge ? [`clip: ${q(m.text)}`, `judge: ${m.judge}`] : [`clip: ${q(m.text)}`];
    default:
      return [`${m.type}: ${m.judge}`];
  }
}

function yamlExpect(e) {
  const f = [...yamlMeasureFields(e.measure), `op: "${e.op}"`];
  const c = e.comparand;
  if (c.type === 'number') f.push(`value: ${c.value}`);
  else if (c.type === 'relative') f.push(`${c.ref}: ${c.sign ? (c.sign === '-' ? '-' : '') + c.margin : '0'}`);
  else f.push(`than: {${yamlMeasureFields(c.measure).join(', ')}}`);
  return `{${f.join(', ')}}`;
}

function renderYaml(tests, meta, schemaFileName) {
  const out = [];
  const push = (s) => out.push(s);
  push(`# Generated by bench/lsp-bench.mjs (seed ${meta.seed}): ${tests.length} tests, the same data as the .wabi spec.`);
  push(`# Validated against ${schemaFileName} (associated through the yaml.schemas setting).`);
  push('generators:');
  for (const g of GENERATORS) {
    push(`  ${g.name}:`);
    for (const [k, v] of g.settings) push(`    ${k}: ${yamlValue(v)}`);
  }
  push('judges:');
  for (const j of JUDGES) {
    push(`  ${j.name}:`);
    for (const [k, v] of j.settings) push(`    ${k}: ${yamlValue(v)}`);
  }
  push('defaults:');
  for (const [k, v] of DEFAULTS) push(`  ${k}: ${yamlValue(v)}`);
  push('tests:');
  const positions = [];
  for (const t of tests) {
    push(`  - name: ${yamlScalar(t.name)}`);
    push(`    tags: [${t.tags.join(', ')}]`);
    const promptLine = out.length;
    push(`    prompt: ${yamlScalar(t.prompt)}`);
    if (t.negative) push(`    negative: ${yamlScalar(t.negative)}`);
    if (t.baseline) push(`    baseline: ${yamlScalar(t.baseline)}`);
    for (const [k, v] of t.overrides) push(`    ${k}: ${yamlValue(v)}`);
    push('    expect:');
    const firstExpect = out.length;
    for (const e of t.expects) push(`      - ${yamlExpect(e)}`);
    const primaryLine = firstExpect + t.primary;
    const pl = out[primaryLine];
    const e = t.expects[t.primary];
    positions.push({
      prompt: { line: promptLine, character: out[promptLine].indexOf(t.prompt) },
      threshold: { line: primaryLine, character: pl.indexOf('value: ') + 'value: '.length + e.comparand.value.length - 1 },
      measure: { line: primaryLine, character: pl.indexOf('trait: ') + 'trait: '.length },
    });
  }
  return { text: out.join('\n') + '\n', lineCount: out.length, positions };
}

// ---------------------------------------------------------------------------------------------------------------
// JSON Schema (draft-07) with the checks the Wabi server makes that a schema can express.

function buildSchema({ traits, tags }) {
  const generatorNames = GENERATORS.map((g) => g.name);
  const judgeNames = (kind) => JUDGES.filter((j) => j.kind === kind).map((j) => j.name);
  const name = { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_.-]*$' };
  const url = { type: 'string', pattern: '^https?://\\S+$' };
  const duration = { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m)$' };
  const whole = { type: 'integer', minimum: 0 };
  const path = { type: 'string', minLength: 1 };
  const unit = { type: 'number', minimum: 0, maximum: 1 };
  const triple = { type: 'array', items: { type: 'number' }, minItems: 3, maxItems: 3 };
  const common = { kind: {}, timeout: duration, retries: whole, concurrency: { type: 'integer', minimum: 1 } };
  const kindIs = (k, properties, required = []) => ({
    if: { properties: { kind: { const: k } }, required: ['kind'] },
    then: { properties, required, additionalProperties: false },
  });
  const generator = {
    type: 'object',
    required: ['kind'],
    properties: {
      kind: { enum: ['files', 'degrade', 'comfyui', 'a1111', 'openai', 'command'] },
      'api-key': false,
      key: false,
      token: false,
      secret: false,
    },
    allOf: [
      kindIs('files', { kind: {}, dir: path }),
      kindIs('degrade', { kind: {}, input: path, strength: unit }),
      kindIs('comfyui', { ...common, url, workflow: path }, ['url', 'workflow']),
      kindIs('a1111', { ...common, url, model: { type: 'string' }, sampler: { type: 'string' } }, ['url']),
      kindIs('openai', { ...common, url, model: { type: 'string' }, 'api-key-env': { type: 'string', pattern: '^[A-Z_][A-Z0-9_]*$' }, quality: { type: 'string' } }, ['model']),
      kindIs('command', { ...common, run: { type: 'string', minLength: 1 }, cwd: path }, ['run']),
    ],
  };
  const judge = {
    type: 'object',
    properties: { kind: { enum: ['clip', 'aesthetic', 'reward'] } },
    anyOf: [{ required: ['kind'] }, { required: ['manifest'] }],
    allOf: [
      kindIs('clip', { kind: {}, 'image-model': path, 'text-model': path, tokenizer: path, size: { type: 'integer', minimum: 1 }, mean: triple, std: triple }, ['image-model', 'text-model', 'tokenizer']),
      kindIs('aesthetic', { kind: {}, model: path, encoder: { enum: judgeNames('clip') } }, ['model', 'encoder']),
      kindIs('reward', { kind: {}, model: path, tokenizer: path, size: { type: 'integer', minimum: 1 }, resize: { enum: ['shortest', 'stretch'] }, crop: { enum: ['center', 'none'] }, mean: triple, std: triple }, ['model']),
    ],
  };
  const runSettings = {
    generator: { enum: generatorNames },
    seeds: { type: 'string', pattern: '^\\s*[0-9]+(\\.\\.[0-9]+)?(\\s*,\\s*[0-9]+(\\.\\.[0-9]+)?)*\\s*$' },
    size: { type: 'string', pattern: '^([6-9][0-9]|[1-9][0-9]{2,3})x([6-9][0-9]|[1-9][0-9]{2,3})$' },
    pass: { type: 'string', pattern: '^([0-9]+/[0-9]+|[0-9]+(\\.[0-9]+)?%|all)$' },
    steps: { type: 'integer', minimum: 1, maximum: 1000 },
    guidance: { type: 'number', minimum: 0, maximum: 50 },
    aesthetic: { enum: [...judgeNames('aesthetic'), ...judgeNames('reward')] },
  };
  const measureProps = {
    trait: { enum: traits },
    clip: { type: 'string' },
    judge: { enum: judgeNames('clip') },
    aesthetic: { enum: judgeNames('aesthetic') },
    reward: { enum: judgeNames('reward') },
  };
  const oneMeasure = { oneOf: [{ required: ['trait'] }, { required: ['clip'] }, { required: ['aesthetic'] }, { required: ['reward'] }] };
  const measure = {
    type: 'object',
    properties: measureProps,
    additionalProperties: false,
    allOf: [oneMeasure, { if: { not: { required: ['clip'] } }, then: { not: { required: ['judge'] } } }],
  };
  const expectation = {
    type: 'object',
    required: ['op'],
    additionalProperties: false,
    properties: {
      ...measureProps,
      op: { enum: ['<', '<=', '>', '>='] },
      value: { type: 'number' },
      baseline: { type: 'number' },
      input: { type: 'number' },
      than: { $ref: '#/definitions/measure' },
    },
    allOf: [
      oneMeasure,
      { oneOf: [{ required: ['value'] }, { required: ['baseline'] }, { required: ['input'] }, { required: ['than'] }] },
      { if: { not: { required: ['clip'] } }, then: { not: { required: ['judge'] } } },
      { if: { required: ['trait'] }, then: { properties: { value: { minimum: 0, maximum: 1 } } } },
      { if: { required: ['clip'] }, then: { properties: { value: { minimum: -1, maximum: 1 } } } },
      { if: { required: ['aesthetic'] }, then: { properties: { value: { minimum: 0, maximum: 10 } } } },
    ],
  };
  const test = {
    type: 'object',
    required: ['name'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', minLength: 1 },
      tags: { type: 'array', items: { enum: tags }, uniqueItems: true },
      prompt: { type: 'string', minLength: 1 },
      negative: { type: 'string' },
      baseline: { type: 'string', minLength: 1 },
      input: path,
      strength: unit,
      images: { type: 'string', minLength: 1 },
      ...runSettings,
      expect: { type: 'array', items: { $ref: '#/definitions/expectation' } },
    },
    allOf: [
      { anyOf: [{ required: ['prompt'] }, { required: ['images'] }] },
      // `baseline` comparands need a baseline prompt, `input` comparands an input image
      { if: { properties: { expect: { contains: { required: ['baseline'] } } }, required: ['expect'] }, then: { required: ['baseline'] } },
      { if: { properties: { expect: { contains: { required: ['input'] } } }, required: ['expect'] }, then: { required: ['input'] } },
    ],
  };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://wabi.invalid/bench/wabi-spec.schema.json',
    title: 'Wabi spec (YAML rendering, benchmark only)',
    type: 'object',
    additionalProperties: false,
    properties: {
      generators: { type: 'object', propertyNames: name, additionalProperties: { $ref: '#/definitions/generator' } },
      judges: { type: 'object', propertyNames: name, additionalProperties: { $ref: '#/definitions/judge' } },
      defaults: { type: 'object', additionalProperties: false, properties: runSettings },
      tests: { type: 'array', items: { $ref: '#/definitions/test' } },
    },
    definitions: { generator, judge, measure, expectation, test },
  };
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * Generates both renderings. `errors` tests (spread evenly) get one deliberate error each, alternating an unknown
 * trait and an out-of-range threshold, identically in both renderings.
 */
export function generate({ tests: count, seed, errors, catalogue, schemaFileName }) {
  const r = prng(seed);
  const errorPlan = new Map();
  for (let k = 0; k < errors; k++) {
    const i = Math.floor(((k + 0.5) * count) / errors);
    errorPlan.set(i, k % 2 === 0 ? 'trait' : 'threshold');
  }
  const tests = makeTests(count, r, errorPlan);
  const meta = { seed };
  const wabi = renderWabi(tests, meta);
  const yaml = renderYaml(tests, meta, schemaFileName);
  const schema = buildSchema(catalogue);

  // Edit targets: alternately a threshold's last digit and a letter of a prompt, in tests spread over the file.
  const re = prng(seed ^ 0x5eed);
  const cleanIdx = tests.map((t, i) => (t.error ? -1 : i)).filter((i) => i >= 0);
  const spread = (n) => Array.from({ length: n }, (_, k) => cleanIdx[Math.min(cleanIdx.length - 1, Math.floor(((k + re.next()) * cleanIdx.length) / n))]);
  const editTargets = (n) =>
    spread(n).map((i, k) => {
      const t = tests[i];
      if (k % 2 === 0) {
        const v = t.expects[t.primary].comparand.value;
        const last = Number(v[v.length - 1]);
        // 1..9 and never the current digit: the value stays in 0..1 and never becomes 0.0 (which Wabi rightly
        // flags as an expectation that always holds; the schema has no such check)
        const choices = [1, 2, 3, 4, 5, 6, 7, 8, 9].filter((d) => d !== last);
        const digit = String(choices[re.int(0, choices.length - 1)]);
        return { kind: 'threshold digit', test: t.name, newText: digit, wabi: wabi.positions[i].threshold, yaml: yaml.positions[i].threshold };
      }
      // a lowercase letter inside the prompt (never the first character)
      const letters = [];
      for (let c = 1; c < t.prompt.length; c++) if (/[a-z]/.test(t.prompt[c])) letters.push(c);
      const at = letters[re.int(0, letters.length - 1)];
      let ch;
      do ch = String.fromCharCode(97 + re.int(0, 25));
      while (ch === t.prompt[at]);
      const shift = (p) => ({ line: p.line, character: p.character + at });
      return { kind: 'prompt letter', test: t.name, newText: ch, wabi: shift(wabi.positions[i].prompt), yaml: shift(yaml.positions[i].prompt) };
    });
  const completionTargets = (n) =>
    spread(n).map((i) => ({ test: tests[i].name, wabi: wabi.positions[i].measure, yaml: yaml.positions[i].measure }));

  return {
    tests,
    wabi,
    yaml,
    schema,
    editTargets,
    completionTargets,
    injectedErrors: tests.filter((t) => t.error).map((t) => ({ test: t.name, error: t.error })),
  };
}
