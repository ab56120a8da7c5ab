// `fixgw audit order`: the whole life of one order, found by ClOrdID or OrderID and followed through
// OrigClOrdID chains (cancel/replace): every message in and out of the logs and every journaled command
// and engine event, in time order. The set of IDs is grown to a fixed point: journal replays and log
// passes repeat until no new ClOrdID/OrderID joins (at most MAX_PASSES each); the items found are few,
// so they are sorted in memory (at most MAX_ITEMS).

import type { Dictionary } from '../fix/dictionary.js';
import { replayDataDir, type Command, type EngineConfig, type EngineEvent } from '../engine/index.js';
import { fieldLines, summaryLine } from './describe.js';
import { formatTimeUs, readLogs, type LoggedMessage } from './log-messages.js';

export interface OrderOptions {
  id: string;
  files: string[];
  dictionary: Dictionary;
  dataDir?: string;
  engineConfig?: EngineConfig;
  localCompId?: string;
  /** Only this session (key, CompID or part of the key). */
  session?: string;
}

export type OrderItem =
  | { kind: 'message'; timeUs: number | undefined; m: LoggedMessage }
  | { kind: 'command'; timeUs: number; seq: number; cmd: Command }
  | { kind: 'event'; timeUs: number; seq: number; event: EngineEvent };

export interface OrderLife {
  orderIds: string[];
  /** 'session ClOrdID' pairs of the chain. */
  clOrdIds: string[];
  items: OrderItem[];
  truncated: boolean;
}

const MAX_PASSES = 6;
export const MAX_ITEMS = 100_000;

class IdSet {
  readonly orderIds = new Set<string>();
  /** session \0 clOrdId */
  readonly clOrdIds = new Set<string>();
  /** A bare id from the user: matches a ClOrdID in any session, or an OrderID. */
  constructor(readonly seed: string, readonly sessionFilter: ((s: string) => boolean) | undefined) {}
  size(): number { return this.orderIds.size + this.clOrdIds.size; }

  hasClOrd(session: string, clOrdId: string | null | undefined): boolean {
    if (clOrdId === undefined || clOrdId === null || clOrdId === '') return false;
    if (this.sessionFilter !== undefined && !this.sessionFilter(session)) return false;
    return clOrdId === this.seed || this.clOrdIds.has(`${session}\u0000${clOrdId}`);
  }
  hasOrder(orderId: string | null | undefined, session?: string): boolean {
    if (orderId === undefined || orderId === null || orderId === '' || orderId === 'NONE') return false;
    if (session !== undefined && this.sessionFilter !== undefined && !this.sessionFilter(session)) return false;
    return orderId === this.seed || this.orderIds.has(orderId);
  }
  addClOrd(session: string, clOrdId: string | null | undefined): void {
    if (clOrdId !== undefined && clOrdId !== null && clOrdId !== '') this.clOrdIds.add(`${session}\u0000${clOrdId}`);
  }
  addOrder(orderId: string | null | undefined): void {
    if (orderId !== undefined && orderId !== null && orderId !== '' && orderId !== 'NONE') this.orderIds.add(orderId);
  }
}

function commandIds(cmd: Command): { session: string | undefined; clOrdIds: string[]; orderId: string | undefined } {
  switch (cmd.type) {
    case 'NewOrder': return { session: cmd.session, clOrdIds: [cmd.clOrdId], orderId: undefined };
    case 'Cancel': case 'Replace': return { session: cmd.session, clOrdIds: [cmd.clOrdId, cmd.origClOrdId ?? ''], orderId: cmd.orderId };
    case 'OrderStatus': return { session: cmd.session, clOrdIds: [cmd.clOrdId ?? ''], orderId: cmd.orderId };
    default: return { session: undefined, clOrdIds: [], orderId: undefined };
  }
}

