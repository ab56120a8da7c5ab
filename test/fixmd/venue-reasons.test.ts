// Why the venue acted, as a FIX 4.4 client reads it: every cancel, expiry and restatement the engine makes without a
// client cancel goes out with ExecRestatementReason(378) and/or Text(58) per docs/fix-market-data.md ("Venue cancels
// and restatements"), a stop election is ExecType D (never L), and every report is valid against the FIX 4.4
// dictionary. The events come from the real engine, driven through each reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, S1, S2, execs, testConfig } from '../engine/harness.js';
import type { EngineEvent, ExecReport } from '../../src/engine/types.js';
import { executionReport } from '../../src/gateway/reports.js';
import { encodeMessage } from '../../src/fix/encode.js';
import { parseMessage, type FixMessage } from '../../src/fix/message.js';
import { validateMessage } from '../../src/fix/validate.js';
import { fix44 } from '../fix/wire.js';

/** ExecType(150), ExecRestatementReason(378), Text(58) a client sees, per reason (the documented table). */
const EXPECTED: Record<string, [string, string | undefined, string | undefined]> = {
  'Canceled ClientCancel': ['4', undefined, undefined],
  'Canceled IocRemainder': ['4', undefined, 'IOC: remainder canceled'],
  'Canceled FokUnfilled': ['4', undefined, 'FOK: could not fill in full'],
  'Canceled MinQtyUnfilled': ['4', undefined, 'MinQty: could not fill on arrival'],
  'Canceled MassCancel': ['4', undefined, 'mass cancel'],
  'Canceled SelfTradePrevention': ['4', '8', 'self-trade prevention'],
  'Restated SelfTradePrevention': ['D', '5', 'self-trade prevention'],
  'Canceled SessionDisconnect': ['4', '99', 'cancel on disconnect'],
  'Canceled KillSwitch': ['4', '8', 'kill switch'],
  'Canceled CircuitBreaker': ['4', '6', 'circuit breaker: trading halted'],
  'Canceled MarketProtection': ['4', '8', 'market order: no more liquidity within the protection limit'],
  'Canceled BookFull': ['4', '8', 'book full: no more price levels on this side'],
  'Expired GtdExpired': ['C', undefined, 'GTD: expire time reached'],
  'Expired EndOfDay': ['C', undefined, 'end of day: Day order expired'],
  'Restated StopTriggered': ['D', '99', 'stop triggered'],
};

