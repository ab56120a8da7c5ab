// Requests submitted to the command log and not yet answered, by the gateway's own ref: what their replies echo, the
// inbound message each holds (Session.hold) until its replies are stored, and the ClOrdIDs of the NewOrders among
// them per session (a resend's duplicate-ClOrdID check looks here as well as in the engine). The one place an order
// in flight is held. Refs count up and at most `pendingMax` are outstanding (the sequencer's bound), so a ring finds
// them; the per-session sets are bounded by the sessions, their contents by the ring.
import type { InboundHold } from '../session/session.js';
import { RefRing } from './ref-ring.js';
import type { RequestEcho } from './requests.js';

export interface InFlightRequest {
  readonly ref: number;
  readonly echo: RequestEcho;
  readonly hold: InboundHold;
  /** The command is a NewOrder with echo.clOrdId (not, e.g., a resent one turned into a status request). */
  readonly newOrder: boolean;
}

export class InFlight {
  readonly #byRef: RefRing<InFlightRequest>;
  readonly #newOrders = new Map<string, Set<string>>();
  #refLast = 0;

  constructor(pendingMax: number) {
    this.#byRef = new RefRing(pendingMax);
  }

  /** The ref the next request will have (it is the submit's `ref`); add() it once the submit succeeded. */
  nextRef(): number {
    return this.#refLast + 1;
  }

  add(echo: RequestEcho, hold: InboundHold, newOrder: boolean): InFlightRequest {
    const request = { ref: ++this.#refLast, echo, hold, newOrder };
    this.#byRef.add(request);
    if (newOrder) {
      let ids = this.#newOrders.get(echo.session);
      if (ids === undefined) this.#newOrders.set(echo.session, ids = new Set());
      ids.add(echo.clOrdId);
    }
    return request;
  }

  /** The request of `ref`, no longer in flight; undefined when it is not ours (or gone). */
  take(ref: number | undefined): InFlightRequest | undefined {
    if (ref === undefined) return undefined;
    const request = this.#byRef.take(ref);
    if (request?.newOrder === true) this.#newOrders.get(request.echo.session)?.delete(request.echo.clOrdId);
    return request;
  }

  /** NewOrders of `session` in flight (its session must not be released meanwhile). */
  newOrdersOf(session: string): number {
    return this.#newOrders.get(session)?.size ?? 0;
  }

  hasNewOrder(session: string, clOrdId: string): boolean {
    return this.#newOrders.get(session)?.has(clOrdId) ?? false;
  }
}
