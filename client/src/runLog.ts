// The "Wabi" output channel: one section per run, with what ran where (backends, the execution provider line
// the server logs), cache hits, each test's verdict and duration, and how the run ended. Never a key: secrets
// never reach these events or the server's log lines.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunTestsResult } from '../../server/src/lsp/protocol';
import type { SessionEvent } from '../../server/src/engine/runSession';
import { VERDICT_WORDS } from './testMessages';

export class RunLog implements vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel('Wabi');
  private active: string | undefined;
  private cached = 0;
  private generated = 0;

  start(runId: string, what: string): void {
    this.active = runId;
    this.cached = 0;
    this.generated = 0;
    this.line(`— run ${runId}: ${what} (${new Date().toLocaleTimeString()})`);
  }

  /** A line the server logged: kept in the run's section while a run is active (e.g. "traits: running on cpu"). */
  server(line: string): void {
    if (this.active) this.line(`  server: ${line}`);
  }

  event(e: SessionEvent): void {
    switch (e.type) {
      case 'run-queued':
        this.line(`  waiting behind ${e.ahead} run${e.ahead === 1 ? '' : 's'}`);
        return;
      case 'run-planned':
        this.line(`  ${e.tests.length} test${e.tests.length === 1 ? '' : 's'}: ${e.tests.map((t) => `${path.basename(t.spec)} › ${t.name}`).join(', ')}`);
        return;
      case 'run-started':
        this.line(`  started: ${e.tests} tests, ${e.images} images`);
        return;
      case 'image-generated':
        if (e.cached) this.cached++;
        else this.generated++;
        return;
      case 'test-finished': {
        const r = e.result;
        const cached = r.images.filter((i) => i.cached).length;
        this.line(
          `  [${e.done}/${e.total}] ${VERDICT_WORDS[r.verdict]}  ${r.name}  (${r.passRate.passed}/${r.passRate.total} seeds, ${r.passRate.required} required; ` +
            `backend ${r.generator ?? 'images'}; ${r.images.length} images, ${cached} cached; ${ms(r.durationMs)})`,
        );
        for (const reason of r.reasons) this.line(`      ${reason}`);
        return;
      }
      case 'run-finished': {
        const s = e.result.summary;
        const timings = e.result.timings ? `; generating ${ms(e.result.timings.generateMs)}, scoring ${ms(e.result.timings.scoreMs)}` : '';
        this.line(
          `  ${e.result.complete ? 'finished' : 'cancelled part way'}: ${s.passed} passed, ${s.failed} failed, ${s.beautified} beautified against intent, ${s.errors} errors; ` +
            `${s.images} images (${s.cachedImages} from the cache) in ${ms(s.durationMs)}${timings}`,
        );
        return;
      }
      default:
        return;
    }
  }

  end(runId: string, outcome: RunTestsResult | undefined, error?: unknown): void {
    if (error !== undefined) this.line(`  the run failed: ${error instanceof Error ? error.message : String(error)}`);
    else if (!outcome) this.line('  ended without an outcome');
    else if (outcome.status === 'spec-errors') {
      this.line(`  not run: the specs have errors`);
      for (const { file, diagnostic } of outcome.errors) this.line(`    ${file}:${diagnostic.range.start.line + 1}: ${diagnostic.message}`);
    } else if (outcome.status === 'no-tests') this.line(outcome.filtered ? '  no test matched the selection' : '  the specs hold no tests');
    else if (outcome.status === 'cancelled') this.line('  cancelled before it started');
    else if (outcome.status === 'refused') this.line(`  refused: ${outcome.reason}`);
    else this.line(`  images: ${this.generated} generated, ${this.cached} from the cache`);
    if (this.active === runId) this.active = undefined;
  }

  line(text: string): void {
    this.channel.appendLine(text);
  }

  dispose(): void {
    this.channel.dispose();
  }
}

function ms(n: number): string {
  return n >= 1000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`;
}
