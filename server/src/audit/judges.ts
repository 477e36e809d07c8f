// The judges an audit asks: "which of these two images better matches this prompt?" Every judge answers the
// same way, with one score per image under the prompt (higher: the judge prefers it), or `undefined` where it
// abstains (a built-in intent judge when the prompt asks for nothing it can measure).
//
// Declared judges (a spec's `judge` blocks) are opened through the same pool the runner uses and adapted:
//   clip       cosine similarity of the image's and the prompt's embeddings;
//   reward     the model's score of the image (under the prompt, for models that read it);
//   aesthetic  the head's score of the image alone (the prompt cannot change it).
// Built-in judges need no declaration: BUILTIN_JUDGES below is where they plug in, by name.
import type { JudgeDeclaration } from '../catalogue/declarations';
import type { ProviderSetting } from '../catalogue/providers';
import { declaredJudgeIdentity } from '../runner/judgeIdentity';
import type { FileHashRecords } from '../runner/resultCache';
import type { JudgePool } from '../scoring/judges/pool';
import { IntentJudge, INTENT_JUDGE_NAME, intentJudgeIdentity } from '../scoring/intent/index';

export interface AuditJudge {
  /** The name the audit reports it under (`--judge NAME`). */
  readonly name: string;
  /** Everything that changes its scores (kind, model files' hashes, preprocessing, a version): part of the cache
   *  key of every score, so a changed model is never read from the cache. */
  readonly identity: string;
  /** One score per file under `prompt`, in order; `undefined` where the judge abstains. */
  score(files: readonly string[], prompt: string, signal?: AbortSignal): Promise<(number | undefined)[]>;
  close(): Promise<void>;
}

export interface BuiltinJudgeOptions {
  readonly provider?: ProviderSetting;
  readonly log?: (line: string) => void;
}

/** A judge that needs no declaration and no downloaded weights, opened by its name alone. */
export interface BuiltinJudge {
  /** One line for `wabi audit --help` and error messages. */
  readonly description: string;
  /** Known before the judge is opened, so cached scores are found without opening it. */
  identity(): string;
  open(options: BuiltinJudgeOptions): Promise<AuditJudge>;
}

/** What a built-in judge's own class offers; named() turns it into an AuditJudge. */
export interface ScoringJudge {
  readonly identity: string;
  score(files: readonly string[], prompt: string): Promise<(number | undefined)[]>;
  close(): Promise<void>;
}

/** A built-in judge that opens on the first score asked of it (and only then needs closing). */
export function lazyBuiltin(name: string, builtin: BuiltinJudge, options: BuiltinJudgeOptions): AuditJudge {
  let opened: Promise<AuditJudge> | undefined;
  return {
    name,
    identity: builtin.identity(),
    score: async (files, prompt, signal) => (await (opened ??= builtin.open(options))).score(files, prompt, signal),
    close: async () => {
      if (opened) await (await opened).close();
    },
  };
}

/** An AuditJudge named `name` over a judge that has identity, score and close. */
export function named(name: string, judge: ScoringJudge): AuditJudge {
  return {
    name,
    identity: judge.identity,
    score: (files, prompt) => judge.score(files, prompt),
    close: () => judge.close(),
  };
}

/**
 * The built-in judges, by the name `--judge` and an audit block's `judge` line use (the checker reserves these
 * names: a spec cannot declare its own). `traits`, the intent judge: the prompt's wording mapped to pixel traits.
 */
export const BUILTIN_JUDGES: Readonly<Record<string, BuiltinJudge>> = {
  [INTENT_JUDGE_NAME]: {
    description: "the built-in intent judge: the prompt's wording mapped to pixel traits with a documented lexicon (docs/intent-judge.md), no weights",
    identity: intentJudgeIdentity,
    open: async (o) => named(INTENT_JUDGE_NAME, await IntentJudge.open({ provider: o.provider })),
  },
};

/** A declared judge (through `pool`, which owns the models) as an AuditJudge. Its model opens on the first score
 *  asked of it: an audit whose scores are all in the cache never loads it. */
export async function openDeclaredJudge(name: string, def: JudgeDeclaration, pool: JudgePool, records?: FileHashRecords): Promise<AuditJudge> {
  const identity = await declaredJudgeIdentity(def, records);
  let opened: ReturnType<JudgePool['open']> | undefined;
  // Pairs are asked at once (audit/session.ts), so their images meet in the models' batches.
  const score = async (files: readonly string[], prompt: string, signal?: AbortSignal): Promise<number[]> => {
    const judge = await (opened ??= pool.open(def));
    switch (judge.kind) {
      case 'clip':
        return judge.similarity(files, prompt, signal);
      case 'reward':
        return judge.score(files, prompt, signal);
      case 'aesthetic':
        return judge.score(files, signal);
    }
  };
  // The pool closes the models when the audit ends: one judge may serve several audits and encoders are shared.
  return { name, identity, score, close: async () => undefined };
}

