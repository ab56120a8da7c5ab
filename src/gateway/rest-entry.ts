// Station: order entry for the REST API and the private WebSocket. A request of an API key's account becomes an engine
// command on the same command sequencer as FIX orders (same journal, risk and engine), submitted with a ref of its own
// (refs.ts), and is answered from its events once the command is durable and applied.
//
// Every order of an account entered over REST or WebSocket is in one engine session, `REST:<account>`, so the engine's
// duplicate-ClOrdID rule is per account: a NewOrder whose client order id is in flight gets that request's result, one
// the engine knows (live, or done and still remembered) gets the order's state as it is now. A retried POST never
// enters an order twice and never meets a duplicate reject. A rejected order is not an order the engine remembers:
// a retry of it is evaluated again (and rejected again while the reason holds).
//
// A NewOrder, and an amend with the client's own client order id, go to the log with a dedupe id made of the account
// and that id (restDedupeId), so that in a log that deduplicates (the cluster's JetStream stream) the same request
// sent to two nodes, or again after a node died holding it, is entered once. When the log calls a submit a duplicate,
// the first one is applied already: a NewOrder the engine knows is answered with the order; anything else is
// submitted once more without the id, to be answered by the engine's own rules (a rejected order is evaluated again,
// a repeated amend meets the duplicate-ClOrdID rule), as in the single process.
import { randomBytes } from 'node:crypto';
import {
  SequencerOverloadedError, SequencerUnavailableError, type CancelCommand, type CancelReject, type Command, type EngineEvent, type ExecReport,
  type NewOrderCommand, type OrderView, type ReplaceCommand, type SequencedCommand,
} from '../engine/index.js';
import { nextOtherRef } from './refs.js';
import type { CommandSequencer } from './seam.js';

const REST_SESSION_PREFIX = 'REST:';

/** The engine session of an account's REST and WebSocket orders. */
export function restSessionOf(account: string): string { return REST_SESSION_PREFIX + account; }

/** True for an engine session of REST/WebSocket orders (answered here, not by a FIX session). */
export function isRestSession(session: string): boolean { return session.startsWith(REST_SESSION_PREFIX); }

/** The engine reads the station needs. */
export interface RestEngineReads {
  orderById(orderId: string): OrderView | null;
  orderByClOrdId(session: string, clOrdId: string): OrderView | null;
}

export interface RestEntryOptions {
  sequencer: CommandSequencer;
  engine: RestEngineReads;
  /** Requests in flight at most; more are answered 'busy'. */
  pendingMax: number;
  /** A request whose command has not been applied within this long is answered 'timeout' (it may still be applied). */
  timeoutMs: number;
}

/** A NewOrder as the account sends it: the station adds the session and the account. */
export type NewOrderFields = Omit<NewOrderCommand, 'type' | 'session' | 'account'>;
/** Which order a cancel or amend is about: the engine's order id, or any client order id of the order's chain. */
export type OrderTarget = { orderId: string } | { clientOrderId: string };
export interface AmendFields { orderQty: string; price?: string; stopPx?: string; clOrdId?: string }

export type EntryResult =
  /** The command was applied: its reports about the request's order (oldest first), or its cancel reject. `retry`: the
   *  result of an earlier request with the same client order id, which was in flight when this one came. */
  | { kind: 'applied'; seq: number; execs: ExecReport[]; cancelReject: CancelReject | null; retry: boolean }
  /** A NewOrder whose client order id the engine knows, for the same symbol, side and type: the order now. */
  | { kind: 'known'; order: OrderView }
  /** The client order id is another order's, or a request in flight with other fields has it. */
  | { kind: 'conflict'; order: OrderView | null }
  | { kind: 'unavailable'; reason: 'overloaded' | 'stopped' | 'busy' | 'timeout'; text: string };

interface Pending {
  readonly session: string;
  readonly clOrdId: string;
  readonly sinceMs: number;
  /** What was submitted: submitted again without its dedupe id when the log calls it a duplicate. */
  readonly cmd: Command;
  /** A NewOrder: its idempotency key and fields (a duplicate reject of it is answered as a retry); else null. */
  readonly newOrder: NewOrderRequest | null;
  readonly resolve: (r: EntryResult) => void;
}

