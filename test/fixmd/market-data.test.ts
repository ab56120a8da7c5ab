// Market data over FIX, over real sockets: a snapshot (W) at one md sequence; a subscription whose incremental
// refreshes (X) rebuild exactly the engine's book under a random order flow, at every sequence they name, equal to
// the HTTP book at the same sequence at the end; unsubscribe; and every MarketDataRequestReject (Y).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Dictionary } from '../../src/fix/dictionary.js';
import { validateMessage } from '../../src/fix/validate.js';
import { RawClient } from '../support/fix-harness.js';
import { FIX44_XML } from '../fix/wire.js';
import { Registry } from 'prom-client';
import { startHttpServer } from '../../src/http/server.js';
import type { FieldList } from '../../src/fix/types.js';
import type { FixMessage } from '../../src/fix/message.js';
import type { Gateway } from '../../src/gateway/index.js';
import { SimBooks, type SimBook } from '../../simulator/market-data.js';
import { BASE_CFG, Client, startTestGateway } from '../gateway/support.js';
import { waitFor } from '../support/fix-harness.js';
import { seededRandom } from '../support/served.js';

/** A MarketDataRequest body. */
function mdRequest(id: string, o: { type?: string; depth?: string; types?: string[]; symbols?: string[]; extra?: FieldList } = {}): FieldList {
  const types = o.types ?? ['0', '1', '2'];
  const symbols = o.symbols ?? ['AAPL'];
  return [[262, id], [263, o.type ?? '1'], [264, o.depth ?? '0'], ...(o.extra ?? []), [267, String(types.length)],
    ...types.map((t): [number, string] => [269, t]), [146, String(symbols.length)], ...symbols.map((s): [number, string] => [55, s])];
}

/** The engine's book, [price, qty, count] best first, recorded at every md sequence of `symbol`. */
function recordBooks(gw: Gateway, symbol: string): Map<number, { bids: Array<[string, string, number]>; asks: Array<[string, string, number]> }> {
  const books = new Map<number, { bids: Array<[string, string, number]>; asks: Array<[string, string, number]> }>();
  gw.sequencer.onEvents((_sc, events) => {
    for (const ev of events) {
      if (ev.kind !== 'md' || ev.symbol !== symbol) continue;
      const snap = gw.engine.bookSnapshot(symbol, Number.MAX_SAFE_INTEGER)!;
      books.set(snap.mdSeq, { bids: snap.bids, asks: snap.asks });
    }
  });
  return books;
}

/** Applies every W and X a client received so far, in order, calling `check` after each. */
function replay(client: Client, check: (book: SimBook, msg: FixMessage) => void): SimBooks {
  const books = new SimBooks();
  for (const { msg } of client.app.received) for (const book of books.apply(msg)) check(book, msg);
  return books;
}

test('a snapshot (263=0) is the book at one md sequence: levels best first, sizes, order counts and the last trade', async () => {
  const gw = await startTestGateway();
  const trader = await Client.logon(gw.fixPort, 'SNAPT');
  const md = await Client.logon(gw.fixPort, 'SNAPMD');
  try {
    for (const [id, side, qty, price] of [['B1', '1', '10', '189.90'], ['B2', '1', '5', '189.90'], ['B3', '1', '7', '189.80'],
      ['S1', '2', '3', '190.10'], ['S2', '2', '4', '190.20'], ['X1', '2', '2', '189.90']] as const) {
      trader.order(id, { side, qty, price });
      await trader.reports(id);
    }
    md.send('V', mdRequest('SNAP1', { type: '0' }));
    const w = await md.next('W');
    const snap = gw.engine.bookSnapshot('AAPL', 100)!;
    const book = new SimBooks().apply(w)[0]!;
    assert.equal(book.mdSeq, snap.mdSeq, 'HopRefID(630) is the engine md sequence');
    assert.deepEqual([w.get(627), w.get(628)], ['1', 'MD']);
    assert.deepEqual(book.side(true), [['189.90', '13', 2], ['189.80', '7', 1]]);
    assert.deepEqual(book.side(false), [['190.10', '3', 1], ['190.20', '4', 1]]);
    assert.deepEqual(book.lastTrade, { price: '189.90', qty: '' }, 'the last price (sizes come with each trade in X)');
    md.send('V', mdRequest('SNAP2', { type: '0', depth: '1', types: ['1'] }));
    const top = new SimBooks().apply(await md.next('W', (m) => m.get(262) === 'SNAP2'))[0]!;
    assert.deepEqual([top.side(true), top.side(false), top.lastTrade], [[], [['190.10', '3', 1]], null]);
    trader.order('B4', { side: '1', qty: '1', price: '189.00' });
    await trader.reports('B4');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(md.all('X').length, 0, 'a snapshot request subscribes to nothing');
  } finally {
    await trader.stop();
    await md.stop();
    await gw.close();
  }
});

