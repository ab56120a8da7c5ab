// Station: reference data over FIX, answered at once from the engine's configuration and reads (nothing goes through
// the command log). SecurityListRequest (x) → SecurityList (y) of every instrument (or one); SecurityDefinitionRequest
// (c) → SecurityDefinition (d); TradingSessionStatusRequest (g) → TradingSessionStatus (h) per instrument, and, for a
// subscription (263=1), an unsolicited h whenever an instrument's trading status changes (halt, resume, circuit
// breaker). Each instrument trades in a trading session of its own, named by its symbol (TradingSessionID = symbol):
// FIX 4.4's h has no instrument, so that is how it says which one. What FIX 4.4 has no field for (tick size,
// maximum quantity, trading status in y and d) goes in InstrAttribType 99 (text) entries as NAME=value, with the
// FIX 5.0 field's name. docs/fix-market-data.md.
import type { FixMessage } from '../fix/message.js';
import {
  MsgType, SecurityListRequestType, SecurityRequestResult, SecurityRequestType, SecurityResponseType, SubscriptionRequestType,
  Tag, TradSesStatus, TradSesStatusRejReason,
} from '../fix/names.js';
import type { FieldList } from '../fix/types.js';
import type { Session } from '../session/session.js';
import type { EngineEvent, Instrument, SequencedCommand, TradingStatus } from '../engine/index.js';
import type { EngineReads } from './seam.js';

/** InstrAttribType(871) 99: text. */
const ATTRIBUTE_TEXT = '99';
/** Status subscriptions one session may hold. */
const STATUS_SUBSCRIPTIONS_MAX = 100;
const TRAD_SES_STATUS: Record<TradingStatus, number> = { Open: TradSesStatus.Open, Halted: TradSesStatus.Halted, Closed: TradSesStatus.Closed };
/** SecurityTradingStatus(326) values a FIX 5.0 reader knows: 17 ready to trade, 2 halt, 18 not available. */
const SECURITY_TRADING_STATUS: Record<TradingStatus, number> = { Open: 17, Halted: 2, Closed: 18 };

interface StatusSubscription { session: Session; reqId: string; symbol: string | undefined }

export class ReferenceData {
  readonly #engine: EngineReads;
  /** TradingSessionStatus subscriptions by session key. */
  readonly #statusSubs = new Map<string, StatusSubscription[]>();
  #responseIdLast = 0;

  constructor(engine: EngineReads) {
    this.#engine = engine;
  }

  receive(session: Session, msg: FixMessage): void {
    switch (msg.msgType) {
      case MsgType.SecurityListRequest: return this.#securityList(session, msg);
      case MsgType.SecurityDefinitionRequest: return this.#securityDefinition(session, msg);
      case MsgType.TradingSessionStatusRequest: return this.#tradingSessionStatus(session, msg);
    }
  }

