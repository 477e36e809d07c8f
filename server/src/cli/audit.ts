// `wabi audit`: does a judge (a reward model, a CLIP encoder, an aesthetic head) score the image that honours an
// anti-aesthetic prompt above a polished one? Either one audit of `--pairs` with the `--judge`s named (declared in
// the specs found, or built in), or every `audit` block of the specs. Exit codes: 0 every judge reached the
// required accuracy (or none was required), 1 some judge fell under it (or the audit was stopped), 2 usage,
// spec or configuration errors, or no pair could be used.
import * as path from 'node:path';
import type { JudgeDeclaration } from '../catalogue/declarations';
import { PROVIDER_SETTINGS, type ProviderSetting } from '../catalogue/providers';
import { loadSpecs } from '../engine/specs';
import { confinedHost, nodeHost, type SpecHost } from '../files/host';
import { displayPath } from '../files/paths';
import { markedRoot } from '../files/projectRoot';
import type { ResolvedSpec } from '../language/resolved';
import { ResultCache, resolveCacheRoot } from '../runner/resultCache';
import { JudgePool } from '../scoring/judges/pool';
import { BUILTIN_JUDGES } from '../audit/judges';
import { explanationText, intentReadings, unmatchedSummary } from '../audit/intentReadings';
import { formatPairError } from '../audit/pairs';
import { AuditCancelled, auditPlanOf, runAudit, suggestion, type AuditJudgeSource, type AuditPlan, type AuditReport } from '../audit/session';
import { auditJsonText, auditText, createAuditProgress, parseAuditReporters, writeAuditReports, type AuditReporterName } from '../audit/reporters/index';
import { UsageError, parseArgs, type ParsedArgs } from './args';
import { formatDiagnostic } from './check';
import { findSpecs } from './specFiles';

const FLAGS = ['--json', '--no-cache', '--allow-outside', '--quiet', '--explain'];
const VALUED = ['--pairs', '--judge', '--min-accuracy', '--reporter', '--out', '--cache', '--provider', '--judge-batch'];

interface Settings {
  readonly provider: ProviderSetting;
  readonly minAccuracy?: number;
  readonly reporters: AuditReporterName[];
  readonly judges: string[];
  readonly pairs?: string;
  readonly judgeBatch?: number;
}