/** Does this engine event concern the order? Adds the IDs it links when it does. */
function eventMatches(ids: IdSet, e: EngineEvent): boolean {
  switch (e.kind) {
    case 'exec': {
      const hit = ids.hasOrder(e.orderId, e.session) || ids.hasClOrd(e.session, e.clOrdId) || ids.hasClOrd(e.session, e.origClOrdId);
      if (hit) { ids.addOrder(e.orderId); ids.addClOrd(e.session, e.clOrdId); ids.addClOrd(e.session, e.origClOrdId); }
      return hit;
    }
    case 'cancelReject': {
      const hit = ids.hasOrder(e.orderId, e.session) || ids.hasClOrd(e.session, e.clOrdId) || ids.hasClOrd(e.session, e.origClOrdId);
      if (hit) { ids.addOrder(e.orderId); ids.addClOrd(e.session, e.clOrdId); }
      return hit;
    }
    case 'trade':
      return ids.hasOrder(e.buyOrderId, e.buySession) || ids.hasOrder(e.sellOrderId, e.sellSession);
    default:
      return false;
  }
}

function messageMatches(ids: IdSet, m: LoggedMessage, rejectedSeqs: Set<string>): boolean {
  const msg = m.msg;
  const s = m.session;
  const clOrdId = msg.get(11);
  const orig = msg.get(41);
  const orderId = msg.get(37);
  const isOrderMessage = clOrdId !== undefined || orderId !== undefined;
  if (isOrderMessage && (ids.hasClOrd(s, clOrdId) || ids.hasClOrd(s, orig) || ids.hasOrder(orderId, s))) {
    ids.addClOrd(s, clOrdId);
    ids.addClOrd(s, orig);
    ids.addOrder(orderId);
    if (m.direction === 'IN' && m.seq !== undefined) rejectedSeqs.add(`${s}\u0000${m.seq}`);
    return true;
  }
  // A session-level or business reject of one of the order's inbound messages.
  if (m.direction === 'OUT' && (m.msgType === '3' || m.msgType === 'j')) return rejectedSeqs.has(`${s}\u0000${msg.get(45) ?? ''}`);
  return false;
}

export async function orderLife(opts: OrderOptions): Promise<OrderLife> {
  const filter = opts.session === undefined ? undefined : (s: string): boolean => s === opts.session || s.includes(opts.session!);
  const ids = new IdSet(opts.id, filter);
  let items: OrderItem[] = [];
  let truncated = false;
  const push = (item: OrderItem): void => {
    if (items.length >= MAX_ITEMS) { truncated = true; return; }
    items.push(item);
  };

  const journalItems: OrderItem[] = [];
  if (opts.dataDir !== undefined) {
    if (opts.engineConfig === undefined) throw new Error('order: dataDir needs engineConfig');
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const before = ids.size();
      journalItems.length = 0;
      replayDataDir(opts.dataDir, opts.engineConfig, {
        useSnapshot: false,
        onEvents: (sc, events) => {
          const c = commandIds(sc.cmd);
          const direct = c.session !== undefined && (c.clOrdIds.some((x) => ids.hasClOrd(c.session!, x)) || ids.hasOrder(c.orderId, c.session));
          if (direct) for (const x of c.clOrdIds) ids.addClOrd(c.session!, x);
          const hits = events.filter((e) => eventMatches(ids, e));
          // A command that only touched the order (a counterparty's order trading with it, a mass cancel)
          // is shown for context, but its own IDs do not join the chain.
          if (hits.length > 0 || direct) {
            if (journalItems.length < MAX_ITEMS) journalItems.push({ kind: 'command', timeUs: sc.timeMs * 1000, seq: sc.seq, cmd: sc.cmd });
            for (const e of hits) if (journalItems.length < MAX_ITEMS) journalItems.push({ kind: 'event', timeUs: e.timeMs * 1000, seq: e.seq, event: e });
          }
        },
      });
      if (ids.size() === before) break;
    }
  }

  const readOpts = { copy: true, ...(opts.localCompId === undefined ? {} : { localCompId: opts.localCompId }) };
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const before = ids.size();
    items = [];
    truncated = false;
    const rejectedSeqs = new Set<string>();
    for await (const item of readLogs(opts.files, readOpts)) {
      if (item.kind !== 'message') continue;
      if (messageMatches(ids, item.m, rejectedSeqs)) push({ kind: 'message', timeUs: item.m.timeUs, m: item.m });
    }
    if (ids.size() === before) break;
  }
  for (const j of journalItems) push(j);

  const rank = (i: OrderItem): number => i.kind === 'message' ? (i.m.direction === 'OUT' ? 3 : 0) : i.kind === 'command' ? 1 : 2;
  const decorated = items.map((item, k) => ({ item, k }));
  decorated.sort((a, b) => {
    const ta = a.item.timeUs ?? 0;
    const tb = b.item.timeUs ?? 0;
    return Math.floor(ta / 1000) - Math.floor(tb / 1000) || rank(a.item) - rank(b.item) || ta - tb || a.k - b.k;
  });
  const sessionsOf = [...ids.clOrdIds].map((x) => x.replace('\u0000', ' ')).sort();
  return { orderIds: [...ids.orderIds].sort(), clOrdIds: sessionsOf, items: decorated.map((d) => d.item), truncated };
}

