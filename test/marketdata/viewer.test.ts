// The viewer page in real headless Chromium: orders placed over FIX show up in its ladder, BBO and trades list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startHttpServer } from '../../src/http/server.js';
import { Client, startTestGateway } from '../gateway/support.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));

async function ladder(page: Page, side: 'bid' | 'ask'): Promise<string[][]> {
  return page.$$eval(`#ladder-body tr[data-side="${side}"]`, (rows) => rows.map((r) => [(r as HTMLElement).dataset['price']!, (r as HTMLElement).dataset['qty']!]));
}

async function tradesShown(page: Page): Promise<string[][]> {
  return page.$$eval('#trades-body tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].slice(1).map((td) => td.textContent ?? '')));
}

/** Debian's headless Chromium, quiet (no network of its own, no first-run work). */
function launchChromium(userDataDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1240, height: 820 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/** Polls the page until `check` stops throwing (the page updates asynchronously). */
async function eventually(what: string, check: () => Promise<void>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try { await check(); return; } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

test('the viewer shows orders placed over FIX in its depth ladder, BBO and trades list, live', { timeout: 120_000 }, async () => {
  const gw = await startTestGateway();
  const http = await startHttpServer({ port: 0, engine: gw.engine, sequencer: gw.sequencer, registry: gw.registry,
    sessions: () => gw.sessionsInfo(), isReady: () => gw.ready });
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'fixgw-chromium-'));
  let context: BrowserContext | null = null;
  const buyer = await Client.logon(gw.fixPort, 'BUYER');
  const seller = await Client.logon(gw.fixPort, 'SELLER');
  try {
    context = await launchChromium(userDataDir);
    const page = context.pages()[0] ?? await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${http.url}/?symbol=AAPL`);
    await page.waitForSelector('#conn.live', { timeout: 15_000 });
    assert.equal(await page.inputValue('#symbol'), 'AAPL');
    await eventually('empty book shown', async () => assert.match(await page.textContent('#ladder-body') ?? '', /empty book/));

    // a book over FIX: bids from BUYER, asks from SELLER
    const bids: Array<[string, string]> = [['189.95', '120'], ['189.90', '300'], ['189.85', '80'], ['189.80', '450'], ['189.70', '200'], ['189.60', '1000']];
    const asks: Array<[string, string]> = [['190.05', '150'], ['190.10', '60'], ['190.20', '500'], ['190.25', '90'], ['190.40', '250'], ['190.60', '700']];
    bids.forEach(([px, qty], i) => buyer.order(`B${i}`, { side: '1', price: px, qty }));
    asks.forEach(([px, qty], i) => seller.order(`S${i}`, { side: '2', price: px, qty }));
    await buyer.reports(`B${bids.length - 1}`);
    await seller.reports(`S${asks.length - 1}`);
    await eventually('ladder shows the resting orders', async () => {
      assert.deepEqual(await ladder(page, 'bid'), bids);
      assert.deepEqual(await ladder(page, 'ask'), [...asks].reverse());   // best ask nearest the spread
    });

    // trades: SELLER hits the best bid, BUYER lifts the best ask
    seller.order('S-hit', { side: '2', price: '189.95', qty: '50' });
    await seller.reports('S-hit', 2);
    buyer.order('B-lift', { side: '1', price: '190.05', qty: '150', tif: '3' });
    await buyer.reports('B-lift', 2);
    await eventually('trades list and ladder show the fills', async () => {
      assert.deepEqual((await tradesShown(page)).slice(0, 2), [['Buy', '190.05', '150'], ['Sell', '189.95', '50']]);
      assert.deepEqual((await ladder(page, 'bid'))[0], ['189.95', '70']);
      assert.deepEqual((await ladder(page, 'ask')).at(-1), ['190.10', '60']);
      assert.equal(await page.textContent('#bbo-bid .v'), '189.95');
      assert.equal(await page.textContent('#bbo-ask .v'), '190.10');
      assert.equal(await page.textContent('#spread'), '0.15');
      assert.equal(await page.textContent('#last'), '190.05');
      assert.equal(await page.textContent('#status'), 'Open');
    });
    const book = await (await fetch(`${http.url}/api/v1/book/AAPL`)).json() as { seq: number };
    await eventually('feed seq shown', async () => assert.equal(await page.textContent('#feed-seq'), String(book.seq)));
    assert.equal(await page.textContent('#resyncs'), '0');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'viewer.png'), fullPage: true });

    // another symbol: the picker switches the subscriptions
    await page.selectOption('#symbol', 'MSFT');
    buyer.order('M1', { symbol: 'MSFT', side: '1', price: '419.50', qty: '25' });
    await eventually('MSFT ladder', async () => {
      assert.deepEqual(await ladder(page, 'bid'), [['419.50', '25']]);
      assert.deepEqual(await ladder(page, 'ask'), []);
      assert.deepEqual(await tradesShown(page), []);
    });
    // a halt (an operator command, not a FIX message) shows in the status badge
    gw.sequencer.submit({ type: 'Halt', symbol: 'MSFT' });
    await eventually('halt shown', async () => assert.equal(await page.textContent('#status'), 'Halted'));
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

test('with an access token, the viewer opened as /?token=... loads its instruments and streams the book with it', { timeout: 120_000 }, async () => {
  const gw = await startTestGateway();
  const http = await startHttpServer({ port: 0, engine: gw.engine, sequencer: gw.sequencer, registry: gw.registry, accessToken: 'view-7' });
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'fixgw-chromium-'));
  let context: BrowserContext | null = null;
  const buyer = await Client.logon(gw.fixPort, 'BUYER');
  try {
    context = await launchChromium(userDataDir);
    const page = context.pages()[0] ?? await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    const refused = await page.goto(`${http.url}/?symbol=IBM`);
    assert.equal(refused?.status(), 401, 'the page itself needs the token');
    await page.goto(`${http.url}/?symbol=IBM&token=view-7`);
    await page.waitForSelector('#conn.live', { timeout: 15_000 });
    assert.equal(await page.inputValue('#symbol'), 'IBM');
    buyer.order('B1', { symbol: 'IBM', side: '1', price: '181.25', qty: '40' });
    await buyer.reports('B1');
    await eventually('ladder shows the order', async () => assert.deepEqual(await ladder(page, 'bid'), [['181.25', '40']]));
    assert.deepEqual(pageErrors, []);
  } finally {
    await context?.close();
    rmSync(userDataDir, { recursive: true, force: true });
    await buyer.stop();
    await http.close();
    await gw.close();
  }
});
