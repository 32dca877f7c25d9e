// Session replay: SQL sessions as a transcript (results, parameters, verdicts, timing, jump to any statement);
// terminal sessions (asciicast v2) in asciinema-player with its timeline, a speed choice and search in the output.
'use strict';
(() => {
  const { el, api, time, badge } = Sluice;
  const root = document.getElementById('replay');

  function head(s) {
    const dl = el('dl', { class: 'facts' });
    for (const [k, v] of [['Session', s.id], ['Who', s.subject], ['Connection', s.connection], ['Protocol', s.protocol],
      ['Started', time(s.started)], ['Ended', s.ended ? time(s.ended) + (s.end_reason ? ' · ' + s.end_reason : '') : 'still open'],
      ['Statements', s.statements]]) dl.append(el('dt', { text: k }), el('dd', { text: v }));
    return el('section', { class: 'card' }, dl);
  }

  function results(st) {
    return (st.results || []).map(r => {
      if (!r.rows) return el('p', { class: 'muted', text: 'columns: ' + (r.columns || []).join(', ') });
      return el('div', { class: 'result' }, el('table', {},
        el('thead', {}, el('tr', {}, (r.columns || []).map(c => el('th', { text: c })))),
        el('tbody', {}, r.rows.map(row => el('tr', {}, row.map(cell => el('td', { text: cell === null ? 'NULL' : cell })))))));
    });
  }

  function transcript(statements) {
    const toc = el('nav', { class: 'toc', 'aria-label': 'Statements' });
    const cards = el('div', { class: 'cards' });
    const start = statements.length ? statements[0].started_ms : 0;
    for (const st of statements) {
      const id = 's-' + st.statement_id;
      const offset = st.started_ms && start ? '+' + ((st.started_ms - start) / 1000).toFixed(3) + 's' : '';
      toc.append(el('a', { href: '#' + id, title: st.text }, '#' + st.statement_id + ' ', st.text));
      cards.append(el('article', { class: 'stmt-card', id, tabindex: '-1' },
        el('div', { class: 'meta' }, el('strong', { text: '#' + st.statement_id }), badge(st.verdict || 'allow'),
          el('span', { text: time(st.started) + ' ' + offset }), el('span', { text: (st.duration_ms ?? '?') + ' ms' }),
          st.tag ? el('span', { text: st.tag }) : null, st.rows >= 0 ? el('span', { text: st.rows + (st.rows === 1 ? ' row' : ' rows') }) : null),
        el('pre', { text: st.text }),
        st.parameters && st.parameters.length ? el('p', { class: 'mono', text: 'parameters: ' + JSON.stringify(st.parameters) }) : null,
        st.reason && st.reason !== st.error ? el('p', { class: 'muted', text: st.reason }) : null,
        st.error ? el('p', { class: 'error', text: (st.sqlstate ? st.sqlstate + ' ' : '') + st.error }) : null,
        results(st), st.truncated ? el('p', { class: 'muted', text: 'more rows were not recorded (cap)' }) : null));
    }
    const search = el('input', { type: 'search', id: 'sql-search', placeholder: 'Find in statements and results' });
    search.addEventListener('input', () => {
      const q = search.value.toLowerCase();
      for (const card of cards.children) card.hidden = q && !card.textContent.toLowerCase().includes(q);
    });
    return el('div', {}, el('div', { class: 'filters' }, el('label', { for: 'sql-search' }, 'Search', search)),
      el('div', { class: 'transcript' }, toc, cards));
  }

  function terminal(cast) {
    const lines = cast.split('\n').filter(l => l.trim());
    const parsed = lines.map(l => { try { return JSON.parse(l); } catch (e) { return null; } });
    const header = parsed[0] && !Array.isArray(parsed[0]) ? parsed[0] : { version: 2, width: 80, height: 24 };
    const all = parsed.slice(1).filter(e => Array.isArray(e) && e.length >= 3 && typeof e[0] === 'number');
    const events = all.filter(e => e[1] === 'o');
    const box = el('div', { class: 'player', id: 'player' });
    const speed = el('select', { id: 'speed' }, ['0.5', '1', '2', '4'].map(v => el('option', { value: v, selected: v === '1', text: v + '×' })));
    const search = el('input', { type: 'search', id: 'term-search', placeholder: 'Find in output' });
    const hits = el('div', { class: 'search-hits', 'aria-live': 'polite' });
    let player;
    function create() {
      if (player) player.dispose();
      box.replaceChildren();
      player = AsciinemaPlayer.create({ data: [header, ...all] }, box, { speed: Number(speed.value), idleTimeLimit: 2, fit: 'width', controls: true, preload: true });
      window.sluicePlayer = player;
    }
    speed.addEventListener('change', create);
    search.addEventListener('input', () => {
      const q = search.value;
      hits.replaceChildren();
      if (!q) return;
      const found = events.filter(e => String(e[2]).includes(q)).slice(0, 50);
      if (!found.length) hits.append(el('span', { class: 'muted', text: 'not found' }));
      for (const e of found) hits.append(el('a', { href: '#player', onclick: ev => { ev.preventDefault(); Promise.resolve(player.seek(e[0] + 0.05)).then(() => player.play()); } }, e[0].toFixed(2) + 's'));
    });
    setTimeout(create, 0);
    return el('div', {}, el('div', { class: 'filters' }, el('label', { for: 'speed' }, 'Speed', speed),
      el('label', { for: 'term-search' }, 'Search output', search), hits), box);
  }

  // A session still open is followed: the server pushes each new piece of its recording over server-sent events
  // (/follow, within about 100 ms of its reaching the trail) and says when it ended; the page shows it again
  // (the transcript keeps its scroll position; the terminal player starts at the newest output).
  let shown = '';
  function render(data) {
    const key = data.statements.length + ':' + data.asciicast.length + ':' + (data.session.ended || '');
    if (key === shown) return;
    const first = shown === '';
    shown = key;
    const scroll = window.scrollY;
    root.replaceChildren(head(data.session));
    if (!data.session.ended) root.append(el('p', { class: 'notice', role: 'status', text: 'Live: following this session as it happens.' }));
    if (data.asciicast) root.append(terminal(data.asciicast));
    if (data.statements.length) root.append(transcript(data.statements));
    if (!data.asciicast && !data.statements.length) root.append(el('p', { class: 'empty', text: 'This session has no recording yet.' }));
    if (data.truncated) root.append(el('p', { class: 'muted', text: 'The recording is longer than the console shows.' }));
    if (first && location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
    else window.scrollTo(0, scroll);
  }
  function follow(data) {
    const stream = new EventSource('/console/api/sessions/' + encodeURIComponent(root.dataset.id) + '/follow?after=' + encodeURIComponent(data.last_seq || 0));
    window.sluiceFollow = stream;
    stream.addEventListener('chunks', ev => {
      const more = JSON.parse(ev.data);
      data.last_seq = more.last_seq;
      data.statements = data.statements.concat(more.statements);
      data.asciicast = (data.asciicast || '') + more.asciicast;
      render(data);
    });
    stream.addEventListener('ended', () => {
      stream.close();
      // the summary (end time, reason) is read once more
      api('/console/api/sessions/' + encodeURIComponent(root.dataset.id)).then(render);
    });
    stream.addEventListener('error', ev => {
      if (ev.data) { stream.close(); root.append(el('p', { class: 'error', role: 'alert', text: ev.data })); }
      // otherwise the browser reconnects by itself; the next stream starts after the last seq shown
      else if (stream.readyState === EventSource.CLOSED) setTimeout(() => follow(data), 1000);
    });
  }
  function load() {
    return api('/console/api/sessions/' + encodeURIComponent(root.dataset.id)).then(data => {
      render(data);
      if (!data.session.ended) follow(data);
    });
  }
  load().catch(e => root.append(el('p', { class: 'error', role: 'alert', text: e.message })));
})();
