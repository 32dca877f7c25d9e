// Access: request time-bound access to a connection; see one's requests and grants.
'use strict';
(() => {
  const { el, api, time, badge, status, form } = Sluice;
  const select = document.querySelector('#request-access select[name="connection"]');
  const body = document.querySelector('#mine tbody');
  const grants = document.querySelector('#grants tbody');

  async function load() {
    const result = await api('/console/api/access');
    const chosen = select.value;
    select.replaceChildren(...result.connections.map(c => el('option', { value: c.name, selected: c.name === chosen },
      c.name + (c.grant_until ? ' — granted until ' + time(c.grant_until) : c.requires_grant ? ' — needs a grant' : ''))));
    grants.replaceChildren();
    const granted = result.connections.filter(c => c.grant_until);
    if (!granted.length) grants.append(el('tr', {}, el('td', { colspan: 2, class: 'empty', text: 'No active grants.' })));
    for (const c of granted) grants.append(el('tr', {}, el('td', { text: c.name }), el('td', { text: time(c.grant_until) })));
    body.replaceChildren();
    if (!result.requests.length) body.append(el('tr', {}, el('td', { colspan: 5, class: 'empty', text: 'You have not asked for access yet.' })));
    for (const r of result.requests) {
      body.append(el('tr', {}, el('td', { text: time(r.created) }), el('td', { text: r.connection }),
        el('td', { text: Math.round(r.grant_seconds / 60) + ' min' }), el('td', {}, badge(r.state)), el('td', { text: r.justification })));
    }
  }

  document.getElementById('request-access').addEventListener('submit', async e => {
    e.preventDefault();
    try {
      const r = await api('/console/api/access', { method: 'POST', body: JSON.stringify(form('request-access')) });
      status('Requested ' + r.id + '; approvers were notified.');
      e.target.reason.value = '';
      load();
    } catch (err) { status(err.message, true); }
  });
  load().catch(err => status(err.message, true));
  setInterval(() => load().catch(() => {}), 5000);
})();
