// The viewer's charts and its disconnected state, in real headless Chromium: candles of the trades the gateway keeps
// (history first, then live), a depth chart of the book, the chart library served by the gateway (the page asks
// nothing of any other origin); while the gateway is away the page is greyed out under a notice, and when it returns
// the page comes back by itself with the book and the trades it missed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startHttpServer, type HttpServer } from '../../src/http/server.js';
import { Client, startTestGateway } from '../gateway/support.js';
import type { Gateway } from '../../src/gateway/index.js';
import { freePort, gatewayCfg, kill, serve } from '../support/served.js';

const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));

function launchChromium(userDataDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1400, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

async function eventually(what: string, check: () => Promise<void>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try { await check(); return; } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

interface Trade { tradeId: string; price: string; qty: string; timeMs: number; seq: number }

/** The candles the page should draw for `trades` at `intervalSec`: [count, "open high low close volume" of the last]. */
function expectedCandles(trades: Trade[], intervalSec: number): [number, string] {
  const buckets = new Map<number, Trade[]>();
  for (const t of trades) {
    const time = Math.floor(t.timeMs / 1000 / intervalSec) * intervalSec;
    buckets.set(time, [...(buckets.get(time) ?? []), t]);
  }
  const last = [...buckets.values()].at(-1)!;
  const prices = last.map((t) => Number(t.price));
  const high = last[prices.indexOf(Math.max(...prices))]!.price;
  const low = last[prices.indexOf(Math.min(...prices))]!.price;
  const volume = last.reduce((sum, t) => sum + BigInt(t.qty), 0n).toString();
  return [buckets.size, [last[0]!.price, high, low, last.at(-1)!.price, volume].join(' ')];
}

async function tradesOf(http: HttpServer, symbol: string): Promise<Trade[]> {
  return ((await (await fetch(`${http.url}/api/v1/trades/${symbol}?limit=1000`)).json()) as { trades: Trade[] }).trades;
}

async function chartData(page: Page, id: string): Promise<Record<string, string>> {
  return page.$eval(id, (el) => ({ ...(el as HTMLElement).dataset }) as Record<string, string>);
}

function startHttp(gw: Gateway, port = 0): Promise<HttpServer> {
  return startHttpServer({ port, engine: gw.engine, sequencer: gw.sequencer, registry: gw.registry, sessions: () => gw.sessionsInfo(), isReady: () => gw.ready });
}

test('the viewer draws candles of the trades the gateway keeps and of live ones, and the depth of the book, from its own origin only', { timeout: 120_000 }, async () => {
  const gw = await startTestGateway();
  const http = await startHttp(gw);
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'fixgw-chromium-'));
  let context: BrowserContext | null = null;
  const buyer = await Client.logon(gw.fixPort, 'BUYER');
  const seller = await Client.logon(gw.fixPort, 'SELLER');
  try {
    // history: trades before the page is opened
    for (const [i, px] of ['190.00', '190.10', '189.90'].entries()) {
      seller.order(`H${i}`, { side: '2', price: px, qty: '10' });
      buyer.order(`HB${i}`, { side: '1', price: px, qty: '10' });
      await buyer.reports(`HB${i}`, 2);
    }
    context = await launchChromium(userDataDir);
    const page = context.pages()[0] ?? await context.newPage();
    const pageErrors: string[] = [];
    const elsewhere: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('request', (req) => { if (!req.url().startsWith(http.url) && !req.url().startsWith('data:')) elsewhere.push(req.url()); });
    await page.goto(`${http.url}/?symbol=AAPL`);
    await page.waitForSelector('#conn.live', { timeout: 15_000 });
    await eventually('history drawn', async () => {
      const d = await chartData(page, '#price-chart');
      assert.equal(d['trades'], '3');
      const [count, last] = expectedCandles(await tradesOf(http, 'AAPL'), 60);
      assert.deepEqual([d['candles'], d['last']], [String(count), last]);
    });

    // a book, and live trades into it
    const bids: Array<[string, string]> = [['189.80', '100'], ['189.70', '250'], ['189.50', '400']];
    const asks: Array<[string, string]> = [['190.20', '80'], ['190.30', '120'], ['190.60', '500']];
    bids.forEach(([px, qty], i) => buyer.order(`B${i}`, { side: '1', price: px, qty }));
    asks.forEach(([px, qty], i) => seller.order(`S${i}`, { side: '2', price: px, qty }));
    await buyer.reports(`B${bids.length - 1}`);
    await seller.reports(`S${asks.length - 1}`);
    seller.order('S-hit', { side: '2', price: '189.80', qty: '30' });
    await seller.reports('S-hit', 2);
    buyer.order('B-lift', { side: '1', price: '190.20', qty: '50' });
    await buyer.reports('B-lift', 2);
    await eventually('live trades and the depth drawn', async () => {
      const d = await chartData(page, '#price-chart');
      assert.equal(d['trades'], '5');
      const [count, last] = expectedCandles(await tradesOf(http, 'AAPL'), 60);
      assert.deepEqual([d['candles'], d['last']], [String(count), last]);
      const depth = await chartData(page, '#depth-chart');
      assert.equal(depth['bids'], '189.80:70 189.70:320 189.50:720');
      assert.equal(depth['asks'], '190.20:30 190.30:150 190.60:650');
      assert.equal(await page.textContent('#depth-totals'), 'bids 720 · asks 650');
    });
    // another interval: the same trades in one-second candles
    await page.click('#intervals button[data-seconds="1"]');
    await eventually('one-second candles', async () => {
      const d = await chartData(page, '#price-chart');
      const [count, last] = expectedCandles(await tradesOf(http, 'AAPL'), 1);
      assert.deepEqual([d['interval'], d['candles'], d['last']], ['1', String(count), last]);
    });
    assert.equal(await page.locator('#price-chart canvas').count() > 0, true, 'drawn by the chart library');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'viewer-charts.png'), fullPage: true });
    assert.deepEqual(elsewhere, [], 'nothing asked of another origin');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context?.close();
    rmSync(userDataDir, { recursive: true, force: true });
    await buyer.stop();
    await seller.stop();
    await http.close();
    await gw.close();
  }
});