interface NewOrderRequest {
  /** session + "\0" + clOrdId. */
  readonly key: string;
  readonly fields: NewOrderFields;
  /** The fields as text: a retry must send the same. */
  readonly text: string;
}

interface NewOrderInFlight { readonly text: string; readonly result: Promise<EntryResult> }

export class RestEntry {
  readonly #o: RestEntryOptions;
  /** By ref; a Map keeps insertion order, so the oldest requests come first for the timeout sweep. */
  readonly #pending = new Map<number, Pending>();
  readonly #newOrders = new Map<string, NewOrderInFlight>();
  readonly #sweep: NodeJS.Timeout;
  readonly #unsubscribe: () => void;

  constructor(o: RestEntryOptions) {
    this.#o = o;
    this.#unsubscribe = o.sequencer.onEvents(this.#onEvents);
    o.sequencer.onFatal((err) => this.#failAll(`order entry stopped: ${err.message}`));
    this.#sweep = setInterval(this.#expire, Math.max(10, Math.min(1000, o.timeoutMs / 4)));
    this.#sweep.unref();
  }

  get pendingCount(): number { return this.#pending.size; }

  place(account: string, fields: NewOrderFields): Promise<EntryResult> {
    const session = restSessionOf(account);
    const request: NewOrderRequest = { key: session + '\0' + fields.clOrdId, fields, text: JSON.stringify(fields) };
    const inFlight = this.#newOrders.get(request.key);
    if (inFlight !== undefined) {
      if (inFlight.text !== request.text) return Promise.resolve({ kind: 'conflict', order: null });
      return inFlight.result.then((r) => (r.kind === 'applied' ? { ...r, retry: true } : r));
    }
    const known = this.#known(session, fields);
    if (known !== null) return Promise.resolve(known);
    const cmd: NewOrderCommand = { type: 'NewOrder', session, account, ...fields };
    return this.#submit(cmd, session, fields.clOrdId, request, restDedupeId(account, fields.clOrdId) ?? undefined);
  }

  cancel(account: string, target: OrderTarget): Promise<EntryResult> {
    const session = restSessionOf(account);
    const clOrdId = generatedClOrdId();
    const cmd: CancelCommand = { type: 'Cancel', session, clOrdId, ...targetFields(target) };
    return this.#submit(cmd, session, clOrdId, null);
  }

  amend(account: string, target: OrderTarget, fields: AmendFields): Promise<EntryResult> {
    const session = restSessionOf(account);
    const clOrdId = fields.clOrdId ?? generatedClOrdId();
    const cmd: ReplaceCommand = {
      type: 'Replace', session, clOrdId, ...targetFields(target), orderQty: fields.orderQty,
      ...(fields.price !== undefined ? { price: fields.price } : {}), ...(fields.stopPx !== undefined ? { stopPx: fields.stopPx } : {}),
    };
    return this.#submit(cmd, session, clOrdId, null, restDedupeId(account, clOrdId) ?? undefined);
  }

  /** The log's verdict on a submit of ref: a duplicate of a command applied already (see the top of this file). */
  duplicate(ref: number | undefined): void {
    const p = ref === undefined ? undefined : this.#pending.get(ref);
    if (p === undefined) return;
    const known = p.newOrder !== null ? this.#known(p.session, p.newOrder.fields) : null;
    if (known !== null) { this.#finish(ref!, p, known); return; }
    try {
      this.#o.sequencer.submit(p.cmd, { ref: ref! });
    } catch (err) {
      this.#finish(ref!, p, unavailableOf(err));
    }
  }

  /** Stops listening; requests still in flight are answered 'stopped'. */
  close(): void {
    clearInterval(this.#sweep);
    this.#unsubscribe();
    this.#failAll('order entry closed');
  }

  /** The answer to a NewOrder whose client order id the engine knows: the order, or a conflict when it is another. */
  #known(session: string, fields: NewOrderFields): EntryResult | null {
    const known = this.#o.engine.orderByClOrdId(session, fields.clOrdId);
    if (known === null) return null;
    const same = known.symbol === fields.symbol && known.side === fields.side && known.ordType === fields.ordType;
    return same ? { kind: 'known', order: known } : { kind: 'conflict', order: known };
  }

  /** Submits the command and keeps the request until its events come; a NewOrder is in flight by its key meanwhile. */
  #submit(cmd: Command, session: string, clOrdId: string, newOrder: NewOrderRequest | null, dedupeId?: string): Promise<EntryResult> {
    if (this.#pending.size >= this.#o.pendingMax) {
      return Promise.resolve({ kind: 'unavailable', reason: 'busy', text: `more than ${this.#o.pendingMax} requests in flight, try again` });
    }
    const ref = nextOtherRef();
    try {
      this.#o.sequencer.submit(cmd, dedupeId === undefined ? { ref } : { ref, dedupeId });
    } catch (err) {
      return Promise.resolve(unavailableOf(err));
    }
    const result = new Promise<EntryResult>((resolve) => { this.#pending.set(ref, { session, clOrdId, sinceMs: Date.now(), cmd, newOrder, resolve }); });
    if (newOrder !== null) this.#newOrders.set(newOrder.key, { text: newOrder.text, result });
    return result;
  }

  /** The sequencer's listener: a command of ours is answered from its events, in the same step they are delivered. */
  readonly #onEvents = (sc: SequencedCommand, events: EngineEvent[], ref: number | undefined): void => {
    if (ref === undefined || ref >= 0) return;
    const p = this.#pending.get(ref);
    if (p === undefined) return;
    const execs: ExecReport[] = [];
    let cancelReject: CancelReject | null = null;
    for (const ev of events) {
      if (ev.kind === 'exec' && ev.session === p.session && ev.clOrdId === p.clOrdId) execs.push(ev);
      else if (ev.kind === 'cancelReject' && ev.session === p.session && ev.clOrdId === p.clOrdId) cancelReject = ev;
    }
    // Another node (or an amend) took the client order id between the check and the command: answered as a retry.
    const raced = p.newOrder !== null && execs.length === 1 && execs[0]!.rejectReason === 'DuplicateClOrdId' ? this.#known(p.session, p.newOrder.fields) : null;
    this.#finish(ref, p, raced ?? { kind: 'applied', seq: sc.seq, execs, cancelReject, retry: false });
  };

  #finish(ref: number, p: Pending, result: EntryResult): void {
    this.#pending.delete(ref);
    if (p.newOrder !== null) this.#newOrders.delete(p.newOrder.key);
    p.resolve(result);
  }

  readonly #expire = (): void => {
    const before = Date.now() - this.#o.timeoutMs;
    for (const [ref, p] of this.#pending) {
      if (p.sinceMs > before) break;
      this.#finish(ref, p, { kind: 'unavailable', reason: 'timeout', text: `not applied within ${this.#o.timeoutMs} ms: ask for the order's status` });
    }
  };

  #failAll(text: string): void {
    for (const [ref, p] of [...this.#pending]) this.#finish(ref, p, { kind: 'unavailable', reason: 'stopped', text });
  }
}

/** The dedupe id of an account's request with the client's own client order id: the same on every node; null for
 *  an id the station made up (generatedClOrdId: a retry cannot repeat it). Both parts percent-encoded: the account
 *  may hold any character, and a message header must not hold a line break. */
export function restDedupeId(account: string, clOrdId: string): string | null {
  return clOrdId.startsWith('~') ? null : `rest:${encodeURIComponent(account)}:${encodeURIComponent(clOrdId)}`;
}

function unavailableOf(err: unknown): EntryResult {
  if (err instanceof SequencerOverloadedError) return { kind: 'unavailable', reason: 'overloaded', text: 'gateway overloaded, try again later' };
  return { kind: 'unavailable', reason: 'stopped', text: err instanceof SequencerUnavailableError
    ? 'order entry is not available: the command log cannot be reached, try again later' : 'order entry is not available' };
}

/** A cancel's or amend's own client order id when the client gives none: "~" and 16 random characters, which no
 *  client order id can be (they never start with "~"). */
export function generatedClOrdId(): string {
  return '~' + randomBytes(12).toString('base64url');
}

function targetFields(target: OrderTarget): { orderId: string } | { origClOrdId: string } {
  return 'orderId' in target ? { orderId: target.orderId } : { origClOrdId: target.clientOrderId };
}
