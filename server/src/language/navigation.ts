// Go to definition, find references and rename for `.wabi` files. Pure functions over a SpecWorkspace: the
// LSP layer converts positions and paths, nothing here knows the protocol.
//
// Generator and judge names are the only symbols that cross files. A definition is identified by the file
// that makes it, its name and where its name is written, so two files that both define `sdxl` (each seen by a
// different set of specs) are two symbols, and a duplicate definition in one file is not the first one.
import * as path from 'node:path';
import { BUILTIN_JUDGE } from '../catalogue/schema';
import type { Position, Range } from './ast';
import { lastSetting } from './ast';
import { containsPosition, comparePositions } from './ast';
import type { Location, RenameResult, TextEdit } from './features';
import { scanDefinitionName, splitLines } from './lexer';
import type { Analysis, Definition, Reference } from './analysis';
import type { SpecWorkspace } from './workspace';

const START: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** A generator or judge name under the cursor: a use of it or the name in its definition's header. */
interface NameAt {
  readonly name: string;
  /** The range of the name as written at the cursor (quotes included when the use is quoted). */
  readonly range: Range;
  /** What the name resolves to; undefined when it names nothing of the expected kind. */
  readonly target?: Definition;
  readonly reference?: Reference;
}

function nameAt(analysis: Analysis, pos: Position): NameAt | undefined {
  const def = analysis.definitions.find((d) => containsPosition(d.nameRange, pos));
  if (def) return { name: def.name, range: def.nameRange, target: def };
  const ref = analysis.references.find((r) => containsPosition(r.range, pos));
  if (ref) return { name: ref.name, range: ref.range, target: ref.target, reference: ref };
  return undefined;
}

export function sameDefinition(a: Definition, b: Definition): boolean {
  return (
    a.path === b.path &&
    a.name === b.name &&
    a.nameRange.start.line === b.nameRange.start.line &&
    a.nameRange.start.character === b.nameRange.start.character
  );
}

function location(p: string, range: Range): Location {
  return { path: p, range };
}

// ---- definition ---------------------------------------------------------------------------------------------

/**
 * Where the thing at `pos` is defined:
 * - a generator or judge name (a use, or the definition itself) → the name in its definition header, in
 *   whichever file makes it. A name used as the wrong kind (a generator where a judge is expected) still leads
 *   to what it names, which is what the reader wants to look at;
 * - anywhere on an `import` line → the imported file, at its start;
 * - `baseline` / `input` on the right of an expectation → the test's `baseline` / `input` property (the last
 *   one when it is set twice: that is the one that wins).
 */
export function definition(ws: SpecWorkspace, file: string, pos: Position): Location[] {
  const analysis = ws.analyze(file);
  if (!analysis) return [];

  for (const link of analysis.imports) {
    if (containsPosition(link.block.headerRange, pos)) return link.resolved ? [location(link.resolved, START)] : [];
  }

  const at = nameAt(analysis, pos);
  if (at) {
    const target = at.target ?? analysis.visible.get(at.name);
    return target ? [location(target.path, target.nameRange)] : [];
  }

  for (const test of analysis.tests) {
    if (!containsPosition(test.range, pos)) continue;
    for (const p of test.properties) {
      if (p.value.type !== 'expect') continue;
      const c = p.value.expect.comparand;
      if (c?.type !== 'relative' || !containsPosition(c.ref.range, pos)) continue;
      const ref = c.ref.text;
      const target = lastSetting(test, ref);
      return target ? [location(analysis.path, target.range)] : [];
    }
  }
  return [];
}

// ---- references ---------------------------------------------------------------------------------------------

/** The definition named at `pos`, when it is a generator or judge name that resolves. */
function targetAt(ws: SpecWorkspace, file: string, pos: Position): { analysis: Analysis; at: NameAt; target: Definition } | undefined {
  const analysis = ws.analyze(file);
  if (!analysis) return undefined;
  const at = nameAt(analysis, pos);
  if (!at || !at.target) return undefined;
  return { analysis, at, target: at.target };
}

/** Files that might refer to `def`: every spec of the workspace, plus the asking file and the defining file
 *  (either may lie outside the roots). */
function candidateFiles(ws: SpecWorkspace, file: string, def: Definition): string[] {
  return [...new Set([...ws.specFiles(), path.resolve(file), def.path])].sort();
}

/** Every use of `def` in every spec that can see it, per file. A file whose text does not contain the name is
 *  skipped without being analysed. */
function usesOf(ws: SpecWorkspace, file: string, def: Definition): Map<string, Reference[]> {
  const out = new Map<string, Reference[]>();
  for (const f of candidateFiles(ws, file, def)) {
    const text = ws.getText(f);
    if (text === undefined || !text.includes(def.name)) continue;
    const analysis = ws.analyze(f);
    if (!analysis) continue;
    const refs = analysis.references.filter((r) => r.target && sameDefinition(r.target, def));
    if (refs.length > 0) out.set(analysis.path, refs);
  }
  return out;
}

function byPosition(a: Location, b: Location): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : comparePositions(a.range.start, b.range.start);
}

/**
 * Every use of the generator or judge named at `pos` (at a use or at its definition), in all spec files of the
 * workspace that can see that definition, sorted by file and position. With `includeDeclaration`, the name in
 * the definition header is among them. Empty when the cursor is on nothing that resolves.
 */
