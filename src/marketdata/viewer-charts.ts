// The viewer's charts, served at /viewer-charts.js after the chart library (viewer-assets.ts): candles and volume of
// the symbol's trades by interval, and the depth of its book (cumulative quantity by price, bids and asks). The page
// (viewer-page.ts) feeds it through window.fixgwCharts: the trades the gateway keeps (/api/v1/trades), the trades
// channel's, and the book it holds. Prices become numbers only to be drawn; what the page shows as text stays exact.
// The chart's numbers are also written into data attributes of its element (the browser test reads them).
// Kept in a .ts module so it ships inside dist/ with the compiled code.

export const VIEWER_CHARTS_JS = String.raw`(() => {
  'use strict';
  const LC = window.LightweightCharts;
  const TRADES_KEPT = 5000;
  const $ = (id) => document.getElementById(id);
  const COLORS = { bid: '#13854e', ask: '#c23a3a', bidFill: 'rgba(19, 133, 78, 0.25)', askFill: 'rgba(194, 58, 58, 0.25)', grid: '#eef0f4', text: '#6b7385' };
  let symbol = null;
  let tickSize = '0.01';
  let intervalSec = 60;
  let trades = new Map();        // tradeId -> { seq, timeMs, price, qty }
  let bars = [];                 // { time, open, high, low, close, volume } (price strings, volume exact)
  let lastSeq = -1;
  let price = null;              // { chart, candles, volume }
  let depth = null;              // { chart, bids, asks }

  // ---- exact decimal strings (the volume and depth totals shown as text)
  function scaleOf(s) { return (s.split('.')[1] || '').length; }
  function toUnits(s, scale) { const [i, f = ''] = s.split('.'); return BigInt(i + f.padEnd(scale, '0')); }
  function fromUnits(n, scale) {
    const d = n.toString().padStart(scale + 1, '0');
    return scale ? d.slice(0, d.length - scale) + '.' + d.slice(d.length - scale) : d;
  }
  function addDec(a, b) { const scale = Math.max(scaleOf(a), scaleOf(b)); return fromUnits(toUnits(a, scale) + toUnits(b, scale), scale); }

  function chartOptions(el) {
    return {
      width: el.clientWidth, height: el.clientHeight, autoSize: true,
      layout: { background: { type: LC.ColorType.Solid, color: '#ffffff' }, textColor: COLORS.text, fontSize: 11 },
      grid: { vertLines: { color: COLORS.grid }, horzLines: { color: COLORS.grid } },
      rightPriceScale: { borderVisible: false }, timeScale: { borderVisible: false },
    };
  }

  function priceFormat() {
    return { type: 'price', precision: scaleOf(tickSize), minMove: Number(tickSize) };
  }

  function makePriceChart() {
    const el = $('price-chart');
    const chart = LC.createChart(el, { ...chartOptions(el),
      timeScale: { borderVisible: false, timeVisible: true, secondsVisible: true, barSpacing: 10, rightOffset: 4 } });
    const candles = chart.addSeries(LC.CandlestickSeries, { upColor: COLORS.bid, downColor: COLORS.ask, wickUpColor: COLORS.bid,
      wickDownColor: COLORS.ask, borderVisible: false, priceFormat: priceFormat() });
    const volume = chart.addSeries(LC.HistogramSeries, { priceScaleId: 'volume', priceFormat: { type: 'volume' }, lastValueVisible: false, priceLineVisible: false });
    chart.priceScale('volume').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    candles.priceScale().applyOptions({ scaleMargins: { top: 0.08, bottom: 0.25 } });
    return { chart, candles, volume };
  }

  function makeDepthChart() {
    const el = $('depth-chart');
    const chart = LC.createOptionsChart(el, { ...chartOptions(el),
      localization: { precision: scaleOf(tickSize), priceFormatter: (q) => String(Math.round(q * 1e6) / 1e6) } });
    const side = (line, fill) => chart.addSeries(LC.AreaSeries, { lineColor: line, topColor: fill, bottomColor: fill, lineWidth: 2,
      lineType: LC.LineType.WithSteps, lastValueVisible: false, priceLineVisible: false });
    return { chart, bids: side(COLORS.bid, COLORS.bidFill), asks: side(COLORS.ask, COLORS.askFill) };
  }

  // ---- candles

  function bucketOf(timeMs) { return Math.floor(timeMs / 1000 / intervalSec) * intervalSec; }

  /** Adds one trade (in seq order) to the candles; returns the bar it changed. */
  function addToBars(t) {
    const time = bucketOf(t.timeMs);
    const last = bars[bars.length - 1];
    if (last !== undefined && last.time === time) {
      if (Number(t.price) > Number(last.high)) last.high = t.price;
      if (Number(t.price) < Number(last.low)) last.low = t.price;
      last.close = t.price;
      last.volume = addDec(last.volume, t.qty);
      return last;
    }
    const bar = { time, open: t.price, high: t.price, low: t.price, close: t.price, volume: t.qty };
    bars.push(bar);
    return bar;
  }

  const candleOf = (b) => ({ time: b.time, open: Number(b.open), high: Number(b.high), low: Number(b.low), close: Number(b.close) });
  const volumeOf = (b) => ({ time: b.time, value: Number(b.volume), color: Number(b.close) >= Number(b.open) ? COLORS.bidFill : COLORS.askFill });

  function rebuild() {
    bars = [];
    const sorted = [...trades.values()].sort((a, b) => a.seq - b.seq || a.order - b.order);
    for (const t of sorted) addToBars(t);
    lastSeq = sorted.length ? sorted[sorted.length - 1].seq : -1;
    if (price) {
      price.candles.setData(bars.map(candleOf));
      price.volume.setData(bars.map(volumeOf));
      price.chart.timeScale().scrollToRealTime();
    }
    describePrice();
  }

  function describePrice() {
    const el = $('price-chart');
    const last = bars[bars.length - 1];
    el.dataset.candles = String(bars.length);
    el.dataset.interval = String(intervalSec);
    el.dataset.trades = String(trades.size);
    el.dataset.last = last ? [last.open, last.high, last.low, last.close, last.volume].join(' ') : '';
    el.querySelector('.chart-empty').style.display = bars.length ? 'none' : '';
  }

  let order = 0;
  function addTrades(sym, list) {
    if (sym !== symbol) return;
    const fresh = [];
    for (const t of list) {
      if (trades.has(t.tradeId)) continue;
      const rec = { seq: t.seq, timeMs: t.timeMs, price: t.price, qty: t.qty, order: order++ };
      trades.set(t.tradeId, rec);
      fresh.push(rec);
    }
    if (fresh.length === 0) return;
    if (trades.size > TRADES_KEPT) {
      const oldest = [...trades.entries()].sort((a, b) => a[1].seq - b[1].seq).slice(0, trades.size - TRADES_KEPT);
      for (const [id] of oldest) trades.delete(id);
      return rebuild();
    }
    // the usual case, newer trades: the last candle changes or a new one starts; history or a gap: drawn again
    if (fresh.some((t) => t.seq < lastSeq)) return rebuild();
    for (const t of fresh) {
      const bar = addToBars(t);
      if (price) { price.candles.update(candleOf(bar)); price.volume.update(volumeOf(bar)); }
      lastSeq = t.seq;
    }
    describePrice();
  }

  // ---- depth

  /** [price, cumulative qty] from the best price outwards, as exact strings. */
  function cumulative(levels) {
    let total = '0';
    return levels.map(([px, q]) => { total = addDec(total, q); return [px, total]; });
  }

  /** The bid side drawn left to right: a step holds its value up to the next price, and below a bid price the
   *  quantity bid at or above it is that bid's cumulative total, so each step carries the next level's total and the
   *  whole total starts one tick below the lowest bid. */
  function bidSteps(b) {
    if (b.length === 0) return [];
    const up = b.slice().reverse();            // lowest price first
    const points = [{ time: Number(up[0][0]) - Number(tickSize), value: Number(up[0][1]) }];
    for (let i = 0; i < up.length; i++) points.push({ time: Number(up[i][0]), value: Number((up[i + 1] || up[i])[1]) });
    return points;
  }

  function setBook(sym, bids, asks) {
    if (sym !== symbol) return;
    const b = cumulative(bids);                 // best (highest) bid first
    const a = cumulative(asks);                 // best (lowest) ask first
    if (depth) {
      depth.bids.setData(bidSteps(b));
      depth.asks.setData(a.map(([px, q]) => ({ time: Number(px), value: Number(q) })));
      if (b.length || a.length) depth.chart.timeScale().fitContent();
    }
    const el = $('depth-chart');
    el.dataset.bids = b.map(([px, q]) => px + ':' + q).join(' ');
    el.dataset.asks = a.map(([px, q]) => px + ':' + q).join(' ');
    const bidTotal = b.length ? b[b.length - 1][1] : '0';
    const askTotal = a.length ? a[a.length - 1][1] : '0';
    $('depth-totals').textContent = b.length || a.length ? 'bids ' + bidTotal + ' · asks ' + askTotal : '';
    el.querySelector('.chart-empty').style.display = b.length || a.length ? 'none' : '';
  }

  // ---- what the page calls

  function setSymbol(sym, tick) {
    symbol = sym;
    tickSize = tick;
    trades = new Map();
    lastSeq = -1;
    $('price-title').textContent = sym ? '· ' + sym : '';
    if (price) price.candles.applyOptions({ priceFormat: priceFormat() });
    if (depth) depth.chart.applyOptions({ localization: { precision: scaleOf(tickSize) } });
    rebuild();
    setBook(sym, [], []);
  }

  function setIntervalSeconds(seconds) {
    intervalSec = seconds;
    for (const b of $('intervals').querySelectorAll('button')) b.classList.toggle('on', Number(b.dataset.seconds) === seconds);
    rebuild();
  }

  function start(o) {
    price = makePriceChart();
    depth = makeDepthChart();
    $('intervals').addEventListener('click', (e) => {
      const s = e.target && e.target.dataset ? Number(e.target.dataset.seconds) : NaN;
      if (s > 0) setIntervalSeconds(s);
    });
    setSymbol(o.symbol, o.tickSize);
  }

  window.fixgwCharts = { start, setSymbol, trades: addTrades, book: setBook, offline: () => undefined };
})();
`;
