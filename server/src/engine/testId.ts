// A test's id: its spec's path and its name, stable across edits. The result store keys results by it, and an
// editor names its test items with it; this module imports nothing, so an editor's bundle takes only this.
// In a compare run each generator's run of a test is its own result: `variant` (the generator) tells them apart.
export function testId(spec: string, name: string, variant?: string): string {
  return variant === undefined ? `${spec}#${name}` : `${spec}#${name} [${variant}]`;
}
