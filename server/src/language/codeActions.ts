// Quick fixes for the diagnostics the model reports. Each fix is keyed on a diagnostic's stable `code`, reads
// what it needs from the diagnostic's `suggestions` and `data` (falling back to a fresh analysis of the file
// when the editor dropped them), and returns plain text edits.
import {
  BUILTIN_JUDGE,
  DEFAULT_KEY_ENV,
  GENERATOR_KINDS,
  JUDGE_KINDS,
  generatorKind,
  isSecretKey,
  judgeKind,
  type KeySpec,
  type KindSpec,
} from '../catalogue/schema';
import type { Block, Diagnostic, Range, TestBlock } from './ast';
import { lastSetting } from './ast';
import { comparePositions } from './ast';
import type { CodeAction, TextEdit } from './features';
import { lineBreakOf, quote, shapeLine, splitLines } from './lexer';
import { secretContinuation } from './validate';
import type { Analysis } from './analysis';
import type { SpecWorkspace } from './workspace';

/**
 * Code actions for the diagnostics that touch `range` (the editor sends those it shows there; any others in
 * `diagnostics` are ignored):
 * - any diagnostic with `suggestions`: "Change to 'x'" per suggestion, replacing the diagnostic's range; the
 *   first is preferred (did-you-mean for traits, keys, kinds, tags, names; a backwards seed range reversed);
 * - `missing-baseline`: add a `baseline` line after the prompt, the prompt's first clause;
 * - `missing-prompt`: add a `prompt` line under the test header, the test's name as a first draft;
 * - `missing-kind`: one action per kind, adding `kind X` under the header;
 * - `missing-setting`: add the missing required settings with placeholder values;
 * - `missing-judge`: one action per judge an audit could name, adding `judge NAME` at the end of the block, the
 *   built-in `traits` first (preferred);
 * - `secret-in-spec`: replace the whole setting, key and value (quoted, with trailing words, or a `|` block's
 *   lines), with `api-key-env OPENAI_API_KEY` in a generator that reads one; delete it when the block already
 *   names an `api-key-env`, an earlier secret in it becomes one, or the block reads no key. Found from the line
 *   of the diagnostic, not its range, which an editor may echo cut short.
 */
export function codeActions(ws: SpecWorkspace, file: string, range: Range, diagnostics: readonly Diagnostic[]): CodeAction[] {
  const analysis = ws.analyze(file);
  if (!analysis) return [];
  const ctx = new Context(analysis);
  const out: CodeAction[] = [];
  const seen = new Set<string>();
  const push = (a: CodeAction) => {
    const key = a.title + '\u0000' + JSON.stringify(a.edit);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(a);
  };
  for (const given of diagnostics) {
    if (!touches(given.range, range)) continue;
    const d = ctx.complete(given);
    for (const a of fixes(ctx, d)) push(a);
  }
  return out;
}

function touches(a: Range, b: Range): boolean {
  return comparePositions(a.end, b.start) >= 0 && comparePositions(b.end, a.start) >= 0;
}

function sameRange(a: Range, b: Range): boolean {
  return comparePositions(a.start, b.start) === 0 && comparePositions(a.end, b.end) === 0;
}

class Context {
  readonly lines: string[];
  readonly eol: string;

  constructor(readonly analysis: Analysis) {
    const text = analysis.file.text;
    this.lines = splitLines(text);
    this.eol = lineBreakOf(text);
  }

  /** The diagnostic with `suggestions` and `data` filled in from the analysis when the editor lost them. */
  complete(d: Diagnostic): Diagnostic {
    if (d.suggestions && d.data) return d;
    const fresh = this.analysis.diagnostics.find((f) => f.code === d.code && sameRange(f.range, d.range));
    if (!fresh) return d;
    const suggestions = d.suggestions ?? fresh.suggestions;
    const data = d.data ?? fresh.data;
    return { ...d, ...(suggestions ? { suggestions } : {}), ...(data ? { data } : {}) };
  }

  blockWithHeader(r: Range): Block | undefined {
    return this.analysis.file.blocks.find((b) => sameRange(b.headerRange, r));
  }

  blockAround(line: number): Block | undefined {
    return this.analysis.file.blocks.find((b) => b.range.start.line <= line && line <= b.range.end.line);
  }

  /** An edit that adds `lines` (already indented) after line `after`, also at the end of a file without a
   *  final newline. */
  insertAfter(after: number, lines: readonly string[]): TextEdit {
    const last = Math.min(Math.max(after, 0), this.lines.length - 1);
    if (last + 1 < this.lines.length) {
      return { range: pointAt(last + 1, 0), newText: lines.map((l) => l + this.eol).join('') };
    }
    return { range: pointAt(last, this.lines[last].length), newText: lines.map((l) => this.eol + l).join('') };
  }