test('while the gateway is away the viewer is greyed out under a notice, and it comes back by itself when it returns', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-viewer-'));
  const cfg = gatewayCfg({ HttpPort: await freePort() });
  let gw = await serve(dir, 0, { cfg });
  const fixPort = gw.fixPort;
  const url = `http://127.0.0.1:${gw.httpPort}`;
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'fixgw-chromium-'));
  let context: BrowserContext | null = null;
  try {
    let buyer = await Client.logon(fixPort, 'BUYER');
    let seller = await Client.logon(fixPort, 'SELLER');
    buyer.order('B1', { side: '1', price: '189.50', qty: '40' });
    seller.order('S1', { side: '2', price: '189.50', qty: '15' });
    await seller.reports('S1', 2);
    await buyer.stop();
    await seller.stop();
    context = await launchChromium(userDataDir);
    const page = context.pages()[0] ?? await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${url}/?symbol=AAPL`);
    await page.waitForSelector('#conn.live', { timeout: 15_000 });
    const bidQty = () => page.$$eval('#ladder-body tr[data-side="bid"]', (rows) => rows.map((r) => (r as HTMLElement).dataset['qty']));
    await eventually('live, no notice', async () => {
      assert.equal(await page.isVisible('#offline'), false);
      assert.equal(await page.$eval('main', (el) => getComputedStyle(el).opacity), '1');
      assert.deepEqual(await bidQty(), ['25']);
      assert.equal((await chartData(page, '#price-chart'))['trades'], '1');
    });

    assert.equal(await kill(gw, 'SIGTERM'), 0);
    await eventually('disconnected notice over a greyed-out book', async () => {
      assert.equal(await page.isVisible('#offline'), true);
      assert.match(await page.textContent('#offline') ?? '', /^Disconnected from the gateway since \d\d:\d\d:\d\d UTC: what is shown is not live\. Reconnecting…$/);
      assert.match(await page.textContent('#conn-text') ?? '', /disconnected/);
      const style = await page.$eval('main', (el) => ({ opacity: Number(getComputedStyle(el).opacity), filter: getComputedStyle(el).filter }));
      assert.ok(style.opacity < 0.5, `opacity ${style.opacity}`);
      assert.equal(style.filter, 'grayscale(1)');
    });
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'viewer-disconnected.png'), fullPage: true });

    // the gateway returns on the same ports, from its data directory: the page comes back by itself, and goes on live
    gw = await serve(dir, fixPort, { cfg });
    await eventually('live again, with the book and the trades from before the restart', async () => {
      assert.equal(await page.isVisible('#offline'), false);
      assert.equal(await page.$eval('main', (el) => getComputedStyle(el).opacity), '1');
      assert.equal(await page.textContent('#conn-text'), 'live');
      assert.deepEqual(await bidQty(), ['25']);
      assert.equal((await chartData(page, '#price-chart'))['trades'], '1');
    }, 30_000);
    seller = await Client.logon(fixPort, 'SELLER');
    seller.order('S2', { side: '2', price: '189.50', qty: '5' });
    await seller.reports('S2', 2);
    await seller.stop();
    await eventually('a trade after the return', async () => {
      assert.deepEqual(await bidQty(), ['20']);
      assert.equal((await chartData(page, '#price-chart'))['trades'], '2');
    });
    await page.screenshot({ path: path.join(ARTIFACTS, 'viewer-reconnected.png'), fullPage: true });
    assert.deepEqual(pageErrors, []);
  } finally {
    await context?.close();
    rmSync(userDataDir, { recursive: true, force: true });
    gw.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