/** Text lines for an order's life. */
export function formatOrderLife(life: OrderLife, dict: Dictionary, fields: boolean): string[] {
  const out: string[] = [];
  out.push(`OrderID ${life.orderIds.join(', ') || '(none known)'}; ClOrdIDs ${life.clOrdIds.join(', ') || '(none)'}; ${life.items.length} item(s)${life.truncated ? ` (first ${MAX_ITEMS} only)` : ''}`);
  for (const item of life.items) {
    if (item.kind === 'message') {
      out.push(`${summaryLine(dict, item.m)}   [${item.m.file}:${item.m.line}]`);
      if (fields) out.push(...fieldLines(dict, item.m.msg));
    } else if (item.kind === 'command') {
      out.push(`${formatTimeUs(item.timeUs)} JOURNAL seq ${item.seq} ${describeCommand(item.cmd)}`);
    } else {
      out.push(`${formatTimeUs(item.timeUs)} ENGINE  seq ${item.seq} ${describeEvent(item.event)}`);
    }
  }
  return out;
}

function describeCommand(cmd: Command): string {
  const { type, ...rest } = cmd;
  return `${type} ${Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')}`;
}

export function describeEvent(e: EngineEvent): string {
  switch (e.kind) {
    case 'exec':
      return `exec ${e.execId} ${e.execType}/${e.ordStatus} OrderID=${e.orderId || '(none)'} ClOrdID=${e.clOrdId}${e.origClOrdId ? ` OrigClOrdID=${e.origClOrdId}` : ''} ` +
        `${e.side ?? ''} ${e.orderQty} ${e.symbol}${e.price ? ` @ ${e.price}` : ''} cum=${e.cumQty} leaves=${e.leavesQty} avgPx=${e.avgPx}` +
        `${e.lastQty !== null ? ` last=${e.lastQty}@${e.lastPx}` : ''}${e.tradeId ? ` trade=${e.tradeId}` : ''}` +
        `${e.rejectReason ? ` reject=${e.rejectReason}` : ''}${e.doneReason ? ` done=${e.doneReason}` : ''}${e.text ? ` "${e.text}"` : ''}`;
    case 'cancelReject':
      return `cancelReject ${e.responseTo} OrderID=${e.orderId} ClOrdID=${e.clOrdId} OrigClOrdID=${e.origClOrdId ?? ''} reason=${e.rejectReason} "${e.text}"`;
    case 'trade':
      return `trade ${e.tradeId} ${e.qty} ${e.symbol} @ ${e.price} buy=${e.buyOrderId}/${e.buyClOrdId} sell=${e.sellOrderId}/${e.sellClOrdId} aggressor=${e.aggressorSide}`;
    default:
      return e.kind;
  }
}
