// Accounts that hold money: cash accounts reserve what an order could spend, trades settle both sides and the fees
// exactly (checked against decimal.js), positions keep cost and realized P&L, balance commands are idempotent, and
// every way an order ends gives its reservation back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { Harness, S1, S2, execs, summary, testConfig } from './harness.js';
import { REJECT_FIX_CODES, type BalanceEvent, type Command, type EngineEvent } from '../../src/engine/types.js';

const ALICE = 'FIX.4.4:FIXGW->ALICE';
const BOB = 'FIX.4.4:FIXGW->BOB';

/** ALICE (cash) holds dollars, BOB (cash) holds coins and shares; BTC-USD fees 2 bp maker, 5 bp taker. */
function cashHarness(edit?: Parameters<typeof testConfig>[0]): Harness {
  return new Harness(testConfig((f) => {
    f.accounts.overrides = {
      ALICE: { mode: 'cash', balances: { USD: '100000' } },
      BOB: { mode: 'cash', balances: { BTC: '2', AAPL: '500' } },
    };
    edit?.(f);
  }));
}

const balance = (h: Harness, account: string, asset: string): { available: string; reserved: string } => {
  const b = h.engine.balances(account)!.find((x) => x.asset === asset)!;
  return { available: b.available, reserved: b.reserved };
};
const D = (s: string): Decimal => new Decimal(s);
/** A fee as the engine charges it: the exact product rounded up to the quote asset's 6 decimals. */
const feeOf = (value: Decimal, rate: string): Decimal => value.mul(rate).toDecimalPlaces(6, Decimal.ROUND_UP);
const usd = (d: Decimal): string => d.toFixed(6);
const balanceEvent = (evs: EngineEvent[]): BalanceEvent => evs.find((e): e is BalanceEvent => e.kind === 'balance')!;

test('a cash buy and a cash sell settle exactly with maker and taker fees, as decimal.js computes them', () => {
  const h = cashHarness();
  h.order({ session: BOB, symbol: 'BTC-USD', side: 'Sell', price: '60000.01', orderQty: '0.5', clOrdId: 'ASK' });
  assert.deepEqual(balance(h, 'BOB', 'BTC'), { available: '1.50000000', reserved: '0.50000000' }, 'a sell reserves its quantity');
  const evs = h.order({ session: ALICE, symbol: 'BTC-USD', side: 'Buy', price: '60010.00', orderQty: '0.5', clOrdId: 'BID' });
  const value = D('60000.01').mul('0.5');
  const takerFee = feeOf(value, '0.0005');
  const makerFee = feeOf(value, '0.0002');
  assert.equal(usd(takerFee), '15.000003', 'rounded up from 15.0000025');
  assert.deepEqual(balance(h, 'ALICE', 'USD'), { available: usd(D('100000').minus(value).minus(takerFee)), reserved: '0.000000' });
  assert.deepEqual(balance(h, 'ALICE', 'BTC'), { available: '0.50000000', reserved: '0.00000000' });
  assert.deepEqual(balance(h, 'BOB', 'USD'), { available: usd(value.minus(makerFee)), reserved: '0.000000' });
  assert.deepEqual(balance(h, 'BOB', 'BTC'), { available: '1.50000000', reserved: '0.00000000' });
  assert.deepEqual(balance(h, 'FEES', 'USD'), { available: usd(takerFee.plus(makerFee)), reserved: '0.000000' });
  const fills = execs(evs).filter((e) => e.execType === 'Trade');
  assert.deepEqual(fills.map((e) => [e.clOrdId, e.liquidity, e.commission, e.commissionAsset]),
    [['BID', 'Removed', usd(takerFee), 'USD'], ['ASK', 'Added', usd(makerFee), 'USD']]);
  assert.deepEqual(h.engine.orderFills(fills[0]!.orderId)!.map((f) => [f.price, f.qty, f.commission, f.liquidity]),
    [['60000.01', '0.5000', usd(takerFee), 'Removed']]);
});