  action(title: string, d: Diagnostic, edits: readonly TextEdit[], isPreferred?: boolean): CodeAction {
    return {
      title,
      kind: 'quickfix',
      diagnostics: [d],
      edit: { changes: { [this.analysis.path]: edits } },
      ...(isPreferred ? { isPreferred } : {}),
    };
  }
}

function pointAt(line: number, character: number): Range {
  return { start: { line, character }, end: { line, character } };
}

function fixes(ctx: Context, d: Diagnostic): CodeAction[] {
  const out: CodeAction[] = [];
  (d.suggestions ?? []).forEach((s, i) => {
    out.push(ctx.action(`Change to '${s}'`, d, [{ range: d.range, newText: s }], i === 0));
  });
  switch (d.code) {
    case 'missing-baseline':
      out.push(...addBaseline(ctx, d));
      break;
    case 'missing-prompt':
      out.push(...addPrompt(ctx, d));
      break;
    case 'missing-kind':
      out.push(...addKind(ctx, d));
      break;
    case 'missing-setting':
      out.push(...addSettings(ctx, d));
      break;
    case 'missing-judge':
      out.push(...addAuditJudge(ctx, d));
      break;
    case 'secret-in-spec':
      out.push(...removeSecret(ctx, d));
      break;
  }
  return out;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
}

function propertyIndent(b: Block | undefined): number {
  return b?.properties[0]?.indent ?? 2;
}

