// Market data in the simulator: the `md` command (a MarketDataRequest, V) and the book a session rebuilds from the
// snapshots (W) and incremental refreshes (X) it receives, shown best first. Used by the prompt and scenarios (the
// command) and by tests, which hold the rebuilt book against the engine's.
//
//   md SYMBOL[,SYMBOL...] [depth N] [snapshot] [full-refresh] [bid] [offer] [trade] [id=MDREQID]
//   md stop MDREQID
import type { FixMessage } from '../src/fix/message.js';
import type { FieldList } from '../src/fix/types.js';
import { priceKey } from '../src/marketdata/book.js';

/** What `md ...` is made into: a raw V for the order syntax's `raw` kind. */
export interface MdCommand { kind: 'raw'; msgType: 'V'; body: FieldList }

export class MdSyntaxError extends Error {}

const USAGE = 'usage: md SYMBOL[,SYMBOL...] [depth N] [snapshot] [full-refresh] [bid] [offer] [trade] [id=MDREQID]  |  md stop MDREQID';
let mdReqIdLast = 0;
/** The symbols of the requests made so far, for `md stop` (the oldest forgotten first). */
const requested = new Map<string, string[]>();
const REQUESTS_KEPT_MAX = 1000;

/** Parses the words after `md`. */
export function parseMdCommand(words: string[]): MdCommand {
  if (words.length === 0) throw new MdSyntaxError(USAGE);
  if (words[0]!.toLowerCase() === 'stop') {
    if (words.length !== 2) throw new MdSyntaxError(USAGE);
    // V's groups are required even to unsubscribe (only the MDReqID counts): the symbols it was made with
    const symbols = requested.get(words[1]!) ?? ['N/A'];
    return { kind: 'raw', msgType: 'V', body: [[262, words[1]!], [263, '2'], [264, '0'], [267, '1'], [269, '0'],
      [146, String(symbols.length)], ...symbols.map((s): [number, string] => [55, s])] };
  }
  const symbols = words[0]!.split(',').filter(Boolean).map((s) => s.toUpperCase());
  let depth = '0';
  let type = '1';
  let updateType: string | undefined;
  let id: string | undefined;
  const types: string[] = [];
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!.toLowerCase();
    if (w === 'depth' && /^\d{1,6}$/.test(words[i + 1] ?? '')) depth = words[++i]!;
    else if (w === 'snapshot') type = '0';
    else if (w === 'full-refresh') updateType = '0';
    else if (w === 'bid' || w === 'offer' || w === 'trade') types.push(w === 'bid' ? '0' : w === 'offer' ? '1' : '2');
    else if (w.startsWith('id=') && w.length > 3) id = words[i]!.slice(3);
    else throw new MdSyntaxError(`'${words[i]}' is not understood; ${USAGE}`);
  }
  const entryTypes = types.length > 0 ? types : ['0', '1', '2'];
  const mdReqId = id ?? `MD${++mdReqIdLast}`;
  if (requested.size >= REQUESTS_KEPT_MAX) requested.delete(requested.keys().next().value!);
  requested.set(mdReqId, symbols);
  const body: FieldList = [[262, mdReqId], [263, type], [264, depth]];
  if (updateType !== undefined) body.push([265, updateType]);
  body.push([267, String(entryTypes.length)], ...entryTypes.map((t): [number, string] => [269, t]));
  body.push([146, String(symbols.length)], ...symbols.map((s): [number, string] => [55, s]));
  return { kind: 'raw', msgType: 'V', body };
}

export interface SimLevel { price: string; qty: string; count: number }

/** One subscription's view of one symbol's book. */
export class SimBook {
  readonly bids = new Map<string, SimLevel>();
  readonly asks = new Map<string, SimLevel>();
  /** The engine's md sequence the book is at (HopRefID of the last W or X). */
  mdSeq = 0;
  lastTrade: { price: string; qty: string } | null = null;
  trades = 0;
  constructor(readonly mdReqId: string, readonly symbol: string) {}

  /** Levels best first: [price, qty, count]. */
  side(bids: boolean): Array<[string, string, number]> {
    const rows = [...(bids ? this.bids : this.asks).values()].map((l): [string, string, number] => [l.price, l.qty, l.count]);
    return rows.sort((a, b) => (bids ? priceKey(b[0]) - priceKey(a[0]) : priceKey(a[0]) - priceKey(b[0])));
  }

