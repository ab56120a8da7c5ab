// Seeded random command streams that exercise every command and order type (for property and replay tests).
import type { Command, NewOrderCommand, OrdType, Side, StpMode, TimeInForce } from '../../src/engine/types.js';

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TimedCommand { cmd: Command; timeMs: number }

const SESSIONS = ['FIX.4.4:FIXGW->C1', 'FIX.4.4:FIXGW->C2', 'FIX.4.4:FIXGW->C3'];
const ACCOUNTS = ['ACC-A', 'ACC-B', undefined];
const STP: StpMode[] = ['None', 'CancelNewest', 'CancelOldest', 'CancelBoth', 'DecrementAndCancel'];

export function randomCommands(seed: number, count: number, startMs = 1_700_000_000_000): TimedCommand[] {
  const rnd = mulberry32(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const clOrdIds: string[][] = SESSIONS.map(() => []);
  let n = 0;
  let timeMs = startMs;
  const out: TimedCommand[] = [];
  const price = (sym: string, near = 0): string => {
    const base = sym === 'AAPL' ? 19_000 : 6_000_000;
    const jump = rnd() < 0.01 ? Math.round(base * 0.04) * (rnd() < 0.5 ? -1 : 1) : 0;
    const ticks = base + near + jump + int(-15, 15);
    return (ticks / 100).toFixed(2);
  };
  const qty = (sym: string): string => sym === 'AAPL' ? String(int(1, 40)) : (int(1, 40) / 10_000).toFixed(4);
  for (let i = 0; i < count; i++) {
    timeMs += int(0, 400);
    const s = int(0, SESSIONS.length - 1);
    const session = SESSIONS[s]!;
    const sym = rnd() < 0.7 ? 'AAPL' : 'BTC-USD';
    const r = rnd();
    let cmd: Command;
    const known = clOrdIds[s]!;
    const ref = (): string => (known.length > 0 && rnd() < 0.95 ? known[Math.max(0, known.length - 1 - int(0, 15))]! : 'unknown-id');
    if (r < 0.62) {
      const side: Side = rnd() < 0.5 ? 'Buy' : 'Sell';
      const t = rnd();
      const ordType: OrdType = t < 0.78 ? 'Limit' : t < 0.86 ? 'Market' : t < 0.93 ? 'Stop' : 'StopLimit';
      const tifs: TimeInForce[] = ['Day', 'Day', 'GTC', 'GTC', 'IOC', 'FOK', 'GTD'];
      const tif: TimeInForce = ordType === 'Market' ? pick(['IOC', 'Day', 'FOK'] as TimeInForce[]) : pick(tifs);
      const clOrdId = `O${++n}`;
      const o: NewOrderCommand = { type: 'NewOrder', session, clOrdId, symbol: sym, side, ordType, timeInForce: tif, orderQty: qty(sym) };
      const acct = pick(ACCOUNTS);
      if (acct !== undefined) o.account = acct;
      if (ordType === 'Limit' || ordType === 'StopLimit') o.price = price(sym, side === 'Buy' ? -5 : 5);
      if (ordType === 'Stop' || ordType === 'StopLimit') o.stopPx = price(sym, side === 'Buy' ? 8 : -8);
      if (tif === 'GTD') o.expireTimeMs = timeMs + int(1, 20_000);
      if (ordType === 'Limit' && (tif === 'Day' || tif === 'GTC') && rnd() < 0.15) o.postOnly = true;
      if (ordType === 'Limit' && (tif === 'Day' || tif === 'GTC') && rnd() < 0.15) o.displayQty = sym === 'AAPL' ? String(int(1, 10)) : '0.0003';
      if (tif === 'IOC' && rnd() < 0.4) o.minQty = sym === 'AAPL' ? String(int(1, 10)) : '0.0002';
      if (rnd() < 0.5) o.stpMode = pick(STP);
      if (rnd() < 0.02) o.price = '100.001';
      known.push(clOrdId);
      cmd = o;
    } else if (r < 0.76) {
      const id = `X${++n}`;
      cmd = { type: 'Cancel', session, clOrdId: id, origClOrdId: ref() };
      known.push(id);
    } else if (r < 0.88) {
      const id = `R${++n}`;
      cmd = { type: 'Replace', session, clOrdId: id, origClOrdId: ref(), orderQty: qty(sym) };
      if (rnd() < 0.6) cmd.price = price(sym);
      known.push(id);
    } else if (r < 0.91) {
      cmd = { type: 'OrderStatus', session, clOrdId: ref() };
    } else if (r < 0.93) {
      cmd = { type: 'MassCancel', session, clOrdId: `M${++n}`, symbol: rnd() < 0.5 ? sym : undefined, side: rnd() < 0.3 ? 'Buy' : undefined };
    } else if (r < 0.95) {
      cmd = rnd() < 0.2 ? { type: 'Halt', symbol: sym } : { type: 'Resume', symbol: sym };
    } else if (r < 0.965) {
      cmd = { type: 'KillSwitch', account: pick(['ACC-A', 'ACC-B', 'C1']), on: rnd() < 0.25 };
    } else if (r < 0.985) {
      cmd = { type: 'ExpireSweep' };
    } else if (r < 0.99) {
      cmd = { type: 'EndOfDay', symbol: rnd() < 0.5 ? sym : undefined };
    } else {
      cmd = { type: 'SessionDisconnected', session, cancelOnDisconnect: rnd() < 0.7 };
    }
    out.push({ cmd, timeMs });
  }
  return out;
}