/** The engine through every reason (the flow of test/engine/venue-reasons.test.ts). */
function everyReason(): ExecReport[] {
  const h = new Harness(testConfig((f) => {
    f.instruments[1]!.circuitBreakerBps = 100;
    f.instruments[1]!.circuitBreakerWindowMs = 60_000;
    f.limits.orderBookLevelsMax = 2;
    f.cancelOnDisconnect.default = true;
  }));
  const out: EngineEvent[] = [];
  const go = (evs: EngineEvent[]) => { out.push(...evs); };
  go(h.order({ side: 'Buy', price: '99.00', clOrdId: 'A' }));
  go(h.send({ type: 'Cancel', session: S1, clOrdId: 'A-X', origClOrdId: 'A' }));
  go(h.order({ side: 'Sell', price: '100.00', orderQty: '10', session: S2, clOrdId: 'ASK' }));
  go(h.order({ side: 'Buy', price: '100.00', orderQty: '20', timeInForce: 'IOC', clOrdId: 'IOC' }));
  go(h.order({ side: 'Buy', price: '100.00', orderQty: '20', timeInForce: 'FOK', clOrdId: 'FOK' }));
  go(h.order({ side: 'Buy', price: '100.00', orderQty: '20', timeInForce: 'IOC', minQty: '15', clOrdId: 'MIN' }));
  go(h.order({ side: 'Sell', price: '101.00', orderQty: '10', clOrdId: 'OWN' }));
  go(h.order({ side: 'Buy', price: '101.00', orderQty: '5', clOrdId: 'STP', stpMode: 'CancelNewest' }));
  go(h.order({ side: 'Buy', price: '101.00', orderQty: '5', clOrdId: 'DEC', stpMode: 'DecrementAndCancel' }));
  go(h.order({ side: 'Buy', ordType: 'Market', orderQty: '50', session: S2, clOrdId: 'MKT' }));
  go(h.order({ side: 'Buy', price: '98.00', clOrdId: 'L1', session: S2 }));
  go(h.order({ side: 'Buy', price: '97.00', clOrdId: 'L2', session: S2 }));
  go(h.order({ side: 'Buy', price: '96.00', clOrdId: 'L3', session: S2 }));
  go(h.send({ type: 'MassCancel', session: S2, clOrdId: 'MC', filterSession: S2, symbol: 'AAPL', side: 'Buy' }));
  go(h.order({ side: 'Buy', price: '90.00', clOrdId: 'KS' }));
  go(h.send({ type: 'KillSwitch', account: 'CLIENT1', on: true }));
  go(h.send({ type: 'KillSwitch', account: 'CLIENT1', on: false }));
  go(h.order({ side: 'Buy', price: '90.00', clOrdId: 'DISC' }));
  go(h.send({ type: 'SessionDisconnected', session: S1 }));
  go(h.order({ side: 'Buy', price: '90.00', clOrdId: 'GTD', timeInForce: 'GTD', expireTimeMs: h.timeMs + 10 }));
  go(h.send({ type: 'ExpireSweep' }, h.timeMs + 10));
  go(h.order({ side: 'Buy', price: '90.00', clOrdId: 'DAY' }));
  go(h.send({ type: 'EndOfDay' }));
  go(h.order({ side: 'Sell', price: '100.00', orderQty: '1', session: S2, clOrdId: 'P1' }));
  go(h.order({ side: 'Buy', price: '100.00', orderQty: '1', clOrdId: 'P2' }));
  go(h.order({ side: 'Sell', price: '101.00', orderQty: '5', session: S2, clOrdId: 'P3', timeInForce: 'GTC' }));
  go(h.order({ side: 'Buy', ordType: 'Stop', stopPx: '100.00', orderQty: '1', clOrdId: 'STOP', timeInForce: 'Day' }));
  go(h.order({ symbol: 'MSFT', side: 'Sell', price: '420.00', orderQty: '1', session: S2 }));
  go(h.order({ symbol: 'MSFT', side: 'Buy', price: '420.00', orderQty: '1' }));
  go(h.order({ symbol: 'MSFT', side: 'Sell', price: '430.00', orderQty: '1', session: S2 }));
  go(h.order({ symbol: 'MSFT', side: 'Buy', price: '430.00', orderQty: '1', clOrdId: 'CB' }));
  return execs(out);
}

function asClientSees(ev: ExecReport): FixMessage {
  const bytes = encodeMessage('FIX.4.4', '8', [[34, '2'], [49, 'FIXGW'], [52, '20240101-00:00:00.000'], [56, 'CLIENT1']],
    executionReport(ev, undefined, fix44()));
  const msg = parseMessage(bytes);
  assert.ok(!('garbled' in msg));
  return msg as FixMessage;
}

test('every venue cancel, expiry and restatement carries 378 and/or 58 as documented, and is valid FIX 4.4', () => {
  const seen = new Set<string>();
  for (const ev of everyReason()) {
    const msg = asClientSees(ev);
    assert.equal(validateMessage(msg, fix44()), null, `${ev.clOrdId} ${ev.execType}: ${msg.toString()}`);
    assert.notEqual(msg.get(150), 'L');
    if (ev.doneReason === null) continue;
    const key = `${ev.execType} ${ev.doneReason}`;
    const expected = EXPECTED[key];
    assert.ok(expected !== undefined, `no documented row for ${key}`);
    assert.deepEqual([msg.get(150), msg.get(378), msg.get(58)], expected, key);
    seen.add(key);
  }
  assert.deepEqual([...seen].sort(), Object.keys(EXPECTED).sort(), 'every documented row was reached');
});

test('a stop election is ExecType D with 378=99, its OrdStatus unchanged, and no other Restated report uses 99', () => {
  const reports = everyReason().filter((e) => e.execType === 'Restated').map(asClientSees);
  const elections = reports.filter((m) => m.get(378) === '99');
  assert.deepEqual(elections.map((m) => [m.get(11), m.get(150), m.get(39), m.get(58)]), [['STOP', 'D', '0', 'stop triggered']]);
});

test('a client-requested cancel carries neither 378 nor 58', () => {
  const cancel = everyReason().find((e) => e.clOrdId === 'A-X')!;
  const msg = asClientSees(cancel);
  assert.deepEqual([msg.get(150), msg.has(378), msg.has(58)], ['4', false, false]);
});
