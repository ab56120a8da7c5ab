// Station: order entry. An inbound application message becomes an engine command submitted to the command log, or
// an answer instead: the session is not configured or the gateway is closing, the message rate is exceeded (throttle),
// a drop-copy session sent an order, the message type is not supported, a field cannot be translated, the log is
// overloaded or stopped. A resent order (PossResend or PossDupFlag) whose ClOrdID is known becomes a status request, so
// it is never entered twice. A submitted request holds its inbound MsgSeqNum until its replies are stored (replies.ts
// releases it), and is in flight (in-flight.ts) until then. A session's disconnect submits its cancel-on-disconnect.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { FixMessage } from '../fix/message.js';
import { MsgType, PossDupFlag, PossResend, Tag } from '../fix/names.js';
import { BusinessRejectReason, type AppVerdict } from '../session/application.js';
import type { Session } from '../session/session.js';
import { SequencerOverloadedError, SequencerUnavailableError, type Command } from '../engine/index.js';
import type { GatewaySession } from './config.js';
import type { InFlight } from './in-flight.js';
import type { LogBatchTimer } from './log-batch-timer.js';
import type { GatewayMetrics } from './metrics.js';
import { echoOf, translate } from './requests.js';
import { massCancelRejectedReport } from './reports.js';
import type { CommandSequencer, EngineReads } from './seam.js';
import { Throttle } from './throttle.js';
import type { ThrottleInfo } from './sessions.js';

export interface OrderEntryOptions {
  sequencer: CommandSequencer;
  engine: EngineReads;
  inFlight: InFlight;
  settingsOf: (session: Session) => GatewaySession | undefined;
  metrics: GatewayMetrics;
  logBatch: LogBatchTimer;
  log: Logger;
  /** True once the gateway is closing: new requests are refused. */
  closing: () => boolean;
  /** Cluster mode: the dedupe id of a message's command (hosting.ts), so a resend to another node is entered once. */
  dedupeIdOf?: (session: Session, msg: FixMessage) => string;
  /** Reads (market data, reference data, trade capture), answered by their stations instead of the command log. */
  dataRequests?: { handles(msgType: string): boolean; receive(session: Session, msg: FixMessage, s: GatewaySession): void };
}

const notAvailable = (text: string): AppVerdict => ({ kind: 'businessReject', reason: BusinessRejectReason.ApplicationNotAvailable, text });

export class OrderEntry {
  readonly #o: OrderEntryOptions;
  readonly #throttle = new Throttle();

  constructor(o: OrderEntryOptions) {
    this.#o = o;
  }

  /** Application.fromApp: a verified, in-sequence application message of `session`. */
  receive(session: Session, msg: FixMessage): AppVerdict | void {
    const receivedMs = performance.now();
    const s = this.#o.settingsOf(session);
    if (s === undefined) return notAvailable('Session not configured');
    if (this.#o.closing()) return notAvailable('Gateway shutting down');
    // A session logging out (throttle abuse, shutdown) has nothing more entered.
    if (session.isLoggingOut) return notAvailable('Session is logging out');
    const limited = this.#throttled(session, s);
    if (limited !== undefined) return limited;
    this.#o.metrics.messagesReceived.inc(msg.msgType);
    const data = this.#o.dataRequests;
    if (data !== undefined && data.handles(msg.msgType)) return data.receive(session, msg, s);
    if (s.sessionType === 'dropcopy') {
      this.#o.metrics.rejects.inc('DropCopySession');
      return { kind: 'businessReject', reason: BusinessRejectReason.NotAuthorized, text: 'A drop-copy session receives copies; it cannot send orders' };
    }
    // A client's BusinessMessageReject of something we sent is taken note of, never answered (no reject loops).
    if (msg.msgType === MsgType.BusinessMessageReject) {
      this.#o.log.debug({ session: session.key, refSeqNum: msg.get(Tag.RefSeqNum), text: msg.get(Tag.Text) }, 'client rejected a message');
      return;
    }
    if (s.marketData.access === 'Only') {
      this.#o.metrics.rejects.inc('MarketDataSession');
      return { kind: 'businessReject', reason: BusinessRejectReason.NotAuthorized, text: 'A market-data session (MarketData=Only) cannot send orders' };
    }
    return this.#translated(session, msg, receivedMs);
  }

  /** Application.onLogout of a trading session: its cancel-on-disconnect goes through the log like any command. */
  sessionGone(session: Session): void {
    this.#throttle.forget(session.key);
    const s = this.#o.settingsOf(session);
    if (s === undefined || s.sessionType !== 'trading' || this.#o.sequencer.error !== null) return;
    try {
      this.#o.sequencer.submit({ type: 'SessionDisconnected', session: session.key,
        ...(s.cancelOnDisconnect !== undefined ? { cancelOnDisconnect: s.cancelOnDisconnect } : {}) });
    } catch (err) {
      this.#o.log.error({ session: session.key, err }, 'could not submit SessionDisconnected');
    }
  }

