// The viewer page's order ticket, the browser's Banzai: a self-contained script served at /ticket.js (the viewer loads
// it with one script tag) that adds its own panel to the page. The user pastes an API key and its secret, which stay in
// this script's memory only (never in storage, cookies or the URL; the secret field is cleared once used); orders are
// placed and canceled over the signed REST API, and the account's open orders, balances and fills follow the private
// WebSocket channels. HMAC-SHA256 is done in the script itself, so signing works on a plain-http page too (the
// browser's WebCrypto is only there in secure contexts). Kept in a .ts module so it ships inside dist/.
import type { FastifyInstance } from 'fastify';

export const TICKET_JS = String.raw`(() => {
  'use strict';
  // ------------------------------------------------------------------ HMAC-SHA256 (FIPS 180-4, RFC 2104)
  const primes = [];
  for (let n = 2; primes.length < 64; n++) if (primes.every((p) => n % p !== 0)) primes.push(n);
  const frac32 = (x) => Math.floor((x - Math.floor(x)) * 4294967296) >>> 0;
  const K = Uint32Array.from(primes, (p) => frac32(Math.cbrt(p)));
  const H0 = Uint32Array.from(primes.slice(0, 8), (p) => frac32(Math.sqrt(p)));
  const ror = (x, n) => (x >>> n) | (x << (32 - n));

  function sha256(bytes) {
    const padded = new Uint8Array(((bytes.length + 9 + 63) >> 6) << 6);
    padded.set(bytes);
    padded[bytes.length] = 0x80;
    const dv = new DataView(padded.buffer);
    dv.setUint32(padded.length - 8, Math.floor(bytes.length / 536870912));
    dv.setUint32(padded.length - 4, (bytes.length * 8) >>> 0);
    const h = Uint32Array.from(H0);
    const w = new Uint32Array(64);
    for (let off = 0; off < padded.length; off += 64) {
      for (let i = 0; i < 16; i++) w[i] = dv.getUint32(off + 4 * i);
      for (let i = 16; i < 64; i++) {
        const s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >>> 3);
        const s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) >>> 0;
      }
      let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (let i = 0; i < 64; i++) {
        const t1 = (k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) >>> 0;
        const t2 = ((ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
        k = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
      }
      h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
    }
    const out = new Uint8Array(32);
    const ov = new DataView(out.buffer);
    for (let i = 0; i < 8; i++) ov.setUint32(4 * i, h[i]);
    return out;
  }

  function concat(a, b) { const c = new Uint8Array(a.length + b.length); c.set(a); c.set(b, a.length); return c; }
  const utf8 = (s) => new TextEncoder().encode(s);

  function hmacSha256Base64(secret, message) {
    let key = utf8(secret);
    if (key.length > 64) key = sha256(key);
    const block = new Uint8Array(64);
    block.set(key);
    const inner = sha256(concat(block.map((x) => x ^ 0x36), utf8(message)));
    const mac = sha256(concat(block.map((x) => x ^ 0x5c), inner));
    return btoa(String.fromCharCode(...mac));
  }
  window.fixgwTicket = { hmacSha256Base64 };

  // ------------------------------------------------------------------ the panel
  const style = document.createElement('style');
  style.textContent = [
    '#ticket { margin: 0 24px 20px; max-width: 1152px; background: var(--panel, #fff); border: 1px solid var(--line, #e3e6ec); border-radius: 10px; }',
    '#ticket h2 { margin: 0; padding: 10px 16px; font-size: 12.5px; text-transform: uppercase; letter-spacing: 0.6px; color: var(--muted, #6b7385); border-bottom: 1px solid var(--line, #e3e6ec); }',
    '#ticket .row { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; padding: 10px 16px; border-bottom: 1px solid var(--line, #e3e6ec); }',
    '#ticket input, #ticket select, #ticket button { font: inherit; padding: 5px 8px; border: 1px solid var(--line, #e3e6ec); border-radius: 6px; background: #fff; }',
    '#ticket input.num { width: 110px; } #ticket button { cursor: pointer; } #ticket button.go { background: var(--accent, #2f5bd3); color: #fff; border-color: transparent; }',
    '#ticket .cols { display: grid; grid-template-columns: 1.3fr 1fr 1.3fr; } #ticket .cols > div + div { border-left: 1px solid var(--line, #e3e6ec); }',
    '#ticket th, #ticket td { padding: 3px 8px; white-space: nowrap; } #ticket td button { padding: 1px 8px; }',
    '#ticket h3 { margin: 0; padding: 8px 16px; font-size: 12px; color: var(--muted, #6b7385); font-weight: 500; }',
    '#ticket .msg { color: var(--muted, #6b7385); } #ticket .err { color: var(--ask, #c23a3a); } #ticket .ok { color: var(--bid, #13854e); }',
  ].join('\n');
  document.head.append(style);

  const panel = document.createElement('section');
  panel.id = 'ticket';
  panel.innerHTML = [
    '<h2>Order ticket</h2>',
    '<div class="row" id="ticket-login">',
    '  <input id="ticket-key" placeholder="API key" autocomplete="off" spellcheck="false" aria-label="API key">',
    '  <input id="ticket-secret" type="password" placeholder="secret" autocomplete="off" aria-label="API secret">',
    '  <button id="ticket-connect">Use key</button>',
    '  <span class="msg" id="ticket-status">paste an API key and its secret: they stay in this page only</span>',
    '</div>',
    '<div class="row">',
    '  <input id="ticket-symbol" aria-label="Symbol" size="9">',
    '  <select id="ticket-side" aria-label="Side"><option value="buy">buy</option><option value="sell">sell</option></select>',
    '  <select id="ticket-type" aria-label="Type"><option value="limit">limit</option><option value="market">market</option></select>',
    '  <input id="ticket-qty" class="num" placeholder="quantity" aria-label="Quantity">',
    '  <input id="ticket-price" class="num" placeholder="price" aria-label="Price">',
    '  <select id="ticket-tif" aria-label="Time in force"><option>GTC</option><option>DAY</option><option>IOC</option><option>FOK</option></select>',
    '  <button class="go" id="ticket-place" disabled>Place</button>',
    '  <span class="msg" id="ticket-result"></span>',
    '</div>',
    '<div class="cols">',
    '  <div><h3>Open orders</h3><table><thead><tr><th>Symbol</th><th>Side</th><th>Price</th><th>Qty</th><th>Filled</th><th></th></tr></thead><tbody id="ticket-orders"></tbody></table></div>',
    '  <div><h3>Balances</h3><table><thead><tr><th>Asset</th><th>Available</th><th>Reserved</th></tr></thead><tbody id="ticket-balances"></tbody></table></div>',
    '  <div><h3>Fills</h3><table><thead><tr><th>Symbol</th><th>Side</th><th>Price</th><th>Qty</th><th>Fee</th></tr></thead><tbody id="ticket-fills"></tbody></table></div>',
    '</div>',
  ].join('\n');
  const main = document.querySelector('main');
  if (main) main.after(panel); else document.body.append(panel);

  const $ = (id) => document.getElementById(id);
  const picker = document.getElementById('symbol');
  $('ticket-symbol').value = (picker && picker.value) || new URLSearchParams(location.search).get('symbol') || '';
  if (picker) picker.addEventListener('change', () => { $('ticket-symbol').value = picker.value; });
  new MutationObserver(() => { if (!$('ticket-symbol').value && picker && picker.value) $('ticket-symbol').value = picker.value; })
    .observe(picker || document.body, { childList: true });

  // ------------------------------------------------------------------ signed REST and the private channels
  let creds = null;          // { key, secret }: in memory only
  let ws = null;
  const openOrders = new Map();
  const fills = [];

  async function rest(method, path, body) {
    const text = body === undefined ? '' : JSON.stringify(body);
    const ts = String(Date.now());
    const headers = { 'FIXGW-KEY': creds.key, 'FIXGW-TIMESTAMP': ts, 'FIXGW-SIGN': hmacSha256Base64(creds.secret, ts + method + path + text) };
    if (text) headers['content-type'] = 'application/json';
    const res = await fetch(path, { method, headers, body: text || undefined });
    return { status: res.status, body: await res.json() };
  }

  function setStatus(text, cls) { const s = $('ticket-status'); s.textContent = text; s.className = cls || 'msg'; }

  $('ticket-connect').addEventListener('click', () => {
    const key = $('ticket-key').value.trim();
    const secret = $('ticket-secret').value;
    if (!key || !secret) { setStatus('both the key and the secret are needed', 'err'); return; }
    creds = { key, secret };
    $('ticket-secret').value = '';
    openPrivate();
  });

  function openPrivate() {
    if (ws) ws.close();
    const token = new URLSearchParams(location.search).get('token');
    ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws' + (token ? '?token=' + encodeURIComponent(token) : ''));
    const mine = ws;
    ws.onopen = () => {
      const ts = String(Date.now());
      mine.send(JSON.stringify({ op: 'login', id: 'ticket', key: creds.key, timestamp: ts, sign: hmacSha256Base64(creds.secret, ts + 'GET/ws') }));
      for (const channel of ['orders', 'balances', 'fills']) mine.send(JSON.stringify({ op: 'subscribe', channel }));
    };
    ws.onmessage = (ev) => onPrivate(JSON.parse(ev.data));
    ws.onclose = () => { if (ws === mine) { $('ticket-place').disabled = true; setStatus('private channels closed: use the key again', 'err'); } };
  }

  function onPrivate(m) {
    if (m.type === 'login') { setStatus('logged in as ' + m.account + ' (' + m.permissions.join(', ') + ')', 'ok'); $('ticket-place').disabled = false; return; }
    if (m.type === 'error') { setStatus(m.code + ': ' + m.message, 'err'); return; }
    if (m.type !== 'snapshot' && m.type !== 'update') return;
    if (m.channel === 'orders') {
      if (m.type === 'snapshot') { openOrders.clear(); for (const o of m.orders) openOrders.set(o.orderId, o); }
      else if (m.order.status === 'new' || m.order.status === 'partially_filled') openOrders.set(m.order.orderId, m.order);
      else openOrders.delete(m.order.orderId);
      renderOrders();
    } else if (m.channel === 'balances') {
      renderBalances(m.balances);
    } else if (m.channel === 'fills') {
      if (m.type === 'snapshot') { fills.length = 0; fills.push(...m.fills); } else fills.unshift(m.fill);
      fills.length = Math.min(fills.length, 20);
      renderFills();
    }
  }

  function cell(tr, text, cls) { const td = document.createElement('td'); td.textContent = text; if (cls) td.className = cls; tr.append(td); return td; }

  function renderOrders() {
    const body = $('ticket-orders');
    body.textContent = '';
    for (const o of openOrders.values()) {
      const tr = document.createElement('tr');
      tr.dataset.orderId = o.orderId;
      tr.dataset.status = o.status;
      cell(tr, o.symbol); cell(tr, o.side); cell(tr, o.price || 'market', 'num'); cell(tr, o.quantity, 'num'); cell(tr, o.filledQuantity, 'num');
      const td = cell(tr, '');
      if (o.channel === 'api') {
        const b = document.createElement('button');
        b.textContent = 'Cancel';
        b.className = 'cancel';
        b.addEventListener('click', () => cancel(o.orderId));
        td.append(b);
      }
      body.append(tr);
    }
  }

  function renderBalances(balances) {
    const body = $('ticket-balances');
    body.textContent = '';
    for (const b of balances) {
      if (/^[0.]*$/.test(b.available) && /^[0.]*$/.test(b.reserved)) continue;
      const tr = document.createElement('tr');
      tr.dataset.asset = b.asset;
      tr.dataset.available = b.available;
      tr.dataset.reserved = b.reserved;
      cell(tr, b.asset); cell(tr, b.available, 'num'); cell(tr, b.reserved, 'num');
      body.append(tr);
    }
  }

  function renderFills() {
    const body = $('ticket-fills');
    body.textContent = '';
    for (const f of fills) {
      const tr = document.createElement('tr');
      tr.dataset.execId = f.execId;
      cell(tr, f.symbol); cell(tr, f.side); cell(tr, f.price, 'num'); cell(tr, f.quantity, 'num'); cell(tr, f.fee + ' ' + f.feeAsset, 'num');
      body.append(tr);
    }
  }

  function showResult(r) {
    const out = $('ticket-result');
    if (r.status === 200) {
      out.textContent = r.body.side + ' ' + r.body.quantity + ' ' + r.body.symbol + ': ' + r.body.status.replace('_', ' ')
        + (r.body.filledQuantity && !/^[0.]*$/.test(r.body.filledQuantity) ? ', filled ' + r.body.filledQuantity + ' at ' + r.body.averagePrice : '');
      out.className = 'ok';
      out.dataset.status = r.body.status;
      out.dataset.orderId = r.body.orderId;
    } else {
      out.textContent = r.body.error + ': ' + r.body.message;
      out.className = 'err';
      out.dataset.status = 'error';
      out.dataset.error = r.body.error;
    }
  }

  $('ticket-place').addEventListener('click', async () => {
    const order = { symbol: $('ticket-symbol').value.trim(), side: $('ticket-side').value, type: $('ticket-type').value, quantity: $('ticket-qty').value.trim() };
    if (order.type === 'limit') { order.price = $('ticket-price').value.trim(); order.timeInForce = $('ticket-tif').value; }
    $('ticket-result').dataset.status = 'sending';
    try { showResult(await rest('POST', '/api/v1/orders', order)); } catch (err) { showResult({ status: 0, body: { error: 'network', message: err.message } }); }
  });

  async function cancel(orderId) {
    try { showResult(await rest('DELETE', '/api/v1/orders/' + encodeURIComponent(orderId))); } catch (err) { showResult({ status: 0, body: { error: 'network', message: err.message } }); }
  }
})();
`;

export async function ticketScript(app: FastifyInstance): Promise<void> {
  app.get('/ticket.js', { config: { readToken: false } }, async (_req, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(TICKET_JS));
}