  /** The command sequencer's listener: trading status changes to the status subscribers. */
  readonly onEvents = (sc: SequencedCommand, events: EngineEvent[]): void => {
    if (this.#statusSubs.size === 0) return;
    for (const ev of events) {
      if (ev.kind !== 'md' || ev.status === null) continue;
      const text = (sc.cmd.type === 'Halt' || sc.cmd.type === 'Resume') && sc.cmd.text !== undefined ? sc.cmd.text : undefined;
      for (const subs of this.#statusSubs.values()) {
        for (const s of subs) if (s.symbol === undefined || s.symbol === ev.symbol) this.#sendStatus(s.session, s.reqId, ev.symbol, ev.status, true, text);
      }
    }
  };

  sessionGone(session: Session): void {
    this.#statusSubs.delete(session.key);
  }

  // ---- x → y ---------------------------------------------------------------------------------------

  #securityList(session: Session, msg: FixMessage): void {
    const reqId = msg.get(Tag.SecurityReqID) ?? '';
    const type = msg.getInt(Tag.SecurityListRequestType);
    const symbol = msg.get(Tag.Symbol);
    const tradingSession = msg.get(Tag.TradingSessionID);
    const all = this.#engine.config.instruments;
    let chosen: readonly Instrument[];
    if (type === SecurityListRequestType.AllSecurities) chosen = all;
    else if (type === SecurityListRequestType.Symbol && symbol !== undefined) chosen = all.filter((i) => i.symbol === symbol);
    else if (type === SecurityListRequestType.TradingSessionId && tradingSession !== undefined) chosen = all.filter((i) => i.symbol === tradingSession);
    // supported: 0 with a Symbol, 3 with a TradingSessionID (the symbol), 4 all securities
    else return this.#securityListFailed(session, reqId, SecurityRequestResult.InvalidOrUnsupportedRequest);
    if (chosen.length === 0) return this.#securityListFailed(session, reqId, SecurityRequestResult.NoInstrumentsFound);
    const body: FieldList = [[Tag.SecurityReqID, reqId], [Tag.SecurityResponseID, this.#responseId()],
      [Tag.SecurityRequestResult, String(SecurityRequestResult.ValidRequest)], [Tag.TotNoRelatedSym, String(chosen.length)],
      [Tag.LastFragment, 'Y'], [Tag.NoRelatedSym, String(chosen.length)]];
    for (const inst of chosen) this.#instrumentFields(inst, body, true);
    session.send(MsgType.SecurityList, body);
  }

  /** y has no Text of its own in FIX 4.4 (only per instrument): the result code says it all. */
  #securityListFailed(session: Session, reqId: string, result: number): void {
    session.send(MsgType.SecurityList, [[Tag.SecurityReqID, reqId], [Tag.SecurityResponseID, this.#responseId()],
      [Tag.SecurityRequestResult, String(result)], [Tag.TotNoRelatedSym, '0'], [Tag.LastFragment, 'Y']]);
  }

  /** One instrument, in SecListGrp's order (inSecurityList) or as d's body fields. */
  #instrumentFields(inst: Instrument, out: FieldList, inSecurityList: boolean): void {
    const c = inst.config;
    const status = this.#statusOf(inst.symbol);
    out.push([Tag.Symbol, inst.symbol], [Tag.NoInstrAttrib, '3'],
      [Tag.InstrAttribType, ATTRIBUTE_TEXT], [Tag.InstrAttribValue, `MinPriceIncrement=${c.tickSize}`],
      [Tag.InstrAttribType, ATTRIBUTE_TEXT], [Tag.InstrAttribValue, `MaxTradeVol=${c.maxQty}`],
      [Tag.InstrAttribType, ATTRIBUTE_TEXT], [Tag.InstrAttribValue, `SecurityTradingStatus=${SECURITY_TRADING_STATUS[status]}`],
      [Tag.Currency, inst.quote.name]);
    if (inSecurityList) out.push([Tag.RoundLot, c.lotSize], [Tag.MinTradeVol, c.minQty], [Tag.TradingSessionID, inst.symbol]);
    else out.push([Tag.TradingSessionID, inst.symbol], [Tag.RoundLot, c.lotSize], [Tag.MinTradeVol, c.minQty]);
  }