/** Writes free text so that it reads back as itself: plain when it can be, otherwise quoted. */
export function freeText(text: string): string {
  const plain = text !== '' && text === text.trim() && !/^["|]/.test(text) && !/(^|[ \t])#/.test(text) && !/[\n\r]/.test(text);
  return plain ? text : quote(text);
}

/**
 * A plain counterpart of an anti-aesthetic prompt, as a first draft the author edits: the prompt's first
 * sentence or clause (up to `.`, `,`, `;`, `:`, `!`, `?`, a dash or a line break), which in the usual
 * "SUBJECT. How it should look broken." style is the subject. The whole prompt when that leaves nothing.
 */
export function plainBaseline(prompt: string): string {
  const first = prompt.split(/\.(?=\s|$)|[,;:!?\n\u2014\u2013]|\s-\s/)[0].trim();
  return first !== '' ? first : prompt.replace(/\s+/g, ' ').trim();
}

function addBaseline(ctx: Context, d: Diagnostic): CodeAction[] {
  const block = ctx.blockAround(d.range.start.line);
  if (!block || block.kind !== 'test') return [];
  const test = block as TestBlock;
  const prompt = test.properties.find((p) => p.key.text === 'prompt');
  const after = num(d.data?.insertAfterLine) ?? prompt?.range.end.line ?? test.headerRange.start.line;
  const indent = num(d.data?.indent) ?? propertyIndent(test);
  const source = prompt && prompt.value.type === 'text' ? prompt.value.text : '';
  const text = plainBaseline(source) || test.name?.text.trim() || 'a plain photo';
  const line = ' '.repeat(indent) + 'baseline  ' + freeText(text);
  return [ctx.action('Add a baseline prompt', d, [ctx.insertAfter(after, [line])], true)];
}

function addPrompt(ctx: Context, d: Diagnostic): CodeAction[] {
  const block = ctx.blockWithHeader(d.range) ?? ctx.blockAround(d.range.start.line);
  if (!block || block.kind !== 'test') return [];
  const at = num(d.data?.line) ?? block.headerRange.start.line + 1;
  const text = block.name?.text.trim() || 'describe the image and how it should look wrong';
  const line = ' '.repeat(propertyIndent(block)) + 'prompt  ' + freeText(text);
  return [ctx.action('Add a prompt', d, [ctx.insertAfter(at - 1, [line])], true)];
}

function addKind(ctx: Context, d: Diagnostic): CodeAction[] {
  const block = ctx.blockWithHeader(d.range);
  if (!block || (block.kind !== 'generator' && block.kind !== 'judge')) return [];
  const kinds = block.kind === 'generator' ? GENERATOR_KINDS : JUDGE_KINDS;
  const indent = ' '.repeat(propertyIndent(block));
  return kinds.map((k) => ctx.action(`Add 'kind ${k.kind}'`, d, [ctx.insertAfter(block.headerRange.end.line, [`${indent}kind  ${k.kind}`])]));
}

/** A value that fills a required setting: valid where it can be, an obvious file name where a file must be. */
function placeholder(ctx: Context, kind: KindSpec, key: KeySpec): string {
  switch (key.key) {
    case 'url':
      return kind.kind === 'comfyui' ? 'http://127.0.0.1:8188' : kind.kind === 'a1111' ? 'http://127.0.0.1:7860' : 'https://api.openai.com/v1';
    case 'workflow':
      return 'workflow.json';
    case 'model':
      return key.type === 'file' ? 'model.onnx' : 'gpt-image-1';
    case 'run':
      return 'my-generator --prompt {prompt} --seed {seed} --out {out}';
    case 'image-model':
      return 'image-encoder.onnx';
    case 'text-model':
      return 'text-encoder.onnx';
    case 'tokenizer':
      return 'tokenizer.json';
    case 'encoder': {
      const clip = [...ctx.analysis.visible.values()].find((v) => v.kind === 'judge' && v.type === 'clip');
      return clip?.name ?? 'clip';
    }
  }
  return key.type === 'file' ? `${key.key}.onnx` : key.key;
}

function addSettings(ctx: Context, d: Diagnostic): CodeAction[] {
  const block = ctx.blockWithHeader(d.range);
  if (!block || (block.kind !== 'generator' && block.kind !== 'judge')) return [];
  const kindProp = lastSetting(block, 'kind');
  const kindName = kindProp?.value.type === 'word' ? kindProp.value.text : '';
  const kind = block.kind === 'generator' ? generatorKind(kindName) : judgeKind(kindName);
  if (!kind) return [];
  const given = Array.isArray(d.data?.missing) ? (d.data.missing as unknown[]).filter((m): m is string => typeof m === 'string') : undefined;
  const missing = (given ?? kind.settings.filter((k) => k.required).map((k) => k.key))
    .filter((m) => !block.properties.some((p) => p.key.text === m))
    .map((m) => kind.settings.find((k) => k.key === m))
    .filter((k): k is KeySpec => k !== undefined);
  if (missing.length === 0) return [];
  const width = Math.max(...missing.map((k) => k.key.length));
  const indent = ' '.repeat(propertyIndent(block));
  const lines = missing.map((k) => indent + k.key.padEnd(width) + '  ' + placeholder(ctx, kind, k));
  const names = missing.map((k) => `'${k.key}'`).join(', ');
  const title = missing.length === 1 ? `Add the missing setting ${names}` : `Add the missing settings ${names}`;
  return [ctx.action(title, d, [ctx.insertAfter(block.range.end.line, lines)], true)];
}

function addAuditJudge(ctx: Context, d: Diagnostic): CodeAction[] {
  const block = ctx.blockWithHeader(d.range);
  if (!block || block.kind !== 'audit') return [];
  const after = num(d.data?.insertAfterLine) ?? block.range.end.line;
  const indent = ' '.repeat(num(d.data?.indent) ?? propertyIndent(block));
  const names = [BUILTIN_JUDGE, ...[...ctx.analysis.visible.values()].filter((v) => v.kind === 'judge' && v.name !== BUILTIN_JUDGE).map((v) => v.name)];
  return names.map((n, i) => ctx.action(`Add 'judge ${n}'`, d, [ctx.insertAfter(after, [`${indent}judge  ${n}`])], i === 0));
}

function removeSecret(ctx: Context, d: Diagnostic): CodeAction[] {
  const line = d.range.start.line;
  const block = ctx.blockAround(line);
  const props = block?.properties ?? [];
  const i = props.findIndex((p) => p.key.range.start.line === line && isSecretKey(p.key.text));
  if (!block || i < 0) return [];
  const p = props[i];
  // Its value's lines: the continuation lines the checks count as the secret's, and a multi-line value's.
  const last = Math.max(props[i + secretContinuation(props, i)].range.end.line, p.range.end.line);
  const hasEnv = props.some((q) => q.key.text === 'api-key-env');
  const earlier = props.slice(0, i).some((q) => isSecretKey(q.key.text));
  const kindProp = lastSetting(block, 'kind');
  const kind = block.kind === 'generator' && kindProp?.value.type === 'word' ? generatorKind(kindProp.value.text) : undefined;
  // A generator of no known kind yet may become one that reads a key; a known kind must have the setting.
  const readsKey = block.kind === 'generator' && (!kind || kind.settings.some((k) => k.key === 'api-key-env'));
  if (hasEnv || earlier || !readsKey) {
    const edit: TextEdit =
      last + 1 < ctx.lines.length
        ? { range: { start: { line, character: 0 }, end: { line: last + 1, character: 0 } }, newText: '' }
        : line > 0
          ? { range: { start: { line: line - 1, character: ctx.lines[line - 1].length }, end: { line: last, character: ctx.lines[last].length } }, newText: '' }
          : { range: { start: { line, character: 0 }, end: { line: last, character: ctx.lines[last].length } }, newText: '' };
    return [ctx.action(hasEnv ? 'Remove the secret (the key comes from api-key-env)' : 'Remove the secret', d, [edit], true)];
  }
  // Everything from the key to the end of the value's last line, less a trailing comment.
  const end = { line: last, character: shapeLine(ctx.lines[last]).contentEnd };
  const newText = `api-key-env ${DEFAULT_KEY_ENV}`;
  return [ctx.action(`Replace with '${newText}'`, d, [{ range: { start: p.key.range.start, end }, newText }], true)];
}
