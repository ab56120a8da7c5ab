// Reference data and trade capture over FIX, over real sockets: the security list (x → y), one definition (c → d),
// trading status per instrument (g → h) with unsolicited h on halt and resume, and trade capture (AD → AQ + AE) of
// a session's own executions, a drop-copy session's accounts, a time range, and the bound of the fill history.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FixMessage } from '../../src/fix/message.js';
import { formatUtcTimestamp } from '../../src/fix/time.js';
import { BASE_CFG, Client, startTestGateway } from '../gateway/support.js';
import { testConfig } from '../engine/harness.js';

/** Each NoRelatedSym entry of a y as tag → values (InstrAttribValue repeats). */
function entries(msg: FixMessage): Array<Map<number, string[]>> {
  const out: Array<Map<number, string[]>> = [];
  for (const [tag, value] of msg.fields()) {
    if (tag === 55) out.push(new Map());
    const e = out.at(-1);
    if (e !== undefined && tag !== 10) e.set(tag, [...(e.get(tag) ?? []), value]);
  }
  return out;
}

test('SecurityList: every instrument with lot, minimum, currency, its trading session and NAME=value attributes', async () => {
  const gw = await startTestGateway();
  const c = await Client.logon(gw.fixPort, 'REF1');
  try {
    c.send('x', [[320, 'L1'], [559, '4']]);
    const y = await c.next('y', (m) => m.get(320) === 'L1');
    assert.deepEqual([y.get(560), y.get(393), y.get(893), y.get(146)], ['0', '6', 'Y', '6']);
    const list = entries(y);
    assert.deepEqual(list.map((e) => e.get(55)![0]), ['AAPL', 'MSFT', 'IBM', 'GOOG', 'BTC-USD', 'ETH-USD']);
    const btc = list[4]!;
    assert.deepEqual([btc.get(561), btc.get(562), btc.get(15), btc.get(336)], [['0.0001'], ['0.0001'], ['USD'], ['BTC-USD']]);
    assert.deepEqual(btc.get(871), ['99', '99', '99']);
    assert.deepEqual(btc.get(872), ['MinPriceIncrement=0.01', 'MaxTradeVol=100', 'SecurityTradingStatus=17']);
    c.send('x', [[320, 'L2'], [559, '0'], [55, 'MSFT']]);
    assert.deepEqual(entries(await c.next('y', (m) => m.get(320) === 'L2')).map((e) => e.get(55)![0]), ['MSFT']);
    c.send('x', [[320, 'L3'], [559, '0'], [55, 'NOPE']]);
    assert.equal((await c.next('y', (m) => m.get(320) === 'L3')).get(560), '2');
    c.send('x', [[320, 'L4'], [559, '2']]);
    assert.equal((await c.next('y', (m) => m.get(320) === 'L4')).get(560), '1');
  } finally {
    await c.stop();
    await gw.close();
  }
});

test('SecurityDefinition: one instrument; an unknown one cannot be matched; a list request points to x', async () => {
  const gw = await startTestGateway();
  const c = await Client.logon(gw.fixPort, 'REF2');
  try {
    c.send('c', [[320, 'D1'], [321, '0'], [55, 'IBM']]);
    const d = await c.next('d', (m) => m.get(320) === 'D1');
    assert.deepEqual([d.get(323), d.get(55), d.get(15), d.get(561), d.get(562), d.get(336)], ['1', 'IBM', 'USD', '1', '1', 'IBM']);
    c.send('c', [[320, 'D2'], [321, '0'], [55, 'NOPE']]);
    assert.deepEqual([(await c.next('d', (m) => m.get(320) === 'D2')).get(323)], ['6']);
    c.send('c', [[320, 'D3'], [321, '3']]);
    const list = await c.next('d', (m) => m.get(320) === 'D3');
    assert.equal(list.get(323), '5');
    assert.match(list.get(58) ?? '', /SecurityListRequest \(x\)/);
  } finally {
    await c.stop();
    await gw.close();
  }
});

