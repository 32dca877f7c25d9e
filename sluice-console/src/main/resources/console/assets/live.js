// Live sessions with a kill switch that asks for a reason.
'use strict';
(() => {
  const { el, api, time, ago, bytes, status } = Sluice;
  const body = document.querySelector('#live tbody');
  const dialog = el('dialog', { id: 'end-dialog', 'aria-labelledby': 'end-title' });
  document.body.append(dialog);

  function ask(s) {
    const reason = el('textarea', { id: 'end-reason', rows: 3, required: true, placeholder: 'Why (recorded in the audit trail)' });
    const confirm = el('button', { class: 'button danger', type: 'submit', text: 'End session' });
    const cancel = el('button', { class: 'button', type: 'button', text: 'Cancel', onclick: () => dialog.close() });
    const formNode = el('form', { method: 'dialog', class: 'stack' },
      el('h2', { id: 'end-title', text: 'End ' + s.subject + '’s session on ' + s.connection + '?' }),
      el('label', { for: 'end-reason' }, 'Reason', reason), el('div', { class: 'decide' }, confirm, cancel));
    formNode.addEventListener('submit', async e => {
      e.preventDefault();
      if (!reason.value.trim()) { reason.focus(); return; }
      try {
        await api('/console/api/live/' + encodeURIComponent(s.id) + '/end', { method: 'POST', body: JSON.stringify({ reason: reason.value }) });
        status('Ended session ' + s.id + '.');
        dialog.close();
        load();
      } catch (err) { status(err.message, true); dialog.close(); }
    });
    dialog.replaceChildren(formNode);
    dialog.showModal();
    reason.focus();
  }

  async function load() {
    try {
      const result = await api('/console/api/live');
      body.replaceChildren();
      if (!result.sessions.length) body.append(el('tr', {}, el('td', { colspan: 8, class: 'empty', text: 'Nobody is connected.' })));
      for (const s of result.sessions) {
        body.append(el('tr', { 'data-id': s.id },
          el('td', { text: time(s.started) + ' (' + ago(s.started) + ')' }), el('td', { text: s.subject }),
          el('td', { text: (s.groups || []).join(', ') }), el('td', { text: s.connection }), el('td', { text: s.protocol }),
          el('td', { class: 'mono', text: s.client_address }), el('td', { text: bytes(s.bytes_in) + ' / ' + bytes(s.bytes_out) }),
          el('td', {}, el('a', { class: 'button', href: '/console/sessions/' + encodeURIComponent(s.id), text: 'Watch' }), ' ',
            el('button', { class: 'button danger', type: 'button', text: 'End…', 'aria-label': 'End session of ' + s.subject, onclick: () => ask(s) }))));
      }
    } catch (e) { status(e.message, true); }
  }
  load();
  setInterval(() => { if (!dialog.open) load(); }, 2000);
})();
