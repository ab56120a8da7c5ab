// FIX order entry end to end over real sockets: our own Initiator as the client, the real gateway, engine,
// journal and file stores behind it. Every message type and every reject path the issue lists.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatUtcTimestamp } from '../../src/fix/time.js';
import type { Gateway } from '../../src/gateway/index.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE_CFG, Client, startTestGateway } from './support.js';

let gw: Gateway;
const clients: Client[] = [];
async function client(compId: string): Promise<Client> {
  const c = await Client.logon(gw.fixPort, compId);
  clients.push(c);
  return c;
}

before(async () => { gw = await startTestGateway(); });
after(async () => {
  await Promise.all(clients.map((c) => c.stop()));
  await gw.close();
});

const now = () => formatUtcTimestamp(Date.now());

test('a NewOrderSingle is acknowledged with an ExecutionReport carrying the order as booked', async () => {
  const c = await client('ACK1');
  c.order('N1', { symbol: 'IBM', side: '1', qty: '100', price: '180.25', tif: '1', extra: [[18, '6']] });
  const [er] = await c.reports('N1');
  const seq = gw.engine.orderByClOrdId('FIX.4.4:FIXGW->ACK1', 'N1')!.orderId;
  assert.deepEqual(
    [37, 11, 150, 39, 1, 55, 54, 38, 40, 44, 59, 18, 151, 14, 6].map((t) => er!.get(t)),
    [seq, 'N1', '0', '0', 'ACK1', 'IBM', '1', '100', '2', '180.25', '1', '6', '100', '0', '0.00'],
  );
  assert.match(er!.get(17)!, /^\d+\.\d+$/, 'ExecID is the engine execId');
  assert.ok(er!.has(60), 'TransactTime');
  assert.ok(!er!.has(41) && !er!.has(103));
});

test('a crossing order between two sessions fills both sides with the same trade id', async () => {
  const seller = await client('SELL1');
  const buyer = await client('BUY1');
  seller.order('S1', { symbol: 'MSFT', side: '2', qty: '100', price: '420.00' });
  await seller.reports('S1');
  buyer.order('B1', { symbol: 'MSFT', side: '1', qty: '150', price: '421.00' });
  const buys = await buyer.reports('B1', 2);
  const sells = await seller.reports('S1', 2);
  const buyFill = buys[1]!;
  const sellFill = sells[1]!;
  assert.deepEqual([150, 39, 32, 31, 14, 151, 6, 851].map((t) => buyFill.get(t)), ['F', '1', '100', '420.00', '100', '50', '420.00', '2']);
  assert.deepEqual([150, 39, 32, 31, 14, 151, 6, 851].map((t) => sellFill.get(t)), ['F', '2', '100', '420.00', '100', '0', '420.00', '1']);
  assert.equal(buyFill.get(527), sellFill.get(527), 'both sides carry the trade id in SecondaryExecID');
  assert.ok(buyFill.get(527));
  const execIds = [...buys, ...sells].map((m) => m.get(17));
  assert.equal(new Set(execIds).size, 4, 'ExecIDs are unique');
  assert.equal(buyFill.get(1), 'BUY1');
  assert.equal(sellFill.get(1), 'SELL1');
});

test('an OrderCancelRequest cancels a resting order: 150=4 with OrigClOrdID', async () => {
  const c = await client('CXL1');
  c.order('C1', { symbol: 'GOOG', side: '1', price: '150.00' });
  await c.reports('C1');
  c.send('F', [[41, 'C1'], [11, 'C2'], [55, 'GOOG'], [54, '1'], [60, now()]]);
  const [er] = await c.reports('C2');
  assert.deepEqual([150, 39, 41, 151, 14].map((t) => er!.get(t)), ['4', '4', 'C1', '0', '0']);
  assert.equal(er!.get(37), gw.engine.orderByClOrdId('FIX.4.4:FIXGW->CXL1', 'C1')!.orderId);
});

test('a cancel of an unknown order gets OrderCancelReject 102=1 434=1 with OrderID NONE', async () => {
  const c = await client('CXL2');
  c.send('F', [[41, 'NOPE'], [11, 'C9'], [55, 'GOOG'], [54, '1'], [60, now()]]);
  const r = await c.next('9', (m) => m.get(11) === 'C9');
  assert.deepEqual([37, 41, 39, 434, 102].map((t) => r.get(t)), ['NONE', 'NOPE', '8', '1', '1']);
  assert.ok(r.get(58));
});

