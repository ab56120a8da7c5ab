// The operator page in real headless Chromium, over a real gateway: FIX sessions with their state, sequence numbers and
// message rate; instruments with a halt and a circuit breaker and why; accounts with their kill switches; halt/resume,
// kill switch and end of day through the admin API with the token the operator pastes (refused without it or with a
// wrong one, and kept nowhere but in the page); greyed out while the gateway is away, back by itself after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startHttpServer, type HttpServer } from '../../src/http/server.js';
import { adminApi } from '../../src/http/admin-api.js';
import type { Gateway } from '../../src/gateway/index.js';
import type { EngineConfig } from '../../src/engine/index.js';
import { BASE_CFG, Client, startTestGateway } from '../gateway/support.js';
import { testEngineConfig } from '../support/test-engine-config.js';

const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));
const ADMIN_TOKEN = 'op-7f3a';

function launchChromium(userDataDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1400, height: 1000 },
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

/** The test engine config with a circuit breaker of 100 bps on AAPL. */
function withCircuitBreaker(): EngineConfig {
  const base = testEngineConfig();
  return { ...base, instruments: base.instruments.map((i) => (i.symbol === 'AAPL' ? { ...i, circuitBreakerBps: 100 } : i)) };
}

function startHttp(gw: Gateway, port = 0): Promise<HttpServer> {
  return startHttpServer({ port, engine: gw.engine, sequencer: gw.sequencer, registry: gw.registry, sessions: () => gw.sessionsInfo(),
    plugins: [{ prefix: '/api/v1/admin', plugin: adminApi({ sequencer: gw.sequencer, token: ADMIN_TOKEN }) }] });
}

const cells = (page: Page, row: string, cls: string) => page.textContent(`${row} td.${cls}`);
const lastNote = (page: Page) => page.textContent('#notes li:first-child');

async function useToken(page: Page, token: string): Promise<void> {
  await page.fill('#admin-token', token);
  await page.click('#token-form button[type="submit"]');
}

