// The judges a run (or an audit) opens from spec declarations, each once: an aesthetic judge's encoder is the clip
// judge declared where the aesthetic judge is (resolved with the spec), opened once and shared by every judge that
// reads it. Closing the pool releases every model.
import type { JudgeDeclaration } from '../../catalogue/declarations';
import type { ClipJudge } from './clip';
import type { JudgeOptions } from './judgeModel';
import { judgeSpecFrom } from './spec';
import { openJudge, type Judge } from './index';

export class JudgePool {
  private readonly judges = new Map<string, Promise<Judge>>();

  constructor(private readonly options: JudgeOptions = {}) {}

  /** The opened judge `def` declares (opened on first use). */
  open(def: JudgeDeclaration): Promise<Judge> {
    const id = `${def.file}#${def.name}`;
    let j = this.judges.get(id);
    if (!j) {
      j = openJudge(judgeSpecFrom(def), (encoder) => this.encoder(def, encoder), this.options);
      this.judges.set(id, j);
    }
    return j;
  }

  async close(): Promise<void> {
    for (const j of this.judges.values()) await (await j.catch(() => undefined))?.dispose();
    this.judges.clear();
  }

  private async encoder(def: JudgeDeclaration, encoder: string): Promise<ClipJudge> {
    // The encoder was looked up where the judge is declared, when the spec was resolved.
    if (!def.encoder || def.encoder.name !== encoder) throw new Error(`judge '${def.name}': its encoder '${encoder}' is not defined`);
    const opened = await this.open(def.encoder);
    if (opened.kind !== 'clip') throw new Error(`judge '${def.name}': its encoder '${encoder}' is a ${opened.kind} judge, not a clip judge`);
    return opened;
  }
}
