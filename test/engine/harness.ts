// Test harness: the real engine driven with explicit seq/time, plus helpers to pick events.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildEngineConfig, type EngineConfig, type EngineConfigFile } from '../../src/engine/config.js';
import { Engine } from '../../src/engine/engine.js';
import { checkEngineInvariants } from '../../src/engine/invariants.js';
import { testEngineConfigPath } from '../support/test-engine-config.js';
import type { Command, EngineEvent, ExecReport, NewOrderCommand, TradeEvent, MarketDataEvent, CancelReject } from '../../src/engine/types.js';

export const CONFIG_PATH = testEngineConfigPath();

/** The default config file as an object (a fresh copy each call). */
export function defaultConfigFile(): EngineConfigFile {
  return JSON.parse(readFileSync(CONFIG_PATH, 'utf8')) as EngineConfigFile;
}

/** Default config with changes applied to the parsed file. */
export function testConfig(edit?: (f: EngineConfigFile) => void): EngineConfig {
  const f = defaultConfigFile();
  edit?.(f);
  return buildEngineConfig(f, 'test config');
}

export const S1 = 'FIX.4.4:FIXGW->CLIENT1';
export const S2 = 'FIX.4.4:FIXGW->CLIENT2';

export class Harness {
  readonly engine: Engine;
  timeMs = 1_700_000_000_000;
  private n = 0;
  constructor(config: EngineConfig = testConfig(), readonly checkInvariants = true) {
    this.engine = new Engine(config);
  }

  send(cmd: Command, timeMs = this.timeMs): EngineEvent[] {
    const events = this.engine.apply({ seq: this.engine.lastSeq + 1, timeMs, cmd });
    if (this.checkInvariants) checkEngineInvariants(this.engine);
    return events;
  }

  /** Sends a limit/any order with defaults: AAPL, Limit, Day, session S1. */
  order(o: Partial<NewOrderCommand> & { side: 'Buy' | 'Sell' }): EngineEvent[] {
    const cmd: NewOrderCommand = {
      type: 'NewOrder', session: S1, clOrdId: `C${++this.n}`, symbol: 'AAPL', ordType: 'Limit', timeInForce: 'Day', orderQty: '100', ...o,
    };
    return this.send(cmd);
  }
}

export const execs = (evs: EngineEvent[]): ExecReport[] => evs.filter((e): e is ExecReport => e.kind === 'exec');
export const trades = (evs: EngineEvent[]): TradeEvent[] => evs.filter((e): e is TradeEvent => e.kind === 'trade');
/** Level deltas of the command's first market-data event as plain objects (events format decimals lazily). */
export const mdLevels = (evs: EngineEvent[], i = 0): Array<{ side: string; price: string; qty: string; count: number }> =>
  JSON.parse(JSON.stringify(mds(evs)[i]!.levels)) as Array<{ side: string; price: string; qty: string; count: number }>;
export const mds = (evs: EngineEvent[]): MarketDataEvent[] => evs.filter((e): e is MarketDataEvent => e.kind === 'md');
export const cxlRejects = (evs: EngineEvent[]): CancelReject[] => evs.filter((e): e is CancelReject => e.kind === 'cancelReject');
/** Compact exec summary: "execType/ordStatus clOrdId cum/leaves [last@px]". */
export const summary = (evs: EngineEvent[]): string[] => execs(evs).map((e) =>
  `${e.execType}/${e.ordStatus} ${e.clOrdId} ${e.cumQty}/${e.leavesQty}${e.lastQty !== null ? ` ${e.lastQty}@${e.lastPx}` : ''}${e.rejectReason ? ` ${e.rejectReason}` : ''}${e.doneReason ? ` ${e.doneReason}` : ''}`);
export const tradeSummary = (evs: EngineEvent[]): string[] => trades(evs).map((t) =>
  `${t.qty}@${t.price} ${t.aggressorSide} buy=${t.buyClOrdId} sell=${t.sellClOrdId}`);
