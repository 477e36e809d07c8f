// A test's id: its spec's path and its name, stable across edits. The result store keys results by it, and an
// editor names its test items with it; this module imports nothing, so an editor's bundle takes only this.
export function testId(spec: string, name: string): string {
  return `${spec}#${name}`;
}
