// FIX 4.4 to the letter, over real sockets: what the gateway echoes (no MinQty the client never sent, a market order's
// TimeInForce as it behaves, no OrdRejReason on a status answer), commission on fills, self-trade prevention per
// order (tag 7928), and the session layer's refusals (negative HeartBtInt, no MsgSeqNum, group fields out of order).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, startTestGateway } from '../gateway/support.js';
import { RawClient, waitFor } from '../support/fix-harness.js';
import { formatUtcTimestamp } from '../../src/fix/time.js';
import { wire } from '../fix/wire.js';

const now = () => formatUtcTimestamp(Date.now());

test('echoes: FOK without MinQty, a market order as IOC, an unknown order\'s status without OrdRejReason', async () => {
  const gw = await startTestGateway();
  const c = await Client.logon(gw.fixPort, 'ECHO1');
  try {
    c.order('FOK1', { qty: '10', price: '190.00', tif: '4' });
    const fok = await c.reports('FOK1', 2);
    assert.deepEqual(fok.map((m) => [m.get(150), m.get(59), m.has(110)]), [['0', '4', false], ['4', '4', false]]);
    assert.equal(fok[1]!.get(58), 'FOK: could not fill in full');

    c.order('REST', { side: '2', qty: '5', price: '191.00' });
    await c.reports('REST');
    c.order('MKT1', { qty: '2', price: null, ordType: '1' });
    c.order('MKT2', { qty: '2', price: null, ordType: '1', tif: '0' });
    c.order('MKT3', { qty: '2', price: null, ordType: '1', tif: '4' });
    for (const [id, tif] of [['MKT1', '3'], ['MKT2', '3'], ['MKT3', '4']] as const) {
      const reports = await c.reports(id, 2);
      assert.deepEqual(reports.map((m) => m.get(59)), [tif, tif], id);
    }
    c.send('H', [[11, 'NOPE'], [55, 'AAPL'], [54, '1']]);
    const status = await c.next('8', (m) => m.get(11) === 'NOPE');
    assert.deepEqual([status.get(150), status.get(39), status.has(103)], ['I', '8', false]);
  } finally {
    await c.stop();
    await gw.close();
  }
});

test('fills carry Commission(12), CommType(13)=3 and CommCurrency(479): the taker and maker fees', async () => {
  const gw = await startTestGateway();
  const maker = await Client.logon(gw.fixPort, 'MAKER1');
  const taker = await Client.logon(gw.fixPort, 'TAKER1');
  try {
    maker.order('M1', { symbol: 'BTC-USD', side: '2', qty: '0.5', price: '60000.00' });
    await maker.reports('M1');
    taker.order('T1', { symbol: 'BTC-USD', side: '1', qty: '0.5', price: '60000.00' });
    const [fill] = (await taker.reports('T1', 2)).filter((m) => m.get(150) === 'F');
    const [made] = (await maker.reports('M1', 2)).filter((m) => m.get(150) === 'F');
    // 30,000 USD traded: taker 5 bp = 15, maker 2 bp = 6, in USD at the asset's 6 decimals
    assert.deepEqual([fill!.get(12), fill!.get(13), fill!.get(479)], ['15.000000', '3', 'USD']);
    assert.deepEqual([made!.get(12), made!.get(13), made!.get(479)], ['6.000000', '3', 'USD']);
    assert.ok(!(await maker.reports('M1')).some((m) => m.get(150) === '0' && m.has(12)), 'no commission on a New report');
  } finally {
    await maker.stop();
    await taker.stop();
    await gw.close();
  }
});

test('SelfMatchPreventionInstruction(7928) chooses the order\'s self-trade prevention; another value is refused with 103=11', async () => {
  const gw = await startTestGateway();
  const c = await Client.logon(gw.fixPort, 'STP1');
  try {
    c.order('OWN', { side: '2', qty: '10', price: '190.00' });
    await c.reports('OWN');
    c.order('NEWEST', { side: '1', qty: '5', price: '190.00', extra: [[7928, 'N']] });
    const canceled = (await c.reports('NEWEST', 2))[1]!;
    assert.deepEqual([canceled.get(150), canceled.get(39), canceled.get(378), canceled.get(58)], ['4', '4', '8', 'self-trade prevention']);
    c.order('DEC', { side: '1', qty: '4', price: '190.00', extra: [[7928, 'D']] });
    const restated = await c.next('8', (m) => m.get(11) === 'OWN' && m.get(150) === 'D');
    assert.deepEqual([restated.get(378), restated.get(38), restated.get(151)], ['5', '6', '6']);
    c.order('ALLOW', { side: '1', qty: '1', price: '190.00', extra: [[7928, 'A']] });
    assert.ok((await c.reports('ALLOW', 2)).some((m) => m.get(150) === 'F'), 'A allows the self-trade');
    c.order('BAD', { side: '1', qty: '1', price: '190.00', extra: [[7928, 'Z']] });
    const [rejected] = await c.reports('BAD');
    assert.deepEqual([rejected!.get(150), rejected!.get(103)], ['8', '11']);
    assert.match(rejected!.get(58) ?? '', /stpMode/);
  } finally {
    await c.stop();
    await gw.close();
  }
});

test('a Logon with a negative HeartBtInt is refused: Logout with the reason, then the connection closes', async () => {
  const gw = await startTestGateway();
  const raw = await RawClient.connect(gw.fixPort);
  try {
    raw.send('A', 1, [[98, '0'], [108, '-5']], { sender: 'NEGHB' });
    const logout = await raw.next('5');
    assert.equal(logout.get(58), 'HeartBtInt(108) must not be negative');
    await waitFor('the connection closed', () => raw.closed);
    assert.ok(!raw.received.some((m) => m.msgType === 'A'), 'no Logon answer');
  } finally {
    raw.close();
    await gw.close();
  }
});

test('a message without MsgSeqNum(34): Logout with the reason, then the connection closes (no Reject)', async () => {
  const gw = await startTestGateway();
  const raw = await RawClient.connect(gw.fixPort);
  try {
    raw.send('A', 1, [[98, '0'], [108, '30']], { sender: 'NOSEQ' });
    await raw.next('A');
    raw.writeRaw(wire(`8=FIX.4.4|35=0|49=NOSEQ|52=${now()}|56=FIXGW|`));
    const logout = await raw.next('5');
    assert.equal(logout.get(58), 'MsgSeqNum(34) missing');
    await waitFor('the connection closed', () => raw.closed);
    assert.ok(!raw.received.some((m) => m.msgType === '3'), 'no Reject');
  } finally {
    raw.close();
    await gw.close();
  }
});

test('repeating-group fields out of the dictionary\'s order: Reject 373=15 naming the field, nothing entered', async () => {
  const gw = await startTestGateway();
  const c = await Client.logon(gw.fixPort, 'GRP1');
  try {
    // Parties: PartyID(448), PartyIDSource(447), PartyRole(452) in that order; here 452 comes before 447
    const seq = c.order('G1', { extra: [[453, '1'], [448, 'DESK'], [452, '3'], [447, 'D']] });
    const reject = await c.next('3', (m) => m.get(45) === String(seq));
    assert.deepEqual([reject.get(373), reject.get(371), reject.get(372)], ['15', '447', 'D']);
    c.order('G2', { extra: [[453, '1'], [448, 'DESK'], [447, 'D'], [452, '3']] });
    assert.equal((await c.reports('G2'))[0]!.get(150), '0', 'in order: accepted');
    assert.equal(c.all('8').filter((m) => m.get(11) === 'G1').length, 0);
  } finally {
    await c.stop();
    await gw.close();
  }
});