test('partial fills at several prices: every fill charges its own fee and the rest of the reservation stays held', () => {
  const h = cashHarness();
  h.order({ session: BOB, symbol: 'BTC-USD', side: 'Sell', price: '60000.00', orderQty: '0.3', clOrdId: 'A1' });
  h.order({ session: BOB, symbol: 'BTC-USD', side: 'Sell', price: '60005.55', orderQty: '0.2001', clOrdId: 'A2' });
  h.order({ session: ALICE, symbol: 'BTC-USD', side: 'Buy', price: '60010.00', orderQty: '1', clOrdId: 'B' });
  const v1 = D('60000.00').mul('0.3');
  const v2 = D('60005.55').mul('0.2001');
  const spent = v1.plus(v2).plus(feeOf(v1, '0.0005')).plus(feeOf(v2, '0.0005'));
  // the resting 0.4999 holds, per lot of 0.0001, its value at 60010.00 and that value's fee rounded up to a unit
  const perLot = D('60010.00').mul('0.0001');
  const held = perLot.plus(feeOf(perLot, '0.0005')).mul(4999);
  assert.deepEqual(balance(h, 'ALICE', 'USD'), { available: usd(D('100000').minus(spent).minus(held)), reserved: usd(held) });
  h.send({ type: 'Cancel', session: ALICE, clOrdId: 'B-X', origClOrdId: 'B' });
  assert.deepEqual(balance(h, 'ALICE', 'USD'), { available: usd(D('100000').minus(spent)), reserved: '0.000000' }, 'cancel releases the rest');
  assert.deepEqual(balance(h, 'ALICE', 'BTC').available, '0.50010000');
});

test('an order the cash account cannot cover is rejected with exactly what it needs and has', () => {
  const h = new Harness(testConfig((f) => {
    f.instruments[0]!.takerFeeRate = '0.015';
    f.instruments[0]!.makerFeeRate = '0.001';
    f.accounts.overrides = { CAROL: { mode: 'cash', balances: { USD: '9000' } } };
  }));
  const e = execs(h.order({ account: 'CAROL', side: 'Buy', price: '100.00', orderQty: '100' }))[0]!;
  assert.equal(e.execType, 'Rejected');
  assert.equal(e.rejectReason, 'InsufficientBalance');
  assert.equal(e.fixOrdRejReason, REJECT_FIX_CODES.InsufficientBalance.ordRejReason);
  assert.equal(e.text, 'insufficient USD: need 10,150.00, available 9,000.00');
  const sell = execs(h.order({ account: 'CAROL', side: 'Sell', price: '100.00', orderQty: '1' }))[0]!;
  assert.equal(sell.text, 'insufficient AAPL: need 1, available 0');
  assert.ok(summary(h.order({ account: 'CAROL', side: 'Buy', price: '100.00', orderQty: '88' }))[0]!.startsWith('New/New'), '8,932.00 fits');
  assert.deepEqual(balance(h, 'CAROL', 'USD'), { available: '68.000000', reserved: '8932.000000' });
  const second = execs(h.order({ account: 'CAROL', side: 'Buy', price: '100.00', orderQty: '1' }))[0]!;
  assert.equal(second.text, 'insufficient USD: need 101.50, available 68.00', 'what open orders hold is not available');
});

test('a market buy reserves at its protection limit; what it did not spend comes back', () => {
  const h = cashHarness((f) => { f.instruments[0]!.marketProtectionBps = 500; });
  h.order({ session: BOB, side: 'Sell', price: '100.00', orderQty: '10', clOrdId: 'A' });
  const tooBig = execs(h.order({ session: ALICE, side: 'Buy', ordType: 'Market', timeInForce: 'IOC', orderQty: '1000' }))[0]!;
  assert.equal(tooBig.text, 'insufficient USD: need 105,000.00, available 100,000.00', 'reserved at 105.00 = 100.00 + 5 %');
  const evs = h.order({ session: ALICE, side: 'Buy', ordType: 'Market', timeInForce: 'IOC', orderQty: '50', clOrdId: 'M' });
  assert.deepEqual(summary(evs).at(-1), 'Canceled/Canceled M 10/0 MarketProtection');
  assert.deepEqual(balance(h, 'ALICE', 'USD'), { available: '99000.000000', reserved: '0.000000' });
  assert.deepEqual(balance(h, 'ALICE', 'AAPL'), { available: '10', reserved: '0' });
});