  /** The book as a few lines for people. */
  render(depth = 5): string {
    const bids = this.side(true).slice(0, depth);
    const asks = this.side(false).slice(0, depth);
    const lines = [`${this.symbol} book (MDReqID ${this.mdReqId}, md seq ${this.mdSeq})${this.lastTrade ? `  last ${this.lastTrade.qty} @ ${this.lastTrade.price}` : ''}`];
    lines.push(`  ${'bid qty'.padStart(12)} ${'bid'.padStart(12)} | ${'ask'.padEnd(12)} ${'ask qty'.padEnd(12)}`);
    for (let i = 0; i < Math.max(bids.length, asks.length, 1); i++) {
      const b = bids[i];
      const a = asks[i];
      lines.push(`  ${(b?.[1] ?? '').padStart(12)} ${(b?.[0] ?? '').padStart(12)} | ${(a?.[0] ?? '').padEnd(12)} ${(a?.[1] ?? '').padEnd(12)}`);
    }
    return lines.join('\n');
  }
}

/** Every book a session receives, by MDReqID and symbol. */
export class SimBooks {
  readonly #books = new Map<string, SimBook>();

  get(mdReqId: string, symbol: string): SimBook | undefined { return this.#books.get(`${mdReqId}\x01${symbol}`); }

  /** Applies a W or X; returns the books it changed (none for other messages). */
  apply(msg: FixMessage): SimBook[] {
    if (msg.msgType === 'W') return [this.#snapshot(msg)];
    if (msg.msgType === 'X') return this.#incremental(msg);
    return [];
  }

  #book(mdReqId: string, symbol: string): SimBook {
    const key = `${mdReqId}\x01${symbol}`;
    let book = this.#books.get(key);
    if (book === undefined) this.#books.set(key, book = new SimBook(mdReqId, symbol));
    return book;
  }

  #snapshot(msg: FixMessage): SimBook {
    const book = this.#book(msg.get(262) ?? '', msg.get(55) ?? '');
    book.bids.clear();
    book.asks.clear();
    for (const e of entriesOf(msg, 269)) {
      const level = { price: e.get(270) ?? '', qty: e.get(271) ?? '', count: Number(e.get(346) ?? 0) };
      if (e.get(269) === '0') book.bids.set(level.price, level);
      else if (e.get(269) === '1') book.asks.set(level.price, level);
      else if (e.get(269) === '2') book.lastTrade = { price: level.price, qty: level.qty };
    }
    book.mdSeq = Number(msg.get(630) ?? 0);
    return book;
  }

  #incremental(msg: FixMessage): SimBook[] {
    const touched = new Set<SimBook>();
    const mdReqId = msg.get(262) ?? '';
    for (const e of entriesOf(msg, 279)) {
      const book = this.#book(mdReqId, e.get(55) ?? '');
      touched.add(book);
      const type = e.get(269);
      const price = e.get(270) ?? '';
      if (type === '2') {
        book.lastTrade = { price, qty: e.get(271) ?? '' };
        book.trades++;
        continue;
      }
      const side = type === '0' ? book.bids : book.asks;
      if (e.get(279) === '2') side.delete(price);
      else side.set(price, { price, qty: e.get(271) ?? '', count: Number(e.get(346) ?? 0) });
    }
    for (const book of touched) book.mdSeq = Number(msg.get(630) ?? 0);
    return [...touched];
  }
}

/** The entries of a message's NoMDEntries group, each as a small map (first field: `delimiter`). */
function entriesOf(msg: FixMessage, delimiter: number): Array<Map<number, string>> {
  const out: Array<Map<number, string>> = [];
  let inGroup = false;
  for (let i = 0; i < msg.fieldCount; i++) {
    const tag = msg.tagAt(i);
    if (tag === 268) { inGroup = true; continue; }
    if (!inGroup) continue;
    if (tag === 10) break;
    if (tag === delimiter) out.push(new Map());
    out.at(-1)?.set(tag, msg.valueAt(i));
  }
  return out;
}
