// Matching: price-time priority and every order type, with exact expected fills and reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, S1, S2, execs, mds, summary, tradeSummary, trades, testConfig, mdLevels } from './harness.js';

test('limit orders rest, then trade at the resting price in price-time priority', () => {
  const h = new Harness();
  h.order({ side: 'Sell', price: '100.02', orderQty: '50', clOrdId: 'S1' });
  h.order({ side: 'Sell', price: '100.01', orderQty: '30', clOrdId: 'S2' });
  h.order({ side: 'Sell', price: '100.01', orderQty: '40', clOrdId: 'S3' });
  const evs = h.order({ side: 'Buy', price: '100.02', orderQty: '100', clOrdId: 'B1', session: S2 });
  assert.deepEqual(tradeSummary(evs), [
    '30@100.01 Buy buy=B1 sell=S2', '40@100.01 Buy buy=B1 sell=S3', '30@100.02 Buy buy=B1 sell=S1']);
  assert.deepEqual(summary(evs), [
    'New/New B1 0/100',
    'Trade/PartiallyFilled B1 30/70 30@100.01', 'Trade/Filled S2 30/0 30@100.01',
    'Trade/PartiallyFilled B1 70/30 40@100.01', 'Trade/Filled S3 40/0 40@100.01',
    'Trade/Filled B1 100/0 30@100.02', 'Trade/PartiallyFilled S1 30/20 30@100.02']);
  const last = execs(evs).filter((e) => e.clOrdId === 'B1').at(-1)!;
  assert.equal(last.avgPx, '100.013');
  assert.equal(last.liquidity, 'Removed');
  assert.deepEqual(h.engine.bookSnapshot('AAPL', 5)!.asks, [['100.02', '20', 1]]);
  const md = mds(evs);
  assert.equal(md.length, 1, 'one market-data message per command');
  assert.equal(md[0]!.mdSeq, 4);
  assert.deepEqual(JSON.parse(JSON.stringify(md[0]!.levels)), [{ side: 'Sell', price: '100.01', qty: '0', count: 0 }, { side: 'Sell', price: '100.02', qty: '20', count: 1 }]);
  assert.equal(md[0]!.trades.length, 3);
  const t = trades(evs)[0]!;
  assert.equal(t.buySession, S2);
  assert.equal(t.sellAccount, 'CLIENT1');
  assert.equal(t.buyAccount, 'CLIENT2');
});

test('book snapshot lists best first with totals and counts', () => {
  const h = new Harness();
  h.order({ side: 'Buy', price: '99.00', orderQty: '10' });
  h.order({ side: 'Buy', price: '99.50', orderQty: '20' });
  h.order({ side: 'Buy', price: '99.50', orderQty: '5' });
  h.order({ side: 'Sell', price: '101.00', orderQty: '7' });
  const snap = h.engine.bookSnapshot('AAPL', 10)!;
  assert.deepEqual(snap.bids, [['99.50', '25', 2], ['99.00', '10', 1]]);
  assert.deepEqual(snap.asks, [['101.00', '7', 1]]);
  assert.equal(snap.mdSeq, 4);
});

test('market order sweeps up to its protection limit and cancels the rest', () => {
  const h = new Harness(testConfig((f) => { f.instruments[0]!.marketProtectionBps = 100; }));
  h.order({ side: 'Sell', price: '100.00', orderQty: '10', clOrdId: 'S1' });
  h.order({ side: 'Sell', price: '100.50', orderQty: '10', clOrdId: 'S2' });
  h.order({ side: 'Sell', price: '101.01', orderQty: '10', clOrdId: 'S3' }); // beyond 100.00 + 1%
  const evs = h.order({ side: 'Buy', ordType: 'Market', orderQty: '30', clOrdId: 'M1' });
  assert.deepEqual(tradeSummary(evs), ['10@100.00 Buy buy=M1 sell=S1', '10@100.50 Buy buy=M1 sell=S2']);
  const end = execs(evs).at(-1)!;
  assert.equal(end.execType, 'Canceled');
  assert.equal(end.doneReason, 'MarketProtection');
  assert.equal(end.cumQty, '20');
  assert.equal(end.price, null);
});

test('market order with no opposite side is rejected', () => {
  const h = new Harness();
  const evs = h.order({ side: 'Buy', ordType: 'Market', orderQty: '5' });
  assert.deepEqual(summary(evs), ['Rejected/Rejected C1 0/0 NoLiquidity']);
  assert.equal(execs(evs)[0]!.fixOrdRejReason, 0);
});

