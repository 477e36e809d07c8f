// The workspace's last results: per test, the latest result and the one before it, kept in
// `<workspace>/.wabi/results.json` so an editor shows verdicts, diagnostics and images again after a reload, and can
// compare a test with its previous run. Written whole to a temp file and renamed, so a crash never leaves half a file;
// a file that cannot be read is treated as empty (it only holds what the next run makes again).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestResult } from '../runner/results';
import { testId } from './testId';

export const RESULTS_FILE = path.join('.wabi', 'results.json');
const SCHEMA = 'wabi-results';
const VERSION = 1;

export interface StoredTest {
  readonly id: string;
  readonly finishedAt: string;
  readonly last: TestResult;
  readonly previous?: TestResult;
}

interface StoreFile {
  readonly schema: typeof SCHEMA;
  readonly version: typeof VERSION;
  readonly tests: Record<string, StoredTest>;
}


export class ResultStore {
  private tests: Record<string, StoredTest> | undefined;

  constructor(readonly file: string) {}

  static forWorkspace(root: string): ResultStore {
    return new ResultStore(path.join(root, RESULTS_FILE));
  }

  /** Stored results, all or those of some specs. */
  read(specs?: readonly string[]): StoredTest[] {
    const all = Object.values(this.load());
    if (!specs) return all;
    const wanted = new Set(specs.map((s) => path.resolve(s)));
    return all.filter((t) => wanted.has(t.last.spec));
  }

  get(id: string): StoredTest | undefined {
    return this.load()[id];
  }

  /** Keeps these results as the latest of their tests; what was latest becomes previous. */
  async record(results: readonly TestResult[], finishedAt: string): Promise<void> {
    const tests = { ...this.load() };
    for (const r of results) {
      const id = testId(r.spec, r.name, r.variant);
      tests[id] = { id, finishedAt, last: r, ...(tests[id] ? { previous: tests[id].last } : {}) };
    }
    this.tests = tests;
    const body: StoreFile = { schema: SCHEMA, version: VERSION, tests };
    await fs.promises.mkdir(path.dirname(this.file), { recursive: true });
    const temp = `${this.file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    await fs.promises.writeFile(temp, JSON.stringify(body));
    await fs.promises.rename(temp, this.file);
  }

  /** Forgets tests whose spec no longer has a test of that name. */
  prune(keep: (id: string) => boolean): void {
    const tests = this.load();
    for (const id of Object.keys(tests)) if (!keep(id)) delete tests[id];
  }

  private load(): Record<string, StoredTest> {
    if (this.tests) return this.tests;
    try {
      const parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Partial<StoreFile>;
      this.tests = parsed.schema === SCHEMA && parsed.version === VERSION && parsed.tests && typeof parsed.tests === 'object' ? parsed.tests : {};
    } catch {
      this.tests = {};
    }
    return this.tests;
  }
}