test('a cancel/replace changes price and quantity: 150=5, and a replace of a done order is refused with 434=2', async () => {
  const c = await client('RPL1');
  c.order('R1', { symbol: 'GOOG', side: '2', qty: '10', price: '190.00' });
  await c.reports('R1');
  c.send('G', [[41, 'R1'], [11, 'R2'], [55, 'GOOG'], [54, '2'], [60, now()], [38, '20'], [40, '2'], [44, '191.50']]);
  const [er] = await c.reports('R2');
  assert.deepEqual([150, 39, 41, 38, 44, 151].map((t) => er!.get(t)), ['5', '0', 'R1', '20', '191.50', '20']);
  c.send('F', [[41, 'R2'], [11, 'R3'], [55, 'GOOG'], [54, '2'], [60, now()]]);
  await c.reports('R3');
  c.send('G', [[41, 'R3'], [11, 'R4'], [55, 'GOOG'], [54, '2'], [60, now()], [38, '30'], [40, '2'], [44, '191.50']]);
  const r = await c.next('9', (m) => m.get(11) === 'R4');
  assert.deepEqual([434, 102, 39].map((t) => r.get(t)), ['2', '0', '4'], 'too late to cancel: the order is canceled');
  c.send('F', [[41, 'R1'], [11, 'R5'], [55, 'GOOG'], [54, '2'], [60, now()]]);
  const r5 = await c.next('9', (m) => m.get(11) === 'R5');
  assert.deepEqual([41, 434].map((t) => r5.get(t)), ['R1', '1'], 'OrigClOrdID is what the client sent, an older ClOrdID of the chain');
});

test('a cancel/replace that changes OrdType(40) is refused with 434=2 and a reason; the order keeps its price', async () => {
  const c = await client('RPL2');
  c.order('T1', { symbol: 'GOOG', side: '1', qty: '10', price: '150.00' });
  await c.reports('T1');
  c.send('G', [[41, 'T1'], [11, 'T2'], [55, 'GOOG'], [54, '1'], [60, now()], [38, '10'], [40, '1']]);
  const r = await c.next('9', (m) => m.get(11) === 'T2');
  assert.deepEqual([41, 434, 39].map((t) => r.get(t)), ['T1', '2', '0']);
  assert.match(r.get(58) ?? '', /OrdType cannot change/);
  c.send('H', [[11, 'T1'], [55, 'GOOG'], [54, '1']]);
  const ers = await c.reports('T1', 2);
  assert.deepEqual([150, 44, 40].map((t) => ers[1]!.get(t)), ['I', '150.00', '2']);
});

test('an OrderStatusRequest answers 150=I with the order state; for an unknown order 39=8', async () => {
  const c = await client('STAT1');
  c.order('Q1', { symbol: 'IBM', side: '1', qty: '7', price: '170.00' });
  await c.reports('Q1');
  c.send('H', [[11, 'Q1'], [55, 'IBM'], [54, '1']]);
  const ers = await c.reports('Q1', 2);
  assert.deepEqual([150, 39, 151, 38].map((t) => ers[1]!.get(t)), ['I', '0', '7', '7']);
  c.send('H', [[11, 'UNKNOWN'], [55, 'IBM'], [54, '1']]);
  const [u] = await c.reports('UNKNOWN');
  assert.deepEqual([150, 39, 37].map((t) => u!.get(t)), ['I', '8', 'NONE']);
});

test("an OrderMassCancelRequest cancels the session's own orders only and reports how many", async () => {
  const a = await client('MASS1');
  const b = await client('MASS2');
  a.order('M1', { symbol: 'AAPL', side: '1', price: '150.00' });
  a.order('M2', { symbol: 'IBM', side: '1', price: '150.00' });
  b.order('M3', { symbol: 'AAPL', side: '1', price: '150.00' });
  await a.reports('M2');
  await b.reports('M3');
  a.send('q', [[11, 'MC1'], [530, '7'], [60, now()]]);
  const r = await a.next('r', (m) => m.get(11) === 'MC1');
  assert.deepEqual([530, 531, 533].map((t) => r.get(t)), ['7', '7', '2']);
  assert.equal((await a.reports('M1', 2))[1]!.get(150), '4');
  assert.equal(gw.engine.orderByClOrdId('FIX.4.4:FIXGW->MASS2', 'M3')!.ordStatus, 'New', 'the other session keeps its order');
  b.send('q', [[11, 'MC2'], [530, '1'], [55, 'AAPL'], [60, now()]]);
  const r2 = await b.next('r', (m) => m.get(11) === 'MC2');
  assert.deepEqual([530, 531, 533, 55].map((t) => r2.get(t)), ['1', '1', '1', 'AAPL']);
  b.send('q', [[11, 'MC3'], [530, '3'], [60, now()]]);
  const r3 = await b.next('r', (m) => m.get(11) === 'MC3');
  assert.deepEqual([531, 532, 533].map((t) => r3.get(t)), ['0', '0', '0'], 'by product is not supported');
  b.send('q', [[11, 'MC4'], [530, '1'], [55, 'NOSUCH'], [60, now()]]);
  const r4 = await b.next('r', (m) => m.get(11) === 'MC4');
  assert.deepEqual([531, 532, 533].map((t) => r4.get(t)), ['0', '1', '0'], 'unknown security');
});