test('IOC trades what crosses and cancels the rest', () => {
  const h = new Harness();
  h.order({ side: 'Sell', price: '100.00', orderQty: '10', clOrdId: 'S1' });
  const evs = h.order({ side: 'Buy', price: '100.00', orderQty: '25', timeInForce: 'IOC', clOrdId: 'I1' });
  assert.deepEqual(summary(evs), ['New/New I1 0/25', 'Trade/PartiallyFilled I1 10/15 10@100.00', 'Trade/Filled S1 10/0 10@100.00',
    'Canceled/Canceled I1 10/0 IocRemainder']);
  assert.equal(h.engine.bookSnapshot('AAPL')!.bids.length, 0);
});

test('FOK fills completely across levels or not at all', () => {
  const h = new Harness();
  h.order({ side: 'Sell', price: '100.00', orderQty: '10', clOrdId: 'S1' });
  h.order({ side: 'Sell', price: '100.01', orderQty: '10', clOrdId: 'S2' });
  const kill = h.order({ side: 'Buy', price: '100.01', orderQty: '21', timeInForce: 'FOK', clOrdId: 'F1' });
  assert.deepEqual(summary(kill), ['New/New F1 0/21', 'Canceled/Canceled F1 0/0 FokUnfilled']);
  assert.equal(trades(kill).length, 0);
  assert.equal(mds(kill).length, 0, 'nothing on the book changed');
  const fill = h.order({ side: 'Buy', price: '100.01', orderQty: '20', timeInForce: 'FOK', clOrdId: 'F2' });
  assert.deepEqual(tradeSummary(fill), ['10@100.00 Buy buy=F2 sell=S1', '10@100.01 Buy buy=F2 sell=S2']);
  assert.equal(execs(fill).at(-1)!.ordStatus, 'Filled');
});

test('minimum quantity IOC trades only when at least minQty is available', () => {
  const h = new Harness();
  h.order({ side: 'Sell', price: '100.00', orderQty: '10', clOrdId: 'S1' });
  const no = h.order({ side: 'Buy', price: '100.00', orderQty: '30', minQty: '15', timeInForce: 'IOC', clOrdId: 'Q1' });
  assert.deepEqual(summary(no).at(-1), 'Canceled/Canceled Q1 0/0 MinQtyUnfilled');
  const yes = h.order({ side: 'Buy', price: '100.00', orderQty: '30', minQty: '10', timeInForce: 'IOC', clOrdId: 'Q2' });
  assert.deepEqual(summary(yes).at(-1), 'Canceled/Canceled Q2 10/0 IocRemainder');
  const day = h.order({ side: 'Buy', price: '100.00', orderQty: '30', minQty: '10', clOrdId: 'Q3' });
  assert.deepEqual(summary(day), ['Rejected/Rejected Q3 0/0 UnsupportedOrder']);
});

test('post-only is rejected (not repriced) when it would take, and rests otherwise', () => {
  const h = new Harness();
  h.order({ side: 'Sell', price: '100.00', orderQty: '10' });
  assert.deepEqual(summary(h.order({ side: 'Buy', price: '100.00', postOnly: true, clOrdId: 'P1' })), ['Rejected/Rejected P1 0/0 PostOnlyWouldTake']);
  assert.deepEqual(summary(h.order({ side: 'Buy', price: '99.99', postOnly: true, clOrdId: 'P2' })), ['New/New P2 0/100']);
});

test('iceberg shows its display quantity and replenishes at the back of the queue', () => {
  const h = new Harness();
  h.order({ side: 'Sell', price: '100.00', orderQty: '100', displayQty: '10', clOrdId: 'ICE' });
  h.order({ side: 'Sell', price: '100.00', orderQty: '5', clOrdId: 'S2' });
  assert.deepEqual(h.engine.bookSnapshot('AAPL')!.asks, [['100.00', '15', 2]]);
  const evs = h.order({ side: 'Buy', price: '100.00', orderQty: '18', clOrdId: 'B1' });
  // 10 from the iceberg's first slice, then S2 (now ahead of the replenished slice), then 3 from the new slice
  assert.deepEqual(tradeSummary(evs), ['10@100.00 Buy buy=B1 sell=ICE', '5@100.00 Buy buy=B1 sell=S2', '3@100.00 Buy buy=B1 sell=ICE']);
  assert.deepEqual(h.engine.bookSnapshot('AAPL')!.asks, [['100.00', '7', 1]]);
  assert.equal(h.engine.orderByClOrdId(S1, 'ICE')!.leavesQty, '87');
  assert.deepEqual(mdLevels(evs), [{ side: 'Sell', price: '100.00', qty: '7', count: 1 }]);
});

