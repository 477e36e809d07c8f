// The end-to-end test that runs INSIDE the VS Code extension host (code-server 4.100.3 = VS Code 1.100.3),
// loaded through `extensionTestsPath` by test/e2e/run.mjs. Plain CommonJS: VS Code requires it and calls
// run(); the promise settling decides the exit code the runner receives (resolve = 0, reject = 1).
//
// It works on the fixture workspace the runner writes (cow.wabi), through the public `vscode` API only:
//   1. the extension is present, and activates by itself when a .wabi file is open;
//   2. an unknown trait typed into the spec (`expect  grian >= 0.6`) gets a diagnostic on exactly that line
//      naming `grian` and suggesting `grain`, and nothing else in the (otherwise valid) file is an error;
//   3. completion after `expect  ` offers trait names (grain, blur, polish);
//   4. the Test Explorer lists the examples' tests; a degrade test run at the cursor passes;
//   5. the aligned-model test is beautified against intent, with a result diagnostic on its expect line, which
//      goes when the text of the test is edited;
//   6. a run cancelled after its first test keeps that test's result and ends;
//   7. a continuous run of a test reruns it when its spec is saved.
// Between steps it hands over to the runner (through files in <tmp>/sync, beside the workspace) so that
// Playwright can screenshot and check the same state in the real UI: the squiggle, its hover, and the
// completion widget opened with Ctrl+Space. Without a sync folder (run some other way) those pauses are skipped.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const vscode = require('vscode');

const EXTENSION_ID = 'wabi.wabi';
const SPEC = 'cow.wabi';
const EXPECTED_TRAITS = ['grain', 'blur', 'polish'];

const log = (...args) => console.log('[wabi-e2e]', ...args);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a truthy value; throws `describe()`'s text after `timeoutMs`. */
async function waitFor(what, probe, { timeoutMs = 30_000, intervalMs = 100, describe } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}` + (describe ? `\n${describe()}` : ''));
    }
    await sleep(intervalMs);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

const showDiagnostics = (list) =>
  list.length
    ? list
        .map((d) => `  line ${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}` +
          ` [${vscode.DiagnosticSeverity[d.severity]}] ${d.message}`)
        .join('\n')
    : '  (none)';

const labelOf = (item) => (typeof item.label === 'string' ? item.label : item.label.label);

/**
 * Hands over to the runner for the UI part of a step: writes <sync>/<step>.ready and waits for <step>.done.
 * The runner writes its verdict into .done; a failed UI check fails the test here too.
 */
async function handOver(syncDir, step, info) {
  if (!syncDir) return;
  // Written whole, then renamed: the runner polls for the name and must never read half a file.
  const ready = path.join(syncDir, `${step}.ready`);
  fs.writeFileSync(`${ready}.tmp`, JSON.stringify(info));
  fs.renameSync(`${ready}.tmp`, ready);
  log(`waiting for the runner's UI check '${step}'`);
  const done = path.join(syncDir, `${step}.done`);
  await waitFor(`the runner to finish '${step}'`, () => fs.existsSync(done), { timeoutMs: 60_000 });
  const verdict = JSON.parse(fs.readFileSync(done, 'utf8'));
  assert(verdict.ok, `UI check '${step}' failed: ${verdict.error}`);
  log(`UI check '${step}' passed`);
}

/**
 * Saves a document. In code-server, save() sometimes answers false with the document still dirty, and the text
 * reaches the disk a moment later (seen on the first save after the extension activates; why is not known). What
 * the server reads is the disk, so that decides: it must hold the text within 5 s.
 */
async function save(doc) {
  if (await doc.save()) return;
  const onDisk = () => !doc.isDirty && fs.readFileSync(doc.uri.fsPath, 'utf8') === doc.getText();
  log(`save() answered false for ${path.basename(doc.uri.fsPath)} (dirty: ${doc.isDirty}, on disk: ${onDisk()}); waiting for the disk`);
  await waitFor(`${path.basename(doc.uri.fsPath)} to be saved`, onDisk, { timeoutMs: 5_000, intervalMs: 200 });
}

async function run() {
  try {
    await checks();
  } catch (e) {
    log(`FAILED: ${e?.message ?? e}`); // the runner picks this line out of the console
    throw e;
  }
}

