// Shared helpers of the console pages. Every value from the server is set as text (never as HTML).
'use strict';
const Sluice = (() => {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || '';

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = String(value);
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  async function api(path, options = {}) {
    const init = { credentials: 'same-origin', headers: { 'Accept': 'application/json' }, ...options };
    if (init.method && init.method !== 'GET') {
      init.headers['Content-Type'] = 'application/json';
      init.headers['X-CSRF-Token'] = csrf;
    }
    const response = await fetch(path, init);
    let body = {};
    try { body = await response.json(); } catch (e) { body = {}; }
    if (response.status === 401) { location.href = '/console/login?next=' + encodeURIComponent(location.pathname + location.search); }
    if (!response.ok) throw new Error(body.error || ('HTTP ' + response.status));
    return body;
  }

  function time(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }

  function ago(iso) {
    const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
    if (s < 0) return 'in ' + span(-s);
    return span(s) + ' ago';
  }

  function span(s) {
    if (s < 60) return s + 's';
    if (s < 3600) return Math.floor(s / 60) + 'm ' + (s % 60) + 's';
    if (s < 86400) return Math.floor(s / 3600) + 'h ' + Math.floor((s % 3600) / 60) + 'm';
    return Math.floor(s / 86400) + 'd';
  }

  function badge(text) {
    return el('span', { class: 'badge ' + String(text).toLowerCase(), text });
  }

  function bytes(n) {
    if (n < 1024) return n + ' B';
    if (n < 1048576) return (n / 1024).toFixed(1) + ' KiB';
    return (n / 1048576).toFixed(1) + ' MiB';
  }

  function status(message, isError) {
    const node = document.getElementById('status');
    if (!node) return;
    node.textContent = message;
    node.className = 'status' + (isError ? ' error' : '');
  }

  function form(id) {
    const node = document.getElementById(id);
    return node ? Object.fromEntries(new FormData(node).entries()) : {};
  }

  function query(values) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(values)) if (v !== '' && v !== null && v !== undefined) params.set(k, v);
    return params.toString();
  }

  return { el, api, time, ago, badge, bytes, status, form, query, csrf };
})();
