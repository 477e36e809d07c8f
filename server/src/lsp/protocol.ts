// Wabi's LSP extensions for running tests (docs/editor-protocol.md): method names and message shapes, shared by the
// server and the VS Code client. Types only and string constants, so the client bundles nothing of the engine.
import type { Range } from '../files/location';
import type { RunOutcome, SessionEvent } from '../engine/runSession';
import type { StoredTest } from '../engine/resultStore';

export const DISCOVER_TESTS = 'wabi/discoverTests';
export const RUN_TESTS = 'wabi/runTests';
export const CANCEL_RUN = 'wabi/cancelRun';
export const RUN_EVENT = 'wabi/runEvent';
export const LAST_RESULTS = 'wabi/lastResults';
export const SECRET = 'wabi/secret';
export const WORKSPACE_TRUSTED = 'wabi/workspaceTrusted';

export { testId } from '../engine/testId';

export interface DiscoverTestsParams {
  readonly files?: readonly string[];
}

export interface DiscoveredTest {
  readonly id: string;
  readonly name: string;
  readonly range: Range;
  readonly headerRange: Range;
  readonly tags: readonly string[];
  readonly seeds: readonly number[];
  readonly requiredSeeds: number;
  /** An `images` test: its "seeds" are its files, 1..n. */
  readonly images: boolean;
}

export interface DiscoveredFile {
  readonly path: string;
  readonly tests: readonly DiscoveredTest[];
  /** Error diagnostics in the file: a run of it would stop before generating anything. */
  readonly errors: number;
}

export interface DiscoverTestsResult {
  readonly files: readonly DiscoveredFile[];
}

export interface RunSelection {
  readonly path: string;
  readonly name?: string;
  readonly line?: number;
  readonly seed?: number;
}

export interface RunTestsParams {
  readonly runId: string;
  readonly include?: readonly RunSelection[];
  readonly regenerate?: boolean;
}

export type RunTestsResult = RunOutcome | { readonly status: 'refused'; readonly reason: string };

export interface CancelRunParams {
  readonly runId: string;
}

export interface RunEventParams {
  readonly runId: string;
  readonly event: SessionEvent;
}

export interface LastResultsParams {
  readonly files?: readonly string[];
}

export type StoredResult = StoredTest;

export interface LastResultsResult {
  readonly tests: readonly StoredResult[];
}

export interface SecretParams {
  readonly name: string;
}

export interface SecretResult {
  readonly value?: string;
}