  #statusOf(symbol: string): TradingStatus {
    return this.#engine.bookSnapshot(symbol, 0)?.status ?? 'Closed';
  }

  #responseId(): string {
    return String(++this.#responseIdLast);
  }

  // ---- c → d ---------------------------------------------------------------------------------------

  #securityDefinition(session: Session, msg: FixMessage): void {
    const reqId = msg.get(Tag.SecurityReqID) ?? '';
    const type = msg.getInt(Tag.SecurityRequestType);
    const symbol = msg.get(Tag.Symbol);
    const head: FieldList = [[Tag.SecurityReqID, reqId], [Tag.SecurityResponseID, this.#responseId()]];
    const one = type === SecurityRequestType.RequestSecurityIdentityAndSpecifications || type === SecurityRequestType.RequestSecurityIdentityForSpecifications;
    if (!one) {
      session.send(MsgType.SecurityDefinition, [...head, [Tag.SecurityResponseType, String(SecurityResponseType.RejectSecurityProposal)],
        [Tag.Text, 'SecurityRequestType 0 or 1 with a Symbol; for a list of instruments use SecurityListRequest (x)']]);
      return;
    }
    const inst = symbol === undefined ? undefined : this.#engine.config.instrumentBySymbol.get(symbol);
    if (inst === undefined) {
      session.send(MsgType.SecurityDefinition, [...head, [Tag.SecurityResponseType, String(SecurityResponseType.CannotMatchSelectionCriteria)],
        ...(symbol !== undefined ? [[Tag.Symbol, symbol] as [number, string]] : []), [Tag.Text, `unknown symbol ${JSON.stringify(symbol ?? '')}`]]);
      return;
    }
    const body: FieldList = [...head, [Tag.SecurityResponseType, String(SecurityResponseType.AcceptAsIs)]];
    this.#instrumentFields(inst, body, false);
    session.send(MsgType.SecurityDefinition, body);
  }

  // ---- g → h ---------------------------------------------------------------------------------------

  #tradingSessionStatus(session: Session, msg: FixMessage): void {
    const reqId = msg.get(Tag.TradSesReqID) ?? '';
    const wanted = msg.get(Tag.TradingSessionID);
    const type = msg.get(Tag.SubscriptionRequestType);
    if (type === SubscriptionRequestType.DisablePreviousSnapshot) {
      const subs = this.#statusSubs.get(session.key)?.filter((s) => s.reqId !== reqId);
      if (subs === undefined || subs.length === 0) this.#statusSubs.delete(session.key);
      else this.#statusSubs.set(session.key, subs);
      return;
    }
    const instruments = this.#engine.instruments().filter((i) => wanted === undefined || i.symbol === wanted);
    if (instruments.length === 0) return this.#statusRejected(session, reqId, wanted ?? '', TradSesStatusRejReason.UnknownOrInvalidTradingSessionId, 'unknown TradingSessionID: each instrument\'s is its symbol');
    if (type === SubscriptionRequestType.SnapshotAndUpdates) {
      const subs = this.#statusSubs.get(session.key) ?? [];
      if (subs.length >= STATUS_SUBSCRIPTIONS_MAX) return this.#statusRejected(session, reqId, wanted ?? '', TradSesStatusRejReason.Other, `at most ${STATUS_SUBSCRIPTIONS_MAX} status subscriptions per session`);
      subs.push({ session, reqId, symbol: wanted });
      this.#statusSubs.set(session.key, subs);
    }
    for (const i of instruments) this.#sendStatus(session, reqId, i.symbol, i.status, false, undefined);
  }

  #sendStatus(session: Session, reqId: string, symbol: string, status: TradingStatus, unsolicited: boolean, text: string | undefined): void {
    if (!session.isLoggedOn) return;
    const body: FieldList = [[Tag.TradSesReqID, reqId], [Tag.TradingSessionID, symbol], [Tag.UnsolicitedIndicator, unsolicited ? 'Y' : 'N'],
      [Tag.TradSesStatus, String(TRAD_SES_STATUS[status])]];
    if (text !== undefined) body.push([Tag.Text, text]);
    session.send(MsgType.TradingSessionStatus, body);
  }

  #statusRejected(session: Session, reqId: string, tradingSession: string, reason: number, text: string): void {
    session.send(MsgType.TradingSessionStatus, [[Tag.TradSesReqID, reqId], [Tag.TradingSessionID, tradingSession],
      [Tag.TradSesStatus, String(TradSesStatus.RequestRejected)], [Tag.TradSesStatusRejReason, String(reason)], [Tag.Text, text]]);
  }
}