test('stop orders trigger on the last trade price, deterministically, and stop-limits rest', () => {
  const h = new Harness();
  h.order({ side: 'Sell', price: '100.00', orderQty: '10', clOrdId: 'S1' });
  h.order({ side: 'Sell', price: '101.00', orderQty: '10', clOrdId: 'S2' });
  h.order({ side: 'Sell', price: '102.00', orderQty: '10', clOrdId: 'S3' });
  assert.deepEqual(summary(h.order({ side: 'Buy', ordType: 'Stop', stopPx: '100.00', orderQty: '10', clOrdId: 'STOP' })), ['New/New STOP 0/10']);
  assert.deepEqual(summary(h.order({ side: 'Buy', ordType: 'StopLimit', stopPx: '100.00', price: '101.50', orderQty: '20', clOrdId: 'SL' })), ['New/New SL 0/20']);
  assert.equal(h.engine.orderByClOrdId(S1, 'STOP')!.pendingStop, true);
  const evs = h.order({ side: 'Buy', price: '100.00', orderQty: '10', clOrdId: 'B1' });
  assert.deepEqual(summary(evs), [
    'New/New B1 0/10', 'Trade/Filled B1 10/0 10@100.00', 'Trade/Filled S1 10/0 10@100.00',
    'Restated/New STOP 0/10 StopTriggered', 'Trade/Filled STOP 10/0 10@101.00', 'Trade/Filled S2 10/0 10@101.00',
    'Restated/New SL 0/20 StopTriggered']);
  assert.deepEqual(h.engine.bookSnapshot('AAPL')!.bids, [['101.50', '20', 1]]);
  assert.equal(mds(evs).length, 1);
});

test('a stop already triggered by the last price activates on arrival', () => {
  const h = new Harness();
  h.order({ side: 'Sell', price: '100.00', orderQty: '10' });
  h.order({ side: 'Buy', price: '100.00', orderQty: '5' });
  h.order({ side: 'Buy', price: '99.00', orderQty: '5', clOrdId: 'BID' });
  const evs = h.order({ side: 'Sell', ordType: 'Stop', stopPx: '100.00', orderQty: '3', clOrdId: 'SS' });
  assert.deepEqual(summary(evs), ['New/New SS 0/3', 'Restated/New SS 0/3 StopTriggered', 'Trade/Filled SS 3/0 3@99.00', 'Trade/PartiallyFilled BID 3/2 3@99.00']);
  assert.equal(trades(evs)[0]!.sellClOrdId, 'SS');
});

test('GTD orders expire on the sweep at their time; Day orders expire at end of day; GTC stays', () => {
  const h = new Harness();
  h.order({ side: 'Buy', price: '99.00', timeInForce: 'GTD', expireTimeMs: h.timeMs + 1000, clOrdId: 'G1' });
  h.order({ side: 'Buy', price: '99.00', timeInForce: 'GTD', expireTimeMs: h.timeMs + 5000, clOrdId: 'G2' });
  h.order({ side: 'Buy', price: '98.00', timeInForce: 'Day', clOrdId: 'D1' });
  h.order({ side: 'Buy', price: '97.00', timeInForce: 'GTC', clOrdId: 'T1' });
  assert.deepEqual(summary(h.order({ side: 'Buy', price: '97.00', timeInForce: 'GTD', expireTimeMs: h.timeMs, clOrdId: 'G0' })),
    ['Rejected/Rejected G0 0/0 TooLateExpireTime']);
  const sweep = h.send({ type: 'ExpireSweep' }, h.timeMs + 1000);
  assert.deepEqual(summary(sweep), ['Expired/Expired G1 0/0 GtdExpired']);
  assert.equal(sweep.find((e) => e.kind === 'admin')!.kind, 'admin');
  const eod = h.send({ type: 'EndOfDay' });
  assert.deepEqual(summary(eod), ['Expired/Expired D1 0/0 EndOfDay']);
  assert.deepEqual(h.engine.bookSnapshot('AAPL')!.bids, [['99.00', '100', 1], ['97.00', '100', 1]]);
});