test('business-level mistakes are rejected by ExecutionReport 150=8 with the precise 103 and a text', async () => {
  const c = await client('REJ1');
  const cases: Array<[string, Parameters<Client['order']>[1], string]> = [
    ['off tick (FIX 5.0 code 18 is not in FIX 4.4: 99)', { symbol: 'AAPL', price: '190.001' }, '99'],
    ['not a lot multiple', { symbol: 'BTC-USD', qty: '0.00001', price: '60000.00' }, '13'],
    ['unknown symbol', { symbol: 'NOSUCH' }, '1'],
    ['missing price on a limit', { price: null }, '99'],
    ['unsupported OrdType', { ordType: 'P' }, '11'],
    ['unsupported TimeInForce', { tif: '2' }, '11'],
    ['quantity above the maximum', { qty: '100000000' }, '13'],
  ];
  for (const [i, [, order]] of cases.entries()) c.order(`X${i}`, order);
  for (const [i, [what, , code]] of cases.entries()) {
    const [er] = await c.reports(`X${i}`);
    assert.deepEqual([150, 39, 103, 37].map((t) => er!.get(t)), ['8', '8', code, 'NONE'], what);
    assert.ok((er!.get(58) ?? '').length > 0, `${what}: Text(58)`);
    assert.ok(er!.has(54) && er!.has(55) && er!.has(151) && er!.has(14) && er!.has(6), `${what}: required ER fields`);
  }
});

test('a duplicate ClOrdID on a session is rejected with 103=6', async () => {
  const c = await client('DUP1');
  c.order('D1', { price: '150.00' });
  c.order('D1', { price: '151.00' });
  const ers = await c.reports('D1', 2);
  assert.deepEqual(ers.map((m) => m.get(150)), ['0', '8']);
  assert.equal(ers[1]!.get(103), '6');
});

test('a PossResend NewOrderSingle whose ClOrdID was seen is not entered twice (FIX test case 19)', async () => {
  const c = await client('PR1');
  c.order('P1', { price: '150.00' });
  await c.reports('P1');
  c.send('D', [[11, 'P1'], [55, 'AAPL'], [54, '1'], [60, now()], [38, '100'], [40, '2'], [44, '150.00']], [[97, 'Y']]);
  const ers = await c.reports('P1', 2);
  assert.equal(ers[1]!.get(150), 'I', 'the resent order gets its current status, not a second order');
  assert.equal(ers[1]!.get(37), ers[0]!.get(37));
  c.send('D', [[11, 'P2'], [55, 'AAPL'], [54, '1'], [60, now()], [38, '100'], [40, '2'], [44, '150.00']], [[97, 'Y']]);
  const [p2] = await c.reports('P2');
  assert.equal(p2!.get(150), '0', 'a PossResend order never seen before is entered');
  // the original still waiting for the journal when its PossResend copy arrives
  const d3: Array<[number, string]> = [[11, 'P3'], [55, 'AAPL'], [54, '1'], [60, now()], [38, '100'], [40, '2'], [44, '150.00']];
  c.send('D', d3);
  c.send('D', d3, [[97, 'Y']]);
  const p3 = await c.reports('P3', 2);
  assert.deepEqual(p3.map((m) => m.get(150)), ['0', 'I']);
  await gw.sequencer.flush();
  assert.equal(gw.engine.orderByClOrdId('FIX.4.4:FIXGW->PR1', 'P3')!.orderQty, '100');
});

