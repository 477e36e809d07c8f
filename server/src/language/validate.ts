// Semantic checks of one parsed file against the catalogue and schema: unknown traits, keys and names (with
// did-you-mean), values out of range, missing prompts, baselines and files. Also records every generator and
// judge reference so navigation and rename can find them.
import * as path from 'node:path';
import {
  AUDIT_KEYS,
  BUILTIN_JUDGE,
  DEFAULTS_KEYS,
  GENERATOR_KIND_KEY,
  GENERATOR_KINDS,
  JUDGE_KIND_KEY,
  JUDGE_KINDS,
  MANIFEST_KEY,
  DEFAULT_KEY_ENV,
  MEASURE_FUNCTIONS,
  TEST_KEYS,
  fileEntry,
  generatorKind,
  isSecretKey,
  judgeKind,
  type KeySpec,
  type KindSpec,
} from '../catalogue/schema';
import { isTaxonomyTag, TAXONOMY_TAGS } from '../catalogue/taxonomy';
import { isTraitName, TRAIT_NAMES } from '../catalogue/traits';
import { MAX_SEED, MAX_SEEDS, typedValue } from '../catalogue/values';
import { glob, globRoot, isGlobPattern } from '../files/glob';
import type { AuditBlock, Block, Diagnostic, Expectation, Measure, Property, Range, Severity, SpecFile, TestBlock, Token } from './ast';
import { lastSetting } from './ast';
import type { EntryKind, SpecHost } from '../files/host';
import type { Definition, DefinitionKind, Reference } from './analysis';
import { closest } from '../catalogue/suggest';
import { ENDPOINT_CONCURRENCY, endpointKey, readEndpoint, type Span } from '../catalogue/endpoints';

export interface ValidationContext {
  readonly file: SpecFile;
  readonly path: string;
  readonly dir: string;
  readonly visible: ReadonlyMap<string, Definition>;
  readonly host: SpecHost;
  readonly stat: (file: string) => EntryKind | undefined;
  readonly checkFiles: boolean;
}


/** Results of checking single blocks, valid while the context they were checked in (visible definitions,
 *  the defaults block, file checks) stays the same. Blocks are reused objects across incremental parses, so
 *  an unchanged block is found by identity. */
export class BlockCheckCache {
  private context = '';
  private results = new WeakMap<Block, BlockResult>();

  /** Starts a pass in `context`; a different context drops every stored result. */
  begin(context: string): void {
    if (context !== this.context) {
      this.context = context;
      this.results = new WeakMap();
    }
  }

  get(b: Block): BlockResult | undefined {
    return this.results.get(b);
  }

  set(b: Block, r: BlockResult): void {
    this.results.set(b, r);
  }
}

interface BlockResult {
  readonly diagnostics: readonly Diagnostic[];
  readonly references: readonly Reference[];
}

export function validate(ctx: ValidationContext, cache = new BlockCheckCache()): { diagnostics: Diagnostic[]; references: Reference[] } {
  return new Validator(ctx, cache).run();
}

/** Identifies a block object across analyses, for the cache's context key. */
const blockIds = new WeakMap<Block, number>();
let nextBlockId = 1;
function blockId(b: Block | undefined): number {
  if (!b) return 0;
  let id = blockIds.get(b);
  if (id === undefined) {
    id = nextBlockId++;
    blockIds.set(b, id);
  }
  return id;
}

class Validator {
  private diagnostics: Diagnostic[] = [];
  private references: Reference[] = [];
  private defaults: Block | undefined;
  private readonly resolved = new Map<string, string>();
  /** Where the test being checked matches its `images` glob: its `files` generator's `dir`, else the spec's folder. */
  private imagesDir: string | undefined;

  constructor(
    private readonly ctx: ValidationContext,
    private readonly cache: BlockCheckCache,
  ) {}