test('cancel removes the order; a second cancel is rejected as too late; unknown orders are rejected', () => {
  const h = new Harness();
  h.order({ side: 'Buy', price: '99.00', clOrdId: 'A' });
  const evs = h.send({ type: 'Cancel', session: S1, clOrdId: 'A-c', origClOrdId: 'A' });
  assert.deepEqual(summary(evs), ['Canceled/Canceled A-c 0/0 ClientCancel']);
  assert.equal(execs(evs)[0]!.origClOrdId, 'A');
  assert.deepEqual(mdLevels(evs), [{ side: 'Buy', price: '99.00', qty: '0', count: 0 }]);
  const again = h.send({ type: 'Cancel', session: S1, clOrdId: 'A-c2', origClOrdId: 'A' });
  const rej = again[0]!;
  assert.ok(rej.kind === 'cancelReject');
  assert.equal(rej.rejectReason, 'OrderDone');
  assert.equal(rej.fixCxlRejReason, 0);
  assert.equal(rej.responseTo, 'Cancel');
  const unknown = h.send({ type: 'Cancel', session: S1, clOrdId: 'X', origClOrdId: 'nope' })[0]!;
  assert.ok(unknown.kind === 'cancelReject');
  assert.equal(unknown.fixCxlRejReason, 1);
  assert.equal(unknown.orderId, 'NONE');
  const otherSession = h.order({ side: 'Buy', price: '99.00', clOrdId: 'B' });
  const orderId = execs(otherSession)[0]!.orderId;
  const foreign = h.send({ type: 'Cancel', session: S2, clOrdId: 'Z', orderId })[0]!;
  assert.ok(foreign.kind === 'cancelReject' && foreign.rejectReason === 'UnknownOrder', 'another session cannot cancel it');
  assert.deepEqual(summary(h.send({ type: 'Cancel', session: S1, clOrdId: 'Y', orderId })), ['Canceled/Canceled Y 0/0 ClientCancel']);
});

test('replace: quantity down keeps priority, price change or quantity up loses it', () => {
  const h = new Harness();
  h.order({ side: 'Sell', price: '100.00', orderQty: '10', clOrdId: 'A' });
  h.order({ side: 'Sell', price: '100.00', orderQty: '10', clOrdId: 'B' });
  const down = h.send({ type: 'Replace', session: S1, clOrdId: 'A2', origClOrdId: 'A', orderQty: '5' });
  assert.deepEqual(summary(down), ['Replaced/New A2 0/5']);
  assert.equal(execs(down)[0]!.origClOrdId, 'A');
  let evs = h.order({ side: 'Buy', price: '100.00', orderQty: '5', session: S2, clOrdId: 'X1' });
  assert.deepEqual(tradeSummary(evs), ['5@100.00 Buy buy=X1 sell=A2'], 'A kept its place');
  h.order({ side: 'Sell', price: '100.00', orderQty: '10', clOrdId: 'C' });
  h.send({ type: 'Replace', session: S1, clOrdId: 'B2', origClOrdId: 'B', orderQty: '11' });
  evs = h.order({ side: 'Buy', price: '100.00', orderQty: '10', session: S2, clOrdId: 'X2' });
  assert.deepEqual(tradeSummary(evs), ['10@100.00 Buy buy=X2 sell=C'], 'B went to the back after quantity up');
  h.send({ type: 'Replace', session: S1, clOrdId: 'B3', origClOrdId: 'B2', orderQty: '11', price: '99.00' });
  assert.deepEqual(h.engine.bookSnapshot('AAPL')!.asks, [['99.00', '11', 1]]);
});

test('replace to a crossing price trades; replacing a filled or unknown order is rejected', () => {
  const h = new Harness();
  h.order({ side: 'Sell', price: '100.00', orderQty: '10', clOrdId: 'S' });
  h.order({ side: 'Buy', price: '99.00', orderQty: '10', session: S2, clOrdId: 'B' });
  const evs = h.send({ type: 'Replace', session: S2, clOrdId: 'B2', origClOrdId: 'B', orderQty: '10', price: '100.00' });
  assert.deepEqual(summary(evs), ['Replaced/New B2 0/10', 'Trade/Filled B2 10/0 10@100.00', 'Trade/Filled S 10/0 10@100.00']);
  const filled = h.send({ type: 'Replace', session: S2, clOrdId: 'B3', origClOrdId: 'B2', orderQty: '20' })[0]!;
  assert.ok(filled.kind === 'cancelReject' && filled.rejectReason === 'OrderDone' && filled.responseTo === 'Replace');
  assert.equal(filled.ordStatus, 'Filled');
  const unknown = h.send({ type: 'Replace', session: S2, clOrdId: 'B4', origClOrdId: 'nope', orderQty: '20' })[0]!;
  assert.ok(unknown.kind === 'cancelReject' && unknown.rejectReason === 'UnknownOrder');
});

