// The viewer's order ticket in real headless Chromium against a real `fixgw serve`: paste a key, place an order that
// crosses a FIX order and see it fill, with the account's balances, fills and open orders following the private
// channels; cancel a resting order from the list. The key's secret stays in the page's memory only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { Decimal } from 'decimal.js';
import { Tag } from '../../src/fix/names.js';
import { Client } from '../gateway/support.js';
import { ACME, restClient, startRestGateway } from './rest-support.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));

function launchChromium(userDataDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1240, height: 1000 },
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

async function balanceShown(page: Page, asset: string): Promise<[string, string] | null> {
  return page.$eval(`#ticket-balances tr[data-asset="${asset}"]`, (tr) => [(tr as HTMLElement).dataset['available']!, (tr as HTMLElement).dataset['reserved']!] as [string, string])
    .catch(() => null);
}

test('the viewer\'s order ticket places an order that fills against a FIX order, and shows the account follow', { timeout: 120_000 }, async () => {
  const gw = await startRestGateway();
  const carol = await Client.logon(gw.served.fixPort, 'CAROL');
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'fixgw-chromium-'));
  let context: BrowserContext | null = null;
  try {
    carol.order('C-ASK', { symbol: 'BTC-USD', side: '2', price: '60000.00', qty: '0.25' });
    await carol.reports('C-ASK');
    context = await launchChromium(userDataDir);
    const page = context.pages()[0] ?? await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${gw.url}/?symbol=BTC-USD`);
    await page.waitForSelector('#conn.live', { timeout: 15_000 });
    await page.waitForSelector('#ticket');

    // the page's own HMAC is node's
    for (const msg of ['', '1700000000000GET/ws', 'ünïcödé ✓ '.repeat(30)]) {
      const secret = msg.length > 100 ? 'k'.repeat(100) : ACME.secret;   // a key longer than the block is hashed first
      const inPage = await page.evaluate(([s, m]) => (window as unknown as { fixgwTicket: { hmacSha256Base64(s: string, m: string): string } }).fixgwTicket.hmacSha256Base64(s!, m!), [secret, msg]);
      assert.equal(inPage, createHmac('sha256', secret).update(msg, 'utf8').digest('base64'));
    }

    await page.fill('#ticket-key', ACME.key);
    await page.fill('#ticket-secret', ACME.secret);
    await page.click('#ticket-connect');
    await eventually('logged in', async () => assert.equal(await page.textContent('#ticket-status'), 'logged in as ACME (read, trade)'));
    assert.equal(await page.inputValue('#ticket-secret'), '', 'the secret field is cleared');
    await eventually('balances shown', async () => assert.deepEqual(await balanceShown(page, 'USD'), ['100000.000000', '0.000000']));
    assert.equal(await page.inputValue('#ticket-symbol'), 'BTC-USD', 'the ticket follows the viewer\'s symbol');

    // buy what CAROL offers over FIX: it fills at once
    await page.selectOption('#ticket-side', 'buy');
    await page.fill('#ticket-qty', '0.25');
    await page.fill('#ticket-price', '60000.00');
    await page.selectOption('#ticket-tif', 'IOC');
    await page.click('#ticket-place');
    await page.waitForSelector('#ticket-result[data-status="filled"]', { timeout: 15_000 });
    assert.equal(await page.textContent('#ticket-result'), 'buy 0.2500 BTC-USD: filled, filled 0.2500 at 60000.00');
    const value = new Decimal('60000.00').mul('0.25');
    const fee = value.mul('0.0005').toDecimalPlaces(6, Decimal.ROUND_UP);
    await eventually('balances after the fill', async () => {
      assert.deepEqual(await balanceShown(page, 'USD'), [new Decimal('100000').minus(value).minus(fee).toFixed(6), '0.000000']);
      assert.deepEqual(await balanceShown(page, 'BTC'), ['2.25000000', '0.00000000']);
      assert.equal(await page.$$eval('#ticket-fills tr', (rows) => rows.length), 1);
    });
    const fill = await carol.next('8', (m) => m.get(Tag.ClOrdID) === 'C-ASK' && m.get(Tag.ExecType) === 'F');
    assert.equal(fill.get(Tag.LastQty), '0.2500', 'the FIX side got its report too');

    // a resting order shows in the list, reserves, and is canceled from it
    await page.fill('#ticket-qty', '0.1');
    await page.fill('#ticket-price', '50000.00');
    await page.selectOption('#ticket-tif', 'GTC');
    await page.click('#ticket-place');
    await page.waitForSelector('#ticket-result[data-status="new"]');
    const orderId = await page.getAttribute('#ticket-result', 'data-order-id');
    await page.waitForSelector(`#ticket-orders tr[data-order-id="${orderId}"]`);
    await eventually('reserved', async () => assert.notEqual((await balanceShown(page, 'USD'))?.[1], '0.000000'));
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'ticket.png'), fullPage: true });
    await page.click(`#ticket-orders tr[data-order-id="${orderId}"] button.cancel`);
    await page.waitForSelector('#ticket-result[data-status="canceled"]');
    await eventually('gone from the list, reservation back', async () => {
      assert.equal(await page.$$eval('#ticket-orders tr', (rows) => rows.length), 0);
      assert.equal((await balanceShown(page, 'USD'))?.[1], '0.000000');
    });
    // a refusal shows the engine's text
    await page.fill('#ticket-qty', '100');
    await page.click('#ticket-place');
    await page.waitForSelector('#ticket-result[data-status="error"]');
    assert.match(await page.textContent('#ticket-result') ?? '', /^insufficient_balance: insufficient USD: need 5,002,500\.00, available 84,992\.50$/);

    // the REST API agrees with what the page shows, and the secret is nowhere the browser keeps things
    assert.deepEqual((await restClient(gw.url, ACME).balances()).USD!.available, await balanceShown(page, 'USD').then((b) => b![0]));
    const kept = await page.evaluate(() => JSON.stringify([localStorage, sessionStorage, document.cookie, location.href]));
    assert.ok(!kept.includes(ACME.secret));
    assert.deepEqual(pageErrors, []);
  } finally {
    await context?.close();
    rmSync(userDataDir, { recursive: true, force: true });
    await carol.stop();
    await gw.stop();
  }
});
