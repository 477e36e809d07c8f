// Placeholder for the gallery branch, replaced on merge: the interface the image gallery exports, so the client
// compiles before the gallery lands. Nothing here is the gallery.
import type * as vscode from 'vscode';
import type { TestResult } from '../../../server/src/runner/results';

export interface GalleryEntry {
  readonly id: string;
  readonly last?: TestResult;
  readonly previous?: TestResult;
  readonly live?: {
    readonly images: ReadonlyArray<{ seed: number; role: 'prompt' | 'baseline' | 'input'; file: string; traits?: Record<string, number> }>;
  };
}

export interface GallerySource {
  entries(ids?: readonly string[]): GalleryEntry[];
  readonly onDidChange: vscode.Event<readonly string[]>;
  roots(): vscode.Uri[];
}

export function registerGallery(_context: vscode.ExtensionContext, _source: GallerySource): { show(ids?: readonly string[], title?: string): void } {
  throw new Error('not yet');
}
