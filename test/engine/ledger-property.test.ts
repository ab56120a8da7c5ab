// Property tests of the ledger under random order flow with cash and credit accounts, fees and balance commands:
// after every command, for every asset, the sum over all accounts (the fee account included) equals what was
// configured plus deposits and adjustments minus withdrawals; every reservation and every cash balance is
// non-negative (checkEngineInvariants); positions agree with the trades' cash flows; and replaying the journal, or a
// snapshot plus the rest of the journal, rebuilds the ledger byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Decimal } from 'decimal.js';
import { Engine } from '../../src/engine/engine.js';
import { checkEngineInvariants } from '../../src/engine/invariants.js';
import { eventsDigest } from '../../src/engine/digest.js';
import { exportEngineState, importEngineState, type EngineState } from '../../src/engine/engine-state.js';
import { replayDataDir } from '../../src/engine/data-dir.js';
import type { EngineConfig } from '../../src/engine/config.js';
import type { BalanceEvent, EngineEvent, ExecReport, TradeEvent } from '../../src/engine/types.js';
import { ledgerCommands, ledgerConfig } from './ledger-commands.js';
import { runLive, tempDataDir } from './data-dir-support.js';

const config = ledgerConfig();

/** Exact units of a decimal string in an asset of `decimals` places. */
const unitsOf = (text: string, decimals: number): bigint => BigInt(new Decimal(text).mul(new Decimal(10).pow(decimals)).toFixed(0));

/** Σ over accounts of available + reserved, per asset, in units. */
function totals(engine: Engine, cfg: EngineConfig): Map<string, bigint> {
  const sums = new Map<string, bigint>(cfg.assets.map((a) => [a.name, 0n]));
  for (const name of engine.accountNames()) {
    for (const b of engine.balances(name)!) {
      const d = cfg.assetByName.get(b.asset)!.step.scale;
      sums.set(b.asset, sums.get(b.asset)! + unitsOf(b.available, d) + unitsOf(b.reserved, d));
    }
  }
  return sums;
}

/** Tracks what the events say must hold: external flows per asset, trade cash flows per account and instrument. */
class Books {
  readonly flows = new Map<string, bigint>();
  /** account/symbol → Σ sell values − Σ buy values, in quote units. */
  readonly tradeCash = new Map<string, bigint>();

  constructor(private readonly cfg: EngineConfig) {}

  apply(ev: EngineEvent): void {
    if (ev.kind === 'balance') this.balance(ev);
    else if (ev.kind === 'trade') this.trade(ev);
    else if (ev.kind === 'exec') this.exec(ev);
  }

  private balance(ev: BalanceEvent): void {
    if (!ev.ok || ev.duplicate) return;
    const d = this.cfg.assetByName.get(ev.asset)!.step.scale;
    const units = unitsOf(ev.amount, d) * (ev.command === 'Withdraw' ? -1n : 1n);
    this.flows.set(ev.asset, (this.flows.get(ev.asset) ?? 0n) + units);
  }

  private trade(t: TradeEvent): void {
    const inst = this.cfg.instrumentBySymbol.get(t.symbol)!;
    const value = unitsOf(new Decimal(t.price).mul(t.qty).toFixed(), inst.quote.step.scale);
    const add = (key: string, v: bigint): void => { this.tradeCash.set(key, (this.tradeCash.get(key) ?? 0n) + v); };
    add(`${t.buyAccount}/${t.symbol}`, -value);
    add(`${t.sellAccount}/${t.symbol}`, value);
  }

  private exec(e: ExecReport): void {
    if (e.execType === 'Canceled' || e.execType === 'Expired' || e.execType === 'Restated') {
      assert.ok(e.doneReason !== null, `${e.execType} of ${e.clOrdId} says why`);
    }
    if (e.execType === 'Trade') assert.ok(e.commission !== null && e.commissionAsset === this.cfg.instrumentBySymbol.get(e.symbol)!.quote.name);
  }
}

