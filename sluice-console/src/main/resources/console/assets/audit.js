// Audit search: the query API's filters, paginated by seq; chain status with the newest signed checkpoint.
'use strict';
(() => {
  const { el, api, time, badge, form, query } = Sluice;
  const body = document.querySelector('#events tbody');
  const more = document.getElementById('more');
  const chain = document.getElementById('chain');
  let cursor = null;

  function details(e) {
    if (e.statement) return e.statement;
    const d = Object.assign({}, e.details || {});
    delete d.content;
    return Object.keys(d).length ? JSON.stringify(d) : (e.error || '');
  }

  async function load(append) {
    const values = form('filter');
    if (append && cursor) values.cursor = cursor;
    try {
      const result = await api('/console/api/audit?' + query(values));
      if (!append) body.replaceChildren();
      if (!result.events.length && !append) body.append(el('tr', {}, el('td', { colspan: 8, class: 'empty', text: 'No events match.' })));
      for (const e of result.events) {
        body.append(el('tr', {},
          el('td', { class: 'mono', text: e.seq }), el('td', { text: time(e.time) }), el('td', { text: e.kind }),
          el('td', { text: e.subject || '' }), el('td', { text: e.connection || '' }),
          el('td', { class: 'session-id mono' }, e.session ? el('a', { href: '/console/sessions/' + encodeURIComponent(e.session), text: e.session }) : ''),
          el('td', { class: 'stmt', text: details(e) }),
          el('td', {}, e.verdict ? badge(e.verdict) : '')));
      }
      cursor = result.next_cursor;
      more.hidden = !cursor;
    } catch (err) {
      body.replaceChildren(el('tr', {}, el('td', { colspan: 8, class: 'error', text: err.message })));
    }
  }

  function showChain(c) {
    const v = c.verification;
    const cp = c.checkpoint;
    const verify = el('button', { class: 'button', type: 'button', id: 'verify', text: 'Verify chain now' });
    verify.addEventListener('click', async () => {
      verify.disabled = true; verify.textContent = 'Verifying…';
      try { await api('/console/api/audit/verify', { method: 'POST', body: '{}' }); } catch (e) { /* shown below */ }
      api('/console/api/audit/chain').then(showChain);
    });
    chain.replaceChildren(
      el('div', {}, el('div', { class: 'muted', text: 'Chain' }),
        v ? el('div', { class: 'big' }, badge(v.ok ? 'ok' : 'bad'), ' ', v.message) : el('div', { class: 'big', text: 'not verified yet' }),
        v ? el('div', { class: 'muted', text: 'verified ' + time(v.time) + (v.first_broken_seq ? ' · first broken seq ' + v.first_broken_seq : '') }) : null),
      el('div', {}, el('div', { class: 'muted', text: 'Newest signed checkpoint' }),
        cp ? el('div', { class: 'big', text: 'seq ' + cp.seq }) : el('div', { class: 'big', text: 'none yet' }),
        cp ? el('div', { class: 'muted mono', text: time(cp.time) + ' · key ' + cp.key_id }) : null),
      el('div', {}, el('div', { class: 'muted', text: 'Events' }), el('div', { class: 'big', text: c.head ?? '?' })),
      verify);
  }

  document.getElementById('filter').addEventListener('submit', e => { e.preventDefault(); cursor = null; load(false); });
  more.addEventListener('click', () => load(true));
  const params = new URLSearchParams(location.search);
  for (const [k, v] of params) { const input = document.querySelector('#filter [name="' + CSS.escape(k) + '"]'); if (input) input.value = v; }
  api('/console/api/audit/chain').then(showChain).catch(e => chain.replaceChildren(el('p', { class: 'error', text: e.message })));
  load(false);
})();
