// Full consistency check of an engine's state (O(orders)); tests run it after every command.
// Throws an Error describing the first broken invariant.
import { engineTables, type Engine, type EngineTables } from './engine.js';
import type { EngineConfig } from './config.js';
import { allClOrdIdsOf, orderIdOf } from './order.js';
import { notionalUnitsOf, reserveAssetOf, reservePerLot, type AccountState } from './risk.js';
import type { Order } from './order.js';
import { hashOf } from './session-orders.js';

export function checkEngineInvariants(engineToCheck: Engine): void {
  const engine = engineTables(engineToCheck);
  const fail = (msg: string): never => { throw new Error(`invariant: ${msg}`); };
  const seenResting = new Set<string>();
  for (const st of engine.states) {
    const sym = st.inst.symbol;
    for (const side of [st.book.bids, st.book.asks]) {
      let prevPx = -1;
      let first = true;
      for (const level of side.iterate()) {
        if (first && side.best !== level) fail(`${sym} cached best level is stale`);
        first = false;
        if (prevPx >= 0 && (side.isBid ? level.priceTicks >= prevPx : level.priceTicks <= prevPx)) fail(`${sym} levels out of order`);
        prevPx = level.priceTicks;
        let total = 0;
        let count = 0;
        let prev = null;
        for (let o = level.head; o !== null; o = o.next) {
          if (o.prev !== prev) fail(`${sym} broken links at order ${orderIdOf(o)}`);
          if (o.level !== level || o.priceTicks !== level.priceTicks) fail(`order ${orderIdOf(o)} on the wrong level`);
          if (!o.live) fail(`order ${orderIdOf(o)} resting but ${o.status}`);
          if ((o.side === 'Buy') !== side.isBid) fail(`order ${orderIdOf(o)} on the wrong side`);
          if (o.visibleLots <= 0 || o.visibleLots > o.leavesLots) fail(`order ${orderIdOf(o)} visible ${o.visibleLots} of leaves ${o.leavesLots}`);
          if (o.displayLots === 0 && o.visibleLots !== o.leavesLots) fail(`order ${orderIdOf(o)} hides quantity without display size`);
          total += o.visibleLots;
          count++;
          seenResting.add(orderIdOf(o));
          prev = o;
        }
        if (level.tail !== prev) fail(`${sym} level tail wrong`);
        if (count === 0) fail(`${sym} empty level ${level.priceTicks} kept`);
        if (total !== level.totalLots || count !== level.count) fail(`${sym} level ${level.priceTicks} totals ${level.totalLots}/${level.count} != ${total}/${count}`);
      }
      if (first && side.best !== null) fail(`${sym} best level set on an empty side`);
    }
    const bid = st.book.bids.best;
    const ask = st.book.asks.best;
    if (bid !== null && ask !== null && bid.priceTicks >= ask.priceTicks) fail(`${sym} book crossed`);
    for (const o of [...st.buyStops, ...st.sellStops]) if (!o.pendingStop || !o.live) fail(`stop list holds ${orderIdOf(o)} (${o.status})`);
  }
  const perAccount = new Map<string, { open: number; units: number; buy: number[]; sell: number[] }>();
  for (const o of engine.ordersById.values()) {
    if (o.live) {
      if (o.cumLots + o.leavesLots !== o.orderQtyLots) fail(`order ${orderIdOf(o)} cum ${o.cumLots} + leaves ${o.leavesLots} != qty ${o.orderQtyLots}`);
      if (o.leavesLots <= 0) fail(`live order ${orderIdOf(o)} has no leaves`);
      if (o.level === null && !o.pendingStop) fail(`live order ${orderIdOf(o)} neither resting nor a pending stop`);
      if (o.status !== 'New' && o.status !== 'PartiallyFilled') fail(`live order ${orderIdOf(o)} has status ${o.status}`);
      let a = perAccount.get(o.account.name);
      if (a === undefined) {
        a = { open: 0, units: 0, buy: new Array<number>(engine.states.length).fill(0), sell: new Array<number>(engine.states.length).fill(0) };
        perAccount.set(o.account.name, a);
      }
      a.open++;
      a.units += notionalUnitsOf(o.inst, o.reservePriceTicks, o.leavesLots);
      (o.side === 'Buy' ? a.buy : a.sell)[o.inst.index]! += o.leavesLots;
    } else {
      if (o.level !== null || o.pendingStop || seenResting.has(orderIdOf(o))) fail(`done order ${orderIdOf(o)} still on the book`);
      if (o.leavesLots !== 0) fail(`done order ${orderIdOf(o)} has leaves ${o.leavesLots}`);
      if (o.cumLots > o.orderQtyLots) fail(`order ${orderIdOf(o)} overfilled`);
      if (o.status === 'Filled' && o.cumLots !== o.orderQtyLots) fail(`filled order ${orderIdOf(o)} cum != qty`);
    }
  }
  // the ClOrdID tables hold exactly the ClOrdIDs of the kept orders, each naming its order, and the hashes orders
  // keep of them (used to forget them) are right
  let idsOfKept = 0;
  for (const o of engine.ordersById.values()) {
    if (o.clOrdHash !== hashOf(o.clOrdId)) fail(`order ${orderIdOf(o)} keeps a wrong hash of ${o.clOrdId}`);
    for (let p = o.priorClOrdIds; p !== null; p = p.before) if (p.clOrdHash !== hashOf(p.clOrdId)) fail(`order ${orderIdOf(o)} keeps a wrong hash of ${p.clOrdId}`);
    for (const id of allClOrdIdsOf(o)) {
      if (engine.sessions.get(o.session)?.get(id) !== o) fail(`ClOrdID ${id} of order ${orderIdOf(o)} does not name it`);
      idsOfKept++;
    }
  }
  let entries = 0;
  for (const [name, table] of engine.sessions) {
    if (table.size === 0) fail(`empty ClOrdID table of ${name} kept`);
    for (const [id, o] of table.entries()) {
      if (engine.ordersById.bySeq(o.seqNo) !== o || o.session !== name) fail(`ClOrdID ${id} of ${name} names a forgotten or foreign order`);
      entries++;
    }
  }
  if (entries !== idsOfKept) fail(`ClOrdID tables hold ${entries} entries for ${idsOfKept} ClOrdIDs of kept orders`);
  checkLedger(engine, engineToCheck.config, fail);
  for (const acct of engine.accounts.values()) {
    const a = perAccount.get(acct.name) ?? { open: 0, units: 0, buy: acct.openBuyLots.map(() => 0), sell: acct.openSellLots.map(() => 0) };
    if (acct.openOrders !== a.open) fail(`account ${acct.name} openOrders ${acct.openOrders} != ${a.open}`);
    if (acct.reservedUnits !== a.units) fail(`account ${acct.name} reserved ${acct.reservedUnits} != ${a.units}`);
    acct.openBuyLots.forEach((v, i) => { if (v !== a.buy[i]) fail(`account ${acct.name} openBuyLots[${i}] ${v} != ${a.buy[i]}`); });
    acct.openSellLots.forEach((v, i) => { if (v !== a.sell[i]) fail(`account ${acct.name} openSellLots[${i}] ${v} != ${a.sell[i]}`); });
  }
}