async function checks() {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert(folder, 'No workspace folder is open.');
  const syncDir = path.join(path.dirname(folder.uri.fsPath), 'sync');
  const sync = fs.existsSync(syncDir) ? syncDir : undefined;
  const phaseFile = path.join(path.dirname(folder.uri.fsPath), 'phase.json');
  const phase = fs.existsSync(phaseFile) ? JSON.parse(fs.readFileSync(phaseFile, 'utf8')).phase : 'trusted';
  log(`workspace ${folder.uri.fsPath}; ${phase} window; UI hand-over ${sync ? 'on' : 'off'}`);
  if (phase === 'untrusted') return untrustedChecks(folder, sync);
  if (phase === 'bench') return galleryBenchmark(folder);

  // --- 1. the extension is there and activates on its own ---------------------------------------------
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert(ext, `Extension ${EXTENSION_ID} is not loaded. Loaded: ` +
    vscode.extensions.all.filter((e) => !e.id.startsWith('vscode.')).map((e) => e.id).join(', '));

  const uri = vscode.Uri.joinPath(folder.uri, SPEC);
  const doc = await vscode.workspace.openTextDocument(uri);
  assert(doc.languageId === 'wabi', `${SPEC} opened with language '${doc.languageId}', expected 'wabi'.`);
  const editor = await vscode.window.showTextDocument(doc, { preview: false });

  await waitFor(`${EXTENSION_ID} to activate`, () => ext.isActive, { timeoutMs: 30_000 });
  log(`${EXTENSION_ID} ${ext.packageJSON.version} is active`);

  // --- 2. a diagnostic for an unknown trait, on the line that has it -------------------------------------
  // Insert the bad line right after the fixture's valid `expect  grain >= 0.6`.
  const goodLine = doc.getText().split('\n').findIndex((l) => /^\s+expect\s+grain\b/.test(l));
  assert(goodLine >= 0, `The fixture ${SPEC} has no 'expect  grain' line.`);
  const badLine = goodLine + 1;
  const badText = '  expect  grian >= 0.6';
  const word = { start: badText.indexOf('grian'), end: badText.indexOf('grian') + 'grian'.length };
  assert(await editor.edit((e) => e.insert(new vscode.Position(badLine, 0), badText + '\n')), 'Editing the spec failed.');
  await save(doc);
  log(`wrote '${badText.trim()}' on line ${badLine + 1}`);

  const isExpected = (d) =>
    d.range.start.line === badLine && d.range.start.character <= word.end && d.range.end.character >= word.start &&
    d.message.includes('grian') && d.message.includes('grain');
  const found = await waitFor(
    `a diagnostic mentioning 'grian' and 'grain' on line ${badLine + 1}`,
    () => vscode.languages.getDiagnostics(uri).find(isExpected),
    { timeoutMs: 30_000, describe: () => `Diagnostics now:\n${showDiagnostics(vscode.languages.getDiagnostics(uri))}` },
  );
  log(`diagnostic: [${vscode.DiagnosticSeverity[found.severity]}] ${found.message}`);
  assert(found.severity === vscode.DiagnosticSeverity.Error, `Expected an error, got ${vscode.DiagnosticSeverity[found.severity]}.`);
  const others = vscode.languages.getDiagnostics(uri)
    .filter((d) => !isExpected(d) && d.severity === vscode.DiagnosticSeverity.Error);
  assert(others.length === 0, `The rest of ${SPEC} is valid, yet it has errors:\n${showDiagnostics(others)}`);

  editor.selection = new vscode.Selection(badLine, 0, badLine, 0); // a caret away from the word, for the screenshot
  await handOver(sync, 'squiggle', { line: badLine, message: found.message });

  // --- 3. trait completions after `expect` ---------------------------------------------------------------
  const completionLine = badLine + 1;
  const prefix = '  expect  ';
  assert(await editor.edit((e) => e.insert(new vscode.Position(completionLine, 0), prefix + '\n')), 'Editing the spec failed.');
  const at = new vscode.Position(completionLine, prefix.length);
  let labels = [];
  await waitFor(
    `completions ${EXPECTED_TRAITS.join(', ')} at line ${completionLine + 1}, column ${at.character + 1}`,
    async () => {
      const list = await vscode.commands.executeCommand('vscode.executeCompletionItemProvider', doc.uri, at);
      labels = (list?.items ?? []).map(labelOf);
      return EXPECTED_TRAITS.every((t) => labels.includes(t));
    },
    { timeoutMs: 20_000, intervalMs: 250, describe: () => `Last labels: ${labels.slice(0, 40).join(', ') || '(none)'}` },
  );
  log(`${labels.length} completions after 'expect', e.g. ${labels.slice(0, 8).join(', ')}`);

  // Caret at the end of `  expect  `, editor focused: the runner presses Ctrl+Space there.
  await vscode.window.showTextDocument(doc, { preview: false, preserveFocus: false, selection: new vscode.Range(at, at) });
  await handOver(sync, 'completion', { line: completionLine, column: at.character, traits: EXPECTED_TRAITS });

  // Leave the fixture as it was on disk (the workspace is a temporary copy anyway).
  await vscode.commands.executeCommand('workbench.action.files.revert');

  await testExplorerChecks(folder, ext.exports, sync);
  log('all checks passed');
}

