// Station: market data over FIX. A MarketDataRequest (V) is answered at once from the book as the engine's events
// have built it (nothing goes through the command log: it is a read): a snapshot (W) per symbol at one md sequence,
// then, for a subscription, incremental refreshes (X) per log batch that bring each subscriber's view (the full book or
// its best N levels) from that snapshot to the book after the batch. Refused requests get MarketDataRequestReject (Y).
// The md sequence is the engine's per-symbol one, the WebSocket feed's (md-messages.ts says where it travels).
// Cost when nobody subscribes: one check per applied command. A session whose peer reads slowly has its market data
// held back and conflated (md-subscribers.ts); orders and reports never wait for market data.
import type { Logger } from 'pino';
import type { Dictionary } from '../fix/dictionary.js';
import type { FixMessage } from '../fix/message.js';
import { MDReqRejReason, MsgType } from '../fix/names.js';
import { SendBatch } from '../session/send-batch.js';
import type { Session } from '../session/session.js';
import type { EngineEvent, SequencedCommand } from '../engine/index.js';
import type { GatewaySession } from './config.js';
import { MdBook, type MdLevel } from './md-book.js';
import { MdCounts } from './md-metrics.js';
import { countFor, incrementBody, mdSeqHeader, rejectBody, rptSeqPlaces, snapshotBody, type MdEntry, type RptSeqPlaces } from './md-messages.js';
import { parseMdRequest, type MdRequest } from './md-request.js';
import { MdSession, MdSub } from './md-subscribers.js';
import { DepthView, fullBookEntries } from './md-views.js';
import type { EngineReads } from './seam.js';

/** How often held-back market data is retried while some peer reads slowly. */
const DRAIN_INTERVAL_MS = 20;
const UNSTORED = { stored: false } as const;
const NO_ENTRIES: MdEntry[] = [];

interface SymbolWatch { book: MdBook; subs: Set<MdSub>; views: Map<number, DepthView>; fullSubs: number }

export class MarketDataFix {
  readonly #engine: EngineReads;
  readonly #log: Logger;
  readonly #symbols: Set<string>;
  readonly #sessions = new Map<string, MdSession>();
  /** Symbols with subscribers, and their books. */
  readonly #watches = new Map<string, SymbolWatch>();
  readonly #batch = new SendBatch();
  #flushScheduled = false;
  /** Runs on its own (nextTick, a timer): a failure is logged, never thrown into the event loop. */
  readonly #flushBound = (): void => this.#guarded(() => this.#flush());
  /** Subscriptions holding changes back until their peer catches up. */
  readonly #waiting = new Set<MdSub>();
  #drainTimer: NodeJS.Timeout | null = null;
  readonly counts = new MdCounts();
  /** Where the dictionary lets RptSeq(83) carry the md sequence too (md-messages.ts). */
  readonly #rptSeq: RptSeqPlaces;

  constructor(engine: EngineReads, log: Logger, dictionary?: Dictionary) {
    this.#engine = engine;
    this.#log = log;
    this.#rptSeq = rptSeqPlaces(dictionary);
    this.#symbols = new Set(engine.instruments().map((i) => i.symbol));
  }