test('TradingSessionStatus per instrument, and unsolicited h on halt and resume to subscribers only', async () => {
  const gw = await startTestGateway();
  const sub = await Client.logon(gw.fixPort, 'TSS1');
  const other = await Client.logon(gw.fixPort, 'TSS2');
  try {
    other.send('g', [[335, 'ALL'], [263, '0']]);
    await other.next('h', (m) => m.get(336) === 'ETH-USD');
    assert.deepEqual(other.all('h').map((m) => [m.get(336), m.get(340), m.get(325)]).slice(0, 2), [['AAPL', '2', 'N'], ['MSFT', '2', 'N']]);
    sub.send('g', [[335, 'S1'], [336, 'AAPL'], [263, '1']]);
    await sub.next('h', (m) => m.get(335) === 'S1');
    gw.sequencer.submit({ type: 'Halt', symbol: 'AAPL', text: 'news pending' });
    const halted = await sub.next('h', (m) => m.get(325) === 'Y');
    assert.deepEqual([halted.get(335), halted.get(336), halted.get(340), halted.get(58)], ['S1', 'AAPL', '1', 'news pending']);
    gw.sequencer.submit({ type: 'Halt', symbol: 'MSFT' });
    gw.sequencer.submit({ type: 'Resume', symbol: 'AAPL' });
    const resumed = await sub.next('h', (m) => m.get(325) === 'Y', 2);
    assert.deepEqual([resumed.get(336), resumed.get(340)], ['AAPL', '2'], 'MSFT is not this subscription\'s');
    sub.send('g', [[335, 'S1'], [336, 'AAPL'], [263, '2']]);
    sub.send('g', [[335, 'Q'], [336, 'NOPE'], [263, '0']]);
    const refused = await sub.next('h', (m) => m.get(335) === 'Q');
    assert.deepEqual([refused.get(340), refused.get(567)], ['6', '1']);
    gw.sequencer.submit({ type: 'Halt', symbol: 'AAPL' });
    await gw.sequencer.flush();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(sub.all('h').filter((m) => m.get(325) === 'Y').length, 2, 'unsubscribed');
    assert.equal(other.all('h').filter((m) => m.get(325) === 'Y').length, 0, 'a snapshot request subscribes to nothing');
  } finally {
    await sub.stop();
    await other.stop();
    await gw.close();
  }
});

/** A TradeCaptureReportRequest and everything it brings: the ack and the reports. */
async function tradeCapture(c: Client, id: string, extra: Array<[number, string]> = []): Promise<{ ack: FixMessage; reports: FixMessage[] }> {
  c.send('AD', [[568, id], [569, '0'], ...extra]);
  const ack = await c.next('AQ', (m) => m.get(568) === id);
  const count = Number(ack.get(748) ?? 0);
  if (count > 0) await c.next('AE', (m) => m.get(568) === id, count);
  return { ack, reports: c.all('AE').filter((m) => m.get(568) === id) };
}