/**
 * 4-6: the Test Explorer on a copy of examples/ (the runner writes it into the workspace): a degrade test run at
 * the cursor passes; the aligned-model test is beautified against intent, with a result diagnostic on its expect
 * line; a run cancelled part way keeps the results of the tests that finished.
 */
async function testExplorerChecks(folder, api, sync) {
  assert(api?.tree && api.results && api.runs, 'The extension exports no { tree, results, runs } API.');
  log(`activation: ${api.activationMs} ms (language server started, tests discovered, last results restored)`);
  const spec = (name) => vscode.Uri.joinPath(folder.uri, 'examples', name);
  const idOf = (name, test) => `${spec(name).fsPath}#${test}`;

  // --- 4. discovery, and a passing degrade test run at the cursor ---------------------------------------
  const softId = idOf('clarity-and-focus.wabi', 'soft focus');
  const soft = await waitFor(`the Test Explorer to list ${softId}`, () => api.tree.item(softId), { timeoutMs: 30_000 });
  assert(soft.children.size === 4, `'soft focus' has 4 seeds, the tree shows ${soft.children.size}.`);
  assert(soft.range && soft.parent?.id === spec('clarity-and-focus.wabi').fsPath, `'soft focus' lacks its range or its file item.`);
  const expectLine = async (uri, testItem) => {
    const d = await vscode.workspace.openTextDocument(uri);
    const line = d.getText().split('\n').findIndex((l, i) => i > testItem.range.start.line && /^\s+expect\s/.test(l));
    assert(line > 0, `No expect line under ${testItem.label}.`);
    await vscode.window.showTextDocument(d, { preview: false, selection: new vscode.Range(line, 4, line, 4) });
    return line;
  };
  await expectLine(soft.uri, soft);
  const softBefore = api.results.last(softId);
  await vscode.commands.executeCommand('testing.runAtCursor');
  const softResult = await waitFor("'soft focus' to finish", () => api.results.last(softId) !== softBefore && api.results.last(softId), { timeoutMs: 90_000 });
  assert(softResult.verdict === 'pass', `'soft focus' should pass; it is ${softResult.verdict}: ${softResult.reasons.join('; ')}`);
  log(`'soft focus': ${softResult.verdict}, ${softResult.passRate.passed}/${softResult.passRate.total} seeds, ${softResult.images.length} images`);
  await vscode.commands.executeCommand('workbench.view.testing.focus');
  await handOver(sync, 'test-passed', { test: 'soft focus' });

  // --- 5. the aligned model beautifies: a result diagnostic on its expect line --------------------------
  const alignedUri = spec('aligned-model.wabi');
  const alignedId = idOf('aligned-model.wabi', 'the model restores the grain away');
  const aligned = await waitFor(`the Test Explorer to list ${alignedId}`, () => api.tree.item(alignedId), { timeoutMs: 30_000 });
  const line = await expectLine(alignedUri, aligned);
  const alignedBefore = api.results.last(alignedId);
  await vscode.commands.executeCommand('testing.runAtCursor');
  const alignedResult = await waitFor('the aligned-model test to finish', () => api.results.last(alignedId) !== alignedBefore && api.results.last(alignedId), { timeoutMs: 90_000 });
  assert(alignedResult.verdict === 'beautified', `The aligned-model test should be beautified; it is ${alignedResult.verdict}: ${alignedResult.reasons.join('; ')}`);
  const resultDiagnostic = await waitFor(
    `a 'beautified against intent' diagnostic on line ${line + 1}`,
    () => vscode.languages.getDiagnostics(alignedUri).find((d) => d.source === 'wabi' && d.range.start.line === line && d.message.startsWith('beautified against intent: asked for grain')),
    { timeoutMs: 10_000, describe: () => `Diagnostics now:\n${showDiagnostics(vscode.languages.getDiagnostics(alignedUri))}` },
  );
  assert(resultDiagnostic.severity === vscode.DiagnosticSeverity.Warning, `Result diagnostics default to warnings; got ${vscode.DiagnosticSeverity[resultDiagnostic.severity]}.`);
  log(`result diagnostic on line ${line + 1}: ${resultDiagnostic.message}`);
  await vscode.window.showTextDocument(alignedUri, { preview: false, selection: new vscode.Range(line - 1, 0, line - 1, 0) });
  await handOver(sync, 'beautified', { line, message: resultDiagnostic.message });
  // The gallery shows its images, really decoded: the page reports each image's naturalWidth.
  await vscode.commands.executeCommand('wabi.showImages', { path: alignedUri.fsPath, name: aligned.label });
  const shown = await waitFor('the gallery to report its images', async () => {
    const state = await vscode.commands.executeCommand('wabi.galleryState');
    return state?.open && state.report && state.report.loaded + state.report.failed > 0 && state;
  }, { timeoutMs: 20_000 });
  assert(shown.cards === 1, `The gallery should show the one test; it shows ${shown.cards} cards.`);
  assert(shown.report.failed === 0 && shown.report.loaded >= alignedResult.images.length, `Gallery images: ${shown.report.loaded} loaded, ${shown.report.failed} failed; the test has ${alignedResult.images.length}.`);
  log(`gallery: ${shown.report.loaded} images rendered, ${shown.report.failed} failed`);
  await handOver(sync, 'gallery', { images: shown.report.loaded });
  await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  // The numbers describe the text that ran: an edit inside the test's block takes its result diagnostics away.
  const alignedEditor = await vscode.window.showTextDocument(alignedUri, { preview: false });
  assert(await alignedEditor.edit((e) => e.insert(new vscode.Position(line, alignedEditor.document.lineAt(line).text.length), ' ')), 'Editing aligned-model.wabi failed.');
  await waitFor('the result diagnostic to go after an edit inside the test', () =>
    !vscode.languages.getDiagnostics(alignedUri).some((d) => d.source === 'wabi' && d.message.startsWith('beautified')), { timeoutMs: 5_000 });
  await vscode.commands.executeCommand('workbench.action.files.revert');
  log('an edit inside the test took its result diagnostic away');

  // --- 6. a run cancelled part way keeps what finished -------------------------------------------------
  const files = ['clarity-and-focus.wabi', 'color-and-light.wabi', 'editing.wabi'].map((f) => api.tree.controller.items.get(spec(f).fsPath));
  assert(files.every(Boolean), 'The Test Explorer lacks one of the example specs.');
  const ids = files.flatMap((f) => { const out = []; f.children.forEach((t) => out.push(t.id)); return out; });
  const before = new Map(ids.map((id) => [id, api.results.last(id)]));
  const finishedNow = () => ids.filter((id) => api.results.last(id) !== before.get(id));
  const cts = new vscode.CancellationTokenSource();
  const watch = api.results.onDidChange(() => { if (finishedNow().length > 0) cts.cancel(); });
  const profile = undefined; // the run handler itself, as the "Run, regenerate images" profile calls it
  const started = Date.now();
  await api.runs.run(new vscode.TestRunRequest(files, undefined, profile), cts.token, true);
  watch.dispose();
  const finished = finishedNow();
  log(`cancelled run: ${finished.length} of ${ids.length} tests finished in ${Date.now() - started} ms`);
  assert(cts.token.isCancellationRequested, 'No test finished, so the run was never cancelled.');
  assert(finished.length >= 1 && finished.length < ids.length, `A run cancelled part way should finish some tests, not all: ${finished.length} of ${ids.length}.`);
  await sleep(500);
  assert(finishedNow().length === finished.length, 'Tests kept finishing after the run was cancelled.');
  for (const id of finished) assert(api.results.last(id), `The result of ${id} was not kept.`);
  await vscode.commands.executeCommand('workbench.view.testing.focus');
  await handOver(sync, 'cancelled', { finished: finished.length, total: ids.length });

  // --- 7. a continuous run reruns a test when its spec is saved ----------------------------------------
  const runProfile = api.runs.runProfiles[0];
  assert(runProfile?.supportsContinuousRun && runProfile.isDefault, 'The default "Run" profile does not support continuous runs.');
  const watching = new vscode.CancellationTokenSource();
  await runProfile.runHandler(new vscode.TestRunRequest([soft], undefined, runProfile, true), watching.token);
  const lastBeforeSave = api.results.last(softId);
  const clarityDoc = await vscode.workspace.openTextDocument(soft.uri);
  const clarityEditor = await vscode.window.showTextDocument(clarityDoc, { preview: false });
  assert(await clarityEditor.edit((e) => e.insert(new vscode.Position(clarityDoc.lineCount, 0), '\n# saved by the end-to-end test\n')), 'Editing clarity-and-focus.wabi failed.');
  await save(clarityDoc);
  const rerun = await waitFor("the continuous run to rerun 'soft focus' after the save", () => api.results.last(softId) !== lastBeforeSave && api.results.last(softId), { timeoutMs: 60_000 });
  watching.cancel();
  log(`continuous run: saving the spec reran 'soft focus' (${rerun.verdict})`);
}

