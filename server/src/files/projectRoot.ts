// A spec's project on the command line: the folder it may read files in (imports, inputs, images, workflows,
// models). The editor's is its workspace folders; the CLI's is the nearest folder above the spec holding `.git`
// (a repository) or `.wabi` (where Wabi keeps its cache and results), else the folder given on the command line
// (a spec given as a file: its own folder). `--allow-outside` lifts the bound for users who mean it.
import * as fs from 'node:fs';
import * as path from 'node:path';

const MARKERS = ['.git', '.wabi'];

/** The nearest folder at or above `dir` that holds a project marker, or undefined. */
export function markedRoot(dir: string): string | undefined {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    if (MARKERS.some((m) => fs.existsSync(path.join(at, m)))) return at;
    if (path.dirname(at) === at) return undefined;
  }
}

/** The project folder of `spec`, found under the command-line folder `given` (or given itself). */
export function projectRoot(spec: string, given: string): string {
  return markedRoot(path.dirname(spec)) ?? given;
}
