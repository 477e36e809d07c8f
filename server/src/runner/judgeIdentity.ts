// What a declared judge's scores depend on, as one hash: its kind, its preprocessing and the bytes of its model
// files (and its encoder's, for an aesthetic head). Part of the cache key of every judge score, in runs and in
// audits, so a changed model or tokenizer is never read from the cache, and a judge whose scores are all cached
// is never loaded.
import type { JudgeDeclaration } from '../catalogue/declarations';
import { judgeSpecFrom } from '../scoring/judges/spec';
import { canonicalJson, fileHash, sha256, type FileHashRecords } from './resultCache';

/** In the hash: the value audits have hashed from the start, kept so their cached scores stay valid. Bump it when
 *  a judge's scores change meaning. */
const IDENTITY_VERSION = 'audit-judge v1';

/** The identity of a declared judge, or an error naming the file that cannot be read. With `records` (the result
 *  cache), the hashes of its model files are kept between processes, so a judge whose scores are all cached is
 *  identified without reading its weights. */
export async function declaredJudgeIdentity(def: JudgeDeclaration, records?: FileHashRecords): Promise<string> {
  const spec = judgeSpecFrom(def);
  const files: Record<string, string> = {};
  const hash = async (role: string, file: string | undefined) => {
    if (file === undefined) return;
    try {
      files[role] = await fileHash(file, records);
    } catch (e) {
      throw new Error(`judge '${spec.name}': cannot read its ${role} ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  };
  let encoder: string | undefined;
  switch (spec.kind) {
    case 'clip':
      await hash('image-model', spec.imageModel);
      await hash('text-model', spec.textModel);
      await hash('tokenizer', spec.tokenizer);
      break;
    case 'reward':
      await hash('model', spec.model);
      await hash('tokenizer', spec.tokenizer);
      break;
    case 'aesthetic':
      await hash('model', spec.model);
      if (!def.encoder) throw new Error(`judge '${def.name}': its encoder '${spec.encoder}' is not defined`);
      encoder = await declaredJudgeIdentity(def.encoder, records);
      break;
  }
  const preprocess = 'preprocess' in spec ? spec.preprocess : undefined;
  return sha256(canonicalJson({ v: IDENTITY_VERSION, kind: spec.kind, files, preprocess, encoder }));
}
