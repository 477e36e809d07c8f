// The engine's run session on real specs and images (the degrade generator and the real trait model): specs with
// errors stop it before anything runs, events arrive in order, filters select by name, file and location, a
// cancelled run keeps the tests that finished, and runs started together go one after another.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunEngine, startRun, type RunOutcome, type RunRequest, type SessionEvent } from '../../server/src/engine/runSession';
import { coffeeSpec } from './helpers/coffeeSpec';

const PHOTOS = path.resolve(__dirname, '../../../test/fixtures/photos');
let dir: string;
let spec: string;
let other: string;

const SPEC = coffeeSpec('photos/coffee.jpg');

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-session-'));
  fs.mkdirSync(path.join(dir, 'photos'));
  fs.copyFileSync(path.join(PHOTOS, 'coffee.jpg'), path.join(dir, 'photos/coffee.jpg'));
  spec = path.join(dir, 'spec.wabi');
  other = path.join(dir, 'other.wabi');
  fs.writeFileSync(spec, SPEC);
  fs.writeFileSync(other, 'import "spec.wabi"\ntest "other grain"\n  generator reference\n  prompt grain\n  expect grain >= 0.5\n');
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

function request(over: Partial<RunRequest> = {}): RunRequest {
  return { files: [spec, other], cacheDir: path.join(dir, 'cache'), env: { env: {} }, provider: 'cpu', ...over };
}

const ran = (o: RunOutcome) => {
  assert.equal(o.status, 'ran', JSON.stringify(o));
  return (o as Extract<RunOutcome, { status: 'ran' }>).result;
};

test('events arrive in order, from the plan to the run result', async () => {
  const events: SessionEvent[] = [];
  const result = ran(await startRun(request({ files: [spec], onEvent: (e) => events.push(e) })).outcome);
  assert.deepEqual(result.tests.map((t) => [t.name, t.verdict]), [
    ['grainy coffee', 'pass'],
    ['blurry coffee', 'pass'],
    ['washed-out coffee', 'pass'],
  ]);
  const first = events[0] as Extract<SessionEvent, { type: 'run-planned' }>;
  assert.equal(first.type, 'run-planned');
  assert.deepEqual(first.tests.map((t) => [t.name, t.range.start.line, t.seeds, t.requiredSeeds]), [
    ['grainy coffee', 10, [1, 2], 2],
    ['blurry coffee', 15, [1, 2], 2],
    ['washed-out coffee', 19, [1, 2], 2],
  ]);
  // Per test: started, its images generated, then scored, its expectations decided, then finished.
  const order = events.slice(1).map((e) => e.type);
  assert.equal(order[0], 'run-started');
  assert.equal(order[order.length - 1], 'run-finished');
  const perTest = new Map<string, string[]>();
  for (const e of events) {
    const name = 'test' in e ? e.test : e.type === 'test-finished' ? e.result.name : undefined;
    if (name !== undefined) perTest.set(name, [...(perTest.get(name) ?? []), e.type]);
  }
  assert.deepEqual(perTest.get('grainy coffee'), [
    'test-started',
    'image-generated', 'image-generated', 'image-generated', 'image-generated',
    'image-scored', 'image-scored', 'image-scored', 'image-scored',
    'expectation-decided',
    'test-finished',
  ]);
  const finished = events.findIndex((e) => e.type === 'test-finished');
  const nextStarted = events.findIndex((e, i) => i > finished && e.type === 'test-started');
  assert.ok(finished < nextStarted, 'tests run one after another');
});

test('filters select by name, by file and by a line inside a test', async () => {
  const names = async (filter: RunRequest['filter']) => ran(await startRun(request({ filter })).outcome).tests.map((t) => t.name);
  assert.deepEqual(await names({ name: 'COFFEE' }), ['grainy coffee', 'blurry coffee', 'washed-out coffee']);
  assert.deepEqual(await names({ name: 'grain' }), ['grainy coffee', 'other grain']);
  assert.deepEqual(await names({ files: [other] }), ['other grain']);
  assert.deepEqual(await names({ location: { file: spec, line: 17 } }), ['blurry coffee'], 'the expect line of the second test');
  assert.deepEqual(await names({ location: { file: spec, line: 10 } }), ['grainy coffee'], 'the header line');
  assert.deepEqual(await startRun(request({ filter: { location: { file: spec, line: 2 } } })).outcome, { status: 'no-tests', filtered: true }, 'a generator block holds no test');
});

test('a spec with errors runs nothing and says where', async () => {
  const bad = path.join(dir, 'bad.wabi');
  fs.writeFileSync(bad, 'test "x"\n  generator nowhere\n  prompt p\n  expect grian >= 0.5\n');
  const events: SessionEvent[] = [];
  const outcome = await startRun(request({ files: [spec, bad], onEvent: (e) => events.push(e) })).outcome;
  assert.equal(outcome.status, 'spec-errors');
  const errors = (outcome as Extract<RunOutcome, { status: 'spec-errors' }>).errors;
  assert.deepEqual(errors.map((e) => [path.basename(e.file), e.diagnostic.range.start.line, e.diagnostic.code]), [
    ['bad.wabi', 1, 'unknown-generator'],
    ['bad.wabi', 3, 'unknown-trait'],
  ]);
  assert.deepEqual(events, []);
  fs.rmSync(bad);
});

test('cancelling keeps the tests that finished; a queued run waits its turn, and leaves the line when cancelled', async () => {
  const engine = new RunEngine();
  const cacheDir = path.join(dir, 'cancel-cache');
  const events: SessionEvent[] = [];
  const first = engine.start(
    request({
      files: [spec],
      cacheDir,
      freshCache: true,
      onEvent: (e) => {
        events.push(e);
        // Stop as soon as the first test has its verdict.
        if (e.type === 'test-finished' && e.done === 1) first.cancel();
      },
    }),
  );
  const queuedEvents: SessionEvent[] = [];
  const second = engine.start(request({ files: [spec], filter: { name: 'grainy' }, cacheDir, onEvent: (e) => queuedEvents.push(e) }));
  const third = engine.start(request({ files: [spec], cacheDir }));
  third.cancel();
  assert.deepEqual(queuedEvents, [{ type: 'run-queued', ahead: 1 }]);

  const result = ran(await first.outcome);
  assert.equal(result.complete, false);
  assert.deepEqual(result.tests.map((t) => [t.name, t.verdict]), [['grainy coffee', 'pass']], 'the finished test is kept');
  assert.equal(events[events.length - 1].type, 'run-finished');
  assert.ok(!events.some((e) => e.type === 'test-started' && e.test === 'washed-out coffee'), 'nothing starts after the cancel');

  const again = ran(await second.outcome);
  assert.equal(queuedEvents[1].type, 'run-planned', 'the queued run starts once the first has ended');
  assert.deepEqual(again.tests.map((t) => t.verdict), ['pass']);
  assert.ok(again.tests[0].images.every((i) => i.cached), "the cancelled run's finished images are reused");
  assert.deepEqual(await third.outcome, { status: 'cancelled' });
});