export async function runAuditCommand(argv: readonly string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const args = parseArgs(argv, FLAGS, VALUED);
  const settings = readSettings(args);
  const cwd = process.cwd();
  const allowOutside = args.flags.has('--allow-outside');
  const specs = findSpecs(args.operands);
  const loaded = loadSpecs(specs.files, { projects: allowOutside ? undefined : specs.roots });
  if (loaded.errors.length > 0) {
    for (const { file, diagnostic } of loaded.errors) err(formatDiagnostic(file, diagnostic));
    err(`wabi: ${loaded.errors.length} error${loaded.errors.length === 1 ? '' : 's'} in the specs; nothing was audited (see wabi check).`);
    return 2;
  }
  const { plans, host } = settings.pairs !== undefined ? pairsPlan(settings, loaded.specs, allowOutside) : blockPlans(settings, loaded.specs, loaded.host);

  const store = args.flags.has('--no-cache') ? undefined : await ResultCache.open(resolveCacheRoot(cwd, args.flags.get('--cache') as string | undefined));
  const ci = process.env.CI === 'true' || process.env.CI === '1' || !process.stderr.isTTY;
  const progress = args.flags.has('--quiet') ? undefined : createAuditProgress(process.stderr, { ci });
  const pool = new JudgePool({ provider: settings.provider, log: (line) => err(line), ...(settings.judgeBatch ? { maxBatch: settings.judgeBatch } : {}) });
  const stop = new AbortController();
  const onSignal = () => {
    if (stop.signal.aborted) process.exit(130);
    err('\nwabi: stopping; finished scores are kept in the cache (press Ctrl+C again to quit now).');
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const reports: AuditReport[] = [];
  try {
    for (const plan of plans) {
      reports.push(await runAudit(plan, { host, pool, store, signal: stop.signal, onEvent: progress, builtin: { provider: settings.provider, log: (line) => err(line) } }));
    }
  } catch (e) {
    if (e instanceof AuditCancelled) return 1;
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await pool.close();
  }
  return report(reports, settings, args, { cwd, single: settings.pairs !== undefined, out, err });
}

function readSettings(args: ParsedArgs): Settings {
  const provider = (args.flags.get('--provider') ?? 'auto') as ProviderSetting;
  if (!PROVIDER_SETTINGS.includes(provider)) throw new UsageError(`--provider must be one of ${PROVIDER_SETTINGS.join(', ')}`);
  let reporters: AuditReporterName[];
  try {
    reporters = parseAuditReporters(String(args.flags.get('--reporter') ?? ''));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const min = args.flags.get('--min-accuracy');
  const minAccuracy = min === undefined ? undefined : Number(min);
  if (minAccuracy !== undefined && (typeof min !== 'string' || min.trim() === '' || !(minAccuracy >= 0 && minAccuracy <= 1))) {
    throw new UsageError(`--min-accuracy must be a number from 0 to 1 (a share of pairs); got '${min}'`);
  }
  const judges = (args.values.get('--judge') ?? []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  const pairs = args.flags.get('--pairs') as string | undefined;
  if (pairs === undefined && judges.length > 0) throw new UsageError('--judge needs --pairs (an audit block names its own judges)');
  if (pairs !== undefined && judges.length === 0) throw new UsageError('--pairs needs at least one --judge NAME');
  const batch = args.flags.get('--judge-batch');
  const judgeBatch = batch === undefined ? undefined : Number(batch);
  if (judgeBatch !== undefined && !(Number.isInteger(judgeBatch) && judgeBatch >= 1 && judgeBatch <= 256)) {
    throw new UsageError(`--judge-batch must be a whole number from 1 to 256; got '${batch}'`);
  }
  return { provider, minAccuracy, reporters, judges, pairs, judgeBatch };
}

/** The one audit of `--pairs`, its images read only inside the pairs' project unless --allow-outside. */
function pairsPlan(settings: Settings, specs: readonly ResolvedSpec[], allowOutside: boolean): { plans: AuditPlan[]; host: SpecHost } {
  const abs = path.resolve(settings.pairs!);
  const kind = nodeHost.stat(abs);
  if (kind === undefined) throw new UsageError(`--pairs ${settings.pairs}: no such file or folder`);
  const folder = kind === 'dir' ? abs : path.dirname(abs);
  const root = markedRoot(folder) ?? folder;
  const host = allowOutside ? nodeHost : confinedHost(nodeHost, () => [root]);
  const judges = settings.judges.map((name) => judgeSource(name, specs));
  return { plans: [{ name: settings.pairs!, pairs: abs, judges, minAccuracy: settings.minAccuracy }], host };
}

/** Every audit block of the specs (each once, however many specs import its file). */
function blockPlans(settings: Settings, specs: readonly ResolvedSpec[], host: SpecHost): { plans: AuditPlan[]; host: SpecHost } {
  const seen = new Set<string>();
  const plans: AuditPlan[] = [];
  for (const audit of specs.flatMap((s) => s.audits)) {
    const id = `${audit.spec}#${audit.headerRange.start.line}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const plan = auditPlanOf(audit);
    plans.push(settings.minAccuracy === undefined ? plan : { ...plan, minAccuracy: settings.minAccuracy });
  }
  if (plans.length === 0) throw new UsageError('no --pairs given, and the specs found hold no audit block');
  return { plans, host };
}

/** A judge named on the command line: declared in the specs found (exactly one declaration), else built in. */
function judgeSource(name: string, specs: readonly ResolvedSpec[]): AuditJudgeSource {
  const found = new Map<string, JudgeDeclaration>();
  const names = new Set<string>(Object.keys(BUILTIN_JUDGES));
  for (const spec of specs) {
    for (const [key, decl] of spec.judges) {
      if (key.includes(':')) continue; // `clip:default`, an alias
      names.add(key);
      if (key === name) found.set(`${decl.file}#${decl.name}`, decl);
    }
  }
  if (found.size === 1) return { name, declaration: [...found.values()][0] };
  if (found.size > 1) {
    const where = [...found.values()].map((d) => `${displayPath(d.file)}:${d.headerRange.start.line + 1}`).join(' and ');
    throw new UsageError(`judge '${name}' is declared in ${where}; give the spec whose judge you mean (wabi audit SPEC --pairs ...)`);
  }
  if (Object.hasOwn(BUILTIN_JUDGES, name)) return { name };
  throw new UsageError(`unknown judge '${name}'${suggestion(name, [...names])}${names.size === 0 ? ': declare it in a judge block of a spec here, or give the spec (wabi audit SPEC --pairs ...)' : ''}`);
}

interface Output {
  readonly cwd: string;
  readonly single: boolean;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

async function report(reports: readonly AuditReport[], settings: Settings, args: ParsedArgs, o: Output): Promise<number> {
  for (const r of reports) for (const e of r.errors) o.err(formatPairError(e, o.cwd));
  if (args.flags.has('--json')) o.out(auditJsonText(reports, o.cwd, o.single).trimEnd());
  else {
    for (const r of reports) {
      for (const line of auditText(r)) o.out(line);
      const readings = intentReadings(r);
      if (args.flags.has('--explain')) for (const line of explanationText(readings)) o.out(line);
      else {
        const summary = unmatchedSummary(readings);
        if (summary) o.out(summary);
      }
    }
  }
  if (settings.reporters.length > 0) {
    const dir = path.resolve(o.cwd, String(args.flags.get('--out') ?? 'wabi-report'));
    const written = await writeAuditReports(reports, settings.reporters, dir, { relativeTo: o.cwd, single: o.single });
    for (const f of written) o.err(`wrote ${path.relative(o.cwd, f) || f}`);
  }
  const empty = reports.filter((r) => r.pairs.length === 0);
  for (const r of empty) o.err(`wabi: no pair of ${displayPath(r.source)} could be used (${r.errors.length} bad row${r.errors.length === 1 ? '' : 's'}).`);
  if (empty.length > 0) return 2;
  return reports.every((r) => r.passed) ? 0 : 1;
}
