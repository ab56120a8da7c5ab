// Why the venue acted on an order by itself: every cancel, expiry and restatement the engine makes without a client
// cancel carries a doneReason (docs/accounts.md maps each to ExecRestatementReason 378 and Text 58), stop elections
// are Restated reports (FIX 4.4 has no ExecType L), and self-trade prevention combines the two orders' modes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, S1, S2, execs, summary, testConfig } from './harness.js';
import { fileURLToPath } from 'node:url';
import { DONE_REASON_FIX, REJECT_FIX_CODES, STP_DECREMENT_RESTATEMENT_REASON, type DoneReason, type EngineEvent } from '../../src/engine/types.js';
import { EXEC_TYPE_OUT } from '../../src/gateway/fix-codes.js';
import { Dictionary } from '../../src/fix/dictionary.js';

const reasons = (evs: EngineEvent[]): string[] =>
  execs(evs).filter((e) => e.doneReason !== null).map((e) => `${e.execType} ${e.clOrdId} ${e.doneReason}`);

test('every cancel, expiry and restatement the venue makes by itself says why', () => {
  const h = new Harness(testConfig((f) => {
    f.instruments[1]!.circuitBreakerBps = 100;
    f.instruments[1]!.circuitBreakerWindowMs = 60_000;
    f.limits.orderBookLevelsMax = 2;
    f.cancelOnDisconnect.default = true;
  }));
  const seen = new Set<DoneReason>();
  const note = (evs: EngineEvent[], expect: string[]): void => {
    assert.deepEqual(reasons(evs), expect);
    for (const e of execs(evs)) if (e.doneReason !== null) seen.add(e.doneReason);
  };
  h.order({ side: 'Buy', price: '99.00', clOrdId: 'A' });
  note(h.send({ type: 'Cancel', session: S1, clOrdId: 'A-X', origClOrdId: 'A' }), ['Canceled A-X ClientCancel']);
  h.order({ side: 'Sell', price: '100.00', orderQty: '10', session: S2, clOrdId: 'ASK' });
  note(h.order({ side: 'Buy', price: '100.00', orderQty: '20', timeInForce: 'IOC', clOrdId: 'IOC' }), ['Canceled IOC IocRemainder']);
  note(h.order({ side: 'Buy', price: '100.00', orderQty: '20', timeInForce: 'FOK', clOrdId: 'FOK' }), ['Canceled FOK FokUnfilled']);
  note(h.order({ side: 'Buy', price: '100.00', orderQty: '20', timeInForce: 'IOC', minQty: '15', clOrdId: 'MIN' }), ['Canceled MIN MinQtyUnfilled']);
  h.order({ side: 'Sell', price: '101.00', orderQty: '10', clOrdId: 'OWN' });
  note(h.order({ side: 'Buy', price: '101.00', orderQty: '5', clOrdId: 'STP', stpMode: 'CancelNewest' }), ['Canceled STP SelfTradePrevention']);
  note(h.order({ side: 'Buy', price: '101.00', orderQty: '5', clOrdId: 'DEC', stpMode: 'DecrementAndCancel' }),
    ['Restated OWN SelfTradePrevention', 'Canceled DEC SelfTradePrevention']);
  // the market buy takes OWN's last 5 and cancels the rest
  note(h.order({ side: 'Buy', ordType: 'Market', orderQty: '50', session: S2, clOrdId: 'MKT' }), ['Canceled MKT MarketProtection']);
  h.order({ side: 'Buy', price: '98.00', clOrdId: 'L1', session: S2 });
  h.order({ side: 'Buy', price: '97.00', clOrdId: 'L2', session: S2 });
  note(h.order({ side: 'Buy', price: '96.00', clOrdId: 'L3', session: S2 }), ['Canceled L3 BookFull']);
  note(h.send({ type: 'MassCancel', session: S2, clOrdId: 'MC', filterSession: S2, symbol: 'AAPL', side: 'Buy' }),
    ['Canceled L1 MassCancel', 'Canceled L2 MassCancel']);
  h.order({ side: 'Buy', price: '90.00', clOrdId: 'KS' });
  note(h.send({ type: 'KillSwitch', account: 'CLIENT1', on: true }), ['Canceled KS KillSwitch']);
  h.send({ type: 'KillSwitch', account: 'CLIENT1', on: false });
  h.order({ side: 'Buy', price: '90.00', clOrdId: 'DISC' });
  note(h.send({ type: 'SessionDisconnected', session: S1 }), ['Canceled DISC SessionDisconnect']);
  h.order({ side: 'Buy', price: '90.00', clOrdId: 'GTD', timeInForce: 'GTD', expireTimeMs: h.timeMs + 10 });
  note(h.send({ type: 'ExpireSweep' }, h.timeMs + 10), ['Expired GTD GtdExpired']);
  h.order({ side: 'Buy', price: '90.00', clOrdId: 'DAY' });
  note(h.send({ type: 'EndOfDay' }), ['Expired DAY EndOfDay']);
  // stop election, then a breaker trip on MSFT
  h.order({ side: 'Sell', price: '100.00', orderQty: '1', session: S2, clOrdId: 'P1' });
  h.order({ side: 'Buy', price: '100.00', orderQty: '1', clOrdId: 'P2' });
  h.order({ side: 'Sell', price: '101.00', orderQty: '5', session: S2, clOrdId: 'P3', timeInForce: 'GTC' });
  note(h.order({ side: 'Buy', ordType: 'Stop', stopPx: '100.00', orderQty: '1', clOrdId: 'STOP', timeInForce: 'Day' }), ['Restated STOP StopTriggered']);
  h.order({ symbol: 'MSFT', side: 'Sell', price: '420.00', orderQty: '1', session: S2 });
  h.order({ symbol: 'MSFT', side: 'Buy', price: '420.00', orderQty: '1' });
  h.order({ symbol: 'MSFT', side: 'Sell', price: '430.00', orderQty: '1', session: S2 });
  note(h.order({ symbol: 'MSFT', side: 'Buy', price: '430.00', orderQty: '1', clOrdId: 'CB' }), ['Canceled CB CircuitBreaker']);
  const all: DoneReason[] = ['ClientCancel', 'IocRemainder', 'FokUnfilled', 'MinQtyUnfilled', 'SelfTradePrevention', 'MassCancel',
    'SessionDisconnect', 'KillSwitch', 'CircuitBreaker', 'MarketProtection', 'GtdExpired', 'EndOfDay', 'BookFull', 'StopTriggered'];
  assert.deepEqual([...seen].sort(), [...all].sort(), 'every reason is reachable and tested');
});