test('replace below the filled quantity is rejected; partially filled order replaced keeps cumQty', () => {
  const h = new Harness();
  h.order({ side: 'Sell', price: '100.00', orderQty: '10', clOrdId: 'S' });
  h.order({ side: 'Buy', price: '100.00', orderQty: '4', session: S2 });
  const rej = h.send({ type: 'Replace', session: S1, clOrdId: 'S2', origClOrdId: 'S', orderQty: '4' })[0]!;
  assert.ok(rej.kind === 'cancelReject' && rej.rejectReason === 'QtyBelowCum');
  assert.deepEqual(summary(h.send({ type: 'Replace', session: S1, clOrdId: 'S3', origClOrdId: 'S', orderQty: '8' })), ['Replaced/PartiallyFilled S3 4/4']);
});

test('mass cancel by account, symbol and side reports the count', () => {
  const h = new Harness();
  h.order({ side: 'Buy', price: '99.00' });
  h.order({ side: 'Buy', price: '98.00' });
  h.order({ side: 'Sell', price: '101.00' });
  h.order({ side: 'Buy', price: '420.00', symbol: 'MSFT' });
  h.order({ side: 'Buy', price: '97.00', session: S2 });
  const evs = h.send({ type: 'MassCancel', session: S1, clOrdId: 'MC1', account: 'CLIENT1', symbol: 'AAPL', side: 'Buy' });
  const report = evs.find((e) => e.kind === 'massCancel')!;
  assert.ok(report.kind === 'massCancel' && report.canceledCount === 2);
  assert.equal(execs(evs).filter((e) => e.doneReason === 'MassCancel').length, 2);
  const all = h.send({ type: 'MassCancel', session: S1, clOrdId: 'MC2' }).find((e) => e.kind === 'massCancel')!;
  assert.ok(all.kind === 'massCancel' && all.canceledCount === 2, 'no filter = the requesting session');
  assert.deepEqual(h.engine.restingCounts().AAPL, 1);
});

test('cancel-on-disconnect is a per-session option', () => {
  const h = new Harness(testConfig((f) => { f.cancelOnDisconnect = { default: false, sessions: { [S1]: true } }; }));
  h.order({ side: 'Buy', price: '99.00' });
  h.order({ side: 'Buy', price: '99.00', session: S2 });
  const a = h.send({ type: 'SessionDisconnected', session: S2 });
  assert.equal(execs(a).length, 0);
  const b = h.send({ type: 'SessionDisconnected', session: S1 });
  assert.deepEqual(summary(b), ['Canceled/Canceled C1 0/0 SessionDisconnect']);
  const ack = b.find((e) => e.kind === 'admin')!;
  assert.ok(ack.kind === 'admin' && ack.canceledCount === 1);
});

test('order status answers with the current state, and unknown orders get a rejected status report', () => {
  const h = new Harness();
  h.order({ side: 'Buy', price: '99.00', clOrdId: 'A' });
  assert.deepEqual(summary(h.send({ type: 'OrderStatus', session: S1, clOrdId: 'A' })), ['OrderStatus/New A 0/100']);
  const unknown = execs(h.send({ type: 'OrderStatus', session: S1, clOrdId: 'nope', symbol: 'AAPL', side: 'Buy' }))[0]!;
  assert.equal(unknown.execType, 'OrderStatus');
  assert.equal(unknown.ordStatus, 'Rejected');
  assert.equal(unknown.rejectReason, 'UnknownOrder');
});

