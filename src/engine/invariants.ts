// Full consistency check of an engine's state (O(orders)); tests run it after every command.
// Throws an Error describing the first broken invariant.
import { engineTables, type Engine } from './engine.js';
import { allClOrdIdsOf, orderIdOf } from './order.js';
import { notionalUnitsOf } from './risk.js';
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
  for (const acct of engine.accounts.values()) {
    const a = perAccount.get(acct.name) ?? { open: 0, units: 0, buy: acct.openBuyLots.map(() => 0), sell: acct.openSellLots.map(() => 0) };
    if (acct.openOrders !== a.open) fail(`account ${acct.name} openOrders ${acct.openOrders} != ${a.open}`);
    if (acct.reservedUnits !== a.units) fail(`account ${acct.name} reserved ${acct.reservedUnits} != ${a.units}`);
    acct.openBuyLots.forEach((v, i) => { if (v !== a.buy[i]) fail(`account ${acct.name} openBuyLots[${i}] ${v} != ${a.buy[i]}`); });
    acct.openSellLots.forEach((v, i) => { if (v !== a.sell[i]) fail(`account ${acct.name} openSellLots[${i}] ${v} != ${a.sell[i]}`); });
  }
}
