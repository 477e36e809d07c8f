// The built-in intent judge `traits`: it reads an anti-aesthetic prompt with the lexicon (reading.ts) and scores
// images by how strongly they show the traits the prompt asks for (score.ts), with the trait analysers, so it
// needs no downloaded weights. It judges the whole frame and only what pixels show; docs/intent-judge.md says where
// it cannot work.
import { createHash } from 'node:crypto';
import { LEXICON_DATA } from '../../catalogue/intentLexicon';
import { PROVIDER_SETTINGS, type ProviderSetting } from '../../catalogue/providers';
import { isFailure, TRAIT_MODEL_VERSION, TraitScorer } from '../traitScorer';
import { TRAIT_ANALYSERS, traitAnalyser } from '../traits/index';
import { readPrompt, type PromptReading } from './reading';
import { INTENT_RULE_VERSION, intentScore } from './score';

/** The name specs and `wabi audit --judge` use for this judge. */
export const INTENT_JUDGE_NAME = 'traits';

/** A short hash of the lexicon data: any change to a phrase, a weight or a rule constant changes it. */
export function lexiconHash(): string {
  return createHash('sha256').update(JSON.stringify(LEXICON_DATA)).digest('hex').slice(0, 16);
}

/** Changes when the lexicon, the scoring rule or the trait analysers change: a cache key for the judge's scores,
 *  known without opening it (an audit whose scores are all cached opens nothing). */
export function intentJudgeIdentity(): string {
  return `intent-judge rule v${INTENT_RULE_VERSION} lexicon ${lexiconHash()} ${TRAIT_MODEL_VERSION}`;
}

export class IntentJudge {
  /** See intentJudgeIdentity. */
  readonly identity: string;

  private constructor(private readonly scorer: TraitScorer) {
    this.identity = intentJudgeIdentity();
  }

  /** Opens the trait analysers on `provider` (auto | cuda | webgpu | cpu; default auto). */
  static async open(options: { provider?: string }): Promise<IntentJudge> {
    const provider = (options.provider ?? 'auto') as ProviderSetting;
    if (!PROVIDER_SETTINGS.includes(provider)) throw new Error(`intent judge: provider must be one of ${PROVIDER_SETTINGS.join(', ')}, not '${options.provider}'`);
    return new IntentJudge(await TraitScorer.open({ analysers: TRAIT_ANALYSERS, resolve: traitAnalyser, provider }));
  }

  /** How the judge reads `prompt`: the traits it asks for and against, and the wording it cannot measure. */
  explain(prompt: string): PromptReading {
    return readPrompt(prompt);
  }

  /**
   * One score per file, in order, in -1..1 (score.ts): undefined for every file when the prompt asks nothing
   * measurable, and then no image is read. A file that cannot be read or decoded fails the call, naming every
   * such file: a score for the others alone would compare a pair with half of it missing.
   */
  async score(files: readonly string[], prompt: string): Promise<(number | undefined)[]> {
    const reading = readPrompt(prompt);
    if (reading.traits.length === 0) return files.map(() => undefined);
    const scores: (number | undefined)[] = [];
    const failures: string[] = [];
    for await (const r of this.scorer.scoreFiles(files)) {
      if (isFailure(r)) {
        failures.push(`${r.file}: ${r.error}`);
        scores.push(undefined);
      } else {
        scores.push(intentScore(reading, r.traits));
      }
    }
    if (failures.length > 0) throw new Error(`intent judge: ${failures.length === 1 ? 'an image' : `${failures.length} images`} could not be scored:\n  ${failures.join('\n  ')}`);
    return scores;
  }

  async close(): Promise<void> {
    await this.scorer.close();
  }
}