test('self-trade prevention: cancel newest, cancel oldest, cancel both, decrement and cancel', () => {
  const setup = (): Harness => {
    const h = new Harness();
    h.order({ side: 'Sell', price: '100.00', orderQty: '10', clOrdId: 'OLD' });
    h.order({ side: 'Sell', price: '100.00', orderQty: '10', clOrdId: 'OTHER', session: S2 });
    return h;
  };
  let h = setup();
  assert.deepEqual(summary(h.order({ side: 'Buy', price: '100.00', orderQty: '15', stpMode: 'CancelNewest', clOrdId: 'NEW' })),
    ['New/New NEW 0/15', 'Canceled/Canceled NEW 0/0 SelfTradePrevention']);
  h = setup();
  assert.deepEqual(summary(h.order({ side: 'Buy', price: '100.00', orderQty: '15', stpMode: 'CancelOldest', clOrdId: 'NEW' })),
    ['New/New NEW 0/15', 'Canceled/Canceled OLD 0/0 SelfTradePrevention', 'Trade/PartiallyFilled NEW 10/5 10@100.00',
      'Trade/Filled OTHER 10/0 10@100.00']);
  h = setup();
  assert.deepEqual(summary(h.order({ side: 'Buy', price: '100.00', orderQty: '15', stpMode: 'CancelBoth', clOrdId: 'NEW' })),
    ['New/New NEW 0/15', 'Canceled/Canceled OLD 0/0 SelfTradePrevention', 'Canceled/Canceled NEW 0/0 SelfTradePrevention']);
  h = setup();
  assert.deepEqual(summary(h.order({ side: 'Buy', price: '100.00', orderQty: '15', stpMode: 'DecrementAndCancel', clOrdId: 'NEW' })),
    ['New/New NEW 0/15', 'Canceled/Canceled OLD 0/0 SelfTradePrevention', 'Restated/New NEW 0/5 SelfTradePrevention',
      'Trade/Filled NEW 5/0 5@100.00', 'Trade/PartiallyFilled OTHER 5/5 5@100.00']);
  assert.equal(h.engine.orderByClOrdId(S1, 'NEW')!.orderQty, '5');
  h = setup();
  assert.deepEqual(tradeSummary(h.order({ side: 'Buy', price: '100.00', orderQty: '15', clOrdId: 'NEW' })),
    ['10@100.00 Buy buy=NEW sell=OLD', '5@100.00 Buy buy=NEW sell=OTHER'], 'account default None allows self-trades');
});

test('STP mode comes from the account default when the order has none', () => {
  const h = new Harness(testConfig((f) => { f.accounts.overrides = { CLIENT1: { stpMode: 'CancelNewest' } }; }));
  h.order({ side: 'Sell', price: '100.00', orderQty: '10' });
  assert.equal(summary(h.order({ side: 'Buy', price: '100.00', orderQty: '10' })).at(-1), 'Canceled/Canceled C2 0/0 SelfTradePrevention');
});

test('crypto quantities are exact in lots of 0.0001', () => {
  const h = new Harness();
  h.order({ side: 'Sell', symbol: 'BTC-USD', price: '60000.00', orderQty: '0.0005', clOrdId: 'S' });
  const evs = h.order({ side: 'Buy', symbol: 'BTC-USD', price: '60000.01', orderQty: '0.0003', session: S2, clOrdId: 'B' });
  assert.deepEqual(tradeSummary(evs), ['0.0003@60000.00 Buy buy=B sell=S']);
  assert.deepEqual(summary(h.order({ side: 'Buy', symbol: 'BTC-USD', price: '60000.00', orderQty: '0.00005', clOrdId: 'X' })),
    ['Rejected/Rejected X 0.0000/0.0000 NotLotMultiple']);
});

test('market-data events never change after they are emitted: a later trade does not show in an earlier event', () => {
  const h = new Harness();
  const quiet = mds(h.order({ side: 'Sell', price: '100.00', orderQty: '10', clOrdId: 'A', session: S2 }))[0]!;
  assert.equal(quiet.trades.length, 0);
  const traded = mds(h.order({ side: 'Buy', price: '100.00', orderQty: '4', clOrdId: 'B' }))[0]!;
  assert.equal(traded.trades.length, 1);
  const next = mds(h.order({ side: 'Buy', price: '100.00', orderQty: '3', clOrdId: 'C' }))[0]!;
  assert.equal(next.trades.length, 1);
  assert.equal(quiet.trades.length, 0, 'the quiet event still has no trades');
  assert.equal(traded.trades.length, 1, 'the first trade event still has one trade');
  assert.equal(traded.trades[0]!.qty, '4');
  assert.equal(next.trades[0]!.qty, '3');
});