/** Every way an order ends (or shrinks) gives back exactly what it held. */
test('reservations are released on cancel, IOC remainder, GTD expiry, end of day, mass cancel, kill switch, disconnect and FOK', () => {
  const h = cashHarness((f) => { f.cancelOnDisconnect.default = true; });
  const free = (what: string): void => {
    assert.deepEqual(balance(h, 'ALICE', 'USD'), { available: '100000.000000', reserved: '0.000000' }, what);
    assert.deepEqual(balance(h, 'BOB', 'AAPL'), { available: '500', reserved: '0' }, what);
  };
  const rest = (tif: 'Day' | 'GTC' | 'GTD' = 'Day'): void => {
    const gtd = tif === 'GTD' ? { expireTimeMs: h.timeMs + 1000 } : {};
    h.order({ session: ALICE, side: 'Buy', price: '99.00', orderQty: '100', timeInForce: tif, ...gtd });
    h.order({ session: BOB, side: 'Sell', price: '101.00', orderQty: '100', timeInForce: tif, ...gtd });
    assert.equal(balance(h, 'ALICE', 'USD').reserved, '9900.000000');
    assert.equal(balance(h, 'BOB', 'AAPL').reserved, '100');
  };
  rest();
  h.send({ type: 'MassCancel', session: ALICE, clOrdId: 'MC1' });
  h.send({ type: 'MassCancel', session: BOB, clOrdId: 'MC2' });
  free('mass cancel');
  rest();
  h.send({ type: 'EndOfDay' });
  free('end of day');
  rest('GTD');
  h.send({ type: 'ExpireSweep' }, h.timeMs + 1000);
  free('GTD expiry');
  rest('GTC');
  h.send({ type: 'KillSwitch', account: 'ALICE', on: true });
  h.send({ type: 'KillSwitch', account: 'ALICE', on: false });
  h.send({ type: 'SessionDisconnected', session: BOB });
  free('kill switch, cancel on disconnect');
  h.order({ session: ALICE, side: 'Buy', price: '99.00', orderQty: '100', timeInForce: 'IOC' });
  h.order({ session: BOB, side: 'Sell', price: '101.00', orderQty: '100', timeInForce: 'FOK' });
  h.order({ session: ALICE, side: 'Buy', price: '99.00', orderQty: '100', timeInForce: 'IOC', minQty: '5' });
  free('IOC with nothing to trade, FOK, minQty');
  h.order({ session: ALICE, side: 'Buy', price: '99.00', orderQty: '100', clOrdId: 'C' });
  h.send({ type: 'Cancel', session: ALICE, clOrdId: 'C-X', origClOrdId: 'C' });
  free('cancel');
});