test('field mistakes the dictionary catches get a session Reject with the right 373 and 371', async () => {
  const c = await client('SREJ1');
  c.send('D', [[11, 'F1'], [55, 'AAPL'], [60, now()], [38, '100'], [40, '2'], [44, '150.00']]);
  c.send('D', [[11, 'F2'], [55, 'AAPL'], [54, 'Z'], [60, now()], [38, '100'], [40, '2'], [44, '150.00']]);
  c.send('D', [[11, 'F3'], [55, 'AAPL'], [54, '1'], [60, now()], [38, '100'], [40, '2'], [44, 'abc']]);
  c.send('D', [[11, 'F4'], [55, 'AAPL'], [54, '1'], [60, now()], [38, '100'], [40, '2'], [44, '150.00'], [126, '2026-13-45']]);
  const rejects = [1, 2, 3, 4].map(async (n) => c.next('3', () => true, n));
  const got = await Promise.all(rejects);
  assert.deepEqual(got.map((m) => [m.get(373), m.get(371), m.get(372)]),
    [['1', '54', 'D'], ['5', '54', 'D'], ['6', '44', 'D'], ['6', '126', 'D']]);
  assert.equal(c.all('8').filter((m) => /^F\d$/.test(m.get(11) ?? '')).length, 0, 'nothing reached the engine');
});

test('an application message the gateway does not support gets BusinessMessageReject 380=3', async () => {
  const c = await client('BMR1');
  c.send('R', [[131, 'QR1'], [146, '1'], [55, 'AAPL']]);
  const j = await c.next('j');
  assert.deepEqual([372, 380].map((t) => j.get(t)), ['R', '3']);
  c.send('j', [[45, '2'], [372, '8'], [380, '0'], [58, 'client side reject']]);
  c.order('AFTER1');
  await c.reports('AFTER1');
  assert.equal(c.all('j').length, 1, "a client's BusinessMessageReject is not answered");
});

test('a GTD order expires at its ExpireTime with ExecutionReport 150=C', async () => {
  const c = await client('GTD1');
  const expireAt = formatUtcTimestamp(Date.now() + 700);
  c.order('G1', { symbol: 'IBM', price: '150.00', tif: '6', extra: [[126, expireAt]] });
  const ers = await c.reports('G1', 2, 5000);
  assert.deepEqual(ers.map((m) => m.get(150)), ['0', 'C']);
  assert.deepEqual([39, 126, 151].map((t) => ers[1]!.get(t)), ['C', expireAt, '0']);
});

test('gateway metrics count orders by type, rejects by reason, trades and logged-on sessions', async () => {
  await client('METRICS1');
  const text = await gw.registry.metrics();
  const value = (line: string) => Number(new RegExp(`^${line.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
  assert.ok(value('fixgw_app_messages_received_total{msg_type="D"}') >= 20);
  assert.ok(value('fixgw_app_messages_received_total{msg_type="F"}') >= 2);
  assert.ok(value('fixgw_rejects_total{reason="DuplicateClOrdId"}') >= 1);
  assert.ok(value('fixgw_rejects_total{reason="UnsupportedMessageType"}') >= 1);
  assert.ok(value('fixgw_trades_total') >= 1);
  assert.ok(value('fixgw_sessions_logged_on') >= 1);
  assert.ok(value('fixgw_order_ack_seconds_count') >= 20);
  assert.ok(value('fixgw_journal_batch_seconds_count') >= 1);
});

test('fills carry TradeID(1003) too when the session dictionary defines it for ExecutionReport', async () => {
  const stock = readFileSync(fileURLToPath(new URL('../../../fix-specs/FIX44.xml', import.meta.url)), 'utf8');
  const extended = stock
    .replace("<message name='ExecutionReport' msgtype='8' msgcat='app'>", "<message name='ExecutionReport' msgtype='8' msgcat='app'>\n   <field name='TradeID' required='N' />")
    .replace(' <fields>', " <fields>\n  <field number='1003' name='TradeID' type='STRING' />");
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-dict-'));
  const dictPath = path.join(dir, 'FIX44-tradeid.xml');
  writeFileSync(dictPath, extended);
  const gw2 = await startTestGateway({ cfg: `${BASE_CFG}DataDictionary=${dictPath}\n` });
  const noValidation = { validation: null };
  const s = await Client.logon(gw2.fixPort, 'TID1', { config: noValidation });
  const b = await Client.logon(gw2.fixPort, 'TID2', { config: noValidation });
  try {
    s.order('S1', { side: '2', price: '190.00' });
    await s.reports('S1');
    b.order('B1', { side: '1', price: '190.00' });
    const fill = (await b.reports('B1', 2))[1]!;
    assert.equal(fill.get(1003), fill.get(527));
    assert.ok(fill.get(1003));
    assert.equal(stockDictionaryReportsCarryNoTradeId(), true);
  } finally {
    await s.stop();
    await b.stop();
    await gw2.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** With the stock dictionary (the shared gateway of this file) no report carried 1003. */
function stockDictionaryReportsCarryNoTradeId(): boolean {
  return clients.every((c) => c.all('8').every((m) => !m.has(1003)));
}