/**
 * The untrusted window (Restricted Mode): the spec is parsed and its test listed, but running it runs nothing (its
 * generator script would leave ran.log), the profiles say why, and the test is marked errored with the reason.
 * Then the runner grants trust in the Workspace Trust editor, as a user would, and the same test runs, without a
 * reload.
 */
async function untrustedChecks(folder, sync) {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert(ext, `Extension ${EXTENSION_ID} is not loaded in the untrusted window.`);
  assert(!vscode.workspace.isTrusted, 'The workspace should open untrusted (Restricted Mode).');
  const uri = vscode.Uri.joinPath(folder.uri, 'mark.wabi');
  log('untrusted: opening mark.wabi');
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false });
  log('untrusted: waiting for the extension');
  await waitFor(`${EXTENSION_ID} to activate in Restricted Mode`, () => ext.isActive, { timeoutMs: 30_000 });
  const api = ext.exports;
  const id = `${uri.fsPath}#grain from a script`;
  const item = await waitFor(`the Test Explorer to list ${id}`, () => api.tree.item(id), { timeoutMs: 30_000 });
  const ranLog = vscode.Uri.joinPath(folder.uri, 'ran.log').fsPath;

  const [profile] = api.runs.runProfiles;
  assert(profile, 'The Test Explorer has no run profile in an untrusted workspace, so it cannot say why nothing runs.');
  assert(/needs a trusted workspace/.test(profile.label), `The "Run" profile's label should say it needs trust; it is '${profile.label}'.`);
  // The ways in that reach the extension: the profile's handler, and the CodeLens's command. (VS Code's own
  // testing.run* commands first ask the user to trust the folder, a dialog that a test window refuses to show.)
  log(`untrusted: running through the profile '${profile.label}'`);
  await profile.runHandler(new vscode.TestRunRequest([item], undefined, profile), new vscode.CancellationTokenSource().token);
  log('untrusted: wabi.runTest');
  void vscode.commands.executeCommand('wabi.runTest', { path: uri.fsPath, name: 'grain from a script' });
  await sleep(3_000); // anything that started would have written ran.log by now (a run of it takes under a second)
  assert(!fs.existsSync(ranLog), 'The generator ran in an untrusted workspace (ran.log exists).');
  assert(!api.results.last(id), 'A result appeared for a test in an untrusted workspace.');
  assert(!fs.existsSync(vscode.Uri.joinPath(folder.uri, '.wabi').fsPath), 'Something wrote a .wabi folder (results or cache) in an untrusted workspace.');
  log('untrusted: nothing ran through the profile or wabi.runTest, and the profile says why');
  await vscode.commands.executeCommand('workbench.view.testing.focus');
  await handOver(sync, 'refused', {});

  // Trust, granted in the UI: the runner clicks the warning's "Manage Workspace Trust", then "Trust".
  const granted = new Promise((resolve) => vscode.workspace.onDidGrantWorkspaceTrust(resolve));
  await handOver(sync, 'grant-trust', {});
  if (!vscode.workspace.isTrusted) await Promise.race([granted, sleep(10_000)]);
  assert(vscode.workspace.isTrusted, 'The workspace is still untrusted after the Trust button.');
  await waitFor('the "Run" profile to be relabelled', () => api.runs.runProfiles[0].label === 'Run', { timeoutMs: 5_000 });
  await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  await api.runs.runProfiles[0].runHandler(new vscode.TestRunRequest([item], undefined, api.runs.runProfiles[0]), new vscode.CancellationTokenSource().token);
  const result = await waitFor('the test to run once trusted', () => api.results.last(id), { timeoutMs: 60_000 });
  assert(result.verdict === 'pass', `Once trusted, the test should pass; it is ${result.verdict}: ${result.reasons.join('; ')}`);
  assert(fs.existsSync(ranLog), 'The test passed but its generator left no ran.log.');
  log(`trusted without a reload: the test ran (${result.verdict}, ${fs.readFileSync(ranLog, 'utf8').trim().split('\n').length} image)`);
  const lenses = ((await vscode.commands.executeCommand('vscode.executeCodeLensProvider', uri)) ?? []).map((l) => l.command?.title);
  assert(lenses.includes('1/1 passed'), `The test's CodeLens should carry its pass rate now: ${lenses.join(' | ')}`);
  await handOver(sync, 'lens-after-run', {}); // before the focus moves: VS Code drops a lens refresh pending at a blur
  await vscode.commands.executeCommand('workbench.view.testing.focus');
  await handOver(sync, 'ran-after-trust', {});
  log('all untrusted-window checks passed');
}