test('replace down releases, replace up reserves more or is refused keeping the old reservation, a better price gives back the difference', () => {
  const h = cashHarness();
  h.order({ session: ALICE, side: 'Buy', price: '100.00', orderQty: '500', clOrdId: 'B' });
  assert.deepEqual(balance(h, 'ALICE', 'USD'), { available: '50000.000000', reserved: '50000.000000' });
  h.send({ type: 'Replace', session: ALICE, clOrdId: 'B2', origClOrdId: 'B', orderQty: '300' });
  assert.deepEqual(balance(h, 'ALICE', 'USD'), { available: '70000.000000', reserved: '30000.000000' }, 'quantity down');
  h.send({ type: 'Replace', session: ALICE, clOrdId: 'B3', origClOrdId: 'B2', orderQty: '300', price: '90.00' });
  assert.deepEqual(balance(h, 'ALICE', 'USD'), { available: '73000.000000', reserved: '27000.000000' }, 'price down');
  h.send({ type: 'Replace', session: ALICE, clOrdId: 'B4', origClOrdId: 'B3', orderQty: '1000', price: '95.00' });
  assert.deepEqual(balance(h, 'ALICE', 'USD'), { available: '5000.000000', reserved: '95000.000000' }, 'up');
  const refused = h.send({ type: 'Replace', session: ALICE, clOrdId: 'B5', origClOrdId: 'B4', orderQty: '1001', price: '100.00' })[0]!;
  assert.ok(refused.kind === 'cancelReject' && refused.rejectReason === 'InsufficientBalance');
  assert.equal(refused.fixCxlRejReason, REJECT_FIX_CODES.InsufficientBalance.cxlRejReason);
  assert.equal(refused.text, 'insufficient USD: need 100,100.00, available 100,000.00');
  assert.deepEqual(balance(h, 'ALICE', 'USD'), { available: '5000.000000', reserved: '95000.000000' }, 'refused: unchanged');
  // BOB sells 400 into the 95.00 bid at 95.00, then the bid is lowered to 94.00 and BOB sells the rest at 93.00 …
  h.order({ session: BOB, side: 'Sell', price: '95.00', orderQty: '400' });
  assert.deepEqual(balance(h, 'ALICE', 'USD'), { available: '5000.000000', reserved: '57000.000000' });
  // … a sell that trades with the resting bid fills at the bid's price; a buy that crosses an ask below its limit
  // pays the ask: the difference to its limit goes back to available
  h.send({ type: 'Cancel', session: ALICE, clOrdId: 'B6', origClOrdId: 'B4' });
  h.order({ session: BOB, side: 'Sell', price: '93.00', orderQty: '100', clOrdId: 'ASK' });
  h.order({ session: ALICE, side: 'Buy', price: '95.00', orderQty: '100', clOrdId: 'TAKE' });
  assert.deepEqual(balance(h, 'ALICE', 'USD'), { available: usd(D('100000').minus(D('95').mul(400)).minus(D('93').mul(100))), reserved: '0.000000' });
  assert.deepEqual(balance(h, 'ALICE', 'AAPL'), { available: '500', reserved: '0' });
});

test('self-trade prevention and a stop\'s remainder release what the canceled or decremented order held', () => {
  const h = cashHarness((f) => { f.accounts.overrides!.BOB!.balances!.USD = '100000'; });
  h.order({ session: BOB, side: 'Sell', price: '100.00', orderQty: '100', clOrdId: 'ASK' });
  h.order({ session: BOB, side: 'Buy', price: '100.00', orderQty: '40', clOrdId: 'DEC', stpMode: 'DecrementAndCancel' });
  assert.deepEqual(balance(h, 'BOB', 'AAPL'), { available: '440', reserved: '60' }, 'decremented by 40 without trading');
  assert.deepEqual(balance(h, 'BOB', 'USD'), { available: '100000.000000', reserved: '0.000000' });
  h.order({ session: BOB, side: 'Buy', price: '100.00', orderQty: '10', clOrdId: 'NEW', stpMode: 'CancelNewest' });
  assert.deepEqual(balance(h, 'BOB', 'USD'), { available: '100000.000000', reserved: '0.000000' });
  h.order({ session: BOB, side: 'Buy', price: '100.00', orderQty: '10', clOrdId: 'OLD', stpMode: 'CancelOldest' });
  assert.deepEqual(balance(h, 'BOB', 'AAPL'), { available: '500', reserved: '0' }, 'the resting sell was canceled');
  assert.deepEqual(balance(h, 'BOB', 'USD'), { available: '99000.000000', reserved: '1000.000000' }, 'the incoming buy rests');
  h.send({ type: 'MassCancel', session: BOB, clOrdId: 'M' });
  h.order({ session: BOB, side: 'Sell', price: '100.00', orderQty: '1', clOrdId: 'T0' });
  h.order({ session: ALICE, side: 'Buy', price: '100.00', orderQty: '1', clOrdId: 'T1' }); // last 100.00
  h.order({ session: ALICE, side: 'Buy', ordType: 'Stop', stopPx: '101.00', orderQty: '10', clOrdId: 'STOP' });
  assert.equal(balance(h, 'ALICE', 'USD').reserved, '1060.500000', 'a stop reserves at its protection limit (stop + 5 %)');
  h.order({ session: BOB, side: 'Sell', price: '101.00', orderQty: '3', clOrdId: 'T2' });
  h.order({ session: ALICE, side: 'Buy', price: '101.00', orderQty: '1', clOrdId: 'T3' }); // elects STOP, which buys 2 and is canceled
  assert.deepEqual(balance(h, 'ALICE', 'USD'), { available: usd(D('100000').minus(100).minus(101).minus(202)), reserved: '0.000000' });
});