test('a stop election is a Restated report (150=D) with doneReason StopTriggered, then the stop trades', () => {
  const h = new Harness();
  h.order({ side: 'Sell', price: '100.00', orderQty: '1', session: S2, clOrdId: 'A' });
  h.order({ side: 'Sell', price: '100.00', orderQty: '5', session: S2, clOrdId: 'B' });
  h.order({ side: 'Buy', ordType: 'StopLimit', stopPx: '100.00', price: '100.00', orderQty: '2', clOrdId: 'SL' });
  const evs = h.order({ side: 'Buy', price: '100.00', orderQty: '1', clOrdId: 'T' });
  const election = execs(evs).find((e) => e.clOrdId === 'SL' && e.execType !== 'Trade')!;
  assert.deepEqual([election.execType, election.ordStatus, election.doneReason, election.leavesQty], ['Restated', 'New', 'StopTriggered', '2']);
  assert.ok(!execs(evs).some((e) => (e.execType as string) === 'Triggered'), 'no ExecType FIX 4.4 lacks');
});

test('self-trade prevention: the incoming order\'s mode decides; with none, the resting order\'s mode applies', () => {
  const run = (resting: string | undefined, incoming: string | undefined): string[] => {
    const h = new Harness();
    h.order({ side: 'Sell', price: '100.00', orderQty: '10', clOrdId: 'R', ...(resting === undefined ? {} : { stpMode: resting as never }) });
    h.order({ side: 'Sell', price: '100.00', orderQty: '10', clOrdId: 'OTHER', session: S2 });
    return summary(h.order({ side: 'Buy', price: '100.00', orderQty: '4', clOrdId: 'I', ...(incoming === undefined ? {} : { stpMode: incoming as never }) }))
      .filter((s) => !s.startsWith('New/'));
  };
  assert.deepEqual(run(undefined, undefined), ['Trade/Filled I 4/0 4@100.00', 'Trade/PartiallyFilled R 4/6 4@100.00'], 'both None: a self-trade');
  assert.deepEqual(run('CancelNewest', undefined), ['Canceled/Canceled I 0/0 SelfTradePrevention'], 'resting mode, incoming has none');
  assert.deepEqual(run('CancelOldest', undefined),
    ['Canceled/Canceled R 0/0 SelfTradePrevention', 'Trade/Filled I 4/0 4@100.00', 'Trade/PartiallyFilled OTHER 4/6 4@100.00']);
  assert.deepEqual(run('DecrementAndCancel', 'None'), ['Restated/New R 0/6 SelfTradePrevention', 'Canceled/Canceled I 0/0 SelfTradePrevention']);
  assert.deepEqual(run('CancelOldest', 'CancelNewest'), ['Canceled/Canceled I 0/0 SelfTradePrevention'], 'the incoming mode wins');
  assert.deepEqual(run('CancelNewest', 'CancelBoth'), ['Canceled/Canceled R 0/0 SelfTradePrevention', 'Canceled/Canceled I 0/0 SelfTradePrevention']);
  const fok = new Harness();
  fok.order({ side: 'Sell', price: '100.00', orderQty: '10', clOrdId: 'R', stpMode: 'CancelOldest' });
  assert.deepEqual(summary(fok.order({ side: 'Buy', price: '100.00', orderQty: '4', timeInForce: 'FOK', clOrdId: 'F' })).at(-1),
    'Canceled/Canceled F 0/0 FokUnfilled', 'a FOK does not count quantity it may not trade with');
});

test('every code the engine names for FIX is one the FIX 4.4 dictionary lists: ExecType, ExecRestatementReason, OrdRejReason, CxlRejReason', () => {
  const dict = Dictionary.load(fileURLToPath(new URL('../../../fix-specs/FIX44.xml', import.meta.url)));
  const listed = (tag: number, value: number | string): boolean => dict.enumByTag[tag]!.has(String(value));
  for (const [type, code] of Object.entries(EXEC_TYPE_OUT)) assert.ok(listed(150, code), `ExecType ${type} = ${code}`);
  for (const [reason, fix] of Object.entries(DONE_REASON_FIX)) {
    if (fix.execRestatementReason !== null) assert.ok(listed(378, fix.execRestatementReason), `378 for ${reason}`);
    assert.ok(reason === 'ClientCancel' || fix.text !== null, `${reason} has a text`);
  }
  assert.ok(listed(378, STP_DECREMENT_RESTATEMENT_REASON));
  assert.ok(listed(103, REJECT_FIX_CODES.InsufficientBalance.ordRejReason) && listed(102, REJECT_FIX_CODES.InsufficientBalance.cxlRejReason));
});
