// Approvals inbox: live over server-sent events; one request page for links from Slack and webhooks.
'use strict';
(() => {
  const { el, api, time, ago, badge, status } = Sluice;
  const list = document.getElementById('requests');
  const single = document.getElementById('request');
  const cards = new Map();

  function requester(r) {
    const who = r.requester.display_name && r.requester.display_name !== r.requester.subject
      ? r.requester.display_name + ' (' + r.requester.subject + ')' : r.requester.subject;
    const chain = (r.requester.actors || []);
    return chain.length ? who + ' via ' + chain.join(' → ') : who;
  }

  function facts(r) {
    const rows = [
      ['Requester', requester(r)],
      ['Groups', (r.requester.groups || []).join(', ') || '—'],
      ['Connection', r.connection],
      ['Classification', r.classification],
      ['Rule', r.rule || '—'],
      ['Reason', r.reason],
      ['Justification', r.justification || '—'],
      ['Requested', time(r.created)],
      [r.state === 'pending' ? 'Expires' : 'Expired/closed by', r.state === 'pending' ? time(r.expires) + ' (' + ago(r.expires) + ')' : time(r.expires)],
      ['Approvers', (r.approvers || []).join(', ') + ' · ' + r.approvals + ' of ' + r.approvals_required + ' approvals'],
      ['Scope', r.scope + (r.grant_seconds ? ' · ' + Math.round(r.grant_seconds / 60) + ' min' : '')],
    ];
    if (r.session) rows.push(['Session', r.session]);
    const dl = el('dl', { class: 'facts' });
    for (const [k, v] of rows) dl.append(el('dt', { text: k }), el('dd', { text: v }));
    return dl;
  }

  function votes(r) {
    if (!r.votes || !r.votes.length) return r.note ? el('p', { class: 'muted', text: r.note }) : null;
    return el('ul', {}, r.votes.map(v => el('li', {},
      badge(v.decision === 'approve' ? 'approved' : 'rejected'), ' ', v.approver, ' · ', time(v.time),
      v.reason ? ' — “' + v.reason + '”' : '')));
  }

  function decide(r, card) {
    if (r.state !== 'pending') return null;
    if (r.own) return el('p', { class: 'muted', text: 'You made this request (or it was made on your behalf): someone else must decide it.' });
    if (!r.can_decide) return el('p', { class: 'muted', text: 'You are not an approver of this request, or you already voted.' });
    const comment = el('textarea', { id: 'comment-' + r.id, rows: 1, placeholder: 'Comment (recorded in the audit trail)' });
    const approve = el('button', { class: 'button approve', type: 'button', 'data-action': 'approve', text: 'Approve' });
    const reject = el('button', { class: 'button reject', type: 'button', 'data-action': 'reject', text: 'Reject' });
    async function send(action, button) {
      approve.disabled = reject.disabled = true;
      try {
        const result = await api('/console/api/approvals/' + encodeURIComponent(r.id) + '/' + action,
          { method: 'POST', body: JSON.stringify({ reason: comment.value }) });
        status((action === 'approve' ? 'Approved ' : 'Rejected ') + r.id + ': now ' + result.state + '.');
        if (single) render(single, result);
      } catch (e) {
        status(e.message, true);
        approve.disabled = reject.disabled = false;
      }
    }
    approve.addEventListener('click', () => send('approve', approve));
    reject.addEventListener('click', () => send('reject', reject));
    return el('div', { class: 'decide' }, el('label', { for: 'comment-' + r.id }, 'Comment', comment), approve, reject);
  }

  // What a held HTTP or Kubernetes request carries, as Sluice masked it before storing it: never in clear.
  function preview(r) {
    const p = r.preview;
    if (!p) return null;
    const size = p.body_bytes < 0 ? 'size unknown' : p.body_bytes + ' bytes';
    const rows = [el('div', {}, el('strong', { text: 'Content type: ' }), p.content_type || '(none)')];
    for (const h of p.headers) rows.push(el('div', { class: 'mono' }, h.name + ': ' + h.value));
    if (p.hidden_headers.length) rows.push(el('div', { class: 'muted', text: 'Also sent (values not shown): ' + p.hidden_headers.join(', ') }));
    rows.push(el('div', {}, el('strong', { text: 'Body: ' }), size + (p.body_sha256 ? ', sha256 ' + p.body_sha256 : '')
      + (p.cut ? ' (cut: only the first part is shown)' : '')));
    if (p.note) rows.push(el('div', { class: 'muted', text: p.note }));
    if (p.body) rows.push(el('pre', { class: 'held-body', text: p.body }));
    return el('section', { class: 'held-request', 'aria-label': 'Held request' }, ...rows);
  }

  function card(r) {
    const what = r.kind === 'access' ? 'Access to ' + r.connection : r.classification + ' on ' + r.connection;
    const node = el('article', { class: 'request' + (r.state === 'pending' ? '' : ' decided'), id: r.id, 'aria-label': 'Request ' + r.id },
      el('header', {}, el('h2', {}, what, ' ', badge(r.state)), el('span', { class: 'mono muted', text: r.id })),
      r.statement ? el('pre', { class: 'statement', text: r.statement }) : null,
      r.impact ? el('div', { class: 'impact' }, el('strong', { text: 'Impact preview: ' }), r.impact.summary,
        el('div', { class: 'mono muted', text: r.impact.query })) : null,
      preview(r), facts(r), votes(r), decide(r, null));
    return node;
  }

  function render(container, r) {
    container.replaceChildren(card(r));
  }

  function update(requests) {
    const seen = new Set();
    for (const r of requests) {
      seen.add(r.id);
      const key = JSON.stringify(r);
      const known = cards.get(r.id);
      if (known && known.key === key) continue;
      const node = card(r);
      if (known) known.node.replaceWith(node); else list.prepend(node);
      cards.set(r.id, { key, node });
    }
    for (const [id, known] of cards) {
      if (!seen.has(id)) { known.node.remove(); cards.delete(id); }
    }
    let empty = list.querySelector('.empty');
    if (!requests.length && !empty) list.append(el('p', { class: 'empty', text: 'Nothing waiting for you. New requests appear here as they arrive.' }));
    if (requests.length && empty) empty.remove();
  }

  if (single) {
    api('/console/api/approvals/' + encodeURIComponent(single.dataset.id))
      .then(r => render(single, r))
      .catch(e => single.replaceChildren(el('p', { class: 'error', role: 'alert', text: e.message })));
    single.insertAdjacentElement('beforebegin', el('div', { id: 'status', class: 'status', role: 'status', 'aria-live': 'polite' }));
    return;
  }
  const stream = new EventSource('/console/api/approvals-stream');
  stream.addEventListener('approvals', event => {
    update(JSON.parse(event.data));
    document.body.dataset.live = 'connected';
  });
  stream.addEventListener('error', () => { document.body.dataset.live = 'reconnecting'; });
})();
