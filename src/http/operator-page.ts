// The operator page served at /operator: the FIX sessions (state, sequence numbers, last activity, message rate), the
// instruments (trading status, why halted, price band, circuit breaker) and the accounts' kill switches, read from the
// HTTP API every second; halt/resume, kill switch and end of day through the admin API with the admin token the
// operator pastes, which stays in this page's memory (never in storage, a cookie or the URL). While the gateway is away
// the page greys out under a notice and comes back by itself. Kept in a .ts module so it ships inside dist/.

export const OPERATOR_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fixgw · operator</title>
<style>
  :root { --bg: #f5f6f8; --panel: #fff; --ink: #1d2330; --muted: #6b7385; --line: #e3e6ec; --ok: #13854e; --ok-bg: rgba(19, 133, 78, 0.12);
    --bad: #c23a3a; --bad-bg: rgba(194, 58, 58, 0.12); --warn: #9a6212; --warn-bg: rgba(183, 121, 31, 0.14); --accent: #2f5bd3; }
  * { box-sizing: border-box; }
  body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
  .num { font-family: ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace; font-variant-numeric: tabular-nums; }
  header { display: flex; align-items: center; gap: 16px; padding: 12px 24px; background: var(--panel); border-bottom: 1px solid var(--line); flex-wrap: wrap; }
  header h1 { font-size: 17px; margin: 0; font-weight: 650; }
  header h1 span { color: var(--muted); font-weight: 400; }
  .spacer { flex: 1; }
  .pill { display: inline-flex; align-items: center; gap: 6px; padding: 3px 10px; border-radius: 999px; background: var(--bg); border: 1px solid var(--line); color: var(--muted); font-size: 12.5px; }
  .dot { width: 8px; height: 8px; border-radius: 50%; background: #9aa1b0; }
  .live .dot { background: var(--ok); }
  .down .dot { background: var(--bad); }
  form.token { display: flex; gap: 6px; align-items: center; }
  input, button { font: inherit; border: 1px solid var(--line); border-radius: 6px; padding: 4px 10px; background: #fff; color: var(--ink); }
  button { cursor: pointer; }
  button.danger { color: var(--bad); border-color: #efc4c4; }
  button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
  .offline-notice { display: none; margin: 16px 24px 0; padding: 10px 16px; border-radius: 8px; background: #fdecec; color: #8c1d1d; border: 1px solid #f3b8b8; font-weight: 600; }
  body.offline .offline-notice { display: block; }
  body.offline main { opacity: 0.42; filter: grayscale(1); pointer-events: none; }
  main { display: flex; flex-direction: column; gap: 20px; padding: 20px 24px; max-width: 1500px; }
  section { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; overflow: hidden; }
  section h2 { margin: 0; padding: 10px 16px; font-size: 12.5px; text-transform: uppercase; letter-spacing: 0.6px; color: var(--muted);
    border-bottom: 1px solid var(--line); display: flex; justify-content: space-between; align-items: center; gap: 12px; }
  section h2 button { text-transform: none; letter-spacing: 0; font-size: 12.5px; }
  table { width: 100%; border-collapse: collapse; }
  th { text-align: left; font-weight: 500; color: var(--muted); font-size: 12px; padding: 6px 16px; border-bottom: 1px solid var(--line); white-space: nowrap; }
  td { padding: 5px 16px; border-bottom: 1px solid var(--bg); vertical-align: middle; }
  td.r, th.r { text-align: right; }
  td.symbol, td.breaker, td.client { white-space: nowrap; }
  tr.empty td { color: var(--muted); text-align: center; }
  .badge { display: inline-block; padding: 1px 8px; border-radius: 4px; font-size: 12px; font-weight: 600; white-space: nowrap; }
  .b-ok { background: var(--ok-bg); color: var(--ok); }
  .b-bad { background: var(--bad-bg); color: var(--bad); }
  .b-warn { background: var(--warn-bg); color: var(--warn); }
  .b-idle { background: var(--bg); color: var(--muted); }
  .muted { color: var(--muted); }
  #notes { list-style: none; margin: 0; padding: 6px 16px; min-height: 32px; }
  #notes li { padding: 3px 0; }
  #notes li.ok::before { content: '✓ '; color: var(--ok); }
  #notes li.error { color: var(--bad); }
  #notes li.error::before { content: '✗ '; }
</style>
</head>
<body>
<header>
  <h1>fixgw <span>operator</span></h1>
  <span class="pill down" id="conn"><span class="dot"></span><span id="conn-text">connecting</span></span>
  <span class="pill">updated <b class="num" id="updated">–</b></span>
  <div class="spacer"></div>
  <form class="token" id="token-form" autocomplete="off">
    <input type="password" id="admin-token" aria-label="Admin token" placeholder="admin token" autocomplete="off" size="18">
    <button type="submit">Use</button>
    <button type="button" id="forget-token">Forget</button>
    <span class="pill" id="token-state">admin token not set: actions disabled</span>
  </form>
</header>
<div class="offline-notice" id="offline" role="alert">Disconnected from the gateway<span id="offline-since"></span>: what is shown is not live. Reconnecting…</div>
<main>
  <section>
    <h2><span>Actions</span></h2>
    <ul id="notes" aria-live="polite"></ul>
  </section>
  <section>
    <h2><span>FIX sessions <span id="session-count"></span></span></h2>
    <table id="sessions">
      <thead><tr><th>Client</th><th>Type</th><th>State</th><th class="r">Next out</th><th class="r">Next in</th><th>Last activity</th><th>Address</th><th>Message rate</th></tr></thead>
      <tbody id="sessions-body"></tbody>
    </table>
  </section>
  <section>
    <h2><span>Instruments</span><button type="button" class="danger" id="end-of-day">End of day…</button></h2>
    <table id="instruments">
      <thead><tr><th>Symbol</th><th>Status</th><th>Why</th><th class="r">Last</th><th class="r">Reference</th><th class="r">Price band</th><th>Circuit breaker</th><th class="r">Resting orders</th><th></th></tr></thead>
      <tbody id="instruments-body"></tbody>
    </table>
  </section>
  <section>
    <h2><span>Accounts and kill switches <span id="account-count"></span></span></h2>
    <table id="accounts">
      <thead><tr><th>Account</th><th>Mode</th><th class="r">Open orders</th><th>Kill switch</th><th></th></tr></thead>
      <tbody id="accounts-body"></tbody>
    </table>
  </section>
</main>
<script>
(() => {
  'use strict';
  const POLL_MS = 1000;
  const NOTES_KEPT = 8;
  const $ = (id) => document.getElementById(id);
  // the read token (HttpAccessToken), when the page was opened as /operator?token=...; the admin token is another one
  const readToken = new URLSearchParams(location.search).get('token');
  const withToken = (p) => readToken ? p + (p.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(readToken) : p;
  let adminToken = null;   // only here: never in storage, a cookie or the URL

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function row(cells) {
    const tr = el('tr');
    for (const c of cells) tr.append(c instanceof Node ? c : el('td', '', c));
    return tr;
  }
  function td(cls, content) {
    const cell = el('td', cls);
    if (content instanceof Node) cell.append(content); else cell.textContent = content;
    return cell;
  }
  function badge(text, kind) { return el('span', 'badge b-' + kind, text); }
  function button(text, cls, onClick) { const b = el('button', cls, text); b.type = 'button'; b.addEventListener('click', onClick); return b; }
  function fill(id, rows, emptyText, columns) {
    const body = $(id);
    body.textContent = '';
    if (rows.length === 0) { const tr = row([emptyText]); tr.className = 'empty'; tr.firstChild.colSpan = columns; body.append(tr); return; }
    for (const r of rows) body.append(r);
  }
  function ago(ms) {
    if (!ms) return 'never';
    const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
    return (s < 60 ? s + ' s' : s < 3600 ? Math.floor(s / 60) + ' min' : Math.floor(s / 3600) + ' h') + ' ago';
  }

  // ---- reads

  const STATE = { 'logged-on': ['logged on', 'ok'], connected: ['connected', 'warn'], disconnected: ['disconnected', 'idle'] };

  function renderSessions(sessions) {
    $('session-count').textContent = '(' + sessions.length + ')';
    fill('sessions-body', sessions.map((s) => {
      const [text, kind] = STATE[s.state] || [s.state, 'idle'];
      const t = s.throttle;
      const rate = t ? el('span', 'num', t.messagesThisSecond + ' / ' + t.maxMessagesPerSecond + ' msg/s') : el('span', 'muted', '–');
      const rateCell = td('rate', rate);
      if (t && t.throttled) rateCell.append(' ', badge('throttled: ' + t.refusedThisSecond + ' refused', 'bad'));
      const activity = td('activity', ago(s.lastActivityMs));
      if (s.lastActivityMs) activity.title = new Date(s.lastActivityMs).toISOString();
      const tr = row([td('client', s.targetCompId), td('', s.sessionType), td('state', badge(text, kind)), td('r num next-out', String(s.nextSenderSeq)),
        td('r num next-in', String(s.nextTargetSeq)), activity, td('num', s.remoteAddress || '–'), rateCell]);
      tr.dataset.key = s.key;
      tr.title = s.key;
      return tr;
    }), 'no sessions', 8);
  }

  function renderInstruments(instruments) {
    fill('instruments-body', instruments.map((i) => {
      const kind = i.status === 'Open' ? 'ok' : 'bad';
      const cb = i.circuitBreaker ? i.circuitBreaker.bps + ' bps in ' + Math.round(i.circuitBreaker.windowMs / 1000) + ' s' : 'off';
      const action = i.status === 'Halted'
        ? button('Resume', 'primary', () => act('resume', { symbol: i.symbol }, 'Resume ' + i.symbol))
        : button('Halt…', 'danger', () => {
          const text = prompt('Halt ' + i.symbol + ': the reason, shown to clients (optional)', '');
          if (text !== null) act('halt', text ? { symbol: i.symbol, text } : { symbol: i.symbol }, 'Halt ' + i.symbol);
        });
      const tr = row([td('symbol', i.symbol), td('status', badge(i.status, kind)), td('reason', i.haltReason || ''), td('r num', i.lastPrice || '–'),
        td('r num', i.referencePrice), td('r num', i.priceBandBps ? i.priceBandBps + ' bps' : 'off'), td('breaker', cb),
        td('r num resting', String(i.restingOrders)), td('r', action)]);
      tr.dataset.symbol = i.symbol;
      return tr;
    }), 'no instruments', 9);
  }

  function renderAccounts(accounts, total) {
    $('account-count').textContent = '(' + (total > accounts.length ? accounts.length + ' of ' + total : accounts.length) + ')';
    fill('accounts-body', accounts.map((a) => {
      const action = a.killSwitch
        ? button('Release', 'primary', () => act('killswitch', { account: a.account, on: false }, 'Kill switch off for ' + a.account))
        : button('Kill switch…', 'danger', () => {
          if (confirm('Kill switch on for ' + a.account + ': its orders are canceled and new ones refused. Go ahead?')) {
            act('killswitch', { account: a.account, on: true }, 'Kill switch on for ' + a.account);
          }
        });
      const tr = row([td('account', a.account + (a.feeAccount ? ' (fees)' : '')), td('', a.mode), td('r num open-orders', String(a.openOrders)),
        td('kill', badge(a.killSwitch ? 'on: blocked' : 'off', a.killSwitch ? 'bad' : 'ok')), td('r', action)]);
      tr.dataset.account = a.account;
      return tr;
    }), 'no accounts yet', 5);
  }

  async function getJson(path) {
    const r = await fetch(withToken(path), { cache: 'no-store' });
    if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
    return r.json();
  }

  let timer = null;
  async function refresh() {
    clearTimeout(timer);
    try {
      const [s, i, a] = await Promise.all([getJson('/api/v1/sessions'), getJson('/api/v1/instruments/status'), getJson('/api/v1/accounts')]);
      renderSessions(s.sessions);
      renderInstruments(i.instruments);
      renderAccounts(a.accounts, a.total);
      setOffline(false, '');
      $('updated').textContent = new Date().toISOString().slice(11, 19);
    } catch (err) {
      setOffline(true, err.message);
    } finally {
      timer = setTimeout(refresh, POLL_MS);
    }
  }

  function setOffline(offline, why) {
    $('conn-text').textContent = offline ? 'disconnected' + (why ? ': ' + why : '') : 'live';
    $('conn').className = 'pill ' + (offline ? 'down' : 'live');
    if (offline === document.body.classList.contains('offline')) return;
    document.body.classList.toggle('offline', offline);
    $('offline-since').textContent = offline ? ' since ' + new Date().toISOString().slice(11, 19) + ' UTC' : '';
  }

  // ---- admin actions

  function note(kind, text) {
    const li = el('li', kind, new Date().toISOString().slice(11, 19) + '  ' + text);
    $('notes').prepend(li);
    while ($('notes').children.length > NOTES_KEPT) $('notes').lastChild.remove();
  }

  function setAdminToken(token) {
    adminToken = token;
    $('token-state').textContent = token ? 'admin token set (kept in this page only)' : 'admin token not set: actions disabled';
  }

  async function act(path, body, what) {
    if (!adminToken) { note('error', what + ': paste the admin token first (AdminToken in the gateway settings, or FIXGW_ADMIN_TOKEN)'); $('admin-token').focus(); return; }
    try {
      const r = await fetch('/api/v1/admin/' + path, { method: 'POST', cache: 'no-store',
        headers: { 'content-type': 'application/json', authorization: 'Bearer ' + adminToken }, body: JSON.stringify(body) });
      const j = await r.json().catch(() => ({}));
      if (r.ok) note('ok', what + ': ' + (j.text || 'done') + (j.canceledCount ? ' (' + j.canceledCount + (j.canceledCount === 1 ? ' order' : ' orders') + ' canceled)' : ''));
      else note('error', what + ': ' + (j.message || j.text || 'HTTP ' + r.status));
      if (r.status === 401) setAdminToken(null);
    } catch (err) {
      note('error', what + ': ' + err.message);
    }
    refresh();
  }

  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('admin-token');
    setAdminToken(input.value.trim() || null);
    input.value = '';
  });
  $('forget-token').addEventListener('click', () => setAdminToken(null));
  $('end-of-day').addEventListener('click', () => {
    if (confirm('End of day: every Day order on every instrument expires now. Go ahead?')) act('end-of-day', {}, 'End of day');
  });

  refresh();
})();
</script>
</body>
</html>
`;