function checkAfterCommand(engine: Engine, books: Books, genesis: Map<string, bigint>): void {
  checkEngineInvariants(engine);
  for (const [asset, sum] of totals(engine, config)) {
    assert.equal(sum, genesis.get(asset)! + (books.flows.get(asset) ?? 0n), `${asset}: the sum over all accounts moves only by deposits and withdrawals`);
  }
  for (const name of engine.accountNames()) {
    for (const p of engine.positions(name)!) {
      const d = config.instrumentBySymbol.get(p.symbol)!.quote.step.scale;
      const signedCost = (p.netQty.startsWith('-') ? -1n : 1n) * unitsOf(p.cost, d);
      assert.equal(unitsOf(p.realizedPnl, d) - signedCost, books.tradeCash.get(`${name}/${p.symbol}`) ?? 0n,
        `${name} ${p.symbol}: sells − buys = realized − cost (long) or + cost (short)`);
    }
  }
}

test('conservation, non-negative reservations and cash balances, and positions hold after every command of random flows', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
    const engine = new Engine(config);
    const genesis = totals(engine, config);
    const books = new Books(config);
    ledgerCommands(seed, 400).forEach(({ cmd, timeMs }, i) => {
      for (const ev of engine.apply({ seq: i + 1, timeMs, cmd })) books.apply(ev);
      try {
        checkAfterCommand(engine, books, genesis);
      } catch (err) {
        throw new Error(`seed ${seed} command ${i + 1} ${JSON.stringify(cmd)}: ${(err as Error).message}`);
      }
    });
  }), { numRuns: 100 });
});

test('a snapshot at any point plus the rest of the stream rebuilds the ledger and the events exactly', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 450 }), (seed, cut) => {
    const commands = ledgerCommands(seed, 400);
    const straight = new Engine(config);
    const straightTail = eventsDigest();
    commands.forEach(({ cmd, timeMs }, i) => {
      const events = straight.apply({ seq: i + 1, timeMs, cmd });
      if (i >= cut) straightTail.add({ seq: i + 1, timeMs, cmd }, events);
    });
    const first = new Engine(config);
    commands.slice(0, cut).forEach(({ cmd, timeMs }, i) => first.apply({ seq: i + 1, timeMs, cmd }));
    const restored = importEngineState(config, JSON.parse(JSON.stringify(exportEngineState(first))) as EngineState);
    assert.equal(JSON.stringify(exportEngineState(restored)), JSON.stringify(exportEngineState(first)), 'export → import is lossless');
    const tail = eventsDigest();
    commands.slice(cut).forEach(({ cmd, timeMs }, k) => {
      const sc = { seq: cut + k + 1, timeMs, cmd };
      tail.add(sc, restored.apply(sc));
    });
    assert.equal(tail.hex(), straightTail.hex(), `seed ${seed} cut ${cut}: tail events differ`);
    assert.equal(JSON.stringify(exportEngineState(restored).ledger), JSON.stringify(exportEngineState(straight).ledger), `seed ${seed} cut ${cut}: ledger differs`);
    const names = straight.accountNames();
    assert.deepEqual(names.map((n) => [straight.balances(n), straight.positions(n), straight.accountFills(n, 100)]),
      names.map((n) => [restored.balances(n), restored.positions(n), restored.accountFills(n, 100)]), 'the reads agree');
  }), { numRuns: 60 });
});

test('replaying the journal, from the start or from a snapshot, rebuilds balances byte for byte', async () => {
  for (const seed of [7, 1234, 99_991]) {
    const commands = ledgerCommands(seed, 1200);
    const dir = tempDataDir('ledger');
    const live = await runLive(dir, config, commands, { snapshotAfter: 700 });
    assert.ok(live.state.ledger!.refIds.length > 0 && live.state.ledger!.fills.length > 0, 'the stream moved money');
    const full = replayDataDir(dir, config, { useSnapshot: false });
    const fromSnapshot = replayDataDir(dir, config);
    assert.equal(fromSnapshot.snapshotSeq, live.snapshotSeq);
    for (const r of [full, fromSnapshot]) {
      assert.equal(JSON.stringify(exportEngineState(r.engine).ledger), JSON.stringify(live.state.ledger), `seed ${seed}: ledger`);
      assert.deepEqual(exportEngineState(r.engine), live.state, `seed ${seed}: whole state`);
    }
  }
});
