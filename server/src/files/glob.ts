// Glob matching for `images` patterns: `*`, `?`, `[abc]`, `{jpg,png}` within a path segment and `**` across
// folders. Walks through a SpecHost so the language service and the runner see the same matches.
import * as path from 'node:path';
import type { SpecHost } from './host';

export function isGlobPattern(p: string): boolean {
  return /[*?[{]/.test(p);
}

/** Converts one path segment of a glob to an anchored regular expression. */
export function segmentRegExp(segment: string): RegExp {
  let re = '';
  let inBraces = false;
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        const body = segment.slice(i + 1, close).replace(/\\/g, '\\\\');
        re += '[' + (body.startsWith('!') ? '^' + body.slice(1) : body) + ']';
        i = close;
      }
    } else if (c === '{') {
      inBraces = true;
      re += '(?:';
    } else if (c === '}' && inBraces) {
      inBraces = false;
      re += ')';
    } else if (c === ',' && inBraces) re += '|';
    else re += c.replace(/[.+^$()|\\]/g, '\\$&');
  }
  if (inBraces) re += ')';
  return new RegExp('^' + re + '$');
}

/** The folder a pattern starts walking from: its segments before the first one with a wildcard, resolved
 *  against `base` (`../shots/*.png` walks `../shots`). The whole pattern's folder when it has no wildcard. */
export function globRoot(base: string, pattern: string): string {
  const segments = pattern.split('/');
  const wild = segments.findIndex(isGlobPattern);
  const fixed = wild < 0 ? segments.slice(0, -1) : segments.slice(0, wild);
  return path.resolve(base, fixed.join('/') || '.');
}

export interface GlobOptions {
  /** Stop after this many matches (the language service only needs to know whether there is one). */
  readonly limit?: number;
  /** Stop after visiting this many folder entries, so a pattern over a huge tree stays bounded. */
  readonly maxVisits?: number;
}

/** Files under `base` matching `pattern` (relative, `/`-separated), sorted. Dot-files match only explicitly. */
export function glob(host: SpecHost, base: string, pattern: string, options: GlobOptions = {}): string[] {
  const limit = options.limit ?? Infinity;
  let visits = options.maxVisits ?? 50_000;
  const segments = pattern.split('/').filter((s) => s !== '' && s !== '.');
  const out: string[] = [];

  const walk = (dir: string, i: number): void => {
    if (out.length >= limit || visits <= 0) return;
    if (i === segments.length) return;
    const seg = segments[i];
    const last = i === segments.length - 1;
    if (seg === '**') {
      walk(dir, i + 1);
      for (const e of host.readDir(dir)) {
        if (--visits <= 0 || out.length >= limit) return;
        if (e.kind === 'dir' && !e.name.startsWith('.') && e.name !== 'node_modules') walk(path.join(dir, e.name), i);
      }
      return;
    }
    if (seg === '..') {
      walk(path.dirname(dir), i + 1);
      return;
    }
    if (!isGlobPattern(seg)) {
      const next = path.join(dir, seg);
      const kind = host.stat(next);
      if (last ? kind === 'file' : kind === 'dir') {
        if (last) out.push(next);
        else walk(next, i + 1);
      }
      return;
    }
    const re = segmentRegExp(seg);
    const entries = host.readDir(dir).slice().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (--visits <= 0 || out.length >= limit) return;
      if (e.name.startsWith('.') && !seg.startsWith('.')) continue;
      if (!re.test(e.name)) continue;
      const next = path.join(dir, e.name);
      if (last) {
        if (e.kind === 'file') out.push(next);
      } else if (e.kind === 'dir') walk(next, i + 1);
    }
  };

  if (path.isAbsolute(pattern)) walk(path.parse(pattern).root, 0);
  else walk(base, 0);
  return [...new Set(out)].sort();
}