  run() {
    const all: Diagnostic[] = [];
    const refs: Reference[] = [];
    const testNames = new Map<string, Token>();
    const auditNames = new Map<string, Token>();
    const blocks = this.ctx.file.blocks;
    this.defaults = blocks.find((b) => b.kind === 'defaults');
    // A definition's block object changes whenever its text or place does: checks of other blocks read its name
    // range and settings (a degrade generator's input), and their cached references hold the definition.
    const defs = [...this.ctx.visible.values()].map((d) => `${d.name}:${d.kind}:${d.type}:${d.path}:${blockId(d.block)}`).join('|');
    this.cache.begin(`${this.ctx.checkFiles}|${blockId(this.defaults)}|${defs}`);
    for (const b of blocks) {
      // Checks across blocks are cheap and always redone.
      if (b.kind === 'defaults' && b !== this.defaults) {
        all.push({ range: b.keyword.range, severity: 'error', message: `A file has one defaults block; the first is on line ${this.defaults!.keyword.range.start.line + 1}.`, code: 'duplicate-defaults' });
      }
      if (b.kind === 'test' && b.name) {
        const prev = testNames.get(b.name.text);
        if (prev) all.push({ range: b.name.range, severity: 'error', message: `Another test is named '${b.name.text}' (line ${prev.range.start.line + 1}).`, code: 'duplicate-test' });
        else testNames.set(b.name.text, b.name);
      }
      if (b.kind === 'audit' && b.name) {
        const prev = auditNames.get(b.name.text);
        if (prev) all.push({ range: b.name.range, severity: 'error', message: `Another audit is named '${b.name.text}' (line ${prev.range.start.line + 1}).`, code: 'duplicate-audit' });
        else auditNames.set(b.name.text, b.name);
      }
      let result = this.cache.get(b);
      if (!result) {
        this.diagnostics = [];
        this.references = [];
        this.block(b);
        result = { diagnostics: this.diagnostics, references: this.references };
        this.cache.set(b, result);
      }
      for (const d of result.diagnostics) all.push(d);
      for (const r of result.references) refs.push(r);
    }
    return { diagnostics: all, references: refs };
  }

  private block(b: Block): void {
    switch (b.kind) {
      case 'generator':
        this.definition(b, GENERATOR_KIND_KEY, GENERATOR_KINDS, generatorKind, 'generator');
        break;
      case 'judge':
        this.definition(b, JUDGE_KIND_KEY, JUDGE_KINDS, judgeKind, 'judge');
        break;
      case 'defaults':
        this.properties(b.properties, DEFAULTS_KEYS);
        break;
      case 'test':
        this.test(b);
        break;
      case 'audit':
        this.audit(b);
        break;
    }
  }

  private report(range: Range, severity: Severity, message: string, code: string, extra: Partial<Diagnostic> = {}): void {
    this.diagnostics.push({ range, severity, message, code, ...extra });
  }

  // ---- generator and judge definitions ---------------------------------------------------------------------

  private definition(
    b: Extract<Block, { kind: 'generator' | 'judge' }>,
    kindKey: KeySpec,
    kinds: readonly KindSpec[],
    lookup: (k: string) => KindSpec | undefined,
    what: DefinitionKind,
  ): void {
    if (what === 'judge' && b.name?.text === BUILTIN_JUDGE) {
      this.report(
        b.name.range,
        'error',
        `'${BUILTIN_JUDGE}' is the name of the built-in intent judge, which audits use without a declaration: give this judge another name.`,
        'reserved-judge-name',
      );
    }
    const kindProp = lastSetting(b, 'kind') ?? b.properties.find((p) => p.key.text === 'kind');
    let spec: KindSpec | undefined;
    if (!kindProp) {
      this.report(b.headerRange, 'error', `${what} '${b.name?.text ?? ''}' has no kind: add \`kind\` (${kinds.map((k) => k.kind).join(', ')}).`, 'missing-kind');
    } else if (kindProp.value.type === 'word') {
      spec = lookup(kindProp.value.text);
      if (!spec) {
        const s = closest(kindProp.value.text, kinds.map((k) => k.kind));
        this.report(
          kindProp.value.range,
          'error',
          `Unknown ${what} kind '${kindProp.value.text}'. Expected ${kinds.map((k) => k.kind).join(', ')}.` + (s ? ` Did you mean '${s}'?` : ''),
          `unknown-${what}-kind`,
          s ? { suggestions: [s] } : {},
        );
      }
    }
    if (!spec) {
      // Without a known kind, only check what needs no kind: secrets and values' own shapes.
      for (let i = 0; i < b.properties.length; i++) if (b.properties[i].key.text !== 'kind') i += Math.max(0, this.secret(b.properties, i));
      if (kindProp?.value.type === 'missing') this.report(kindProp.key.range, 'error', "'kind' needs a value.", 'missing-value');
      return;
    }
    const keys = what === 'judge' ? [kindKey, MANIFEST_KEY, ...spec.settings] : [kindKey, ...spec.settings];
    this.properties(b.properties, keys, `${spec.kind} ${what}`);
    const hasManifest = b.properties.some((p) => p.key.text === 'manifest');
    if (!hasManifest) {
      const missing = spec.settings.filter((k) => k.required && !b.properties.some((p) => p.key.text === k.key)).map((k) => k.key);
      if (missing.length > 0) {
        this.report(b.headerRange, 'error', `${spec.kind} ${what} '${b.name?.text ?? ''}' needs ${missing.map((m) => `\`${m}\``).join(', ')}.`, 'missing-setting', {
          data: { missing },
        });
      }
    }
    if (b.kind === 'generator') this.poolEndpoints(b);
    if (spec.kind === 'command') {
      const run = b.properties.find((p) => p.key.text === 'run');
      if (run && run.value.type === 'text' && !run.value.text.includes('{out}')) {
        this.report(run.value.range, 'warning', 'The command gets no {out}: Wabi cannot know where it wrote the image.', 'command-no-out');
      }
    }
  }

  /** Reports props[i] when its key would hold a secret, and returns how many of the properties after it are its
   *  value's lines (a `|` or empty value followed by deeper-indented lines); -1 when it is no secret. */
  private secret(props: readonly Property[], i: number): number {
    const p = props[i];
    if (!isSecretKey(p.key.text)) return -1;
    const more = secretContinuation(props, i);
    this.report(
      { start: p.range.start, end: props[i + more].range.end },
      'error',
      `Never put secrets in a spec: use \`api-key-env NAME\` and keep the key in that environment variable or the editor's secret storage.`,
      'secret-in-spec',
    );
    return more;
  }