test('incremental refreshes rebuild exactly the engine book at every md sequence they name, and the HTTP book at the end', async () => {
  const gw = await startTestGateway();
  const http = await startHttpServer({ port: 0, engine: gw.engine, sequencer: gw.sequencer, registry: new Registry() });
  const engineBooks = recordBooks(gw, 'AAPL');
  const traders = [await Client.logon(gw.fixPort, 'FLOW1'), await Client.logon(gw.fixPort, 'FLOW2')];
  const md = await Client.logon(gw.fixPort, 'FLOWMD');
  try {
    const rnd = seededRandom(19);
    const live: Array<{ client: Client; id: string }> = [];
    const send = async (n: number) => {
      for (let k = 0; k < n; k++) {
        const client = traders[Math.floor(rnd() * 2)]!;
        const id = `F${k}-${Math.floor(rnd() * 1e9)}`;
        if (live.length > 0 && rnd() < 0.2) {
          const [victim] = live.splice(Math.floor(rnd() * live.length), 1);
          victim!.client.send('F', [[11, `${id}-C`], [41, victim!.id], [55, 'AAPL'], [54, '1'], [60, '20240101-00:00:00']]);
          continue;
        }
        const buy = rnd() < 0.5;
        const ticks = 18980 + Math.floor(rnd() * 40);
        client.order(id, { side: buy ? '1' : '2', qty: String(1 + Math.floor(rnd() * 20)), price: (ticks / 100).toFixed(2), tif: rnd() < 0.2 ? '3' : '0' });
        live.push({ client, id });
        // now and then, let the log catch up: many small batches as well as large ones
        if (k % 7 === 6) await client.reports(id);
      }
    };
    await send(150);
    md.send('V', mdRequest('ALL'));
    md.send('V', mdRequest('TOP5', { depth: '5', types: ['0', '1'] }));
    await md.next('W', (m) => m.get(262) === 'TOP5');
    await send(400);
    const lastSeq = (): number => gw.engine.bookSnapshot('AAPL', 0)!.mdSeq;
    await waitFor('every order answered', () => gw.sequencer.pendingCount === 0, 10_000);
    await waitFor('the subscriber at the engine\'s md sequence', () => {
      const books = replay(md, () => undefined);
      return books.get('ALL', 'AAPL')?.mdSeq === lastSeq() && books.get('TOP5', 'AAPL')?.mdSeq === lastSeq();
    }, 10_000);
    let checked = 0;
    replay(md, (book) => {
      const engine = engineBooks.get(book.mdSeq);
      if (engine === undefined) return; // the snapshot's sequence came before the recording started to matter
      const depth = book.mdReqId === 'TOP5' ? 5 : Infinity;
      assert.deepEqual([book.side(true), book.side(false)], [engine.bids.slice(0, depth), engine.asks.slice(0, depth)], `${book.mdReqId} at md seq ${book.mdSeq}`);
      checked++;
    });
    assert.ok(checked > 40, `compared at ${checked} sequences`);
    const rest = await (await fetch(`${http.url}/api/v1/book/AAPL?depth=1000`)).json() as { seq: number; bids: string[][]; asks: string[][] };
    const final = replay(md, () => undefined).get('ALL', 'AAPL')!;
    assert.equal(rest.seq, final.mdSeq);
    assert.deepEqual([final.side(true).map(([p, q]) => [p, q]), final.side(false).map(([p, q]) => [p, q])], [rest.bids, rest.asks]);
    assert.ok(final.trades > 0, 'trades came as entries 269=2');
  } finally {
    for (const t of traders) await t.stop();
    await md.stop();
    await http.close();
    await gw.close();
  }
});

