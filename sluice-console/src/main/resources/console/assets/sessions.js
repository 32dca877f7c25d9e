// Sessions: filter by who, connection, protocol, time and verdicts; open one to replay it.
'use strict';
(() => {
  const { el, api, time, form, query } = Sluice;
  const body = document.querySelector('#sessions tbody');

  async function load() {
    try {
      const result = await api('/console/api/sessions?' + query(form('filter')));
      body.replaceChildren();
      if (!result.sessions.length) body.append(el('tr', {}, el('td', { colspan: 6, class: 'empty', text: 'No sessions match.' })));
      const sorted = [...result.sessions].sort((a, b) => (b.started > a.started) - (b.started < a.started));
      for (const s of sorted) {
        body.append(el('tr', {},
          el('td', {}, el('a', { href: '/console/sessions/' + encodeURIComponent(s.id), text: time(s.started) })),
          el('td', { text: s.subject }), el('td', { text: s.connection }), el('td', { text: s.protocol }),
          el('td', { text: s.statements }),
          el('td', { text: s.ended ? time(s.ended) + (s.end_reason ? ' · ' + s.end_reason : '') : 'open' })));
      }
    } catch (e) {
      body.replaceChildren(el('tr', {}, el('td', { colspan: 6, class: 'error', text: e.message })));
    }
  }
  document.getElementById('filter').addEventListener('submit', e => { e.preventDefault(); load(); });
  load();
})();
