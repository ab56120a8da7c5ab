// The REST order entry station over the engine's Sequencer on an in-memory log: each request is answered from its own
// command's events while other submitters (FIX order entry's positive refs, commands without a ref) share the log; a
// full log, a full station and a failed log are answered as such, and nothing in flight is left without an answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine, MemoryCommandLog, MemoryLogStream, Sequencer } from '../../src/engine/index.js';
import { RestEntry, restSessionOf } from '../../src/gateway/rest-entry.js';
import { defaultEngineConfig } from '../support/served.js';

const order = (clOrdId: string, side: 'Buy' | 'Sell', price: string) => ({ clOrdId, symbol: 'IBM', side, ordType: 'Limit' as const, price, orderQty: '10' });

test('each request is answered from its own command, among other submitters\' commands', async () => {
  const engine = new Engine(defaultEngineConfig());
  const sequencer = new Sequencer(engine, { log: new MemoryCommandLog() });
  const entry = new RestEntry({ sequencer, engine, pendingMax: 100, timeoutMs: 10_000 });
  const seen: Array<number | undefined> = [];
  sequencer.onEvents((_sc, _events, ref) => seen.push(ref));
  try {
    // a FIX-like submitter with refs 1, 2 and a timer's command without one, in the same batch
    sequencer.submit({ type: 'NewOrder', session: 'FIX.4.4:FIXGW->F1', clOrdId: 'F1', symbol: 'IBM', side: 'Sell', ordType: 'Limit', price: '180.00', orderQty: '10' }, { ref: 1 });
    const buy = entry.place('ACME', order('r1', 'Buy', '180.00'));
    sequencer.submit({ type: 'ExpireSweep' });
    const sell = entry.place('ACME', order('r2', 'Sell', '181.00'));
    sequencer.submit({ type: 'NewOrder', session: 'FIX.4.4:FIXGW->F1', clOrdId: 'F2', symbol: 'IBM', side: 'Buy', ordType: 'Limit', price: '181.00', orderQty: '4' }, { ref: 2 });
    const [b, s] = await Promise.all([buy, sell]);
    assert.equal(b.kind, 'applied');
    assert.equal(s.kind, 'applied');
    if (b.kind !== 'applied' || s.kind !== 'applied') return;
    assert.deepEqual(b.execs.map((e) => [e.clOrdId, e.execType, e.session]), [['r1', 'New', restSessionOf('ACME')], ['r1', 'Trade', restSessionOf('ACME')]],
      'its own reports only, not the FIX counterparty\'s');
    assert.deepEqual(s.execs.map((e) => [e.clOrdId, e.execType, e.ordStatus]), [['r2', 'New', 'New']], 'the later trade is not part of its answer');
    assert.equal(seen.filter((r) => r !== undefined && r < 0).length, 2, 'REST refs are negative, apart from FIX order entry\'s');
    assert.equal(engine.orderByClOrdId(restSessionOf('ACME'), 'r1')?.account, 'ACME');
    const again = await entry.place('ACME', order('r1', 'Buy', '180.00'));
    assert.equal(again.kind, 'known');
    assert.equal(entry.pendingCount, 0);
  } finally {
    entry.close();
    await sequencer.close();
  }
});

test('a full log, a full station and a failed log are answered as such; no request is left unanswered', async () => {
  const engine = new Engine(defaultEngineConfig());
  const stream = new MemoryLogStream({ ack: 'async' });
  const sequencer = new Sequencer(engine, { log: stream.open(), pendingCommandsMax: 2 });
  const entry = new RestEntry({ sequencer, engine, pendingMax: 3, timeoutMs: 10_000 });
  try {
    const first = [entry.place('ACME', order('a', 'Buy', '1.00')), entry.place('ACME', order('b', 'Buy', '1.00'))];
    assert.deepEqual(await entry.place('ACME', order('c', 'Buy', '1.00')), { kind: 'unavailable', reason: 'overloaded', text: 'gateway overloaded, try again later' });
    assert.deepEqual((await Promise.all(first)).map((r) => r.kind), ['applied', 'applied']);
    assert.equal((await entry.place('ACME', order('c', 'Buy', '1.00'))).kind, 'applied', 'a refused submit leaves nothing in flight: the retry is entered');

    const small = new RestEntry({ sequencer, engine, pendingMax: 1, timeoutMs: 10_000 });
    const inFlight = small.place('ACME', order('d', 'Buy', '1.00'));
    assert.equal((await small.place('ACME', order('e', 'Buy', '1.00'))).kind, 'unavailable');
    await inFlight;
    small.close();

    // the log fails with a request in flight: it is answered 'stopped', and so is everything after
    const waiting = entry.place('ACME', order('f', 'Buy', '1.00'));
    stream.failAppends(new Error('disk full'));
    const r = await waiting;
    assert.deepEqual(r.kind === 'unavailable' ? [r.reason, r.text] : r, ['stopped', 'order entry stopped: disk full']);
    assert.deepEqual(await entry.cancel('ACME', { clientOrderId: 'a' }), { kind: 'unavailable', reason: 'stopped', text: 'order entry is not available' });
    assert.equal(entry.pendingCount, 0);
  } finally {
    entry.close();
    await sequencer.close().catch(() => undefined);
  }
});