test('unsubscribe (263=2 by MDReqID) stops the refreshes; an unknown MDReqID gets a Y', async () => {
  const gw = await startTestGateway();
  const trader = await Client.logon(gw.fixPort, 'UNSUBT');
  const md = await Client.logon(gw.fixPort, 'UNSUBMD');
  try {
    md.send('V', mdRequest('S1'));
    await md.next('W');
    trader.order('A', { qty: '5', price: '189.00' });
    await md.next('X');
    md.send('V', mdRequest('S1', { type: '2' }));
    md.send('V', mdRequest('S1', { type: '2' }));
    const y = await md.next('Y');
    assert.deepEqual([y.get(262), y.has(281), y.get(58)], ['S1', false, 'MDReqID S1 is not subscribed']);
    const xs = md.all('X').length;
    trader.order('B', { qty: '5', price: '189.10' });
    await trader.reports('B');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(md.all('X').length, xs);
    md.send('V', mdRequest('S1'));
    assert.equal(new SimBooks().apply(await md.next('W', (m) => m.get(262) === 'S1', 2))[0]!.side(true).length, 2, 'the MDReqID is free again');
  } finally {
    await trader.stop();
    await md.stop();
    await gw.close();
  }
});

test('every MarketDataRequestReject: symbol, depth, entry type, book, scope, duplicate, too many, permissions', async () => {
  const cfg = `${BASE_CFG}MarketDataSubscriptionsMax=2\nMarketDataDepthMax=10\n[SESSION]\nTargetCompID=ORDERSONLY\nMarketData=N\n`;
  const gw = await startTestGateway({ cfg });
  const md = await Client.logon(gw.fixPort, 'REJMD');
  const orders = await Client.logon(gw.fixPort, 'ORDERSONLY');
  try {
    const cases: Array<[string, FieldList, string, RegExp]> = [
      ['R1', mdRequest('R1', { symbols: ['NOPE'] }), '0', /unknown symbol "NOPE"/],
      ['R2', mdRequest('R2', { symbols: ['AAPL', 'NOPE'] }), '0', /NOPE/],
      ['R3', mdRequest('R3', { depth: '11' }), '5', /0 \(full book\) or 1\.\.10/],
      ['R4', mdRequest('R4', { depth: '-1' }), '5', /MarketDepth/],
      ['R5', mdRequest('R5', { types: ['0', '7'] }), '8', /MDEntryType 7/],
      ['R7', mdRequest('R7', { extra: [[266, 'N']] }), '7', /aggregated/],
      ['R8', mdRequest('R8', { extra: [[546, '2']] }), 'A', /Scope/],
      ['R9', mdRequest('R9', { extra: [[286, '0']] }), 'B', /OpenCloseSettlFlag/],
      ['R10', mdRequest('R10', { extra: [[547, 'Y']] }), 'C', /MDImplicitDelete/],
      ['R11', mdRequest('R11', { extra: [[386, '1'], [336, 'AAPL']] }), '9', /TradingSessionID/],
    ];
    for (const [id, body, reason, text] of cases) {
      md.send('V', body);
      const y = await md.next('Y', (m) => m.get(262) === id);
      assert.equal(y.get(281), reason, id);
      assert.match(y.get(58) ?? '', text, id);
    }
    md.send('V', mdRequest('OK1', { symbols: ['AAPL', 'MSFT'] }));
    await md.next('W', (m) => m.get(55) === 'MSFT');
    md.send('V', mdRequest('OK1', { symbols: ['IBM'] }));
    assert.equal((await md.next('Y', (m) => m.get(262) === 'OK1')).get(281), '1', 'duplicate MDReqID');
    md.send('V', mdRequest('MORE', { symbols: ['IBM'] }));
    const tooMany = await md.next('Y', (m) => m.get(262) === 'MORE');
    assert.equal(tooMany.get(281), '2');
    assert.match(tooMany.get(58) ?? '', /too many subscriptions: 2 symbols subscribed, 1 more asked for, at most 2/);
    orders.send('V', mdRequest('P1'));
    const denied = await orders.next('Y');
    assert.deepEqual([denied.get(281), denied.get(58)], ['3', 'this session is for orders only (MarketData=N)']);
    assert.equal(md.all('W').length, 2, 'no snapshot for any refused request');
  } finally {
    await md.stop();
    await orders.stop();
    await gw.close();
  }
});

