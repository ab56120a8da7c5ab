// The private channels' updates: every applied command's events, for the accounts someone subscribed to, become
// `orders` (each report about an order of the account, from any channel), `fills` (each of its executions), `balances`
// (after a command that changed them) and `positions` (after a command with a fill of the account) messages, in seq
// order. Each message is made once per account and command and sent to every subscriber of that account, synchronously
// as the events are delivered, so a subscriber's updates follow the snapshot it was sent (taken in the same step as
// its subscription started) without a gap or an overlap.
import type { Engine, EngineEvent, ExecReport, SequencedCommand } from '../engine/index.js';
import { restBalances, restFillOfReport, restFillOfView, restOrderOfReport, restOrderOfView, restPosition } from './rest-views.js';

export type PrivateChannel = 'orders' | 'fills' | 'balances' | 'positions';
export const PRIVATE_CHANNELS: ReadonlySet<string> = new Set<PrivateChannel>(['orders', 'fills', 'balances', 'positions']);

/** A connection logged in with an account's key. */
export interface Subscriber {
  readonly account: string;
  readonly channels: Set<PrivateChannel>;
  send(text: string): void;
}

/** Fills sent with a fills subscription (the account's latest). */
const FILLS_SNAPSHOT_MAX = 100;
const OPEN_ORDERS_SNAPSHOT_MAX = 1000;

export interface EventSource {
  onEvents(listener: (sc: SequencedCommand, events: EngineEvent[]) => void): () => void;
}

interface Touched { trade: boolean }

export class AccountFeed {
  readonly #subscribers = new Map<string, Set<Subscriber>>();
  /** The balances text each account's subscribers were sent last: a command that did not change them sends nothing. */
  readonly #balancesSent = new Map<string, string>();
  readonly #unsubscribe: () => void;

  constructor(private readonly engine: Engine, events: EventSource) {
    this.#unsubscribe = events.onEvents(this.#onEvents);
  }

  /** Starts `channel` for the subscriber; returns the snapshot to send it now, before any update. */
  add(sub: Subscriber, channel: PrivateChannel): string {
    sub.channels.add(channel);
    let subs = this.#subscribers.get(sub.account);
    if (subs === undefined) this.#subscribers.set(sub.account, subs = new Set());
    subs.add(sub);
    const head = `{"channel":"${channel}","type":"snapshot","seq":${this.engine.lastSeq},`;
    switch (channel) {
      case 'orders': return head + `"orders":${JSON.stringify(this.engine.openOrders(sub.account, OPEN_ORDERS_SNAPSHOT_MAX).map(restOrderOfView))}}`;
      case 'fills': return head + `"fills":${JSON.stringify(this.engine.accountFills(sub.account, FILLS_SNAPSHOT_MAX).map(restFillOfView))}}`;
      case 'balances': {
        const text = JSON.stringify(restBalances(this.engine.balances(sub.account) ?? []));
        this.#balancesSent.set(sub.account, text);
        return head + `"balances":${text}}`;
      }
      case 'positions': return head + `"positions":${JSON.stringify((this.engine.positions(sub.account) ?? []).map(restPosition))}}`;
    }
  }

  remove(sub: Subscriber, channel: PrivateChannel): void {
    sub.channels.delete(channel);
    if (sub.channels.size === 0) this.removeAll(sub);
  }

  removeAll(sub: Subscriber): void {
    sub.channels.clear();
    const subs = this.#subscribers.get(sub.account);
    if (subs === undefined || !subs.delete(sub) || subs.size > 0) return;
    this.#subscribers.delete(sub.account);
    this.#balancesSent.delete(sub.account);
  }

  close(): void {
    this.#unsubscribe();
  }

  readonly #onEvents = (sc: SequencedCommand, events: EngineEvent[]): void => {
    if (this.#subscribers.size === 0) return;
    let touched: Map<string, Touched> | null = null;
    for (const ev of events) {
      let account: string;
      if (ev.kind === 'exec') {
        if (ev.execType === 'OrderStatus' || !this.#subscribers.has(ev.account)) continue;
        this.#report(ev);
        account = ev.account;
      } else if (ev.kind === 'balance') {
        if (!ev.ok || ev.duplicate || !this.#subscribers.has(ev.account)) continue;
        account = ev.account;
      } else {
        continue;
      }
      touched ??= new Map();
      const t = touched.get(account);
      const trade = ev.kind === 'exec' && ev.execType === 'Trade';
      if (t === undefined) touched.set(account, { trade }); else t.trade ||= trade;
    }
    if (touched !== null) for (const [account, t] of touched) this.#afterCommand(sc.seq, account, t);
  };

  #report(ev: ExecReport): void {
    const subs = this.#subscribers.get(ev.account)!;
    const extra = `${ev.rejectReason !== null ? `,"rejectReason":"${ev.rejectReason}"` : ''}${ev.text !== null ? `,"text":${JSON.stringify(ev.text)}` : ''}`;
    this.#send(subs, 'orders', () => `{"channel":"orders","type":"update","seq":${ev.seq},"execType":"${ev.execType.toLowerCase()}",`
      + `"order":${JSON.stringify(restOrderOfReport(ev))}${extra}}`);
    if (ev.execType === 'Trade') {
      this.#send(subs, 'fills', () => `{"channel":"fills","type":"update","seq":${ev.seq},"fill":${JSON.stringify(restFillOfReport(ev))}}`);
    }
  }

  /** Balances and positions once per command, read from the engine right after it (these listeners run in the step
   *  the command is applied, before the next one). */
  #afterCommand(seq: number, account: string, t: Touched): void {
    const subs = this.#subscribers.get(account)!;
    if ([...subs].some((s) => s.channels.has('balances'))) {
      const text = JSON.stringify(restBalances(this.engine.balances(account) ?? []));
      if (this.#balancesSent.get(account) !== text) {
        this.#balancesSent.set(account, text);
        this.#send(subs, 'balances', () => `{"channel":"balances","type":"update","seq":${seq},"balances":${text}}`);
      }
    }
    if (t.trade) {
      this.#send(subs, 'positions', () =>
        `{"channel":"positions","type":"update","seq":${seq},"positions":${JSON.stringify((this.engine.positions(account) ?? []).map(restPosition))}}`);
    }
  }

  /** Sends to the subscribers of `channel`, making the text once (only when someone wants it). */
  #send(subs: Set<Subscriber>, channel: PrivateChannel, text: () => string): void {
    let made: string | null = null;
    for (const s of subs) if (s.channels.has(channel)) s.send(made ??= text());
  }
}