export function references(ws: SpecWorkspace, file: string, pos: Position, includeDeclaration: boolean): Location[] {
  const found = targetAt(ws, file, pos);
  if (!found) return [];
  const def = found.target;
  const out: Location[] = [];
  if (includeDeclaration) out.push(location(def.path, def.nameRange));
  for (const [p, refs] of usesOf(ws, file, def)) for (const r of refs) out.push(location(p, r.range));
  return out.sort(byPosition);
}

// ---- rename -------------------------------------------------------------------------------------------------

function lineOf(ws: SpecWorkspace, file: string, line: number): string {
  return splitLines(ws.getText(file) ?? '')[line] ?? '';
}

/** The part of a use to replace: inside the quotes of a quoted use (`generator "sdxl"`) when the name is
 *  spelled there as is; otherwise the whole token, which the new (always valid, unquoted) name replaces. */
function nameRange(ws: SpecWorkspace, file: string, name: string, r: Range): Range {
  if (r.start.line !== r.end.line) return r;
  const line = lineOf(ws, file, r.start.line);
  const written = line.slice(r.start.character, r.end.character);
  if (written === `"${name}"`) {
    return { start: { line: r.start.line, character: r.start.character + 1 }, end: { line: r.end.line, character: r.end.character - 1 } };
  }
  return r;
}

function notRenamable(analysis: Analysis | undefined, pos: Position): { error: string } {
  if (!analysis) return { error: 'This file cannot be read.' };
  const at = nameAt(analysis, pos);
  if (at && !at.target) {
    const other = analysis.visible.get(at.name);
    return {
      error: other
        ? `'${at.name}' is a ${other.kind}, not a ${at.reference?.expected ?? 'name'} here: fix the use before renaming.`
        : `'${at.name}' is not defined, so there is nothing to rename.`,
    };
  }
  if (isBuiltinJudgeAt(analysis, pos)) return { error: `'${BUILTIN_JUDGE}' is the built-in intent judge: it has no declaration to rename.` };
  return { error: 'Only generator and judge names can be renamed.' };
}

/** Whether `pos` is on the value of an audit's `judge traits` line. */
function isBuiltinJudgeAt(analysis: Analysis, pos: Position): boolean {
  return analysis.audits.some((a) =>
    a.properties.some((p) => p.key.text === 'judge' && p.value.type === 'word' && p.value.text === BUILTIN_JUDGE && containsPosition(p.value.range, pos)),
  );
}

/** The range of the generator or judge name at `pos`, ready to be renamed, or why it cannot be. */
export function prepareRename(ws: SpecWorkspace, file: string, pos: Position): Range | { error: string } {
  const found = targetAt(ws, file, pos);
  if (!found) return notRenamable(ws.analyze(file), pos);
  return nameRange(ws, found.analysis.path, found.at.name, found.at.range);
}

function describe(from: string, def: Definition): string {
  const rel = path.relative(path.dirname(from), def.path) || path.basename(def.path);
  return `the ${def.kind} on line ${def.nameRange.start.line + 1} of ${rel}`;
}

/**
 * Renames the generator or judge named at `pos`: its definition and every use in every spec that can see it.
 * Refuses a new name that is not a valid definition name, one that any file that can see the definition
 * already knows (it would clash or capture), one used there unresolved (renaming would silently make that
 * use resolve), and anything that is not a generator or judge name.
 */
export function rename(ws: SpecWorkspace, file: string, pos: Position, newName: string): RenameResult {
  const found = targetAt(ws, file, pos);
  if (!found) return notRenamable(ws.analyze(file), pos);
  const def = found.target;
  if (newName.length === 0 || scanDefinitionName(newName, 0, newName.length) !== newName.length) {
    return { error: `'${newName}' is not a valid ${def.kind} name: a letter, then letters, digits and '_', with '-' or '.' between them.` };
  }
  if (newName === def.name) return { edit: { changes: {} } };
  if (def.kind === 'judge' && newName === BUILTIN_JUDGE) {
    return { error: `'${BUILTIN_JUDGE}' is the name of the built-in intent judge: a judge cannot take it.` };
  }

  // Every file that can see the definition is affected: its own name table must not already hold the new one.
  const affected = new Set([def.path, found.analysis.path, ...ws.dependents(def.path)]);
  for (const f of [...affected].sort()) {
    const analysis = ws.analyze(f);
    if (!analysis) continue;
    const seen = analysis.visible.get(def.name);
    if (f !== def.path && !(seen && sameDefinition(seen, def))) continue;
    const clash = analysis.visible.get(newName);
    if (clash) return { error: `'${newName}' already exists: ${describe(found.analysis.path, clash)}.` };
    const captured = analysis.references.find((r) => r.name === newName);
    if (captured) {
      const rel = path.relative(path.dirname(found.analysis.path), f) || path.basename(f);
      return { error: `'${newName}' is already used on line ${captured.range.start.line + 1} of ${rel}, where it names nothing: renaming would capture that use.` };
    }
  }

  const changes: Record<string, TextEdit[]> = {};
  const add = (p: string, r: Range) => (changes[p] ??= []).push({ range: r, newText: newName });
  add(def.path, def.nameRange);
  for (const [p, refs] of usesOf(ws, file, def)) for (const r of refs) add(p, nameRange(ws, p, def.name, r.range));
  for (const p of Object.keys(changes)) {
    const seen = new Set<string>();
    changes[p] = changes[p]
      .filter((e) => {
        const key = `${e.range.start.line}:${e.range.start.character}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      })
      .sort((a, b) => comparePositions(a.range.start, b.range.start));
  }
  return { edit: { changes } };
}