test('TradeCaptureReports: a session\'s own executions, a time range, a drop copy\'s accounts', async () => {
  const cfg = `${BASE_CFG}[SESSION]\nTargetCompID=DC\nSessionType=dropcopy\nDropCopyAccounts=BUYER\n`;
  const gw = await startTestGateway({ cfg });
  const buyer = await Client.logon(gw.fixPort, 'BUYER');
  const seller = await Client.logon(gw.fixPort, 'SELLER');
  const dc = await Client.logon(gw.fixPort, 'DC');
  try {
    seller.order('S1', { symbol: 'BTC-USD', side: '2', qty: '1', price: '60000.00' });
    await seller.reports('S1');
    buyer.order('B1', { symbol: 'BTC-USD', side: '1', qty: '0.25', price: '60000.00' });
    await buyer.reports('B1', 2);
    await new Promise((r) => setTimeout(r, 20));
    const between = Date.now();
    await new Promise((r) => setTimeout(r, 20));
    buyer.order('B2', { symbol: 'BTC-USD', side: '1', qty: '0.5', price: '60000.00' });
    await buyer.reports('B2', 2);
    await seller.next('8', (m) => m.get(150) === 'F', 2);

    const mine = await tradeCapture(buyer, 'T1');
    assert.deepEqual([mine.ack.get(749), mine.ack.get(750), mine.ack.get(748)], ['0', '0', '2']);
    assert.deepEqual(mine.reports.map((m) => [m.get(11), m.get(54), m.get(32), m.get(31), m.get(1), m.get(12), m.get(13), m.get(479), m.get(912)]),
      [['B1', '1', '0.2500', '60000.00', 'BUYER', '7.500000', '3', 'USD', 'N'], ['B2', '1', '0.5000', '60000.00', 'BUYER', '15.000000', '3', 'USD', 'Y']]);
    const sellerSide = await tradeCapture(seller, 'T2');
    assert.deepEqual(sellerSide.reports.map((m) => m.get(880)), mine.reports.map((m) => m.get(880)), 'the same trades (TrdMatchID)');
    const stamp = formatUtcTimestamp(between);
    const later = await tradeCapture(buyer, 'T3', [[580, '1'], [75, stamp.slice(0, 8)], [60, stamp]]);
    assert.deepEqual(later.reports.map((m) => m.get(11)), ['B2']);
    const earlier = await tradeCapture(buyer, 'T4', [[580, '2'], [75, '20200101'], [75, stamp.slice(0, 8)], [60, stamp]]);
    assert.deepEqual(earlier.reports.map((m) => m.get(11)), ['B1']);
    const others = await tradeCapture(buyer, 'T5', [[453, '1'], [448, 'SELLER'], [452, '24']]);
    assert.deepEqual([others.ack.get(748), others.ack.get(750)], ['0', '1'], 'another account: none of this session\'s orders');

    const copy = await tradeCapture(dc, 'T6');
    assert.deepEqual(copy.reports.map((m) => [m.get(11), m.get(1)]), [['B1', 'BUYER'], ['B2', 'BUYER']]);
    const denied = await tradeCapture(dc, 'T7', [[453, '1'], [448, 'SELLER'], [452, '24']]);
    assert.deepEqual([denied.ack.get(749), denied.ack.get(750)], ['9', '2']);
    const unknown = await tradeCapture(buyer, 'T8', [[55, 'NOPE']]);
    assert.deepEqual([unknown.ack.get(749), unknown.ack.get(750)], ['1', '2']);
  } finally {
    await buyer.stop();
    await seller.stop();
    await dc.stop();
    await gw.close();
  }
});

test('TradeCaptureReports are bounded by the engine\'s fill history: the ack says from when on it is complete', async () => {
  const gw = await startTestGateway({ engineConfig: testConfig((f) => { f.limits.fillHistoryMax = 4; }) });
  const buyer = await Client.logon(gw.fixPort, 'HBUY');
  const seller = await Client.logon(gw.fixPort, 'HSELL');
  try {
    for (let i = 1; i <= 3; i++) {
      seller.order(`S${i}`, { side: '2', qty: '1', price: '190.00' });
      await seller.reports(`S${i}`);
      buyer.order(`B${i}`, { side: '1', qty: '1', price: '190.00' });
      await buyer.reports(`B${i}`, 2);
    }
    const { ack, reports } = await tradeCapture(buyer, 'H1');
    assert.deepEqual(reports.map((m) => m.get(11)), ['B2', 'B3'], 'the last four executions: two trades, both sides');
    assert.match(ack.get(58) ?? '', /^executions before \d{8}-\d{2}:\d{2}:\d{2}\.\d{3} are no longer held$/);
  } finally {
    await buyer.stop();
    await seller.stop();
    await gw.close();
  }
});