test('the operator page shows sessions, instruments and kill switches live, and acts with the pasted admin token only', { timeout: 180_000 }, async () => {
  const gw = await startTestGateway({ cfg: BASE_CFG.replace('MaxMessagesPerSecond=100000', 'MaxMessagesPerSecond=20'), engineConfig: withCircuitBreaker() });
  let http = await startHttp(gw);
  const port = http.port;
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'fixgw-chromium-'));
  let context: BrowserContext | null = null;
  const buyer = await Client.logon(gw.fixPort, 'BUYER');
  const seller = await Client.logon(gw.fixPort, 'SELLER');
  try {
    buyer.order('M1', { symbol: 'MSFT', side: '1', price: '419.50', qty: '25' });
    await buyer.reports('M1');
    context = await launchChromium(userDataDir);
    const page = context.pages()[0] ?? await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    const dialogs: string[] = [];
    page.on('dialog', (d) => { dialogs.push(d.message()); void (d.type() === 'prompt' ? d.accept('news pending') : d.accept()); });
    await page.goto(`${http.url}/operator`);
    await page.waitForSelector('#conn.live', { timeout: 15_000 });

    // sessions: as the API reports them
    const buyerRow = '#sessions-body tr[data-key="FIX.4.4:FIXGW->BUYER"]';
    await eventually('sessions shown', async () => {
      const api = ((await (await fetch(`${http.url}/api/v1/sessions`)).json()) as { sessions: Array<{ key: string; nextSenderSeq: number; nextTargetSeq: number }> })
        .sessions.find((s) => s.key === 'FIX.4.4:FIXGW->BUYER')!;
      assert.equal(await cells(page, buyerRow, 'state'), 'logged on');
      assert.equal(await cells(page, buyerRow, 'next-out'), String(api.nextSenderSeq));
      assert.equal(await cells(page, buyerRow, 'next-in'), String(api.nextTargetSeq));
      assert.match(await cells(page, buyerRow, 'activity') ?? '', /^\d+ s ago$/);
      assert.match(await cells(page, buyerRow, 'rate') ?? '', /^\d+ \/ 20 msg\/s$/);
    });
    // a burst over MaxMessagesPerSecond: the session is throttled (its rate in the API the page reads)
    for (let i = 0; i < 25; i++) seller.order(`T${i}`, { symbol: 'IBM', side: '2', price: '181.00', qty: '1' });
    await eventually('the seller throttled within the second', async () => {
      const throttled = ((await (await fetch(`${http.url}/api/v1/sessions`)).json()) as { sessions: Array<{ key: string; throttle: { throttled: boolean; refusedThisSecond: number } }> })
        .sessions.find((s) => s.key === 'FIX.4.4:FIXGW->SELLER')!.throttle;
      assert.deepEqual([throttled.throttled, throttled.refusedThisSecond], [true, 5]);
    }, 900);
    await seller.reports('T19');

    // instruments: open, with the circuit breaker's setting
    const aapl = '#instruments-body tr[data-symbol="AAPL"]';
    await eventually('instruments shown', async () => {
      assert.equal(await cells(page, aapl, 'status'), 'Open');
      assert.equal(await cells(page, aapl, 'breaker'), '100 bps in 300 s');
    });

    // no token, then a wrong one: refused, nothing changes
    await page.click(`${aapl} button`);
    await eventually('asked for the token', async () => assert.match(await lastNote(page) ?? '', /Halt AAPL: paste the admin token first/));
    await useToken(page, 'wrong');
    await page.click(`${aapl} button`);
    await eventually('wrong token refused', async () => assert.match(await lastNote(page) ?? '', /Halt AAPL: wrong bearer token$/));
    assert.equal(await page.textContent('#token-state'), 'admin token not set: actions disabled');
    assert.equal(gw.engine.instruments().find((i) => i.symbol === 'AAPL')!.status, 'Open');

    // the right token: halt with a reason, then resume
    await useToken(page, ADMIN_TOKEN);
    assert.equal(await page.inputValue('#admin-token'), '', 'the field is cleared once the token is taken');
    await page.click(`${aapl} button`);
    await eventually('halted, with the reason', async () => {
      assert.equal(await cells(page, aapl, 'status'), 'Halted');
      assert.equal(await cells(page, aapl, 'reason'), 'news pending');
      assert.match(await lastNote(page) ?? '', /Halt AAPL: /);
    });
    await page.click(`${aapl} button`);
    await eventually('resumed', async () => assert.equal(await cells(page, aapl, 'status'), 'Open'));

    // the circuit breaker halts AAPL: the page says why (once the seller's throttled second is over: on an idle
    // machine the steps above take less than a second, and its orders would be refused)
    await eventually('the seller\'s throttled second over', async () => {
      const sessions = ((await (await fetch(`${http.url}/api/v1/sessions`)).json()) as { sessions: Array<{ key: string; throttle: { messagesThisSecond: number } }> }).sessions;
      assert.equal(sessions.find((s) => s.key === 'FIX.4.4:FIXGW->SELLER')!.throttle.messagesThisSecond, 0);
    });
    seller.order('CB1', { symbol: 'AAPL', side: '2', price: '190.00', qty: '10' });
    buyer.order('CB2', { symbol: 'AAPL', side: '1', price: '190.00', qty: '10' });
    await buyer.reports('CB2', 2);
    seller.order('CB3', { symbol: 'AAPL', side: '2', price: '193.00', qty: '10' });
    buyer.order('CB4', { symbol: 'AAPL', side: '1', price: '193.00', qty: '10' });
    await buyer.reports('CB4', 2);
    await eventually('circuit breaker shown', async () => {
      assert.equal(await cells(page, aapl, 'status'), 'Halted');
      assert.match(await cells(page, aapl, 'reason') ?? '', /^circuit breaker: a trade at 193\.00 would move the price more than 100 bps within 300000 ms$/);
    });

    // kill switch on BUYER: its resting order is canceled, new ones refused; then released
    const buyerAccount = '#accounts-body tr[data-account="BUYER"]';
    await eventually('account shown', async () => {
      assert.equal(await cells(page, buyerAccount, 'kill'), 'off');
      assert.equal(await cells(page, buyerAccount, 'open-orders'), '1');
    });
    await page.click(`${buyerAccount} button`);
    await eventually('kill switch on', async () => {
      assert.equal(await cells(page, buyerAccount, 'kill'), 'on: blocked');
      assert.equal(await cells(page, buyerAccount, 'open-orders'), '0');
      assert.match(await lastNote(page) ?? '', /Kill switch on for BUYER: .*\(1 order canceled\)$/);
    });
    buyer.order('K1', { symbol: 'MSFT', side: '1', price: '419.00', qty: '1' });
    const [refusedOrder] = await buyer.reports('K1');
    assert.equal(refusedOrder!.get(150), '8');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'operator.png'), fullPage: true });
    await page.click(`${buyerAccount} button`);
    await eventually('kill switch off', async () => assert.equal(await cells(page, buyerAccount, 'kill'), 'off'));

    await page.click('#end-of-day');
    await eventually('end of day done', async () => assert.match(await lastNote(page) ?? '', /End of day: /));
    assert.ok(dialogs.some((d) => d.startsWith('End of day:')) && dialogs.some((d) => d.startsWith('Kill switch on for BUYER')));

    // the admin token lives in the page's memory only
    const kept = await page.evaluate(() => JSON.stringify([{ ...localStorage }, { ...sessionStorage }, document.cookie, location.href]));
    assert.equal(kept.includes(ADMIN_TOKEN), false, kept);

    // the gateway's HTTP side goes away and comes back: greyed out meanwhile, live again after
    await http.close();
    await eventually('disconnected notice', async () => {
      assert.equal(await page.isVisible('#offline'), true);
      assert.equal(await page.$eval('main', (el) => getComputedStyle(el).filter), 'grayscale(1)');
    });
    http = await startHttp(gw, port);
    await eventually('live again', async () => {
      assert.equal(await page.isVisible('#offline'), false);
      assert.equal(await page.textContent('#conn-text'), 'live');
    });
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
