// The live viewer served at "/": one HTML page (no build step, nothing from outside the gateway) that speaks the
// public WebSocket protocol like any client: book snapshot + chained deltas, trades, BBO and status. Its price and
// depth charts are viewer-charts.ts over TradingView's Lightweight Charts, served from node_modules (viewer-assets.ts).
// While the gateway is away the page greys out with a notice, and comes back by itself when it returns.
// Kept in a .ts module so it ships inside dist/ with the compiled code.

export const VIEWER_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fixgw · market data</title>
<style>
  :root {
    --bg: #f5f6f8; --panel: #ffffff; --ink: #1d2330; --muted: #6b7385; --line: #e3e6ec;
    --bid: #13854e; --bid-bg: rgba(19, 133, 78, 0.13); --ask: #c23a3a; --ask-bg: rgba(194, 58, 58, 0.13);
    --accent: #2f5bd3; --warn: #b7791f;
  }
  * { box-sizing: border-box; }
  body { margin: 0; background: var(--bg); color: var(--ink);
    font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
  .num { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-variant-numeric: tabular-nums; }
  header { display: flex; align-items: center; gap: 20px; padding: 12px 24px; background: var(--panel);
    border-bottom: 1px solid var(--line); flex-wrap: wrap; }
  header h1 { font-size: 17px; margin: 0; font-weight: 650; letter-spacing: 0.2px; }
  header h1 span { color: var(--muted); font-weight: 400; }
  label.picker { display: flex; align-items: center; gap: 8px; color: var(--muted); }
  select { font: inherit; padding: 5px 10px; border: 1px solid var(--line); border-radius: 6px; background: #fff; color: var(--ink); min-width: 120px; }
  .spacer { flex: 1; }
  .pill { display: inline-flex; align-items: center; gap: 6px; padding: 3px 10px; border-radius: 999px;
    background: var(--bg); border: 1px solid var(--line); color: var(--muted); font-size: 12.5px; white-space: nowrap; }
  .pill b { color: var(--ink); font-weight: 600; }
  .dot { width: 8px; height: 8px; border-radius: 50%; background: #9aa1b0; }
  .live .dot { background: var(--bid); }
  .down .dot { background: var(--ask); }
  .flash { animation: flash 1.2s ease-out; }
  @keyframes flash { from { background: #fde8b0; } to { background: var(--bg); } }
  main { display: grid; grid-template-columns: minmax(300px, 0.9fr) minmax(380px, 1.5fr) minmax(300px, 0.9fr); gap: 20px; padding: 20px 24px; max-width: 1600px; }
  main, .offline-notice { transition: opacity 0.2s; }
  body.offline main { opacity: 0.42; filter: grayscale(1); pointer-events: none; }
  .offline-notice { display: none; margin: 16px 24px 0; padding: 10px 16px; border-radius: 8px; background: #fdecec; color: #8c1d1d;
    border: 1px solid #f3b8b8; font-weight: 600; max-width: 1552px; }
  body.offline .offline-notice { display: block; }
  .chart-col { display: flex; flex-direction: column; gap: 20px; min-width: 0; }
  .chart { height: 300px; position: relative; }
  #depth-chart { height: 220px; }
  .chart .chart-empty { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center; color: var(--muted); pointer-events: none; }
  .intervals { display: inline-flex; gap: 2px; text-transform: none; letter-spacing: 0; }
  .intervals button { font: inherit; font-size: 12px; border: 1px solid var(--line); background: #fff; color: var(--muted); border-radius: 4px; padding: 0 7px; cursor: pointer; }
  .intervals button.on { background: var(--accent); border-color: var(--accent); color: #fff; }
  section { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; overflow: hidden; }
  section h2 { margin: 0; padding: 10px 16px; font-size: 12.5px; text-transform: uppercase; letter-spacing: 0.6px;
    color: var(--muted); border-bottom: 1px solid var(--line); display: flex; justify-content: space-between; }
  .status-badge { padding: 1px 8px; border-radius: 4px; font-size: 12px; text-transform: none; letter-spacing: 0; font-weight: 600; }
  .status-Open { background: var(--bid-bg); color: var(--bid); }
  .status-Halted, .status-Closed { background: var(--ask-bg); color: var(--ask); }
  table { width: 100%; border-collapse: collapse; }
  th { text-align: right; font-weight: 500; color: var(--muted); font-size: 12px; padding: 6px 16px; border-bottom: 1px solid var(--line); }
  td { text-align: right; padding: 3px 16px; height: 24px; }
  th:first-child, td:first-child { text-align: left; }
  .ladder td { position: relative; }
  .ladder tr.ask td.px { color: var(--ask); }
  .ladder tr.bid td.px { color: var(--bid); }
  .ladder td.bar { width: 45%; padding: 3px 16px 3px 0; }
  .ladder .fill { height: 14px; border-radius: 2px; margin-left: auto; }
  .ladder tr.ask .fill { background: var(--ask-bg); }
  .ladder tr.bid .fill { background: var(--bid-bg); }
  .ladder tr.spread td { background: var(--bg); color: var(--muted); font-size: 12.5px; text-align: center; height: 30px; }
  .ladder tr.empty td { color: var(--muted); text-align: center; }
  .side-col { display: flex; flex-direction: column; gap: 20px; }
  .bbo { display: grid; grid-template-columns: 1fr 1fr; }
  .bbo > div { padding: 14px 16px; }
  .bbo > div + div { border-left: 1px solid var(--line); }
  .bbo .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: 0.5px; }
  .bbo .v { font-size: 22px; font-weight: 600; margin-top: 2px; }
  .bbo .q { color: var(--muted); font-size: 13px; }
  #bbo-bid .v { color: var(--bid); }
  #bbo-ask .v { color: var(--ask); }
  .facts { display: flex; gap: 24px; padding: 10px 16px; border-top: 1px solid var(--line); color: var(--muted); font-size: 13px; }
  .facts b { color: var(--ink); font-weight: 600; }
  .trades-wrap { max-height: 460px; overflow-y: auto; }
  #trades td.side-Buy { color: var(--bid); font-weight: 600; }
  #trades td.side-Sell { color: var(--ask); font-weight: 600; }
  #trades td.t { color: var(--muted); }
  footer { padding: 0 24px 20px; color: var(--muted); font-size: 12px; }
  @media (max-width: 1100px) { main { grid-template-columns: minmax(300px, 1fr) minmax(300px, 1fr); } .chart-col { grid-column: 1 / -1; grid-row: 1; } }
  @media (max-width: 800px) { main { grid-template-columns: 1fr; } }
</style>
</head>
<body>
<header>
  <h1>fixgw <span>market data</span></h1>
  <label class="picker">Symbol <select id="symbol" aria-label="Symbol"></select></label>
  <div class="spacer"></div>
  <span class="pill down" id="conn"><span class="dot"></span><span id="conn-text">connecting</span></span>
  <span class="pill">feed seq <b class="num" id="feed-seq">–</b></span>
  <span class="pill" id="resync-pill">resyncs <b class="num" id="resyncs">0</b></span>
</header>
<div class="offline-notice" id="offline" role="alert">Disconnected from the gateway<span id="offline-since"></span>: what is shown is not live. Reconnecting…</div>
<main>
  <section>
    <h2><span>Order book</span><span class="status-badge" id="status">–</span></h2>
    <table class="ladder" id="ladder">
      <thead><tr><th>Price</th><th>Quantity</th><th></th></tr></thead>
      <tbody id="ladder-body"></tbody>
    </table>
  </section>
  <div class="chart-col">
    <section>
      <h2><span>Trades <span id="price-title"></span></span><span class="intervals" id="intervals">
        <button type="button" data-seconds="1">1s</button><button type="button" data-seconds="5">5s</button><button type="button" data-seconds="60" class="on">1m</button><button type="button" data-seconds="300">5m</button><button type="button" data-seconds="3600">1h</button>
      </span></h2>
      <div class="chart" id="price-chart"><div class="chart-empty">no trades yet</div></div>
    </section>
    <section>
      <h2><span>Depth</span><span class="num" id="depth-totals"></span></h2>
      <div class="chart" id="depth-chart"><div class="chart-empty">empty book</div></div>
    </section>
  </div>
  <div class="side-col">
    <section>
      <h2><span>Best bid / offer</span></h2>
      <div class="bbo">
        <div id="bbo-bid"><div class="k">Bid</div><div class="v num">–</div><div class="q num">&nbsp;</div></div>
        <div id="bbo-ask"><div class="k">Ask</div><div class="v num">–</div><div class="q num">&nbsp;</div></div>
      </div>
      <div class="facts"><span>Spread <b class="num" id="spread">–</b></span><span>Last <b class="num" id="last">–</b></span></div>
    </section>
    <section>
      <h2><span>Recent trades</span><span id="trade-count"></span></h2>
      <div class="trades-wrap">
        <table id="trades">
          <thead><tr><th>Time (UTC)</th><th>Side</th><th>Price</th><th>Quantity</th></tr></thead>
          <tbody id="trades-body"></tbody>
        </table>
      </div>
    </section>
  </div>
</main>
<footer>Live over <span class="num">/ws</span>: book snapshot then deltas chained by seq/prevSeq; a gap triggers a snapshot request (counted as a resync).
  Candles from the gateway's trades (<span class="num">/api/v1/trades</span>, then the trades channel). Charts by <a href="https://www.tradingview.com/" rel="noopener">TradingView Lightweight Charts™</a>.</footer>
<script>
(() => {
  'use strict';
  const LADDER_LEVELS = 12;
  const TRADES_KEPT = 50;
  const $ = (id) => document.getElementById(id);
  const picker = $('symbol');
  let ws = null;
  let symbol = null;
  let reconnectMs = 500;
  let book = null;          // { seq, bids: Map, asks: Map, waiting }
  let trades = [];
  let resyncs = 0;
  let renderQueued = false;
  let tickSizes = new Map();   // symbol -> tick size, for the charts' price format
  // The charts (viewer-charts.js) once their scripts are loaded; until then, and if they never load, the page works without them.
  const charts = (op, ...args) => { if (window.fixgwCharts) window.fixgwCharts[op](...args); };

  // exact decimal strings compared without floating point: scale both to the same number of decimals
  function cmp(a, b) {
    const [ai, af = ''] = a.split('.');
    const [bi, bf = ''] = b.split('.');
    if (ai.length !== bi.length) return ai.length - bi.length;
    const n = Math.max(af.length, bf.length);
    const x = ai + af.padEnd(n, '0');
    const y = bi + bf.padEnd(n, '0');
    return x < y ? -1 : x > y ? 1 : 0;
  }
  function isZero(q) { return /^[0.]*$/.test(q); }

  function send(msg) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(msg)); }

  function subscribe(sym) {
    book = { seq: null, bids: new Map(), asks: new Map(), waiting: true };
    trades = [];
    for (const channel of ['book', 'trades', 'bbo', 'status']) {
      send(channel === 'book' ? { op: 'subscribe', channel, symbol: sym, depth: 50 } : { op: 'subscribe', channel, symbol: sym });
    }
    charts('setSymbol', sym, tickSizes.get(sym) || '0.01');
    loadTradeHistory(sym);
    queueRender();
  }

  // The chart's history: the trades the gateway keeps (they survive its restarts), then the trades channel adds to them.
  function loadTradeHistory(sym) {
    fetch(withToken('/api/v1/trades/' + encodeURIComponent(sym) + '?limit=1000')).then((r) => r.json()).then((body) => {
      if (sym === symbol && Array.isArray(body.trades)) charts('trades', sym, body.trades);
    }).catch(() => undefined);   // the socket's close says the gateway is away; the next connection loads it again
  }

  // While the gateway is away: everything greyed out under a notice, so nothing stale looks live.
  function setOffline(offline) {
    if (offline === document.body.classList.contains('offline')) return;
    document.body.classList.toggle('offline', offline);
    $('offline-since').textContent = offline ? ' since ' + new Date().toISOString().slice(11, 19) + ' UTC' : '';
    charts('offline', offline);
  }

  function unsubscribe(sym) {
    for (const channel of ['book', 'trades', 'bbo', 'status']) send({ op: 'unsubscribe', channel, symbol: sym });
  }

  function resync(reason) {
    resyncs++;
    $('resyncs').textContent = String(resyncs);
    const pill = $('resync-pill');
    pill.classList.remove('flash'); void pill.offsetWidth; pill.classList.add('flash');
    pill.title = reason;
    book.waiting = true;
    send({ op: 'snapshot', channel: 'book', symbol });
  }

  function onBook(m) {
    if (m.type === 'snapshot') {
      book = { seq: m.seq, bids: new Map(m.bids), asks: new Map(m.asks), waiting: false };
      setOffline(false);   // live again from a fresh snapshot
    } else if (m.type === 'delta') {
      if (book.waiting) return;
      if (m.prevSeq !== book.seq) { resync('gap: expected prevSeq ' + book.seq + ', got ' + m.prevSeq); return; }
      for (const [px, q] of m.bids) { if (isZero(q)) book.bids.delete(px); else book.bids.set(px, q); }
      for (const [px, q] of m.asks) { if (isZero(q)) book.asks.delete(px); else book.asks.set(px, q); }
      book.seq = m.seq;
    } else if (m.type === 'resync') {
      if (!book.waiting) { resyncs++; $('resyncs').textContent = String(resyncs); }
      book.waiting = true;   // the server sends a fresh snapshot once this client has caught up
    }
    queueRender();
  }

  function onMessage(ev) {
    const m = JSON.parse(ev.data);
    if (m.type === 'error') { console.warn('feed error', m); return; }
    if (m.symbol !== symbol || m.type === 'subscribed' || m.type === 'unsubscribed') return;
    if (typeof m.seq === 'number') $('feed-seq').textContent = String(m.seq);
    switch (m.channel) {
      case 'book': onBook(m); break;
      case 'trades':
        if (m.type === 'snapshot') trades = m.trades.slice().reverse();
        else trades = m.trades.slice().reverse().concat(trades);
        trades.length = Math.min(trades.length, TRADES_KEPT);
        if (trades.length) $('last').textContent = trades[0].price;
        charts('trades', symbol, m.trades);
        queueRender();
        break;
      case 'bbo': renderBbo(m); break;
      case 'status': renderStatus(m); break;
    }
  }

  // with an access token (HttpAccessToken), the page was opened as /?token=...: the socket and the API calls carry it on
  const accessToken = new URLSearchParams(location.search).get('token');
  const withToken = (p) => accessToken ? p + (p.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(accessToken) : p;

  function connect() {
    setConn('connecting', false);
    ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + withToken('/ws'));
    ws.onopen = () => { reconnectMs = 500; setConn('live', true); if (symbol) subscribe(symbol); };
    ws.onmessage = onMessage;
    ws.onclose = (e) => {
      setConn('disconnected' + (e.reason ? ': ' + e.reason : ''), false);
      setOffline(true);
      setTimeout(connect, reconnectMs);
      reconnectMs = Math.min(reconnectMs * 2, 4000);
    };
  }

  function setConn(text, live) {
    $('conn-text').textContent = text;
    $('conn').className = 'pill ' + (live ? 'live' : 'down');
  }

  function queueRender() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(() => { renderQueued = false; renderLadder(); renderTrades(); });
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function ladderRow(side, px, q, maxQ) {
    const tr = el('tr', side);
    tr.dataset.side = side;
    tr.dataset.price = px;
    tr.dataset.qty = q;
    tr.append(el('td', 'num px', px), el('td', 'num qty', q));
    const bar = el('td', 'bar');
    const fill = el('div', 'fill');
    fill.style.width = Math.max(2, Math.round((Number(q) / maxQ) * 100)) + '%';  // display only
    bar.append(fill);
    tr.append(bar);
    return tr;
  }

  function renderLadder() {
    const body = $('ladder-body');
    body.textContent = '';
    if (!book || book.seq === null) { charts('book', symbol, [], []); const tr = el('tr', 'empty'); tr.append(el('td', '', 'waiting for snapshot…')); tr.firstChild.colSpan = 3; body.append(tr); return; }
    const allAsks = [...book.asks.entries()].sort((a, b) => cmp(a[0], b[0]));
    const allBids = [...book.bids.entries()].sort((a, b) => cmp(b[0], a[0]));
    charts('book', symbol, allBids, allAsks);
    const asks = allAsks.slice(0, LADDER_LEVELS);
    const bids = allBids.slice(0, LADDER_LEVELS);
    const maxQ = Math.max(1, ...asks.map((l) => Number(l[1])), ...bids.map((l) => Number(l[1])));
    for (let i = asks.length - 1; i >= 0; i--) body.append(ladderRow('ask', asks[i][0], asks[i][1], maxQ));
    const mid = el('tr', 'spread');
    const td = el('td', 'num', asks.length && bids.length ? 'spread ' + spreadOf(bids[0][0], asks[0][0]) : (asks.length || bids.length ? 'one-sided book' : 'empty book'));
    td.colSpan = 3;
    mid.append(td);
    body.append(mid);
    for (const [px, q] of bids) body.append(ladderRow('bid', px, q, maxQ));
  }

  // ask - bid on exact decimal strings (same scale within an instrument)
  function spreadOf(bid, ask) {
    const scale = Math.max((bid.split('.')[1] || '').length, (ask.split('.')[1] || '').length);
    const toInt = (s) => { const [i, f = ''] = s.split('.'); return BigInt(i + f.padEnd(scale, '0')); };
    const d = (toInt(ask) - toInt(bid)).toString().padStart(scale + 1, '0');
    return scale ? d.slice(0, d.length - scale) + '.' + d.slice(d.length - scale) : d;
  }

  function renderTrades() {
    const body = $('trades-body');
    body.textContent = '';
    for (const t of trades) {
      const tr = el('tr');
      tr.dataset.tradeId = t.tradeId;
      tr.append(el('td', 'num t', new Date(t.timeMs).toISOString().slice(11, 23)), el('td', 'side-' + t.side, t.side === 'Buy' ? 'Buy' : 'Sell'),
        el('td', 'num', t.price), el('td', 'num', t.qty));
      body.append(tr);
    }
    $('trade-count').textContent = trades.length ? String(trades.length) : '';
  }

  function renderBbo(m) {
    for (const [id, lv] of [['bbo-bid', m.bid], ['bbo-ask', m.ask]]) {
      $(id).querySelector('.v').textContent = lv ? lv[0] : '–';
      $(id).querySelector('.q').textContent = lv ? 'qty ' + lv[1] : '\u00a0';
    }
    $('spread').textContent = m.bid && m.ask ? spreadOf(m.bid[0], m.ask[0]) : '–';
  }

  function renderStatus(m) {
    const s = $('status');
    s.textContent = m.status;
    s.className = 'status-badge status-' + m.status;
    $('last').textContent = m.lastPrice || '–';
  }

  picker.addEventListener('change', () => {
    if (symbol) unsubscribe(symbol);
    symbol = picker.value;
    history.replaceState(null, '', '?symbol=' + encodeURIComponent(symbol));
    $('feed-seq').textContent = '–';
    subscribe(symbol);
  });

  // the chart library, then the charts, as scripts of this origin (with the access token, where there is one)
  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = withToken(src);
      script.onload = resolve;
      script.onerror = () => reject(new Error('cannot load ' + src));
      document.head.append(script);
    });
  }
  loadScript('/assets/lightweight-charts.js').then(() => loadScript('/viewer-charts.js')).then(() => {
    window.fixgwCharts.start({ symbol, tickSize: tickSizes.get(symbol) || '0.01', offline: document.body.classList.contains('offline') });
    if (symbol) loadTradeHistory(symbol);
    queueRender();
  }).catch((err) => console.warn('charts unavailable:', err.message));

  // the instruments, asked for until the gateway answers (it may be down when the page is opened)
  function loadInstruments() {
    return fetch(withToken('/api/v1/instruments')).then((r) => {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.json();
    }).catch((err) => {
      setConn('cannot load instruments: ' + err.message, false);
      setOffline(true);
      return new Promise((resolve) => setTimeout(resolve, 2000)).then(loadInstruments);
    });
  }

  loadInstruments().then((body) => {
    const wanted = new URLSearchParams(location.search).get('symbol');
    tickSizes = new Map(body.instruments.map((i) => [i.symbol, i.tickSize]));
    for (const inst of body.instruments) picker.append(new Option(inst.symbol, inst.symbol));
    symbol = body.instruments.some((i) => i.symbol === wanted) ? wanted : (body.instruments[0] || {}).symbol || null;
    if (symbol) picker.value = symbol;
    connect();
  }).catch((err) => setConn('cannot load instruments: ' + err.message, false));
})();
</script>
<!-- the order ticket (src/http/ticket-script.ts): its own panel, served by the HTTP server's REST plugin -->
<script src="ticket.js" defer></script>
</body>
</html>
`;