test('deposit, withdraw and adjust: journaled, idempotent by refId, and a withdrawal never takes more than is available', () => {
  const h = cashHarness();
  const send = (cmd: Command): BalanceEvent => balanceEvent(h.send(cmd));
  const dep = send({ type: 'Deposit', refId: 'd1', account: 'ALICE', asset: 'USD', amount: '250.50' });
  assert.deepEqual([dep.ok, dep.available, dep.reserved, dep.duplicate, dep.originalSeq], [true, '100250.500000', '0.000000', false, dep.seq]);
  const again = send({ type: 'Deposit', refId: 'd1', account: 'ALICE', asset: 'USD', amount: '250.50' });
  assert.deepEqual([again.ok, again.available, again.duplicate, again.originalSeq], [true, '100250.500000', true, dep.seq], 'the original result');
  assert.equal(balance(h, 'ALICE', 'USD').available, '100250.500000', 'applied once');
  const other = send({ type: 'Withdraw', refId: 'd1', account: 'ALICE', asset: 'USD', amount: '1' });
  assert.deepEqual([other.ok, other.rejectReason], [false, 'DuplicateRefId']);
  h.order({ session: ALICE, side: 'Buy', price: '100.00', orderQty: '1000' });
  const tooMuch = send({ type: 'Withdraw', refId: 'w1', account: 'ALICE', asset: 'USD', amount: '250.51' });
  assert.deepEqual([tooMuch.ok, tooMuch.rejectReason, tooMuch.text], [false, 'InsufficientBalance', 'insufficient USD: need 250.51, available 250.50']);
  assert.equal(send({ type: 'Withdraw', refId: 'w1', account: 'ALICE', asset: 'USD', amount: '250.51' }).rejectReason, 'InsufficientBalance', 'a refusal is remembered too');
  const w = send({ type: 'Withdraw', refId: 'w2', account: 'ALICE', asset: 'USD', amount: '250.5' });
  assert.deepEqual([w.ok, w.available, w.reserved], [true, '0.000000', '100000.000000']);
  const adj = send({ type: 'Adjust', refId: 'a1', account: 'BOB', asset: 'BTC', amount: '-0.00000001', text: 'dust' });
  assert.deepEqual([adj.ok, adj.available], [true, '1.99999999']);
  const bad = [
    send({ type: 'Deposit', refId: 'x1', account: 'ALICE', asset: 'EUR', amount: '1' }).rejectReason,
    send({ type: 'Deposit', refId: 'x2', account: 'ALICE', asset: 'USD', amount: '0.0000001' }).rejectReason,
    send({ type: 'Deposit', refId: 'x3', account: 'ALICE', asset: 'USD', amount: '-5' }).rejectReason,
    send({ type: 'Deposit', refId: 'x4', account: 'ALICE', asset: 'USD', amount: 5 as unknown as string }).rejectReason,
    send({ type: 'Deposit', refId: '', account: 'ALICE', asset: 'USD', amount: '5' }).rejectReason,
    send({ type: 'Adjust', refId: 'x5', account: 'ALICE', asset: 'USD', amount: '0' }).rejectReason,
    send({ type: 'Deposit', refId: 'x6', account: 'ALICE', asset: 'USD', amount: '4503599628' }).rejectReason,
  ];
  assert.deepEqual(bad, ['UnknownAsset', 'InvalidAmount', 'InvalidAmount', 'InvalidAmount', 'InvalidCommand', 'InvalidAmount', 'BalanceTooLarge']);
});