test('a market-data-only session (MarketData=Only) subscribes but cannot send orders', async () => {
  const cfg = `${BASE_CFG}[SESSION]\nTargetCompID=MDONLY\nMarketData=Only\n`;
  const gw = await startTestGateway({ cfg });
  const md = await Client.logon(gw.fixPort, 'MDONLY');
  try {
    md.send('V', mdRequest('M1'));
    await md.next('W');
    const seq = md.order('NO');
    const reject = await md.next('j', (m) => m.get(45) === String(seq));
    assert.deepEqual([reject.get(380), reject.get(58)], ['6', 'A market-data session (MarketData=Only) cannot send orders']);
    assert.equal(gw.engine.orderByClOrdId('FIX.4.4:FIXGW->MDONLY', 'NO'), null);
  } finally {
    await md.stop();
    await gw.close();
  }
});

test('a dictionary that extends FIX 4.4 with RptSeq(83) in W and X gets the md sequence there too, at its place', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-rptseq-'));
  const xml = readFileSync(FIX44_XML, 'latin1')
    .replace("<field name='MDReqID' required='N' />\n   <component name='Instrument' required='Y' />", "<field name='MDReqID' required='N' />\n   <field name='RptSeq' required='N' />\n   <component name='Instrument' required='Y' />")
    .replace("<field name='MDUpdateAction' required='Y' />\n    <field name='DeleteReason' required='N' />\n    <field name='MDEntryType' required='N' />",
      "<field name='MDUpdateAction' required='Y' />\n    <field name='DeleteReason' required='N' />\n    <field name='MDEntryType' required='N' />\n    <field name='RptSeq' required='N' />");
  const file = path.join(dir, 'FIX44-rptseq.xml');
  writeFileSync(file, xml, 'latin1');
  const dict = Dictionary.load(file);
  assert.ok(dict.message('X')!.groups.get(268)!.order.has(83) && dict.message('W')!.fields.has(83), 'the test dictionary has RptSeq in W and X');
  const gw = await startTestGateway({ cfg: BASE_CFG.replace('[DEFAULT]\n', `[DEFAULT]\nDataDictionary=${file}\n`) });
  const trader = await Client.logon(gw.fixPort, 'RPTT');
  const raw = await RawClient.connect(gw.fixPort);
  try {
    raw.send('A', 1, [[98, '0'], [108, '30']], { sender: 'RPTMD' });
    await raw.next('A');
    raw.send('V', 2, mdRequest('R1'), { sender: 'RPTMD' });
    const w = await raw.next('W');
    trader.order('A', { qty: '5', price: '189.00' });
    trader.order('B', { side: '2', qty: '2', price: '189.00' });
    await waitFor('the trade in an X', () => raw.received.some((m) => m.msgType === 'X' && m.toString().includes('|269=2|')));
    const xs = raw.received.filter((m) => m.msgType === 'X');
    for (const m of [w, ...xs]) {
      assert.equal(validateMessage(m, dict), null, m.toString());
      const seqs = m.fields().filter(([tag]) => tag === 83).map(([, v]) => v);
      assert.ok(seqs.length > 0 && seqs.every((v) => v === m.get(630)), `RptSeq = HopRefID in ${m.toString()}`);
    }
    assert.match(xs.at(-1)!.toString(), /\|279=0\|269=2\|83=\d+\|278=/, 'after MDEntryType, before MDEntryID, as the dictionary orders them');
  } finally {
    raw.close();
    await trader.stop();
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
