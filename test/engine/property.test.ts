// Property tests: random command streams, invariants checked after every command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Engine, engineTables } from '../../src/engine/engine.js';
import { checkEngineInvariants } from '../../src/engine/invariants.js';
import type { EngineEvent, ExecReport } from '../../src/engine/types.js';
import { testConfig } from './harness.js';
import { randomCommands } from './random-commands.js';

const config = testConfig((f) => {
  for (const inst of f.instruments) { inst.circuitBreakerBps = 300; inst.circuitBreakerWindowMs = 10_000; inst.priceBandBps = 1000; }
  f.limits.doneOrdersMax = 200;
  f.accounts.overrides = { 'ACC-A': { maxOpenOrders: 25, maxPositionQty: '400', creditLimit: '100000' } };
});

/** Shadow book built only from market-data deltas: must equal the engine's own snapshot. */
class ShadowBook {
  readonly sides = new Map<string, Map<string, [string, number]>>();
  mdSeq = new Map<string, number>();
  apply(ev: EngineEvent): void {
    if (ev.kind !== 'md') return;
    const prev = this.mdSeq.get(ev.symbol) ?? 0;
    assert.equal(ev.mdSeq, prev + 1, `${ev.symbol} mdSeq gap`);
    this.mdSeq.set(ev.symbol, ev.mdSeq);
    for (const l of ev.levels) {
      const key = `${ev.symbol}/${l.side}`;
      let m = this.sides.get(key);
      if (m === undefined) { m = new Map(); this.sides.set(key, m); }
      if (l.count === 0) m.delete(l.price); else m.set(l.price, [l.qty, l.count]);
    }
  }
  rows(symbol: string, side: 'Buy' | 'Sell'): Array<[string, string, number]> {
    const m = this.sides.get(`${symbol}/${side}`) ?? new Map<string, [string, number]>();
    const rows = [...m.entries()].map(([p, [q, c]]) => [p, q, c] as [string, string, number]);
    rows.sort((a, b) => (side === 'Buy' ? -1 : 1) * (Number(a[0]) - Number(b[0])));
    return rows;
  }
}

function checkEvents(events: EngineEvent[]): void {
  const fills = events.filter((e): e is ExecReport => e.kind === 'exec' && e.execType === 'Trade');
  for (const t of events) {
    if (t.kind !== 'trade') continue;
    const pair = fills.filter((f) => f.tradeId === t.tradeId);
    assert.equal(pair.length, 2, `trade ${t.tradeId} has two execution reports`);
    assert.deepEqual(pair.map((p) => p.lastQty), [t.qty, t.qty], 'quantity conserved across the trade');
    assert.deepEqual(new Set(pair.map((p) => p.side)), new Set(['Buy', 'Sell']));
  }
  for (const e of events) {
    if (e.kind === 'exec' && e.ordStatus !== 'Rejected') {
      const live = e.ordStatus === 'New' || e.ordStatus === 'PartiallyFilled';
      const units = (q: string): bigint => BigInt(q.replace('.', ''));
      if (live) assert.equal(units(e.cumQty) + units(e.leavesQty), units(e.orderQty), 'cum + leaves = qty');
      else assert.equal(e.leavesQty.replace(/[0.]/g, ''), '', 'done orders have no leaves');
    }
  }
}

function runStream(seed: number): void {
  {
    const engine = new Engine(config);
    const shadow = new ShadowBook();
    const cmds = randomCommands(seed, 400);
    cmds.forEach(({ cmd, timeMs }, i) => {
      const events = engine.apply({ seq: i + 1, timeMs, cmd });
      checkEngineInvariants(engine);
      checkEvents(events);
      for (const ev of events) shadow.apply(ev);
      // positions net to zero per instrument: every lot bought was sold by someone
      for (const st of engineTables(engine).states) {
        let net = 0;
        for (const a of engineTables(engine).accounts.values()) net += a.positionLots[st.inst.index]!;
        assert.equal(net, 0, `${st.inst.symbol} positions net to zero`);
      }
    });
    for (const sym of ['AAPL', 'BTC-USD']) {
      const snap = engine.bookSnapshot(sym, 1000)!;
      assert.deepEqual(shadow.rows(sym, 'Buy'), snap.bids, `${sym} bids from deltas = snapshot`);
      assert.deepEqual(shadow.rows(sym, 'Sell'), snap.asks, `${sym} asks from deltas = snapshot`);
      assert.equal(shadow.mdSeq.get(sym) ?? 0, snap.mdSeq);
    }
    // cancel everything: every reservation returns to zero
    let seq = cmds.length;
    const t = cmds.at(-1)!.timeMs;
    for (const session of new Set(cmds.map((c) => (c.cmd as { session?: string }).session).filter((s): s is string => s !== undefined))) {
      engine.apply({ seq: ++seq, timeMs: t, cmd: { type: 'MassCancel', session, clOrdId: `END-${seq}` } });
    }
    checkEngineInvariants(engine);
    for (const a of engineTables(engine).accounts.values()) {
      assert.equal(a.reservedUnits, 0, `${a.name} reserved`);
      assert.equal(a.openOrders, 0);
      assert.ok(a.openBuyLots.every((x) => x === 0) && a.openSellLots.every((x) => x === 0));
    }
    for (const st of engineTables(engine).states) {
      assert.equal(st.book.bids.best, null);
      assert.equal(st.book.asks.best, null);
      assert.equal(st.buyStops.length + st.sellStops.length, 0);
    }
  }
}

test('random command streams keep every invariant after every command', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
    try {
      runStream(seed);
    } catch (err) {
      throw new Error(`seed ${seed}: ${(err as Error).message}`);
    }
  }), { numRuns: 150, includeErrorInReport: true });
});