/**
 * Balances: whole units; reservations never negative; a cash account's available never negative and its reserved
 * balance exactly what its live orders hold; a credit account reserves no balance. Each account's list of live
 * orders holds exactly its live orders, oldest first.
 */
function checkLedger(engine: EngineTables, config: EngineConfig, fail: (msg: string) => never): void {
  const held = new Map<AccountState, number[]>();
  const live = new Map<AccountState, Order[]>();
  for (const o of engine.ordersById.values()) {
    if (!o.live) continue;
    let l = live.get(o.account);
    if (l === undefined) live.set(o.account, l = []);
    l.push(o);
    if (!o.account.cash) continue;
    let h = held.get(o.account);
    if (h === undefined) held.set(o.account, h = new Array<number>(config.assets.length).fill(0));
    h[reserveAssetOf(o.inst, o.side).index]! += o.leavesLots * reservePerLot(o);
  }
  for (const acct of engine.accounts.values()) {
    const h = held.get(acct);
    acct.available.forEach((v, i) => {
      const r = acct.reserved[i]!;
      const asset = config.assets[i]!.name;
      if (!Number.isSafeInteger(v) || !Number.isSafeInteger(r)) fail(`account ${acct.name} ${asset} balance ${v}/${r} not a whole number of units`);
      if (r < 0) fail(`account ${acct.name} ${asset} reserved ${r} < 0`);
      if (acct.cash && v < 0) fail(`cash account ${acct.name} ${asset} available ${v} < 0`);
      if (r !== (h?.[i] ?? 0)) fail(`account ${acct.name} ${asset} reserved ${r} != ${h?.[i] ?? 0} held by its live orders`);
    });
    const expect = live.get(acct) ?? [];
    let n = 0;
    let prev: Order | null = null;
    for (let o = acct.liveHead; o !== null; o = o.acctNext) {
      if (o !== expect[n] || o.acctPrev !== prev) fail(`account ${acct.name} live order list wrong at ${orderIdOf(o)}`);
      prev = o;
      n++;
    }
    if (n !== expect.length || acct.liveTail !== prev) fail(`account ${acct.name} lists ${n} live orders, has ${expect.length}`);
  }
}
