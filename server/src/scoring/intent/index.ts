// The built-in intent judge: prompt reading (lexicon -> traits), the scoring rule, and the judge over the trait
// scorer. docs.ts generates docs/intent-judge.md.
export { IntentJudge, INTENT_JUDGE_NAME, intentJudgeIdentity, lexiconHash } from './judge';
export { readPrompt, type PromptReading, type TraitIntent, type TraitRequest, type UnmatchedWording } from './reading';
export { INTENT_RULE_VERSION, intentScore } from './score';
export { formatReading } from './explain';