  // ---- properties -----------------------------------------------------------------------------------------

  private properties(props: readonly Property[], keys: readonly KeySpec[], where?: string): void {
    const seen = new Map<string, Property>();
    const byKey = keyIndex(keys);
    for (let i = 0; i < props.length; i++) {
      const p = props[i];
      const spec = byKey.get(p.key.text);
      if (!spec) {
        const more = this.secret(props, i);
        if (more >= 0) {
          i += more;
          continue;
        }
        const s = closest(p.key.text, keys.map((k) => k.key));
        this.report(
          p.key.range,
          'error',
          `Unknown setting '${p.key.text}'${where ? ` for a ${where}` : ''}.` + (s ? ` Did you mean '${s}'?` : ` Expected one of: ${keys.map((k) => k.key).join(', ')}.`),
          'unknown-key',
          s ? { suggestions: [s] } : {},
        );
        continue;
      }
      if (!spec.repeatable) {
        const prev = seen.get(p.key.text);
        if (prev) this.report(p.key.range, 'warning', `'${p.key.text}' is already set on line ${prev.key.range.start.line + 1}; this one wins.`, 'duplicate-key');
        seen.set(p.key.text, p);
      }
      this.value(p, spec);
    }
  }

  private value(p: Property, spec: KeySpec): void {
    const v = p.value;
    if (v.type === 'missing') {
      this.report(p.key.range, 'error', `'${p.key.text}' needs a value.`, 'missing-value');
      return;
    }
    switch (spec.type) {
      case 'integer':
      case 'number':
      case 'unit':
      case 'accuracy':
      case 'duration': {
        if (v.type !== 'word') return;
        const typed = typedValue(spec, v.text);
        if (!typed.ok) this.report(v.range, 'error', typed.problem, typed.code);
        return;
      }
      case 'url':
        if (v.type === 'word') this.endpoint(v);
        return;
      case 'env':
        if (v.type === 'word' && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.text)) {
          const key = /^sk-|^[A-Za-z0-9_-]{30,}$/.test(v.text);
          this.report(
            v.range,
            'error',
            `'${v.text}' is not an environment variable name${key ? ' (it looks like a key itself: never put keys in a spec)' : ''}.`,
            'bad-env',
            key ? { suggestions: [DEFAULT_KEY_ENV] } : {},
          );
        }
        return;
      case 'enum':
        if (v.type === 'word' && spec.values && !spec.values.includes(v.text)) {
          const s = closest(v.text, spec.values);
          this.report(v.range, 'error', `'${v.text}' is not a valid ${p.key.text}: expected ${spec.values.join(', ')}.`, 'bad-enum', s ? { suggestions: [s] } : {});
        }
        return;
      case 'file':
        if (v.type === 'word') this.file(v.text, v.range, fileEntry(spec));
        return;
      case 'glob':
        if (v.type === 'word') this.images(v.text, v.range);
        return;
      case 'generator-ref':
        if (v.type === 'word') this.reference({ text: v.text, range: v.range }, 'generator');
        return;
      case 'judge-ref':
        if (v.type === 'word') this.reference({ text: v.text, range: v.range }, 'judge', spec.judgeKinds);
        return;
      case 'generator-list':
        if (v.type === 'names') this.compared(v);
        return;
      case 'audit-judge':
        if (v.type === 'word' && v.text !== BUILTIN_JUDGE) this.reference({ text: v.text, range: v.range }, 'judge', undefined, [BUILTIN_JUDGE]);
        return;
      case 'seeds':
        if (v.type === 'seeds') this.seeds(v);
        return;
      case 'size':
        if (v.type === 'size') {
          for (const n of [v.width, v.height]) {
            if (n.value < 64 || n.value > 8192) this.report(n.range, 'error', `Image sides must be 64..8192 pixels; got ${n.text}.`, 'bad-size');
            else if (n.value % 8 !== 0) this.report(n.range, 'warning', `${n.text} is not a multiple of 8; most diffusion models round it.`, 'size-not-multiple-of-8');
          }
        }
        return;
      case 'pass':
        if (v.type === 'pass') {
          if (!Number.isFinite(v.ratio)) this.report(v.range, 'error', 'A pass rate cannot divide by zero.', 'bad-pass');
          else if (v.ratio > 1) this.report(v.range, 'error', `A pass rate cannot exceed all seeds; got ${v.text}.`, 'bad-pass');
          else if (v.ratio <= 0) this.report(v.range, 'error', `A pass rate of ${v.text} lets every test pass.`, 'bad-pass');
        }
        return;
      case 'numbers':
        if (v.type === 'numbers') {
          if (v.values.length !== 3) this.report(v.range, 'error', `'${p.key.text}' takes three numbers, one per RGB channel; got ${v.values.length}.`, 'bad-number');
          if (p.key.text === 'std') for (const n of v.values) if (n.value <= 0) this.report(n.range, 'error', 'A standard deviation must be positive.', 'out-of-range');
        }
        return;
      case 'generator-kind':
      case 'judge-kind':
      case 'text':
      case 'expect':
      case 'string':
        return;
    }
  }

  /** A `url` line: a URL, then optionally `concurrency N`; the error marks the part that is wrong. */
  private endpoint(v: Extract<Property['value'], { type: 'word' }>): void {
    const r = readEndpoint(v.text);
    if (r.ok) return;
    this.report(v.quoted ? v.range : within(v.range, r.span), 'error', r.problem, r.code);
  }

  /** The `url` lines of a generator: the same server twice would count its capacity twice. */
  private poolEndpoints(b: Extract<Block, { kind: 'generator' }>): void {
    const seen = new Map<string, Property>();
    for (const p of b.properties) {
      if (p.key.text !== 'url' || p.value.type !== 'word') continue;
      const r = readEndpoint(p.value.text);
      if (!r.ok) continue;
      const key = endpointKey(r.endpoint.url);
      const prev = seen.get(key);
      if (!prev) {
        seen.set(key, p);
        continue;
      }
      const at = p.value.quoted ? p.value.range : within(p.value.range, r.urlSpan);
      const message = `This server is already an endpoint of '${b.name?.text ?? ''}' (line ${prev.key.range.start.line + 1}); give it one line, with \`${ENDPOINT_CONCURRENCY} N\` for more images at once.`;
      this.report(at, 'warning', message, 'duplicate-endpoint');
    }
  }

  /** A `compare` list: each name a generator that makes images, each once. */
  private compared(v: Extract<Property['value'], { type: 'names' }>): void {
    if (v.items.length === 0) {
      this.report(v.range, 'error', 'Expected at least one generator name.', 'missing-value');
      return;
    }
    const seen = new Set<string>();
    for (const item of v.items) {
      const def = this.reference(item, 'generator');
      if (seen.has(item.text)) this.report(item.range, 'warning', `'${item.text}' is listed twice; its tests run once.`, 'duplicate-generator');
      seen.add(item.text);
      if (def?.type === 'files') {
        this.report(item.range, 'error', `'${item.text}' is a files generator: it scores existing images and makes none, so there is nothing to compare.`, 'files-compared');
      }
    }
  }

  private seeds(v: Extract<Property['value'], { type: 'seeds' }>): void {
    if (v.items.length === 0) {
      this.report(v.range, 'error', 'Expected at least one seed.', 'bad-seeds');
      return;
    }
    let count = 0;
    const seen = new Set<number>();
    for (const item of v.items) {
      const from = item.from.value;
      const to = item.to ? item.to.value : from;
      let bad = false;
      for (const n of item.to ? [item.from, item.to] : [item.from]) {
        if (n.value < 0 || n.value > MAX_SEED) {
          this.report(n.range, 'error', `Seeds are whole numbers from 0 to ${MAX_SEED}; got ${n.text}.`, 'bad-seeds');
          bad = true;
        }
      }
      if (bad) continue;
      if (to < from) {
        this.report(item.range, 'error', `Seed range ${item.from.text}..${item.to!.text} runs backwards: write ${item.to!.text}..${item.from.text}.`, 'bad-seeds', {
          suggestions: [`${item.to!.text}..${item.from.text}`],
        });
        continue;
      }
      count += to - from + 1;
      if (!item.to) {
        if (seen.has(from)) this.report(item.range, 'warning', `Seed ${from} is listed twice.`, 'duplicate-seed');
        seen.add(from);
      }
    }
    if (count > MAX_SEEDS) this.report(v.range, 'error', `${count} seeds is more than the ${MAX_SEEDS} a test may run.`, 'bad-seeds');
  }

  private file(rel: string, range: Range, want: EntryKind | 'either'): void {
    if (!this.ctx.checkFiles || rel === '') return;
    const abs = this.resolvePath(rel);
    const kind = this.ctx.stat(abs);
    if (kind === want || (want === 'either' && kind !== undefined)) return;
    if (this.outside(abs)) {
      this.report(range, 'error', outsideMessage(rel), 'outside-workspace');
      return;
    }
    const message = kind ? `'${rel}' is a ${kind === 'dir' ? 'folder' : 'file'}, not a ${want === 'dir' ? 'folder' : 'file'}.` : `'${rel}' does not exist (relative to this spec).`;
    this.report(range, 'error', message, 'missing-file');
  }

  private outside(abs: string): boolean {
    return this.ctx.host.allows !== undefined && !this.ctx.host.allows(abs);
  }

  /** path.resolve is costly next to everything else here, and a spec names the same few files many times. */
  private resolvePath(rel: string): string {
    let abs = this.resolved.get(rel);
    if (abs === undefined) {
      abs = path.resolve(this.ctx.dir, rel);
      this.resolved.set(rel, abs);
    }
    return abs;
  }

  private images(pattern: string, range: Range): void {
    if (!this.ctx.checkFiles || pattern === '') return;
    const base = this.imagesDir ?? this.ctx.dir;
    if (!isGlobPattern(pattern)) {
      this.file(base === this.ctx.dir ? pattern : path.relative(this.ctx.dir, path.resolve(base, pattern)), range, 'file');
      return;
    }
    if (glob(this.ctx.host, base, pattern, { limit: 1, maxVisits: 5000 }).length === 0) {
      // A pattern whose fixed folder is outside (`../shots/*.png`, or a link out of the workspace) matches
      // nothing because nothing there may be read: say so rather than that nothing is there.
      if (this.outside(globRoot(base, pattern))) this.report(range, 'error', outsideMessage(pattern), 'outside-workspace');
      else this.report(range, 'warning', `No files match '${pattern}' (relative to ${base === this.ctx.dir ? 'this spec' : `the files generator's dir ${path.relative(this.ctx.dir, base) || '.'}`}).`, 'no-matches');
    }
  }

  /** Checks a generator or judge name and records the use; `builtins` are names valid there without a definition
   *  (the caller accepts them before), offered by did-you-mean beside the definitions. */
  private reference(name: Token, expected: DefinitionKind, judgeKinds?: readonly string[], builtins: readonly string[] = []): Definition | undefined {
    const target = this.ctx.visible.get(name.text);
    const ok = target && target.kind === expected;
    this.references.push({ name: name.text, range: name.range, expected, target: ok ? target : undefined });
    if (!target) {
      const candidates = [...[...this.ctx.visible.values()].filter((d) => d.kind === expected).map((d) => d.name), ...builtins];
      const s = closest(name.text, candidates);
      this.report(
        name.range,
        'error',
        `Unknown ${expected} '${name.text}'.` + (s ? ` Did you mean '${s}'?` : candidates.length ? ` Known: ${candidates.join(', ')}.` : ` Define it with a \`${expected}\` block or import a file that does.`),
        `unknown-${expected}`,
        s ? { suggestions: [s] } : {},
      );
      return undefined;
    }
    if (!ok) {
      this.report(name.range, 'error', `'${name.text}' is a ${target.kind}, not a ${expected}.`, `unknown-${expected}`);
      return undefined;
    }
    if (judgeKinds && target.type && !judgeKinds.includes(target.type)) {
      this.report(name.range, 'error', `'${name.text}' is a ${target.type} judge; this needs ${article(judgeKinds[0])} ${judgeKinds.join(' or ')} judge.`, 'wrong-judge-kind');
    }
    return target;
  }

  // ---- tests ----------------------------------------------------------------------------------------------

  private tags(tags: readonly Token[]): void {
    for (const tag of tags) {
      if (!isTaxonomyTag(tag.text)) {
        const s = closest(tag.text, TAXONOMY_TAGS);
        this.report(tag.range, 'warning', `'${tag.text}' is not in the anti-aesthetic taxonomy.` + (s ? ` Did you mean '${s}'?` : ''), 'unknown-tag', s ? { suggestions: [s] } : {});
      }
    }
  }

  private test(b: TestBlock): void {
    this.tags(b.tags);
    this.imagesDir = this.filesGeneratorDir(b);
    this.properties(b.properties, TEST_KEYS);
    this.imagesDir = undefined;
    const has = (k: string) => b.properties.some((p) => p.key.text === k && p.value.type !== 'missing');
    const hasImages = has('images');
    if (!has('prompt') && !hasImages) {
      this.report(b.headerRange, 'error', `Test '${b.name?.text ?? ''}' has no prompt: add \`prompt\`, or \`images\` to score existing files.`, 'missing-prompt', {
        data: { line: b.headerRange.start.line + 1 },
      });
    }
    if (has('strength') && !has('input')) {
      const p = b.properties.find((q) => q.key.text === 'strength')!;
      this.report(p.key.range, 'warning', '`strength` only applies to image-to-image tests: add an `input` image.', 'strength-without-input');
    }
    if (!hasImages) this.generatorFor(b);
    for (const p of b.properties) {
      if (p.value.type === 'expect') this.expectation(p.value.expect, b);
    }
  }

  // ---- audits ---------------------------------------------------------------------------------------------

  /** Tags and keys as for a test; then `pairs` and at least one judge are required, and a judge named twice is
   *  scored once (a warning on the later line). */
  private audit(b: AuditBlock): void {
    this.tags(b.tags);
    this.properties(b.properties, AUDIT_KEYS);
    const name = b.name?.text ?? '';
    if (!lastSetting(b, 'pairs')) {
      this.report(b.headerRange, 'error', `Audit '${name}' has no pairs: add \`pairs\` with a JSONL file or a folder of N_orig / N_dist images.`, 'missing-pairs');
    }
    const judges = new Map<string, Property>();
    for (const p of b.properties) {
      if (p.key.text !== 'judge' || p.value.type !== 'word') continue;
      const prev = judges.get(p.value.text);
      if (prev) {
        this.report(p.value.range, 'warning', `'${p.value.text}' is already audited on line ${prev.key.range.start.line + 1}; it is scored once.`, 'duplicate-judge');
      } else judges.set(p.value.text, p);
    }
    if (judges.size === 0) {
      this.report(b.headerRange, 'error', `Audit '${name}' names no judge: add \`judge NAME\` (a judge this spec can see, or the built-in \`${BUILTIN_JUDGE}\`).`, 'missing-judge', {
        data: { insertAfterLine: b.range.end.line, indent: b.properties[0]?.indent ?? 2 },
      });
    }
  }

  /** The `dir` of the `files` generator a test names (its `images` are matched there), absolute. */
  private filesGeneratorDir(b: TestBlock): string | undefined {
    const prop = lastSetting(b, 'generator') ?? (this.defaults && lastSetting(this.defaults, 'generator'));
    const def = prop?.value.type === 'word' ? this.ctx.visible.get(prop.value.text) : undefined;
    if (def?.kind !== 'generator' || def.type !== 'files') return undefined;
    const dir = lastSetting(def.block, 'dir');
    return dir?.value.type === 'word' ? path.resolve(path.dirname(def.path), dir.value.text) : undefined;
  }

  /** Every generated test needs a generator, from the test or from defaults (a `compare` list gives them);
   *  `degrade` needs a source image. */
  private generatorFor(b: TestBlock): void {
    const prop = lastSetting(b, 'generator') ?? (this.defaults && lastSetting(this.defaults, 'generator'));
    const compare = this.defaults && lastSetting(this.defaults, 'compare');
    const compared = compare?.value.type === 'names' ? compare.value.items.map((t) => t.text) : [];
    if (!prop && compared.length === 0) {
      this.report(b.headerRange, 'error', `Test '${b.name?.text ?? ''}' has no generator: set \`generator\` in defaults or in the test.`, 'missing-generator');
      return;
    }
    const names = [...(prop?.value.type === 'word' ? [prop.value.text] : []), ...compared];
    for (const name of new Set(names)) {
      const def = this.ctx.visible.get(name);
      if (def?.kind !== 'generator' || def.type !== 'degrade') continue;
      const hasInput = b.properties.some((p) => p.key.text === 'input') || def.block.properties.some((p) => p.key.text === 'input');
      if (!hasInput) this.report(b.headerRange, 'error', `Test '${b.name?.text ?? ''}' uses the degrade generator '${def.name}', which needs an \`input\` image.`, 'degrade-needs-input');
    }
  }

  private expectation(e: Expectation, b: TestBlock): void {
    if (!e.measure) return;
    const lhsKind = this.measure(e.measure);
    const c = e.comparand;
    if (!c || lhsKind === undefined) {
      if (c?.type === 'measure') this.measure(c.measure);
      return;
    }
    if (c.type === 'number') {
      const n = c.number.value;
      const [min, max] = lhsKind === 'trait' ? [0, 1] : [MEASURE_FUNCTIONS[lhsKind]?.min, MEASURE_FUNCTIONS[lhsKind]?.max];
      if ((min !== undefined && n < min) || (max !== undefined && n > max)) {
        const what = lhsKind === 'trait' ? `Trait scores are 0..1` : `${lhsKind}() scores are ${min}..${max}`;
        this.report(c.number.range, 'error', `${what}; ${c.number.text} can never be reached.`, 'threshold-range');
      } else if (lhsKind === 'trait' && e.op && ((n === 0 && (e.op.text === '>=')) || (n === 1 && e.op.text === '<='))) {
        this.report(e.range, 'warning', `Every score is ${e.op.text} ${c.number.text}: this expectation always holds.`, 'always-true');
      }
    } else if (c.type === 'relative') {
      const ref = c.ref.text as 'baseline' | 'input';
      if (!b.properties.some((p) => p.key.text === ref && p.value.type !== 'missing')) {
        const extra: Partial<Diagnostic> =
          ref === 'baseline'
            ? { data: { test: b.name?.text ?? '', insertAfterLine: lastPromptLine(b), indent: indentOf(b) } }
            : {};
        this.report(
          c.ref.range,
          'error',
          ref === 'baseline' ? "This compares with the baseline, but the test has no `baseline` prompt." : 'This compares with the input, but the test has no `input` image.',
          ref === 'baseline' ? 'missing-baseline' : 'missing-input',
          extra,
        );
      }
      if (lhsKind === 'trait' && c.margin && c.margin.value > 1) {
        this.report(c.margin.range, 'error', `Trait scores are 0..1; a margin of ${c.margin.text} can never be met.`, 'threshold-range');
      }
    } else {
      this.measure(c.measure);
    }
  }

  /** Checks a measure; returns 'trait', the judge function's name, or undefined when it is invalid. */
  private measure(m: Measure): string | undefined {
    if (m.type === 'trait') {
      const name = m.name.text;
      if (isTraitName(name)) return 'trait';
      if (MEASURE_FUNCTIONS[name]) {
        this.report(m.name.range, 'error', `${name} is a judge score and needs arguments: ${MEASURE_FUNCTIONS[name].doc.split(':')[0]}.`, 'bad-expect');
        return undefined;
      }
      const def = this.ctx.visible.get(name);
      if (def?.kind === 'judge') {
        const fn = def.type === 'clip' ? `clip(${name}, "text")` : `${def.type ?? 'reward'}(${name})`;
        this.report(m.name.range, 'error', `'${name}' is a judge: score with it as ${fn}.`, 'unknown-trait', { suggestions: [fn] });
        return undefined;
      }
      const s = closest(name, TRAIT_NAMES);
      this.report(m.name.range, 'error', `Unknown trait '${name}'.` + (s ? ` Did you mean '${s}'?` : ` Traits: ${TRAIT_NAMES.join(', ')}.`), 'unknown-trait', s ? { suggestions: [s] } : {});
      return undefined;
    }
    const fn = m.fn.text;
    const spec = MEASURE_FUNCTIONS[fn];
    if (!spec) {
      const s = closest(fn, Object.keys(MEASURE_FUNCTIONS));
      this.report(m.fn.range, 'error', `Unknown judge score '${fn}(...)'. Expected clip, aesthetic or reward.` + (s ? ` Did you mean '${s}'?` : ''), 'unknown-function', s ? { suggestions: [s] } : {});
      return undefined;
    }
    const args = m.args;
    if (fn === 'clip') {
      const texts = args.filter((a) => a.quoted);
      const names = args.filter((a) => !a.quoted);
      if (args.length === 0 || args.length > 2 || texts.length !== 1 || names.length > 1 || (args.length === 2 && args[0].quoted)) {
        this.report(m.argsRange, 'error', 'clip takes a text, and optionally a judge before it: clip("a rotten fruit") or clip(JUDGE, "a rotten fruit").', 'bad-arguments');
        return undefined;
      }
      if (texts[0].text.trim() === '') this.report(texts[0].range, 'error', 'clip needs a text to compare the image with.', 'bad-arguments');
      if (names.length === 1) {
        this.reference(names[0], 'judge', ['clip']);
      } else {
        const clips = [...this.ctx.visible.values()].filter((d) => d.kind === 'judge' && d.type === 'clip');
        if (clips.length === 0) {
          this.report(m.fn.range, 'error', 'clip() needs a `clip` judge: define one with `judge NAME` and `kind clip`, or import it.', 'no-clip-judge');
        } else if (clips.length > 1) {
          this.report(m.fn.range, 'error', `Several clip judges are defined (${clips.map((c) => c.name).join(', ')}): name one, clip(${clips[0].name}, "...").`, 'ambiguous-clip-judge');
        }
      }
      return fn;
    }
    if (args.length !== 1 || args[0].quoted) {
      this.report(m.argsRange, 'error', `${fn} takes one judge name: ${fn}(JUDGE).`, 'bad-arguments');
      return undefined;
    }
    this.reference(args[0], 'judge', [spec.judgeKind]);
    return fn;
  }
}