test('unknown accounts follow accounts.allowUnknown; the fee account takes withdrawals but never trades', () => {
  const h = cashHarness((f) => { f.accounts.allowUnknown = false; });
  const dep = balanceEvent(h.send({ type: 'Deposit', refId: 'd', account: 'NOBODY', asset: 'USD', amount: '1' }));
  assert.deepEqual([dep.ok, dep.rejectReason, dep.text], [false, 'UnknownAccount', 'unknown account NOBODY']);
  const e = execs(h.order({ account: 'FEES', side: 'Buy', price: '100.00' }))[0]!;
  assert.deepEqual([e.rejectReason, e.text], ['UnknownAccount', 'FEES is the fee account: it cannot trade']);
  h.order({ session: BOB, symbol: 'BTC-USD', side: 'Sell', price: '50000.00', orderQty: '1' });
  h.order({ session: ALICE, symbol: 'BTC-USD', side: 'Buy', price: '50000.00', orderQty: '1' });
  assert.equal(balance(h, 'FEES', 'USD').available, '35.000000', '10 + 25');
  const sweep = balanceEvent(h.send({ type: 'Withdraw', refId: 'sweep', account: 'FEES', asset: 'USD', amount: '35' }));
  assert.deepEqual([sweep.ok, sweep.available], [true, '0.000000']);
  assert.equal(h.engine.account('FEES')!.feeAccount, true);
  assert.equal(h.engine.balances('NOBODY'), null);
});

test('credit accounts keep the credit limit and settle into balances that may go negative', () => {
  const h = cashHarness();
  h.order({ session: S2, symbol: 'BTC-USD', side: 'Sell', price: '50000.00', orderQty: '1' });
  h.order({ session: S1, symbol: 'BTC-USD', side: 'Buy', price: '50000.00', orderQty: '1' });
  assert.deepEqual(balance(h, 'CLIENT1', 'USD'), { available: '-50025.000000', reserved: '0.000000' });
  assert.deepEqual(balance(h, 'CLIENT1', 'BTC'), { available: '1.00000000', reserved: '0.00000000' });
  assert.deepEqual(balance(h, 'CLIENT2', 'USD'), { available: '49990.000000', reserved: '0.000000' });
  assert.deepEqual(balance(h, 'CLIENT2', 'BTC'), { available: '-1.00000000', reserved: '0.00000000' });
  assert.equal(h.engine.account('CLIENT1')!.mode, 'credit');
  const w = balanceEvent(h.send({ type: 'Withdraw', refId: 'w', account: 'CLIENT1', asset: 'USD', amount: '1' }));
  assert.equal(w.rejectReason, 'InsufficientBalance', 'a withdrawal never takes a balance below zero');
});

