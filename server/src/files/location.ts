// A place in a text file: zero-based line/character pairs (UTF-16 code units, as JavaScript strings index them),
// the form LSP uses, so the editor can pass them through unchanged. The syntax tree, resolved specs, run results
// and judge errors all point into specs with these.

export interface Position {
  readonly line: number;
  readonly character: number;
}

export interface Range {
  readonly start: Position;
  readonly end: Position;
}