/**
 * Not a check but a measurement, for bench/editor/gallery-first-image.mjs: for each fresh test of bench.wabi, the
 * time from asking for the run to the first image rendered (decoded, naturalWidth > 0) in the open gallery, beside
 * the time its first image event reached the extension (the reference: what the engine and the protocol take).
 * Printed as `[wabi-e2e] BENCH {json}` lines.
 */
async function galleryBenchmark(folder) {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  const uri = vscode.Uri.joinPath(folder.uri, 'bench.wabi');
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false });
  await waitFor(`${EXTENSION_ID} to activate`, () => ext.isActive, { timeoutMs: 30_000 });
  const api = ext.exports;
  log(`BENCH ${JSON.stringify({ activationMs: api.activationMs })}`);
  for (let i = 1; ; i++) {
    const id = `${uri.fsPath}#first image ${i}`;
    const item = await waitFor(`the Test Explorer to list ${id}`, () => api.tree.item(id), { timeoutMs: 30_000 }).catch(() => undefined);
    if (!item) break;
    const reportsBefore = (await vscode.commands.executeCommand('wabi.galleryState'))?.reports ?? 0;
    await vscode.commands.executeCommand('wabi.showImages', { path: uri.fsPath, name: item.label });
    // Open and rendered (its page reports after each render, here with no images yet): the user's gallery is there.
    await waitFor('the gallery page to render', async () => (await vscode.commands.executeCommand('wabi.galleryState'))?.reports > reportsBefore, { timeoutMs: 20_000 });
    let eventMs;
    const started = performance.now();
    const watch = api.results.onDidChange((ids) => {
      if (eventMs === undefined && ids.includes(id) && api.results.entries([id])[0]?.live?.images.length) eventMs = performance.now() - started;
    });
    const running = api.runs.run(new vscode.TestRunRequest([item]), new vscode.CancellationTokenSource().token, false);
    await waitFor('the first image in the gallery', async () => (await vscode.commands.executeCommand('wabi.galleryState'))?.report?.loaded > 0, { timeoutMs: 60_000, intervalMs: 10 });
    const galleryMs = performance.now() - started;
    await running;
    watch.dispose();
    log(`BENCH ${JSON.stringify({ run: i, eventMs, galleryMs })}`);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  }
}

module.exports = { run };
