// Live progress of `wabi audit` on stderr, in the run's style (runner/reporters/progress.ts): on a terminal one
// line redrawn in place (a bar, pairs scored of all, the judge at work, how many came from the cache); in CI or
// when stderr is not a terminal, a plain line per judge finished.
import { humanDuration, oneLine } from '../../runner/reporters/common';
import { fit, type ProgressOptions, type ProgressStream } from '../../runner/reporters/progress';
import type { AuditEvent } from '../session';

/** `clip-l: 40 pairs scored (12 from the cache) in 1.3s` */
export function judgeLine(e: Extract<AuditEvent, { type: 'judge-finished' }>): string {
  return `${oneLine(e.audit)}: ${oneLine(e.judge)}: ${e.pairs} pair${e.pairs === 1 ? '' : 's'} scored (${e.cached} from the cache) in ${humanDuration(e.ms)}`;
}

export function createAuditProgress(stream: ProgressStream, opts: ProgressOptions): (event: AuditEvent) => void {
  const live = !opts.ci && stream.isTTY === true;
  let shown = '';
  let cached = 0;
  const draw = (e: Extract<AuditEvent, { type: 'pair-scored' }>) => {
    const width = Math.max(10, (stream.columns && stream.columns > 0 ? stream.columns : 80) - 1);
    const barWidth = Math.min(30, Math.max(10, Math.floor(width / 5)));
    const filled = Math.round((e.total > 0 ? e.done / e.total : 0) * barWidth);
    const parts = [`${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}`, `${e.done}/${e.total} pair scorings${cached > 0 ? ` (${cached} cached)` : ''}`, `${oneLine(e.audit)}: ${oneLine(e.judge)}`];
    const line = fit(parts.join('  '), width);
    if (line === shown) return;
    stream.write(`\r\x1b[2K${line}`);
    shown = line;
  };
  const clear = () => {
    if (shown !== '') stream.write('\r\x1b[2K');
    shown = '';
  };
  return (event) => {
    switch (event.type) {
      case 'audit-started':
        cached = 0;
        return;
      case 'pair-scored':
        if (event.cached) cached++;
        if (live) draw(event);
        return;
      case 'judge-finished':
        if (live) clear();
        stream.write(judgeLine(event) + '\n');
        return;
      case 'audit-finished':
        if (live) clear();
        return;
    }
  };
}