  /** A MarketDataRequest of `session`: answered now (W, or Y). */
  receive(session: Session, msg: FixMessage, s: GatewaySession): void {
    const parsed = parseMdRequest(msg, s.marketData.depthMax);
    if (parsed.kind === 'reject') return this.#reject(session, parsed.mdReqId, parsed.reason, parsed.text);
    const r = parsed.request;
    if (s.marketData.access === 'N') return this.#reject(session, r.mdReqId, MDReqRejReason.InsufficientPermissions, 'this session is for orders only (MarketData=N)');
    if (r.kind === 'unsubscribe') return this.#unsubscribe(session, r.mdReqId);
    const unknown = r.symbols.length === 0 ? '' : r.symbols.find((symbol) => !this.#symbols.has(symbol));
    if (unknown !== undefined) return this.#reject(session, r.mdReqId, MDReqRejReason.UnknownSymbol, `unknown symbol ${JSON.stringify(unknown)}`);
    if (r.kind === 'snapshot') {
      for (const symbol of r.symbols) this.#snapshotOnce(session, r, symbol);
      return;
    }
    const md = this.#sessions.get(session.key) ?? new MdSession(session, s.marketData);
    if (md.byReqId.has(r.mdReqId)) return this.#reject(session, r.mdReqId, MDReqRejReason.DuplicateMdReqId, `MDReqID ${r.mdReqId} is subscribed already`);
    if (md.count + r.symbols.length > md.settings.subscriptionsMax) {
      return this.#reject(session, r.mdReqId, MDReqRejReason.InsufficientBandwidth,
        `too many subscriptions: ${md.count} symbols subscribed, ${r.symbols.length} more asked for, at most ${md.settings.subscriptionsMax}`);
    }
    this.#sessions.set(session.key, md);
    if (this.#flushScheduled) this.#flush(); // a view starts from a snapshot: no change may be pending behind it
    md.byReqId.set(r.mdReqId, r.symbols.map((symbol) => this.#subscribe(md, r, symbol)));
    md.count += r.symbols.length;
  }

  /** The command sequencer's listener: the books of subscribed symbols follow the events; fan-out once per batch. */
  readonly onEvents = (_sc: SequencedCommand, events: EngineEvent[]): void => {
    if (this.#watches.size === 0) return;
    for (let i = 0; i < events.length; i++) {
      const ev = events[i]!;
      if (ev.kind !== 'md') continue;
      const watch = this.#watches.get(ev.symbol);
      if (watch === undefined) continue;
      if (!watch.book.apply(ev)) this.#reload(watch);
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        process.nextTick(this.#flushBound); // after the rest of the batch: a sequencer hands a batch out in one run
      }
    }
  };

  /** Application.onLogout: the session's subscriptions end with it. */
  sessionGone(session: Session): void {
    const md = this.#sessions.get(session.key);
    if (md === undefined) return;
    for (const subs of md.byReqId.values()) for (const sub of subs) this.#remove(sub);
    this.#sessions.delete(session.key);
  }

  close(): void {
    if (this.#drainTimer !== null) clearInterval(this.#drainTimer);
    this.#drainTimer = null;
  }

  /** Subscriptions now (symbols over all sessions). */
  get subscriptionCount(): number {
    let n = 0;
    for (const w of this.#watches.values()) n += w.subs.size;
    return n;
  }

  // ---- requests ------------------------------------------------------------------------------------

  #reject(session: Session, mdReqId: string, reason: string | undefined, text: string): void {
    this.counts.rejects++;
    session.send(MsgType.MarketDataRequestReject, rejectBody(mdReqId, reason, text));
  }

  #unsubscribe(session: Session, mdReqId: string): void {
    const md = this.#sessions.get(session.key);
    const subs = md?.byReqId.get(mdReqId);
    if (md === undefined || subs === undefined) return this.#reject(session, mdReqId, undefined, `MDReqID ${mdReqId} is not subscribed`);
    for (const sub of subs) this.#remove(sub);
    md.byReqId.delete(mdReqId);
    md.count -= subs.length;
  }

  /** 263=0: the book now, from this station's copy when the symbol is watched, else from the engine. */
  #snapshotOnce(session: Session, r: MdRequest, symbol: string): void {
    const watch = this.#watches.get(symbol);
    if (watch !== undefined) {
      if (this.#flushScheduled) this.#flush();
      const book = watch.book;
      const body = snapshotBody(r.mdReqId, symbol, levels(book.bids.top(r.depth)), levels(book.asks.top(r.depth)), book.lastTrade, r.entryTypes,
        this.#snapshotRptSeq(book.mdSeq));
      session.send(MsgType.MarketDataSnapshotFullRefresh, body, mdSeqHeader(book.mdSeq), UNSTORED);
      this.counts.snapshots++;
      return;
    }
    const book = new MdBook(symbol, this.#engine.bookSnapshot(symbol, r.depth === 0 ? Number.MAX_SAFE_INTEGER : r.depth)!);
    const body = snapshotBody(r.mdReqId, symbol, levels(book.bids.top(0)), levels(book.asks.top(0)), book.lastTrade, r.entryTypes,
      this.#snapshotRptSeq(book.mdSeq));
    session.send(MsgType.MarketDataSnapshotFullRefresh, body, mdSeqHeader(book.mdSeq), UNSTORED);
    this.counts.snapshots++;
  }

  #subscribe(md: MdSession, r: MdRequest, symbol: string): MdSub {
    const watch = this.#watch(symbol);
    const sub = new MdSub(md, r.mdReqId, symbol, r.depth, r.entryTypes, r.incremental);
    watch.subs.add(sub);
    if (sub.depth === 0) {
      watch.fullSubs++;
    } else {
      let view = watch.views.get(sub.depth);
      if (view === undefined) watch.views.set(sub.depth, view = new DepthView(sub.depth, watch.book));
      view.subscribers++;
    }
    md.session.send(MsgType.MarketDataSnapshotFullRefresh, this.#snapshotBodyOf(watch, sub), mdSeqHeader(watch.book.mdSeq), UNSTORED);
    this.counts.snapshots++;
    return sub;
  }

  #watch(symbol: string): SymbolWatch {
    let watch = this.#watches.get(symbol);
    if (watch === undefined) {
      watch = { book: this.#load(symbol), subs: new Set(), views: new Map(), fullSubs: 0 };
      this.#watches.set(symbol, watch);
    }
    return watch;
  }

  #load(symbol: string): MdBook {
    return new MdBook(symbol, this.#engine.bookSnapshot(symbol, Number.MAX_SAFE_INTEGER)!);
  }

  /** A subscription ends: its symbol is no longer watched when it was the last one. */
  #remove(sub: MdSub): void {
    this.#waiting.delete(sub);
    const watch = this.#watches.get(sub.symbol);
    if (watch === undefined || !watch.subs.delete(sub)) return;
    if (sub.depth === 0) {
      watch.fullSubs--;
    } else {
      const view = watch.views.get(sub.depth)!;
      if (--view.subscribers === 0) watch.views.delete(sub.depth);
    }
    if (watch.subs.size === 0) this.#watches.delete(sub.symbol);
  }

  /** The sub's view now: the full book, or the view of its depth (which every subscriber of that depth shares). */
  #snapshotBodyOf(watch: SymbolWatch, sub: MdSub) {
    const view = sub.depth === 0 ? undefined : watch.views.get(sub.depth)!;
    const bids = view === undefined ? watch.book.bids.top(0) : view.bids;
    const asks = view === undefined ? watch.book.asks.top(0) : view.asks;
    return snapshotBody(sub.mdReqId, sub.symbol, levels(bids), levels(asks), watch.book.lastTrade, sub.types, this.#snapshotRptSeq(watch.book.mdSeq));
  }

  #snapshotRptSeq(mdSeq: number): number | undefined {
    return this.#rptSeq.inSnapshot ? mdSeq : undefined;
  }

  // ---- fan-out -------------------------------------------------------------------------------------

  #flush(): void {
    this.#flushScheduled = false;
    try {
      for (const watch of this.#watches.values()) if (watch.book.dirty) this.#publish(watch);
      if (this.#waiting.size > 0) this.#drain();
    } finally {
      this.#batch.end(); // a session's output is never left held
    }
  }

  /** One batch's changes of a symbol to each of its subscribers. */
  #publish(watch: SymbolWatch): void {
    const book = watch.book;
    const full = watch.fullSubs > 0 ? fullBookEntries(book) : NO_ENTRIES;
    for (const view of watch.views.values()) view.update(book);
    for (const sub of watch.subs) this.#deliver(watch, sub, sub.depth === 0 ? full : watch.views.get(sub.depth)!.entries);
    book.takeChanges();
  }

  #deliver(watch: SymbolWatch, sub: MdSub, entries: readonly MdEntry[]): void {
    const count = countFor(entries, sub.types);
    const md = sub.owner;
    if (count === 0 || !md.session.isLoggedOn) return;
    if (sub.holding || md.backedUp) {
      if (!sub.holding) this.counts.heldBack++;
      if (!sub.incremental) sub.snapshotDue = true;
      else if (!sub.snapshotDue && !sub.hold(entries)) this.counts.resnapshots++; // outgrew the bound just now
      this.#wait(sub);
    } else if (!sub.incremental) {
      this.#sendSnapshot(watch, sub);
    } else {
      this.#sendIncrement(watch, sub, entries, count);
    }
  }

  #sendSnapshot(watch: SymbolWatch, sub: MdSub): void {
    this.#batch.send(sub.owner.session, MsgType.MarketDataSnapshotFullRefresh, this.#snapshotBodyOf(watch, sub), mdSeqHeader(watch.book.mdSeq), UNSTORED);
    this.counts.snapshots++;
  }

  #sendIncrement(watch: SymbolWatch, sub: MdSub, entries: readonly MdEntry[], count: number): void {
    this.#batch.send(sub.owner.session, MsgType.MarketDataIncrementalRefresh, incrementBody(sub.mdReqId, sub.symbol, entries, sub.types, count,
      this.#rptSeq.increment !== null ? { places: this.#rptSeq, mdSeq: watch.book.mdSeq } : undefined),
      mdSeqHeader(watch.book.mdSeq), UNSTORED);
    this.counts.increments++;
  }

  #wait(sub: MdSub): void {
    this.#waiting.add(sub);
    if (this.#drainTimer !== null) return;
    this.#drainTimer = setInterval(() => this.#guarded(() => {
      try { this.#drain(); } finally { this.#batch.end(); }
    }), DRAIN_INTERVAL_MS);
    this.#drainTimer.unref();
  }

  /** Subscriptions whose peer caught up get what was held back: one X, or a fresh W when it outgrew its bound. */
  #drain(): void {
    for (const sub of this.#waiting) {
      const watch = this.#watches.get(sub.symbol);
      if (watch === undefined || !watch.subs.has(sub)) { this.#waiting.delete(sub); continue; }
      const session = sub.owner.session;
      if (!session.isLoggedOn || sub.owner.backedUp) continue;
      this.#waiting.delete(sub);
      if (sub.snapshotDue) {
        sub.snapshotDue = false;
        sub.drop();
        this.#sendSnapshot(watch, sub);
        continue;
      }
      const entries = sub.release();
      const count = countFor(entries, sub.types);
      if (count > 0) this.#sendIncrement(watch, sub, entries, count);
    }
    if (this.#waiting.size === 0 && this.#drainTimer !== null) {
      clearInterval(this.#drainTimer);
      this.#drainTimer = null;
    }
  }

  #guarded(run: () => void): void {
    try {
      run();
    } catch (err) {
      this.#log.error({ err }, 'FIX market data: fan-out failed');
    }
  }

  /** The book did not follow the events (cannot happen while this station sees every event): the engine's book is the
   *  truth, and every subscriber of the symbol gets a fresh snapshot. */
  #reload(watch: SymbolWatch): void {
    this.#log.warn({ symbol: watch.book.symbol, mdSeq: watch.book.mdSeq }, 'FIX market data: md sequence gap, book reloaded');
    watch.book = this.#load(watch.book.symbol);
    for (const [depth, view] of watch.views) {
      const fresh = new DepthView(depth, watch.book);
      fresh.subscribers = view.subscribers;
      watch.views.set(depth, fresh);
    }
    for (const sub of watch.subs) {
      sub.drop();
      sub.snapshotDue = true;
      this.#wait(sub);
    }
  }
}

function levels(rows: ReadonlyArray<[number, MdLevel]>): MdLevel[] {
  return rows.map((r) => r[1]);
}