test('positions: net quantity, exact average cost, realized P&L through a flip, and fees, against decimal.js', () => {
  const h = cashHarness((f) => { f.accounts.overrides!.BOB!.balances!.USD = '100000'; });
  const trade = (buyer: string, seller: string, price: string, qty: string): void => {
    h.order({ session: seller, symbol: 'BTC-USD', side: 'Sell', price, orderQty: qty });
    h.order({ session: buyer, symbol: 'BTC-USD', side: 'Buy', price, orderQty: qty });
  };
  trade(ALICE, BOB, '60000.00', '0.3');
  trade(ALICE, BOB, '60000.01', '0.0001');
  trade(BOB, ALICE, '61000.00', '0.1');
  const p = h.engine.positions('ALICE')!.find((x) => x.symbol === 'BTC-USD')!;
  const cost0 = D('60000.00').mul('0.3').plus(D('60000.01').mul('0.0001'));
  // the 0.1 sold take cost × 0.1 / 0.3001 with them, rounded down to a micro-dollar; the residue stays in the rest
  const closed = cost0.mul('0.1').div('0.3001').toDecimalPlaces(6, Decimal.ROUND_DOWN);
  assert.deepEqual([p.netQty, p.cost, p.realizedPnl], ['0.2001', usd(cost0.minus(closed)), usd(D('6100').minus(closed))]);
  assert.equal(p.avgCost, cost0.minus(closed).div('0.2001').toDecimalPlaces(12, Decimal.ROUND_HALF_EVEN).toFixed().replace(/0+$/, ''));
  const fees = feeOf(D('60000.00').mul('0.3'), '0.0005').plus(feeOf(D('60000.01').mul('0.0001'), '0.0005')).plus(feeOf(D('6100'), '0.0002'));
  assert.equal(p.fees, usd(fees));
  // sell 0.5 at 59000 (with 1 BTC deposited: a deposit is not a trade): closes 0.2001 and opens a 0.2999 short
  h.send({ type: 'Deposit', refId: 'coin', account: 'ALICE', asset: 'BTC', amount: '1' });
  trade(BOB, ALICE, '59000.00', '0.5');
  const q = h.engine.positions('ALICE')!.find((x) => x.symbol === 'BTC-USD')!;
  const realized = D(p.realizedPnl).plus(D('59000').mul('0.2001')).minus(p.cost);
  assert.deepEqual([q.netQty, q.cost, q.avgCost, q.realizedPnl], ['-0.2999', usd(D('59000').mul('0.2999')), '59000.00', usd(realized)]);
  // the identity that keeps it exact: sells − buys = realized + cost (short)
  const flows = D('6100').plus(D('59000').mul('0.5')).minus(cost0);
  assert.equal(usd(flows), usd(D(q.realizedPnl).plus(q.cost)));
});

test('reads: open orders oldest first, an order\'s fills, an account\'s fills bounded by limits.fillHistoryMax, fee schedule with overrides', () => {
  const h = cashHarness((f) => {
    f.limits.fillHistoryMax = 4;
    f.accounts.overrides!.ALICE!.takerFeeRate = '0.0001';
    f.accounts.overrides!.ALICE!.feeRates = { 'ETH-USD': { makerFeeRate: '0' } };
  });
  for (const px of ['100.00', '100.01', '100.02']) h.order({ session: BOB, side: 'Sell', price: px, orderQty: '10' });
  h.order({ session: ALICE, side: 'Buy', price: '99.00', orderQty: '5', clOrdId: 'REST' });
  const evs = h.order({ session: ALICE, side: 'Buy', price: '100.02', orderQty: '30', clOrdId: 'SWEEP' });
  const orderId = execs(evs)[0]!.orderId;
  assert.deepEqual(h.engine.openOrders('ALICE').map((o) => o.clOrdId), ['REST']);
  assert.deepEqual(h.engine.openOrders('BOB'), []);
  // six executions were made; the history keeps the last four: SWEEP's second and third, and their makers
  assert.deepEqual(h.engine.orderFills(orderId)!.map((f) => f.price), ['100.02', '100.01']);
  assert.deepEqual(h.engine.accountFills('BOB', 10).map((f) => [f.price, f.liquidity]), [['100.02', 'Added'], ['100.01', 'Added']]);
  assert.equal(h.engine.orderFills('999999'), null);
  const fees = h.engine.feeSchedule('ALICE');
  assert.deepEqual(fees.find((x) => x.symbol === 'BTC-USD'), { symbol: 'BTC-USD', baseAsset: 'BTC', quoteAsset: 'USD', feeAsset: 'USD', makerFeeRate: '0.0002', takerFeeRate: '0.0001' });
  assert.deepEqual(fees.find((x) => x.symbol === 'ETH-USD')!.makerFeeRate, '0');
  assert.deepEqual(h.engine.feeSchedule().find((x) => x.symbol === 'ETH-USD')!.makerFeeRate, '0.0002');
  assert.deepEqual(h.engine.assets().map((a) => a.asset), ['USD', 'BTC', 'ETH', 'AAPL', 'MSFT', 'IBM', 'GOOG']);
});
