// Text to token ids for text encoders and prompt-reading reward models, from the model's own HuggingFace
// `tokenizer.json`, read locally with `@huggingface/tokenizers` (pure JavaScript, no network, no native code).
// It runs the file's normalizer, pre-tokenizer, model and post-processor as the Rust library does; for CLIP that
// is NFC + whitespace collapse + lower-case, CLIP's split regex, byte-level BPE with the `</w>` end-of-word
// suffix, and `<|startoftext|>` (49406) ... `<|endoftext|>` (49407) around the text.
//
// Sequences are cut and padded to a fixed length here, not by the library: the text is truncated so that the
// special tokens around it survive (CLIP's end token must stay last, as open_clip and HF both keep it), then
// padded with the pad token. The attention mask is 1 over the tokens and 0 over the padding.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { ort } from '../session';
import type { TensorInfo } from '../signature';
import type { ItemInput } from './judgeModel';

/** CLIP's context length, used when neither the model nor the tokenizer files fix one. */
export const CLIP_CONTEXT_LENGTH = 77;

export class TokenizerError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
    this.name = 'TokenizerError';
  }
}

export interface EncodedText {
  readonly ids: readonly number[];
  readonly mask: readonly number[];
}

export class TextTokenizer {
  private constructor(
    readonly file: string,
    private readonly tokenizer: Tokenizer,
    /** Special token ids the post-processor puts before and after the text. */
    readonly prefix: readonly number[],
    readonly suffix: readonly number[],
    readonly padId: number,
    /** The length the tokenizer files ask for, when they say. */
    readonly configuredLength: number | undefined,
  ) {}

  /** Loads `tokenizer.json` (and `tokenizer_config.json` beside it, if present, for the pad token and length). */
  static load(file: string, label = file): TextTokenizer {
    const fail = (problem: string): never => {
      throw new TokenizerError(`${label}: ${problem}`, file);
    };
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') fail('no such file');
      if (code) fail(`cannot be read (${code})`);
      fail(`not valid JSON (${(e as Error).message})`);
    }
    const tj = json as Record<string, unknown>;
    if (typeof tj !== 'object' || tj === null || typeof tj.model !== 'object' || tj.model === null) {
      fail('not a HuggingFace tokenizer.json (it has no "model"); give the tokenizer.json saved with the model');
    }
    const config = readConfig(path.join(path.dirname(file), 'tokenizer_config.json'));
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(tj, config ?? {});
    } catch (e) {
      return fail(`cannot build the tokenizer: ${(e as Error).message}`);
    }

    // Which special tokens the post-processor adds around a text: encode a probe with and without them.
    let prefix: number[] = [];
    let suffix: number[] = [];
    try {
      const probe = 'a photo';
      const bare = tokenizer.encode(probe, { add_special_tokens: false }).ids;
      const full = tokenizer.encode(probe, { add_special_tokens: true }).ids;
      const at = indexOfRun(full, bare);
      if (bare.length === 0 || at < 0) fail('its post-processor changes the text tokens; only processors that add special tokens around the text are supported');
      prefix = full.slice(0, at);
      suffix = full.slice(at + bare.length);
    } catch (e) {
      if (e instanceof TokenizerError) throw e;
      fail(`cannot encode text: ${(e as Error).message}`);
    }

    const vocab = tokenizer.get_vocab(true);
    const padding = tj.padding as { pad_id?: unknown } | null | undefined;
    const configPad = config?.pad_token;
    const padText = typeof configPad === 'string' ? configPad : typeof configPad === 'object' && configPad ? (configPad as { content?: unknown }).content : undefined;
    const padId =
      (typeof padding?.pad_id === 'number' ? padding.pad_id : undefined) ??
      (typeof padText === 'string' ? vocab.get(padText) : undefined) ??
      vocab.get('<|endoftext|>') ?? // CLIP (HF's openai/clip-* pad with the end token)
      vocab.get('[PAD]') ??
      vocab.get('<pad>') ??
      0;

    const truncation = tj.truncation as { max_length?: unknown } | null | undefined;
    const maxLen = config?.model_max_length;
    const configuredLength =
      typeof truncation?.max_length === 'number'
        ? truncation.max_length
        : typeof maxLen === 'number' && maxLen > 0 && maxLen <= 4096
          ? maxLen
          : undefined;
    return new TextTokenizer(file, tokenizer, prefix, suffix, padId, configuredLength);
  }

  /** The token strings of a text, specials included (for messages and tests). */
  tokens(text: string): string[] {
    return this.tokenizer.encode(text, { add_special_tokens: true }).tokens;
  }

  /** Ids of `text` with its special tokens, cut to `length` (keeping the specials) and padded to it. */
  encode(text: string, length: number): EncodedText {
    const room = length - this.prefix.length - this.suffix.length;
    if (room < 1) throw new Error(`${this.file}: a sequence length of ${length} leaves no room for text`);
    const body = this.tokenizer.encode(text, { add_special_tokens: false }).ids.slice(0, room);
    const ids = [...this.prefix, ...body, ...this.suffix];
    const mask = ids.map(() => 1);
    while (ids.length < length) {
      ids.push(this.padId);
      mask.push(0);
    }
    return { ids, mask };
  }

  /** [N, length] id and mask tensors for a batch of texts, as int64 or int32. */
  encodeBatch(texts: readonly string[], length: number, type: 'int64' | 'int32' = 'int64'): { ids: ort.Tensor; mask: ort.Tensor } {
    const ids: number[] = [];
    const mask: number[] = [];
    for (const t of texts) {
      const e = this.encode(t, length);
      ids.push(...e.ids);
      mask.push(...e.mask);
    }
    const tensor = (values: number[]) =>
      type === 'int64'
        ? new ort.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), [texts.length, length])
        : new ort.Tensor('int32', Int32Array.from(values), [texts.length, length]);
    return { ids: tensor(ids), mask: tensor(mask) };
  }
}

/** One text as a model item: its ids (and, with `mask`, its attention mask) as one row of `length`, typed as the
 *  model's inputs are (int32 or int64). */
export function textItem(tokenizer: TextTokenizer, text: string, length: number, ids: TensorInfo, mask?: TensorInfo): Record<string, ItemInput> {
  const e = tokenizer.encode(text, length);
  const row = (values: readonly number[], t: TensorInfo): ItemInput =>
    t.type === 'int32' ? { type: 'int32', data: Int32Array.from(values), dims: [length] } : { type: 'int64', data: BigInt64Array.from(values, (v) => BigInt(v)), dims: [length] };
  return { [ids.name]: row(e.ids, ids), ...(mask ? { [mask.name]: row(e.mask, mask) } : {}) };
}

function readConfig(file: string): Record<string, unknown> | undefined {
  try {
    const json = JSON.parse(fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
    return typeof json === 'object' && json !== null && !Array.isArray(json) ? json : undefined;
  } catch {
    return undefined;
  }
}

function indexOfRun(haystack: readonly number[], needle: readonly number[]): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
