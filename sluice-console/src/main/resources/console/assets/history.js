// Approval history: decided, expired, withdrawn and pending requests, searchable.
'use strict';
(() => {
  const { el, api, time, badge, form, query } = Sluice;
  const body = document.querySelector('#history tbody');

  async function load() {
    const values = form('filter');
    try {
      const result = await api('/console/api/approvals?' + query({ state: values.state || 'all', q: values.q }));
      body.replaceChildren();
      if (!result.requests.length) body.append(el('tr', {}, el('td', { colspan: 7, class: 'empty', text: 'No requests match.' })));
      for (const r of result.requests) {
        const decided = (r.votes || []).map(v => v.approver + ' (' + v.decision + (v.reason ? ': ' + v.reason : '') + ')').join(', ') || r.note || '—';
        body.append(el('tr', {},
          el('td', {}, el('a', { href: '/console/approvals/' + encodeURIComponent(r.id), text: time(r.created) })),
          el('td', {}, badge(r.state)),
          el('td', { text: r.requester.subject + ((r.requester.actors || []).length ? ' via ' + r.requester.actors.join(' → ') : '') }),
          el('td', { text: r.connection }),
          el('td', { class: 'stmt', text: r.statement || (r.kind === 'access' ? r.reason : '') }),
          el('td', { text: r.rule || '—' }),
          el('td', { text: decided })));
      }
    } catch (e) {
      body.replaceChildren(el('tr', {}, el('td', { colspan: 7, class: 'error', text: e.message })));
    }
  }
  document.getElementById('filter').addEventListener('submit', e => { e.preventDefault(); load(); });
  load();
})();
