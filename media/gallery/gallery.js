// The gallery page. Its data comes only by postMessage from the extension (after this script posts `ready`), and
// goes into the DOM only through textContent and attributes set from script: a test named `<img onerror=…>` is
// shown as text. Sizes and positions (bar widths, threshold marks) are set through element.style, which the
// page's Content-Security-Policy allows; there are no inline styles or scripts.
/* global acquireVsCodeApi, document, window -- browser code: the webview page */
(function () {
  'use strict';

  const vscode = acquireVsCodeApi();
  const saved = vscode.getState() || {};
  /** @type {{failuresOnly: boolean, beautifiedOnly: boolean, compare: boolean}} */
  let filters = normFilters(saved.filters);
  let ownFilters = !!saved.filters;
  let ids = Array.isArray(saved.ids) ? saved.ids : undefined;
  let title = typeof saved.title === 'string' ? saved.title : 'Wabi images';
  /** Cards in order, and their elements by id. */
  let cards = [];
  const elements = new Map();
  let reportSeq = 0;

  const main = document.getElementById('cards');
  const count = document.getElementById('count');
  const heading = document.getElementById('title');
  const boxes = {
    failuresOnly: document.getElementById('f-failures'),
    beautifiedOnly: document.getElementById('f-beautified'),
    compare: document.getElementById('f-compare'),
  };
  const zoom = document.getElementById('zoom');
  const zoomImg = document.getElementById('zoom-img');
  const zoomCaption = document.getElementById('zoom-caption');
  const zoomClose = document.getElementById('zoom-close');
  let zoomOpener = null;

  function normFilters(f) {
    f = f && typeof f === 'object' ? f : {};
    return { failuresOnly: f.failuresOnly === true, beautifiedOnly: f.beautifiedOnly === true, compare: f.compare === true };
  }

  function save() {
    vscode.setState({ ids: ids, title: title, filters: filters });
  }

  // ---------------------------------------------------------------------------------------------- DOM helpers

  /** An element with classes and text; children appended. Never parses HTML. */
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function fmt(n) {
    if (typeof n !== 'number' || !isFinite(n)) return '—';
    return Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2);
  }

  function pct(v) {
    return (Math.max(0, Math.min(1, v)) * 100).toFixed(1) + '%';
  }

  function duration(ms) {
    if (typeof ms !== 'number' || !isFinite(ms) || ms < 0) return '';
    if (ms < 1000) return Math.round(ms) + 'ms';
    if (ms < 60000) return (ms / 1000).toFixed(1) + 's';
    const s = Math.round(ms / 1000);
    return Math.floor(s / 60) + 'm ' + String(s % 60).padStart(2, '0') + 's';
  }

  const STATE_CLASSES = ['pass', 'fail', 'beautified', 'error', 'running', 'none'];

  // ---------------------------------------------------------------------------------------------- rendering

  function badge(state, label) {
    const b = el('span', 'badge state-' + (STATE_CLASSES.includes(state) ? state : 'none'), label);
    return b;
  }

  function figureFor(img, card) {
    const fig = el('figure', 'img role-' + img.role);
    const alt = img.label + (img.label === 'image' ? '' : ' image') + ', seed ' + img.seed + ', test ' + card.name;
    if (img.src) {
      const button = el('button', 'thumb-button');
      button.type = 'button';
      button.setAttribute('aria-label', 'Zoom: ' + alt);
      const im = el('img', 'thumb');
      im.alt = alt;
      im.decoding = 'async';
      im.addEventListener('error', function () {
        fig.classList.add('broken');
        const note = el('span', 'load-error', 'could not load this image');
        if (!fig.querySelector('.load-error')) fig.insertBefore(note, fig.querySelector('figcaption'));
      });
      im.src = img.src;
      button.appendChild(im);
      button.addEventListener('click', function () {
        openZoom(img, alt, button);
      });
      fig.appendChild(button);
    } else {
      const missing = el('div', 'missing');
      missing.setAttribute('role', 'img');
      missing.setAttribute('aria-label', alt + ': image not shown');
      missing.appendChild(el('strong', null, 'image not shown'));
      missing.appendChild(el('span', null, img.unavailable || 'unavailable'));
      fig.appendChild(missing);
    }
    const cap = el('figcaption');
    cap.appendChild(el('b', null, img.label));
    cap.appendChild(document.createTextNode(' · '));
    cap.appendChild(el('span', 'seed', 'seed ' + img.seed));
    if (img.cached === true) cap.appendChild(el('span', 'chip', 'cached'));
    const name = el('span', 'file', img.name);
    name.title = img.path;
    cap.appendChild(name);
    if (img.error) cap.appendChild(el('span', 'img-error mark-no', img.error));
    fig.appendChild(cap);
    return fig;
  }

  function thresholdText(t) {
    const plain = t.op + ' ' + fmt(t.against);
    return t.comparand && t.comparand !== fmt(t.against) ? plain + ' (' + t.comparand + ')' : plain;
  }

  function traitBlock(tr) {
    const block = el('div', 'trait mark-' + tr.mark);
    block.appendChild(el('div', 'trait-name', tr.trait));
    for (const bar of tr.bars) {
      const row = el('div', 'bar role-' + bar.role);
      row.appendChild(el('span', 'role', bar.role));
      const track = el('span', 'track');
      track.setAttribute('role', 'img');
      const has = typeof bar.value === 'number';
      let label = tr.trait + ' of the ' + bar.role + ' image: ' + (has ? fmt(bar.value) : 'not measured');
      if (has) {
        const fill = el('span', 'fill');
        fill.style.width = pct(bar.value);
        track.appendChild(fill);
      }
      if (bar.role === 'prompt') {
        for (const t of tr.thresholds) {
          if (typeof t.against !== 'number' || !isFinite(t.against)) continue;
          const mark = el('span', 'thr mark-' + t.mark);
          mark.style.left = pct(t.against);
          mark.title = 'threshold ' + thresholdText(t);
          track.appendChild(mark);
        }
        if (tr.thresholds.length) label += '; threshold ' + tr.thresholds.map(thresholdText).join(', ');
      }
      track.setAttribute('aria-label', label);
      row.appendChild(track);
      row.appendChild(el('span', 'val', has ? fmt(bar.value) : '—'));
      block.appendChild(row);
    }
    if (tr.thresholds.length) {
      const line = el('div', 'thrs');
      line.appendChild(document.createTextNode('threshold '));
      tr.thresholds.forEach(function (t, i) {
        if (i) line.appendChild(document.createTextNode(' · '));
        line.appendChild(el('span', 'mark-' + t.mark, thresholdText(t)));
      });
      block.appendChild(line);
    }
    return block;
  }

  function judgeTable(seed) {
    const table = el('table', 'judges');
    const head = el('tr');
    head.appendChild(el('th', null, 'judge'));
    for (const r of seed.judgeRoles) head.appendChild(el('th', 'n', r));
    head.appendChild(el('th', null, 'threshold'));
    table.appendChild(head);
    for (const j of seed.judges) {
      const tr = el('tr');
      const name = el('th', null);
      name.scope = 'row';
      name.appendChild(el('code', null, j.key));
      tr.appendChild(name);
      for (const v of j.values) tr.appendChild(el('td', 'n', fmt(v.value)));
      const thr = el('td');
      j.thresholds.forEach(function (t, i) {
        if (i) thr.appendChild(document.createTextNode(' · '));
        thr.appendChild(el('span', 'mark-' + t.mark, thresholdText(t)));
      });
      tr.appendChild(thr);
      table.appendChild(tr);
    }
    return table;
  }

  function seedSection(seed, card) {
    const sec = el('section', 'seed mark-' + seed.mark);
    const h = el('h4', null, 'seed ' + seed.seed);
    if (seed.summary) h.appendChild(el('span', 'mark-' + seed.mark, seed.summary));
    sec.appendChild(h);
    const imgs = el('div', 'images');
    for (const img of seed.images) imgs.appendChild(figureFor(img, card));
    if (!seed.images.length) imgs.appendChild(el('p', 'muted', 'no images yet'));
    sec.appendChild(imgs);
    const scores = el('div', 'scores');
    if (seed.traits.length) {
      scores.appendChild(el('h5', null, 'traits'));
      for (const t of seed.traits) scores.appendChild(traitBlock(t));
    }
    if (seed.judges.length) {
      scores.appendChild(el('h5', null, 'judges'));
      scores.appendChild(judgeTable(seed));
    }
    if (!seed.traits.length && !seed.judges.length) scores.appendChild(el('p', 'muted', 'no scores yet'));
    sec.appendChild(scores);
    return sec;
  }

  function expectationTable(run) {
    const table = el('table', 'expect');
    const head = el('tr');
    for (const t of ['line', 'expectation', 'result', 'reason']) head.appendChild(el('th', null, t));
    table.appendChild(head);
    for (const e of run.expectations) {
      const tr = el('tr');
      tr.appendChild(el('td', 'n', e.line + 1));
      const code = el('td');
      code.appendChild(el('code', null, 'expect ' + e.text));
      tr.appendChild(code);
      const res = el('td');
      res.appendChild(el('span', 'mark-' + e.mark, e.mark === 'ok' ? 'passed' : e.mark === 'bt' ? 'beautified' : 'failed'));
      res.appendChild(el('span', 'muted', ' ' + e.seedsPassed + '/' + e.seedsTotal + ' seeds'));
      tr.appendChild(res);
      tr.appendChild(el('td', null, e.reason));
      table.appendChild(tr);
    }
    return table;
  }

  function runSection(run, card, label, cls) {
    const state = run.kind === 'result' && STATE_CLASSES.includes(run.verdict) ? run.verdict : 'running';
    const sec = el('section', 'run ' + cls + ' state-' + state);
    const head = el('div', 'run-head');
    head.appendChild(el('h3', null, label));
    if (run.kind === 'result' && run.verdict) head.appendChild(badge(run.verdict, run.verdictLabel));
    else head.appendChild(badge('running', run.verdictLabel));
    const meta = [];
    if (run.generator) meta.push('generator ' + run.generator);
    if (run.passRate) meta.push('seeds ' + run.passRate.passed + '/' + run.passRate.total + ' passed (' + run.passRate.required + ' required)');
    if (run.kind === 'live') {
      let n = 0;
      for (const s of run.seeds) n += s.images.length;
      meta.push(n + (n === 1 ? ' image' : ' images') + ' so far');
    }
    const d = duration(run.durationMs);
    if (d) meta.push(d);
    head.appendChild(el('span', 'meta', meta.join(' · ')));
    sec.appendChild(head);
    const prompts = [
      ['prompt', run.prompt],
      ['negative', run.negative],
      ['baseline', run.baseline],
    ].filter(function (p) {
      return typeof p[1] === 'string' && p[1] !== '';
    });
    if (prompts.length) {
      const dl = el('dl', 'prompts');
      for (const p of prompts) {
        dl.appendChild(el('dt', null, p[0]));
        dl.appendChild(el('dd', null, p[1]));
      }
      sec.appendChild(dl);
    }
    if (run.reasons.length) {
      const ul = el('ul', 'reasons');
      for (const r of run.reasons) ul.appendChild(el('li', null, r));
      sec.appendChild(ul);
    }
    if (run.expectations.length) sec.appendChild(expectationTable(run));
    for (const s of run.seeds) sec.appendChild(seedSection(s, card));
    return sec;
  }

  function cardElement(card) {
    const art = el('article', 'card state-' + (STATE_CLASSES.includes(card.state) ? card.state : 'none'));
    art.dataset.id = card.id;
    const head = el('header', 'card-head');
    const h2 = el('h2');
    h2.appendChild(badge(card.state, card.stateLabel));
    h2.appendChild(el('span', 'name', card.name));
    head.appendChild(h2);
    if (card.tags && card.tags.length) {
      const tags = el('span', 'tags');
      for (const t of card.tags) tags.appendChild(el('span', 'tag', t));
      head.appendChild(tags);
    }
    const where = el('button', 'where', card.spec + (typeof card.line === 'number' ? ':' + (card.line + 1) : ''));
    where.type = 'button';
    where.title = 'Open the test in the editor';
    where.addEventListener('click', function () {
      vscode.postMessage({ type: 'open', id: card.id });
    });
    head.appendChild(where);
    art.appendChild(head);
    art.setAttribute('aria-label', card.stateLabel + ': ' + card.name);
    const runs = el('div', 'runs');
    if (card.main) runs.appendChild(runSection(card.main, card, card.main.kind === 'live' ? 'this run (in progress)' : 'last run', 'main'));
    else runs.appendChild(el('p', 'muted', 'No results yet: run the test to see its images.'));
    if (card.compare) runs.appendChild(runSection(card.compare, card, card.compareLabel || 'previous run', 'compare'));
    else if (card.main) {
      const none = el('section', 'run compare none');
      none.appendChild(el('p', 'muted', 'No previous run to compare with.'));
      runs.appendChild(none);
    }
    art.appendChild(runs);
    return art;
  }

  function passes(card) {
    if (filters.beautifiedOnly && card.state !== 'beautified') return false;
    if (filters.failuresOnly && card.state !== 'fail' && card.state !== 'beautified' && card.state !== 'error') return false;
    return true;
  }

  function applyFilters() {
    for (const k of Object.keys(boxes)) boxes[k].checked = filters[k];
    document.body.classList.toggle('comparing', filters.compare);
    let shown = 0;
    for (const card of cards) {
      const e = elements.get(card.id);
      if (!e) continue;
      const ok = passes(card);
      e.hidden = !ok;
      if (ok) shown++;
    }
    const empty = main.querySelector('.empty');
    if (empty) empty.remove();
    if (cards.length === 0) main.appendChild(el('p', 'empty', 'No results to show yet.'));
    else if (shown === 0) main.appendChild(el('p', 'empty', 'No test matches the filters.'));
    count.textContent = shown === cards.length ? cards.length + (cards.length === 1 ? ' test' : ' tests') : shown + ' of ' + cards.length + ' tests shown';
    return shown;
  }

  function renderAll() {
    elements.clear();
    main.replaceChildren();
    for (const card of cards) {
      const e = cardElement(card);
      elements.set(card.id, e);
      main.appendChild(e);
    }
    heading.textContent = title;
    afterChange();
  }

  function update(changed) {
    for (const card of changed) {
      const i = cards.findIndex(function (c) {
        return c.id === card.id;
      });
      const e = cardElement(card);
      if (i >= 0) {
        cards[i] = card;
        const old = elements.get(card.id);
        // Keep keyboard focus on the same image when a live update replaces the card under it.
        const focused = old && old.contains(document.activeElement) ? focusKey(document.activeElement) : -1;
        if (old) old.replaceWith(e);
        else main.appendChild(e);
        if (focused >= 0) restoreFocus(e, focused);
      } else {
        cards.push(card);
        main.appendChild(e);
      }
      elements.set(card.id, e);
    }
    afterChange();
  }

  /** Which button of its card has focus, so the same one can get it back in the rebuilt card. */
  function focusKey(node) {
    const card = node.closest('article');
    return card ? Array.from(card.querySelectorAll('button')).indexOf(node) : -1;
  }

  function restoreFocus(card, index) {
    const b = card.querySelectorAll('button')[index];
    if (b) b.focus();
  }

  function afterChange() {
    const shown = applyFilters();
    reportImages(shown);
  }

  /** Waits for every image the page shows to load or fail, then tells the extension how many rendered. */
  function reportImages(shown) {
    const seq = ++reportSeq;
    const imgs = [];
    for (const card of cards) {
      const e = elements.get(card.id);
      if (!e || e.hidden) continue;
      const sel = filters.compare ? 'img.thumb' : '.run.main img.thumb';
      for (const im of e.querySelectorAll(sel)) imgs.push(im);
    }
    Promise.all(
      imgs.map(function (im) {
        return im.complete
          ? Promise.resolve()
          : new Promise(function (resolve) {
              im.addEventListener('load', resolve, { once: true });
              im.addEventListener('error', resolve, { once: true });
            });
      }),
    ).then(function () {
      if (seq !== reportSeq) return;
      let loaded = 0;
      for (const im of imgs) if (im.naturalWidth > 0) loaded++;
      vscode.postMessage({ type: 'images', loaded: loaded, failed: imgs.length - loaded, cards: shown });
    });
  }

  // ---------------------------------------------------------------------------------------------- zoom

  function openZoom(img, alt, opener) {
    zoomOpener = opener;
    zoomImg.classList.remove('pixelated');
    zoomImg.onload = function () {
      // Enlarged two times or more: show the pixels rather than smoothing them away.
      const scale = Math.min(zoomImg.clientWidth / zoomImg.naturalWidth, zoomImg.clientHeight / zoomImg.naturalHeight);
      zoomImg.classList.toggle('pixelated', scale >= 2);
    };
    zoomImg.src = img.src;
    zoomImg.alt = alt;
    zoomCaption.textContent = img.label + ' · seed ' + img.seed + ' · ' + img.path;
    zoom.hidden = false;
    document.body.classList.add('zoomed');
    zoomClose.focus();
  }

  function closeZoom() {
    if (zoom.hidden) return;
    zoom.hidden = true;
    zoomImg.removeAttribute('src');
    document.body.classList.remove('zoomed');
    if (zoomOpener && document.body.contains(zoomOpener)) zoomOpener.focus();
    zoomOpener = null;
  }

  zoomClose.addEventListener('click', closeZoom);
  zoom.addEventListener('click', function (ev) {
    if (ev.target === zoom) closeZoom();
  });
  document.addEventListener('keydown', function (ev) {
    if (zoom.hidden) return;
    if (ev.key === 'Escape') {
      ev.preventDefault();
      closeZoom();
    } else if (ev.key === 'Tab') {
      // The dialog holds one control: keep focus in it.
      ev.preventDefault();
      zoomClose.focus();
    }
  });

  // ---------------------------------------------------------------------------------------------- filters

  for (const k of Object.keys(boxes)) {
    boxes[k].addEventListener('change', function () {
      filters = Object.assign({}, filters, { [k]: boxes[k].checked });
      ownFilters = true;
      save();
      afterChange();
    });
  }

  // ---------------------------------------------------------------------------------------------- messages

  window.addEventListener('message', function (ev) {
    const m = ev.data;
    if (!m || typeof m !== 'object') return;
    if (m.type === 'render' && Array.isArray(m.cards)) {
      cards = m.cards.slice();
      ids = Array.isArray(m.ids) ? m.ids : undefined;
      if (typeof m.title === 'string') title = m.title;
      if (m.filters && !ownFilters) filters = normFilters(m.filters);
      closeZoom();
      save();
      renderAll();
    } else if (m.type === 'update' && Array.isArray(m.cards)) {
      update(m.cards);
    }
  });

  applyFilters();
  // Only what this page itself saved: after a window reload VS Code hands the saved state to the extension's
  // serializer, and this page may start without it; defaults sent here would override the restored filters.
  vscode.postMessage({ type: 'ready', state: ownFilters ? { ids: ids, title: title, filters: filters } : undefined });
})();