  /** The session's message rate now, against its limit (GET /api/v1/sessions). */
  throttleOf(session: Session): ThrottleInfo | undefined {
    const s = this.#o.settingsOf(session);
    if (s === undefined) return undefined;
    const w = this.#throttle.windowOf(session.key, Date.now());
    return { maxMessagesPerSecond: s.maxMessagesPerSecond, messagesThisSecond: w.messages, refusedThisSecond: w.refused, throttled: w.refused > 0 };
  }

  /** Application.onLogon: a fresh message-rate window. */
  sessionStarted(session: Session): void {
    this.#throttle.forget(session.key);
  }

  #throttled(session: Session, s: GatewaySession): AppVerdict | undefined {
    const verdict = this.#throttle.check(session.key, s.maxMessagesPerSecond, s.throttleMaxRejectsPerSecond, Date.now());
    if (verdict === 'ok') return undefined;
    this.#o.metrics.rejects.inc('Throttle');
    if (verdict === 'logout') {
      this.#o.log.warn({ session: session.key, limit: s.maxMessagesPerSecond }, 'logging out a session that keeps exceeding its message rate');
      session.logout(`Throttle limit exceeded persistently (more than ${s.maxMessagesPerSecond} messages per second)`);
    }
    return { kind: 'businessReject', reason: BusinessRejectReason.Other, text: `Throttle limit exceeded: more than ${s.maxMessagesPerSecond} messages per second` };
  }

  #translated(session: Session, msg: FixMessage, receivedMs: number): AppVerdict | void {
    const t = translate(msg, session.key);
    switch (t.kind) {
      case 'unsupported':
        this.#o.metrics.rejects.inc('UnsupportedMessageType');
        return { kind: 'businessReject', reason: BusinessRejectReason.UnsupportedMessageType, text: 'Unsupported Message Type' };
      case 'reject':
        this.#o.metrics.rejects.inc('SessionReject');
        return { kind: 'reject', reason: t.reason, tag: t.tag, text: t.text };
      case 'massCancelRejected':
        this.#o.metrics.rejects.inc('MassCancelUnsupported');
        return { kind: 'reply', msgType: MsgType.OrderMassCancelReport,
          body: massCancelRejectedReport(msg.get(Tag.ClOrdID) ?? '', msg.get(Tag.MassCancelRequestType) ?? '', t.rejectReason, t.text) };
      case 'command': {
        const command = this.#unlessKnown(session, msg, t.command);
        // a known order's status request answers the resend anew: it is no copy of the message's first command
        const dedupeId = command === t.command ? this.#o.dedupeIdOf?.(session, msg) : undefined;
        return this.#submit(session, msg, command, receivedMs, dedupeId);
      }
    }
  }

  /** FIX test case 19: a PossResend order whose ClOrdID we already know is not entered again; the client gets the
   *  order's current state instead. The same for a PossDupFlag resend of an order, cancel or replace the gateway
   *  journaled but did not get to answer before a crash (its MsgSeqNum was held, so the restarted session asked for it). */
  #unlessKnown(session: Session, msg: FixMessage, command: Command): Command {
    if (command.type !== 'NewOrder' && command.type !== 'Cancel' && command.type !== 'Replace') return command;
    const resent = msg.get(Tag.PossResend) === PossResend.Yes || msg.get(Tag.PossDupFlag) === PossDupFlag.Yes;
    if (!resent) return command;
    const known = this.#o.engine.orderByClOrdId(session.key, command.clOrdId) !== null || this.#o.inFlight.hasNewOrder(session.key, command.clOrdId);
    return known ? { type: 'OrderStatus', session: session.key, clOrdId: command.clOrdId, symbol: command.symbol } : command;
  }

  #submit(session: Session, msg: FixMessage, command: Command, receivedMs: number, dedupeId: string | undefined): AppVerdict | void {
    const inFlight = this.#o.inFlight;
    try {
      this.#o.sequencer.submit(command, dedupeId === undefined ? { ref: inFlight.nextRef() } : { ref: inFlight.nextRef(), dedupeId });
    } catch (err) {
      return this.#notSubmitted(err);
    }
    this.#o.logBatch.submitted(receivedMs);
    inFlight.add(echoOf(msg, session.key, receivedMs), session.hold(msg), command.type === 'NewOrder');
  }

  #notSubmitted(err: unknown): AppVerdict {
    if (err instanceof SequencerOverloadedError) {
      this.#o.metrics.rejects.inc('Overloaded');
      return notAvailable('Gateway overloaded, try again later');
    }
    if (err instanceof SequencerUnavailableError) { // a replicated log that is away: nothing was entered
      this.#o.metrics.rejects.inc('LogUnavailable');
      return notAvailable('Order entry is not available: the command log cannot be reached, try again later');
    }
    this.#o.metrics.rejects.inc('EngineStopped');
    return notAvailable('Order entry is not available');
  }
}