function lastPromptLine(b: TestBlock): number {
  const prompt = b.properties.find((p) => p.key.text === 'prompt');
  return (prompt ?? b.properties[0])?.range.end.line ?? b.headerRange.start.line;
}

function indentOf(b: TestBlock): number {
  return b.properties[0]?.indent ?? 2;
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

const KEY_INDEX = new WeakMap<readonly KeySpec[], Map<string, KeySpec>>();

/** Key lookup by name, built once per key list. */
function keyIndex(keys: readonly KeySpec[]): Map<string, KeySpec> {
  let index = KEY_INDEX.get(keys);
  if (!index) {
    index = new Map(keys.map((k) => [k.key, k]));
    KEY_INDEX.set(keys, index);
  }
  return index;
}

function outsideMessage(rel: string): string {
  return `'${rel}' is outside the workspace; Wabi reads only files inside it.`;
}

/** How many properties after the secret props[i] are lines of its value: with `|` or no value on its own line, the
 *  deeper-indented lines that follow (the parser reads them as properties, as a secret key has no text shape). */
export function secretContinuation(props: readonly Property[], i: number): number {
  const p = props[i];
  const v = p.value;
  if (!(v.type === 'missing' || (v.type === 'word' && !v.quoted && v.text === '|'))) return 0;
  let n = 0;
  while (i + n + 1 < props.length && props[i + n + 1].indent > p.indent) n++;
  return n;
}

/** The part `span` (character offsets into a one-line value) of the value's range. */
function within(r: Range, span: Span): Range {
  const line = r.start.line;
  return { start: { line, character: r.start.character + span.start }, end: { line, character: r.start.character + span.end } };
}
