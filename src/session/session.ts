// One FIX session's protocol state machine (FIX 4.4 session layer, QuickFIX semantics): logon,
// heartbeats and TestRequest, sequence checks with ResendRequest and queueing, SequenceReset,
// PossDup handling, resend from the store, session-level Reject, Logout. Transport: one socket at a
// time, attached by the acceptor or the initiator.
import type { Socket } from 'node:net';
import { parseMessage, type FixMessage } from '../fix/message.js';
import type { Frame } from '../fix/framer.js';
import { encodeMessage, encodeMessageWith, fieldsOf, type BodyWriter, type EncodeNotes } from '../fix/encode.js';
import { formatUtcTimestamp, parseUtcTimestamp, type TimestampDigits } from '../fix/time.js';
import type { Dictionary } from '../fix/dictionary.js';
import { validateMessage, type ValidationOptions } from '../fix/validate.js';
import { SESSION_REJECT_TEXT, type FieldList } from '../fix/types.js';
import type { Application, AppVerdict } from './application.js';
import { BusinessRejectReason } from './application.js';
import { EncryptMethod, GapFillFlag, MsgType, PossDupFlag, ResetSeqNumFlag, SessionRejectReason, Tag } from '../fix/names.js';
import type { MessageStore } from './store.js';
import type { MessageLog } from './message-log.js';
import { InboundSeq } from './inbound-seq.js';
import { Outbox } from './outbox.js';
import { RESEND_REPEAT_WINDOW_MS, ResendRepeats } from './resend-repeats.js';
import { GuardedStore, MessageStoreError } from './store-guard.js';
import type { StorageHealth } from './storage-health.js';
import { logonRefusal } from './acceptor-connection.js';
import { sessionKey, type SessionId } from './session-id.js';
import { ScheduleTimer } from './schedule-timer.js';
import type { ScheduleSettings } from './settings.js';

export interface SessionConfig {
  id: SessionId;
  /** true: we send the first Logon (initiator); false: we answer one (acceptor). */
  initiator: boolean;
  /** Initiator: the HeartBtInt we ask for. Acceptor: taken from the client's Logon. */
  heartBtIntS: number;
  resetOnLogon: boolean;
  resetOnLogout: boolean;
  resetOnDisconnect: boolean;
  checkCompId: boolean;
  checkLatency: boolean;
  maxLatencyS: number;
  logonTimeoutS: number;
  logoutTimeoutS: number;
  /** Dictionary validation switches; null = UseDataDictionary=N (no validation). */
  validation: ValidationOptions | null;
  sendRedundantResendRequests: boolean;
  /** PersistMessages=N: nothing is stored, every ResendRequest is answered with a gap fill. */
  persistMessages: boolean;
  /** Stored messages read per page while answering a ResendRequest (bounded memory). */
  resendChunkSize: number;
  /** Bytes we let pile up for a peer that does not read before disconnecting it. */
  maxOutboundBufferBytes: number;
  /** Out-of-order inbound messages kept while waiting for a gap to be filled. */
  maxQueuedMessages: number;
  /** Fractional digits of SendingTime and OrigSendingTime (TimestampPrecision). */
  timestampPrecision: TimestampDigits;
  /** When the session is up (StartTime/EndTime...): Logons outside it are refused, a Logout at its end, sequence
   *  numbers reset when a window opens. Undefined: always up, never reset by the clock. */
  schedule?: ScheduleSettings;
}

export const SESSION_DEFAULTS: Omit<SessionConfig, 'id' | 'initiator' | 'validation'> = {
  heartBtIntS: 30,
  resetOnLogon: false,
  resetOnLogout: false,
  resetOnDisconnect: false,
  checkCompId: true,
  checkLatency: true,
  maxLatencyS: 120,
  logonTimeoutS: 10,
  logoutTimeoutS: 2,
  sendRedundantResendRequests: false,
  persistMessages: true,
  resendChunkSize: 1000,
  maxOutboundBufferBytes: 16 * 1024 * 1024,
  maxQueuedMessages: 10_000,
  timestampPrecision: 3,
};

export interface SessionParts {
  config: SessionConfig;
  store: MessageStore;
  log: MessageLog;
  dictionary: Dictionary;
  application: Application;
  /** Clock in epoch ms; tests may inject one. */
  now?: () => number;
  /** Told when the session's store or message log fails to write, and when it works again. */
  storage?: StorageHealth;
}

const ADMIN_TYPES = new Set<string>([
  MsgType.Heartbeat, MsgType.TestRequest, MsgType.ResendRequest, MsgType.Reject, MsgType.SequenceReset, MsgType.Logout, MsgType.Logon,
]);
/** SenderCompID, TargetCompID: every message must have them. */
const COMP_ID_TAGS: readonly number[] = [Tag.SenderCompID, Tag.TargetCompID];
/** Standard header tags of FIX 4.4 (used to split stored messages into header and body on resend). */
const HEADER_TAGS = new Set([
  8, 9, 35, 49, 56, 115, 128, 90, 91, 34, 50, 142, 57, 143, 116, 144, 129, 145, 43, 97, 52, 122, 212, 213, 347,
  369, 627, 628, 629, 630,
]);
const TRAILER_TAGS = new Set<number>([Tag.SignatureLength, Tag.Signature, Tag.CheckSum]);
/** Routing tags reversed on a reject: OnBehalfOf ↔ DeliverTo. */
const REVERSE_ROUTE: Array<[from: number, to: number]> = [
  [Tag.OnBehalfOfCompID, Tag.DeliverToCompID], [Tag.OnBehalfOfSubID, Tag.DeliverToSubID],
  [Tag.DeliverToCompID, Tag.OnBehalfOfCompID], [Tag.DeliverToSubID, Tag.OnBehalfOfSubID],
  [Tag.OnBehalfOfLocationID, Tag.DeliverToLocationID], [Tag.DeliverToLocationID, Tag.OnBehalfOfLocationID],
];
/** EncryptMethod(98)=0: none (the only one FIX sessions use in practice). */
const ENCRYPT_NONE = String(EncryptMethod.None);
const TIMER_INTERVAL_MS = 200;
/** Stored messages searched (newest first) by newestSentValue unless told otherwise. */
const NEWEST_SENT_SCAN_MAX = 2_000;

/** The default extra header: none (one shared empty list, read only, instead of a new array per message). */
const NO_FIELDS: FieldList = Object.freeze([]) as unknown as FieldList;

/** An inbound message the application holds (Session.hold): release it once its work is durable and its replies
 *  are stored (sent or queued for resend). Releasing twice, or after the session's sequence numbers were reset,
 *  does nothing. */
export interface InboundHold {
  readonly msgSeqNum: number;
  release(): void;
}

class Hold implements InboundHold {
  #released = false;
  constructor(private readonly releaseOf: (seq: number, epoch: number) => void, readonly msgSeqNum: number, private readonly epoch: number) {}
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.releaseOf(this.msgSeqNum, this.epoch);
  }
}
const NO_HOLD: InboundHold = { msgSeqNum: 0, release: () => undefined };

export interface SendOptions {
  /** false: not kept for resend (a ResendRequest gap-fills it). Default true. */
  stored?: boolean;
}

/** What newestSentValue found: the value, no such message in the store at all, or none among the newest searched. */
export type NewestSent = { kind: 'found'; value: string } | { kind: 'none' } | { kind: 'unknown' };

/** A resend being answered: a request that overlaps it joins it (its end grows) until it has read its last page. */
interface ResendRange {
  readonly begin: number;
  end: number;
  /** The highest seq it may grow to: what was sent before it was queued (what is sent later waits behind it). */
  readonly limit: number;
  sealed: boolean;
}

/** An answer of the session to an application message, waiting for earlier holds (answers in order); it holds its
 *  own message (`holds`), or, for a Logout started meanwhile, nothing (it only keeps its place in the order). */
interface ParkedAnswer {
  seq: number;
  send: () => void;
  holds: boolean;
  /** A session-level Reject: never stored (a resend gap-fills it), so it waits for a logged-on connection. */
  needsConnection: boolean;
}

export class Session {
  readonly id: SessionId;
  readonly key: string;
  readonly config: SessionConfig;
  readonly log: MessageLog;
  readonly #store: MessageStore;
  readonly #inbound: InboundSeq;
  readonly #outbox: Outbox;
  /** Answers waiting for an earlier held message, in MsgSeqNum order (each holds its own message). */
  #parked: ParkedAnswer[] = [];
  readonly #dict: Dictionary;
  readonly #app: Application;
  readonly #now: () => number;
  readonly #storage: StorageHealth | undefined;
  /** The store refused a write: the session is refused until a write goes through again (storage-health.ts tries). */
  #storeError: Error | null = null;
  /** Messages the store could not even keep: nothing more is stored, and the session stays refused, until a restart
   *  (whose recovery sends the reports they carried again from the journal). */
  #lostMessages = 0;

  #socket: Socket | null = null;
  #receivedLogon = false;
  #sentLogon = false;
  #sentLogout = false;
  #receivedReset = false;
  #sentReset = false;
  #heartBtIntMs: number;
  #lastSentMs = 0;
  #lastReceivedMs = 0;
  #testRequestCount = 0;
  #logonSentAtMs = 0;
  #logoutSentAtMs = 0;
  #resendRange: { begin: number; end: number } | null = null;
  /** The resend being answered now (resend-turns.ts paces it), null: none. */
  #resending: ResendRange | null = null;
  readonly #resendRepeats = new ResendRepeats();
  /** The peer was logged out for repeating ResendRequests: it gets no more answers on this connection. */
  #resendsRefused = false;
  readonly #queue = new Map<number, FixMessage>();
  #timer: NodeJS.Timeout | null = null;
  #lastActivityMs = 0;
  /** Standard header of an outbound message: 34 and 52 are set per message (see #encode). */
  readonly #header: FieldList;
  /** What the encoder knew about the message #encode built last (plain: the log may copy it unexamined). */
  readonly #encoded: EncodeNotes = { plain: false };
  #stampMs = NaN;
  #stamp = '';
  readonly #schedule: ScheduleTimer | null;

  constructor(parts: SessionParts) {
    this.config = parts.config;
    this.id = parts.config.id;
    this.key = sessionKey(this.id);
    this.#header = [[Tag.MsgSeqNum, ''], [Tag.SenderCompID, this.id.senderCompId], [Tag.SendingTime, ''], [Tag.TargetCompID, this.id.targetCompId]];
    const store = new GuardedStore(parts.store);
    this.#store = store;
    this.#inbound = new InboundSeq(store);
    this.#storage = parts.storage;
    this.log = parts.log;
    this.#dict = parts.dictionary;
    this.#app = parts.application;
    this.#now = parts.now ?? Date.now;
    this.#outbox = new Outbox({
      store, log: parts.log, now: this.#now, maxBufferedBytes: parts.config.maxOutboundBufferBytes,
      onStoreFailure: (err) => this.#storeFailed(err instanceof MessageStoreError ? err.failure : err),
      onSlowConsumer: (bytes) => {
        this.#event(`Outbound buffer limit exceeded (${bytes} bytes > ${this.config.maxOutboundBufferBytes}): peer is not reading`);
        this.disconnect('slow consumer');
      },
    });
    this.#heartBtIntMs = parts.config.heartBtIntS * 1000;
    this.#event('Created session');
    // a boundary may reset the store: one that fails is a store failure (told, the session refused), never a throw
    const boundary = (): void => this.#storeGuarded(() => this.#onScheduleBoundary());
    this.#schedule = parts.config.schedule === undefined ? null : new ScheduleTimer(parts.config.schedule, this.#now, boundary);
    boundary();
  }

  // ---- state for callers ------------------------------------------------------------------

  get isConnected(): boolean { return this.#socket !== null; }
  get isLoggedOn(): boolean { return this.#receivedLogon && this.#sentLogon; }
  /** We sent a Logout and wait for the peer's (or the LogoutTimeout). */
  get isLoggingOut(): boolean { return this.#sentLogout && this.#socket !== null; }
  get nextSenderSeq(): number { return this.#store.nextSenderSeq; }
  get nextTargetSeq(): number { return this.#inbound.next; }
  /** When the session's sequence numbers were last reset (epoch ms): what it stored is from after this. */
  get creationTimeMs(): number { return this.#store.creationTimeMs; }
  get heartBtIntS(): number { return this.#heartBtIntMs / 1000; }
  get lastActivityMs(): number { return this.#lastActivityMs; }
  get remoteAddress(): string | undefined { return this.#socket?.remoteAddress; }
  isAttachedTo(socket: Socket): boolean { return this.#socket === socket; }

  // ---- for the application: holds, batches, what was sent ------------------------------------------

  /** Called from fromApp: the message's work goes on after fromApp returns (the gateway journals its command). Until
   *  the hold is released, the persisted "next expected" MsgSeqNum stays at or below this message, so after a crash
   *  the peer is asked for it again; and answers the session makes to later messages of this session wait for the
   *  release (answers in order), so a message the session answered is never processed again after a restart. */
  hold(msg: FixMessage): InboundHold {
    const seq = msg.seqNum;
    if (seq === undefined) return NO_HOLD; // nothing to hold (fromApp never gets such a message)
    this.#inbound.hold(seq);
    return new Hold(this.#releaseHold, seq, this.#inbound.epoch);
  }

  /** One per session, shared by its holds (a hold is one small object). */
  readonly #releaseHold = (seq: number, epoch: number): void => {
    if (epoch !== this.#inbound.epoch) return; // taken before a reset
    this.#inbound.release(seq);
    if (this.#parked.length > 0) this.#sendParked();
  };

  /** The store was rebuilt from outside while the session was disconnected (a cluster node took the session over from
   *  the replicated state): its sequence numbers are read again, and holds taken before are void. */
  storeRebuilt(): void {
    if (this.#socket !== null) throw new Error(`invariant: ${this.key}: store rebuilt while connected`);
    this.#inbound.reset();
    this.#queue.clear();
    this.#resendRange = null;
  }

  /** The value of `tag` in the newest stored message of `msgType` among the newest `scanMax` stored messages (e.g. the
   *  last ExecID sent, for reports a crash may have cut off). */
  newestSentValue(msgType: string, tag: number, scanMax = NEWEST_SENT_SCAN_MAX): NewestSent {
    const store = this.#store;
    const lowest = Math.max(1, store.nextSenderSeq - scanMax);
    for (let end = store.nextSenderSeq - 1; end >= lowest; end -= 100) {
      const page = store.readRange(Math.max(lowest, end - 99), end, 100);
      for (let i = page.length - 1; i >= 0; i--) {
        const m = parseMessage(page[i]!.bytes);
        if ('garbled' in m || m.msgType !== msgType) continue;
        const value = m.get(tag);
        if (value !== undefined) return { kind: 'found', value };
      }
    }
    return lowest === 1 ? { kind: 'none' } : { kind: 'unknown' };
  }

  /** SendBatch's part: output held from here until endBatch (nested holds are counted). */
  beginBatch(): void {
    this.#outbox.hold();
  }

  /** SendBatch's part: the store's batch written; returns what the batch must wait for (undefined: nothing).
   *  A failed write is the session's (it disconnects at endBatch). */
  flushBatch(): Promise<void> | undefined {
    try {
      return this.#outbox.flushStore();
    } catch (err) {
      if (!(err instanceof MessageStoreError)) throw err;
      this.#storeFailed(err.failure);
      return undefined;
    }
  }

  /** SendBatch's part: the batch's bytes go to the socket once `durable` resolves (undefined: now). */
  endBatch(durable: Promise<void> | undefined): void {
    this.#outbox.release(durable);
  }

  // ---- transport --------------------------------------------------------------------------

  /** Bind a freshly connected socket. The caller feeds frames with `receiveFrame`. */
  attach(socket: Socket): void {
    if (this.#socket) throw new Error(`${this.key}: attach while already connected`);
    this.#socket = socket;
    this.#outbox.attach(socket);
    const now = this.#now();
    this.#lastReceivedMs = now;
    this.#lastSentMs = now;
    this.#lastActivityMs = now;
    this.#event(`Connected from ${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`);
    this.#timer = setInterval(() => this.#onTimer(), TIMER_INTERVAL_MS);
    this.#timer.unref();
    if (this.config.initiator) {
      this.#generateLogon();
      this.#event('Initiated logon request');
    }
  }

  /** The socket closed under us (peer hung up, error). */
  transportClosed(socket: Socket, reason: string): void {
    if (this.#socket !== socket) return;
    this.#event(`Connection closed: ${reason}`);
    this.disconnect('connection closed');
  }

  /** Start a Logout (FIX session test case 12); the peer's Logout or the LogoutTimeout ends it. */
  logout(text?: string): void {
    this.#storeGuarded(() => this.#logout(text));
  }

  #logout(text: string | undefined): void {
    if (!this.#socket) return;
    if (!this.isLoggedOn) {
      this.disconnect(text ?? 'logout before logon completed');
      return;
    }
    if (this.#sentLogout) return;
    if (this.#parked.length > 0) {
      // after the answers already waiting (they answer messages the peer sent before this Logout)
      if (!this.#parked.some((p) => !p.holds)) {
        this.#parked.push({ seq: this.#parked.at(-1)!.seq, send: () => this.#startLogout(text), holds: false, needsConnection: false });
      }
      return;
    }
    this.#startLogout(text);
  }

  #startLogout(text: string | undefined): void {
    if (!this.#socket || !this.isLoggedOn || this.#sentLogout) return;
    this.#event(`Initiated logout request${text ? `: ${text}` : ''}`);
    this.#generateLogout(text);
  }

  /** Drop the connection and reset the per-connection state (QuickFIX Session::disconnect). */
  disconnect(reason: string): void {
    const socket = this.#socket;
    if (socket) {
      this.#event(`Disconnecting: ${reason}`);
      this.#socket = null;
      // What is already written (a Logout, say) goes out once stored; when the store fails it is dropped with the
      // socket. Destroyed if the peer does not read.
      if (!this.#outbox.end()) this.#event('Message store write failed, unsent output dropped');
    }
    if (this.#timer) { clearInterval(this.#timer); this.#timer = null; }
    if (this.#receivedLogon || this.#sentLogon) {
      this.#receivedLogon = false;
      this.#sentLogon = false;
      this.#app.onLogout?.(this);
    }
    this.#sentLogout = false;
    this.#receivedReset = false;
    this.#sentReset = false;
    if (this.#parked.length > 0) this.#parked = this.#parked.filter((p) => p.holds); // a Logout waiting is moot now
    this.#queue.clear();
    if (this.config.resetOnDisconnect && socket) this.#reset();
    this.#resendRange = null;
    this.#resending = null;
    this.#resendsRefused = false;
  }

  /** Stop timers and release files. The session must not be used afterwards. */
  close(): void {
    this.#schedule?.stop();
    if (this.#socket) this.disconnect('session closed');
    this.#outbox.dispose();
    try {
      this.#store.close();
    } catch (err) {
      if (!(err instanceof MessageStoreError)) throw err;
      this.#event(`Message store could not be closed: ${err.message}`); // what it had not written is lost with it
    }
    this.log.close();
  }

  // ---- outbound, for the application ----------------------------------------------------------

  /** Send an application message. It is stored (for resend) even while the session is not logged
   *  on, and goes out when it is (QuickFIX behaviour; FIX session test case 16). Returns its MsgSeqNum.
   *  `options.stored: false`: not kept for resend (a ResendRequest gap-fills it), for messages that are stale by
   *  then (market data); its MsgSeqNum is still written before its bytes leave. */
  send(msgType: string, body: FieldList | BodyWriter, extraHeader: FieldList = NO_FIELDS, options?: SendOptions): number {
    if (ADMIN_TYPES.has(msgType)) throw new Error(`send() is for application messages, not 35=${msgType}`);
    if (this.#lostMessages > 0) return this.#lost(undefined); // nothing more is stored
    try {
      return this.#sendRaw(msgType, body, extraHeader, options?.stored === false);
    } catch (err) {
      if (!(err instanceof MessageStoreError)) throw err;
      return this.#lost(err.failure);
    }
  }

  /** Bytes written to this session and not yet taken by the peer (the socket's buffer and what waits in front of
   *  it): a sender of optional traffic (market data) holds back while this is high. */
  get outboundBufferedBytes(): number {
    return this.#outbox.bufferedBytes;
  }

  // ---- inbound --------------------------------------------------------------------------------

  /** Feed one framed message (or garbled bytes) from the attached socket. */
  receiveFrame(frame: Frame): void {
    const now = this.#now();
    this.#lastActivityMs = now;
    if (frame.kind === 'garbled') {
      this.log.message('IN', frame.bytes, now);
      this.#onGarbled(frame.bytes, frame.reason);
      return;
    }
    const parsed = parseMessage(frame.bytes);
    if ('garbled' in parsed) {
      this.log.message('IN', frame.bytes, now);
      this.#onGarbled(frame.bytes, parsed.garbled);
      return;
    }
    // logged before anything it causes; the parser saw every byte, so it says whether the log must look
    this.log.message('IN', frame.bytes, now, parsed.plain);
    this.#storeGuarded(() => this.#next(parsed, false));
  }

  #onGarbled(bytes: Buffer, reason: string): void {
    // Garbled input is ignored and does not consume a sequence number; a garbled Logon ends the connection.
    this.#event(`Garbled message ignored: ${reason}`);
    if (/(^|\x01)35=A\x01/.test(bytes.toString('latin1'))) {
      this.#event('Logon message is not valid');
      this.disconnect('garbled logon');
    }
  }

  /** QuickFIX Session::next(const Message&): header checks, validation, dispatch by MsgType. */
  #next(msg: FixMessage, queued: boolean): void {
    if (!msg.has(Tag.MsgSeqNum)) {
      // FIX session layer: a message without MsgSeqNum cannot be sequenced or answered in order: Logout, disconnect
      this.#event('Message without MsgSeqNum(34)');
      this.#generateLogout('MsgSeqNum(34) missing');
      this.disconnect('MsgSeqNum missing');
      return;
    }
    const msgType = msg.msgType;
    for (let k = 0; k < COMP_ID_TAGS.length; k++) {
      const tag = COMP_ID_TAGS[k]!;
      if (!msg.has(tag)) {
        if (ADMIN_TYPES.has(msgType) || !msgType) {
          this.#generateReject(msg, SessionRejectReason.RequiredTagMissing, tag);
          if (msgType === MsgType.Logon) this.disconnect('required field missing from logon');
        } else {
          this.#answer(msg, () => this.#sendBusinessReject(msg, BusinessRejectReason.ConditionallyRequiredFieldMissing, 'Conditionally Required Field Missing', tag));
        }
        this.#afterNext(queued);
        return;
      }
    }
    // BeginString is the first field of every parsed message: compared in place
    if (!msg.valueEquals(0, this.id.beginString)) {
      if (msgType === MsgType.Logout) {
        this.#nextLogout(msg);
      } else {
        this.#generateLogout('Incorrect BeginString');
        this.#inbound.advance();
      }
      this.#afterNext(queued);
      return;
    }
    if (this.config.validation) {
      const error = validateMessage(msg, this.#dict, this.config.validation);
      if (error) {
        if (ADMIN_TYPES.has(msgType) || !msgType) this.#generateReject(msg, error.reason, error.tag, error.text);
        else this.#answer(msg, () => this.#sendReject(msg, error.reason, error.tag, error.text), true);
        this.#afterNext(queued);
        return;
      }
    }
    switch (msgType) {
      case MsgType.Logon: this.#nextLogon(msg); break;
      case MsgType.Heartbeat: this.#nextHeartbeat(msg); break;
      case MsgType.TestRequest: this.#nextTestRequest(msg); break;
      case MsgType.SequenceReset: this.#nextSequenceReset(msg); break;
      case MsgType.Logout: this.#nextLogout(msg); break;
      case MsgType.ResendRequest: this.#nextResendRequest(msg); break;
      case MsgType.Reject: this.#nextReject(msg); break;
      default: this.#nextApp(msg); break;
    }
    this.#afterNext(queued);
  }

  #afterNext(queued: boolean): void {
    if (!queued && this.#socket) this.#nextQueued();
  }

  #nextLogon(logon: FixMessage): void {
    // Authentication first: nothing of the session's state is changed (141=Y) or told (sequence checks) before it.
    const verdict = this.#receivedLogon ? undefined : this.#app.onLogonRequest?.(this, logon);
    if (verdict) {
      this.#applyVerdict(logon, verdict);
      return;
    }
    if (!this.#storeWorks()) {
      this.#storeFailed(this.#storeError!); // a Logout that says why (the peer has authenticated)
      return;
    }
    if ((logon.getInt(Tag.HeartBtInt) ?? 0) < 0) {
      // a negative interval would leave the session without heartbeats or a timeout: refused, as FIX says
      this.#event('Logon with a negative HeartBtInt');
      this.#generateLogout('HeartBtInt(108) must not be negative');
      this.disconnect('negative HeartBtInt');
      return;
    }
    if (!this.#receivedLogon && !this.#logonInSchedule()) return;
    this.#receivedReset = logon.get(Tag.ResetSeqNumFlag) === ResetSeqNumFlag.Yes;
    if (this.#receivedReset) {
      this.#event('Logon contains ResetSeqNumFlag=Y, resetting sequence numbers to 1');
      if (!this.#sentReset) this.#reset();
    }
    if (this.config.initiator && !this.#sentLogon && !this.#receivedReset) {
      this.#event('Received logon response before sending request');
      this.disconnect('unexpected logon');
      return;
    }
    if (!this.config.initiator && this.config.resetOnLogon) this.#reset();
    if (!this.#verify(logon, false, true)) return;
    this.#receivedLogon = true;
    if (!this.config.initiator || (this.#sentReset && !this.#receivedReset)) {
      const heartBtIntS = logon.getInt(Tag.HeartBtInt) ?? 0;
      this.#heartBtIntMs = Math.max(0, heartBtIntS) * 1000;
      this.#event('Received logon request');
      this.#generateLogonResponse(logon);
      this.#event('Responding to logon request');
    } else {
      this.#event('Received logon response');
    }
    this.#sentReset = false;
    this.#receivedReset = false;
    const seq = logon.seqNum ?? 0;
    if (seq > this.#inbound.next) {
      this.#doTargetTooHigh(logon);
    } else {
      this.#inbound.advance();
      this.#nextQueued();
    }
    if (!this.isLoggedOn) return;
    this.#app.onLogon?.(this);
    if (this.#parked.length > 0) this.#sendParked(); // answers that waited for a connection
  }

  #nextHeartbeat(msg: FixMessage): void {
    if (!this.#verify(msg, true, true)) return;
    this.#inbound.advance();
  }

  #nextTestRequest(msg: FixMessage): void {
    if (!this.#verify(msg, true, true)) return;
    this.#sendRaw(MsgType.Heartbeat, [[Tag.TestReqID, msg.get(Tag.TestReqID) ?? '']]);
    this.#inbound.advance();
  }

  #nextLogout(msg: FixMessage): void {
    if (!this.#verify(msg, false, false)) return;
    if (!this.#sentLogout) {
      this.#event(`Received logout request${msg.has(Tag.Text) ? `: ${msg.get(Tag.Text)}` : ''}`);
      this.#generateLogout();
      this.#event('Sending logout response');
    } else {
      this.#event('Received logout response');
    }
    // Counted only when it is the one expected (QuickFIX/J, QFJ-750): a Logout past a gap does not skip the messages
    // in the gap, which a later ResendRequest then still asks for.
    if (msg.seqNum === this.#inbound.next) this.#inbound.advance();
    if (this.config.resetOnLogout) this.#reset();
    this.disconnect('logout');
  }

  #nextReject(msg: FixMessage): void {
    if (!this.#verify(msg, false, true)) return;
    this.#event(`Received Reject of ${msg.get(Tag.RefSeqNum) ?? '?'}: ${msg.get(Tag.Text) ?? ''} (373=${msg.get(Tag.SessionRejectReason) ?? ''})`);
    this.#inbound.advance();
  }

  #nextSequenceReset(msg: FixMessage): void {
    const isGapFill = msg.get(Tag.GapFillFlag) === GapFillFlag.Yes;
    if (!this.#verify(msg, isGapFill, isGapFill)) return;
    const newSeqNo = msg.getInt(Tag.NewSeqNo);
    if (newSeqNo === undefined) return;
    const expected = this.#inbound.next;
    this.#event(`Received SequenceReset FROM: ${expected} TO: ${newSeqNo}`);
    if (newSeqNo > expected) {
      this.#inbound.set(newSeqNo);
      for (const seq of this.#queue.keys()) if (seq < newSeqNo) this.#queue.delete(seq);
    } else if (newSeqNo < expected) {
      this.#generateReject(msg, SessionRejectReason.ValueIsIncorrect);
    }
  }

  #nextResendRequest(msg: FixMessage): void {
    if (!this.#verify(msg, false, false)) return;
    const requestedBegin = msg.getInt(Tag.BeginSeqNo) ?? 0;
    const requestedEnd = msg.getInt(Tag.EndSeqNo) ?? 0;
    this.#event(`Received ResendRequest FROM: ${requestedBegin} TO: ${requestedEnd}`);
    const nextSender = this.#store.nextSenderSeq;
    const begin = Math.max(1, requestedBegin);
    const end = requestedEnd === 0 || requestedEnd >= nextSender ? nextSender - 1 : requestedEnd;
    if (begin > end) {
      this.#event(`ResendRequest FROM: ${requestedBegin} asks for nothing we have sent (next is ${nextSender})`);
    } else if (!this.config.persistMessages) {
      this.#outbox.write(this.#gapFill(begin, end + 1));
    } else {
      this.#resend(begin, end);
    }
    const seq = msg.seqNum ?? 0;
    if (seq === this.#inbound.next) this.#inbound.advance();
  }

  /** Answers a ResendRequest from the store, as background work (outbox.ts, resend-turns.ts). A request that overlaps
   *  the resend in progress joins it; one that repeats ranges answered within a minute is answered later and later,
   *  and refused with a Logout once it has repeated them too often. */
  #resend(begin: number, end: number): void {
    if (this.#resendsRefused) {
      this.#event(`ResendRequest FROM: ${begin} TO: ${end} ignored: the session is being logged out for repeating them`);
      return;
    }
    const active = this.#resending;
    if (active !== null && !active.sealed && begin >= active.begin && begin <= active.end + 1) {
      active.end = Math.max(active.end, Math.min(end, active.limit));
      this.#event(`ResendRequest FROM: ${begin} TO: ${end} joins the resend in progress FROM: ${active.begin} TO: ${active.end}`);
      return;
    }
    const verdict = this.#resendRepeats.check(begin, end, this.#now());
    if (verdict.kind === 'refuse') {
      const text = `ResendRequest for messages already resent ${verdict.repeats} times within ${RESEND_REPEAT_WINDOW_MS / 1000} s`;
      this.#event(`${text}: logging out`);
      this.#resendsRefused = true;
      this.logout(text);
      return;
    }
    if (verdict.kind === 'later') {
      this.#event(`ResendRequest FROM: ${begin} TO: ${end} repeats messages resent ${verdict.repeats} times: answered in ${verdict.delayMs} ms`);
      this.#outbox.delay(verdict.delayMs);
    }
    const range: ResendRange = { begin, end, limit: this.#store.nextSenderSeq - 1, sealed: false };
    this.#resending = range;
    this.#outbox.write(this.#resendPlan(range));
  }

  #nextApp(msg: FixMessage): void {
    if (!this.#verify(msg, true, true)) return;
    let verdict: AppVerdict | void;
    try {
      verdict = this.#app.fromApp(this, msg);
    } catch (err) {
      // An application bug must not take the session down with it: answer, log, carry on.
      this.#event(`Application error on 35=${msg.msgType} seq ${msg.get(Tag.MsgSeqNum)}: ${(err as Error).stack ?? err}`);
      verdict = { kind: 'businessReject', reason: BusinessRejectReason.ApplicationNotAvailable, text: 'Application error' };
    }
    if (verdict) this.#applyVerdict(msg, verdict);
    else this.#inbound.advance();
  }

  #applyVerdict(msg: FixMessage, verdict: AppVerdict): void {
    switch (verdict.kind) {
      case 'reject':
        this.#answer(msg, () => this.#sendReject(msg, verdict.reason, verdict.tag, verdict.text), true);
        return;
      case 'businessReject':
        this.#answer(msg, () => this.#sendBusinessReject(msg, verdict.reason, verdict.text, undefined, verdict.refId));
        return;
      case 'reply':
        this.#answer(msg, () => { this.#sendRaw(verdict.msgType, verdict.body); });
        return;
      case 'rejectLogon':
        this.#refuseLogon(msg, verdict.text, 'logon rejected');
        return;
    }
  }

  /** QuickFIX Session::verify: logon state, SendingTime, CompIDs, sequence number, then the callbacks. */
  #verify(msg: FixMessage, checkTooHigh: boolean, checkTooLow: boolean): boolean {
    const msgType = msg.msgType;
    const seq = msg.seqNum;
    const sendingTime = msg.get(Tag.SendingTime);
    if (seq === undefined || sendingTime === undefined) {
      this.#event(`Message without ${seq === undefined ? 'MsgSeqNum' : 'SendingTime'}`);
      this.disconnect('missing header field');
      return false;
    }
    if (!this.#validLogonState(msgType)) {
      this.#event('Logon state is not valid for message');
      this.disconnect(`35=${msgType} not valid before logon`);
      return false;
    }
    if (!this.#isGoodTime(sendingTime)) {
      this.#generateReject(msg, SessionRejectReason.SendingTimeAccuracyProblem);
      if (this.#socket) this.#generateLogout();
      return false;
    }
    if (!this.#isCorrectCompId(msg)) {
      this.#generateReject(msg, SessionRejectReason.CompIdProblem);
      if (this.#socket) this.#generateLogout();
      return false;
    }
    const expected = this.#inbound.next;
    if (checkTooHigh && seq > expected) {
      this.#doTargetTooHigh(msg);
      return false;
    }
    if (checkTooLow && seq < expected) {
      this.#doTargetTooLow(msg);
      return false;
    }
    if ((checkTooHigh || checkTooLow) && this.#resendRange && seq >= this.#resendRange.end) {
      this.#event(`ResendRequest for messages FROM: ${this.#resendRange.begin} TO: ${this.#resendRange.end} has been satisfied.`);
      this.#resendRange = null;
    }
    this.#lastReceivedMs = this.#now();
    this.#testRequestCount = 0;
    if (ADMIN_TYPES.has(msgType)) this.#app.fromAdmin?.(this, msg);
    return true;
  }

  #validLogonState(msgType: string): boolean {
    if ((msgType === MsgType.Logon && this.#sentReset) || this.#receivedReset) return true;
    if ((msgType === MsgType.Logon && !this.#receivedLogon) || (msgType !== MsgType.Logon && this.#receivedLogon)) return true;
    if (msgType === MsgType.Logout && this.#sentLogon) return true;
    if (msgType !== MsgType.Logout && this.#sentLogout) return true;
    if (msgType === MsgType.SequenceReset || msgType === MsgType.Reject) return true;
    return false;
  }

  #isGoodTime(sendingTime: string): boolean {
    if (!this.config.checkLatency) return true;
    const sentMs = parseUtcTimestamp(sendingTime);
    if (sentMs === undefined) return false;
    return Math.abs(this.#now() - sentMs) <= this.config.maxLatencyS * 1000;
  }

  #isCorrectCompId(msg: FixMessage): boolean {
    if (!this.config.checkCompId) return true;
    return msg.get(Tag.SenderCompID) === this.id.targetCompId && msg.get(Tag.TargetCompID) === this.id.senderCompId;
  }

  #doTargetTooHigh(msg: FixMessage): void {
    const seq = msg.seqNum ?? 0;
    this.#event(`MsgSeqNum too high, expecting ${this.#inbound.next} but received ${seq}`);
    if (this.#queue.size >= this.config.maxQueuedMessages && !this.#queue.has(seq)) {
      this.#event(`More than ${this.config.maxQueuedMessages} messages queued waiting for a gap fill`);
      this.#generateLogout('Too many messages received out of sequence');
      this.disconnect('queue limit');
      return;
    }
    this.#queue.set(seq, msg);
    if (this.#resendRange && !this.config.sendRedundantResendRequests && seq >= this.#resendRange.begin) {
      this.#event(`Already sent ResendRequest FROM: ${this.#resendRange.begin} TO: ${this.#resendRange.end}.  Not sending another.`);
      return;
    }
    const begin = this.#inbound.next;
    this.#sendRaw(MsgType.ResendRequest, [[Tag.BeginSeqNo, String(begin)], [Tag.EndSeqNo, '0']]);
    this.#event(`Sent ResendRequest FROM: ${begin} TO: 0`);
    this.#resendRange = { begin, end: seq - 1 };
  }

  #doTargetTooLow(msg: FixMessage): void {
    const seq = msg.seqNum ?? 0;
    if (msg.get(Tag.PossDupFlag) !== PossDupFlag.Yes) {
      const text = `MsgSeqNum too low, expecting ${this.#inbound.next} but received ${seq}`;
      this.#generateLogout(text);
      this.#event(text);
      this.disconnect('sequence number too low');
      return;
    }
    // PossDup with a low sequence number: a duplicate, ignored once its OrigSendingTime checks out.
    if (msg.msgType === MsgType.SequenceReset) return;
    const orig = msg.get(Tag.OrigSendingTime);
    if (orig === undefined) {
      this.#generateReject(msg, SessionRejectReason.RequiredTagMissing, Tag.OrigSendingTime);
      return;
    }
    const origMs = parseUtcTimestamp(orig);
    const sentMs = parseUtcTimestamp(msg.get(Tag.SendingTime) ?? '');
    if (origMs === undefined || sentMs === undefined || origMs > sentMs) {
      this.#generateReject(msg, SessionRejectReason.SendingTimeAccuracyProblem);
      if (this.#socket) this.#generateLogout();
    }
  }

  /** Process queued messages that the expected sequence number has reached. */
  #nextQueued(): void {
    for (;;) {
      const expected = this.#inbound.next;
      const msg = this.#queue.get(expected);
      if (!msg || !this.#socket) return;
      this.#queue.delete(expected);
      this.#event(`Processing QUEUED message: ${expected}`);
      const msgType = msg.msgType;
      if (msgType === MsgType.Logon || msgType === MsgType.ResendRequest) this.#inbound.advance();
      else this.#next(msg, true);
    }
  }

  // ---- outbound, admin --------------------------------------------------------------------------

  #generateLogon(): void {
    if (this.config.resetOnLogon) this.#reset();
    const body: FieldList = [[Tag.EncryptMethod, ENCRYPT_NONE], [Tag.HeartBtInt, String(this.config.heartBtIntS)]];
    if (this.#shouldSendReset()) body.push([Tag.ResetSeqNumFlag, 'Y']);
    const now = this.#now();
    this.#lastReceivedMs = now;
    this.#testRequestCount = 0;
    this.#sentLogon = true;
    this.#logonSentAtMs = now;
    this.#sendRaw(MsgType.Logon, body);
  }

  #generateLogonResponse(logon: FixMessage): void {
    const body: FieldList = [[Tag.EncryptMethod, ENCRYPT_NONE], [Tag.HeartBtInt, logon.get(Tag.HeartBtInt) ?? '0']];
    if (this.#receivedReset) body.push([Tag.ResetSeqNumFlag, 'Y']);
    this.#sendRaw(MsgType.Logon, body);
    this.#sentLogon = true;
  }

  #generateLogout(text?: string): void {
    this.#sendRaw(MsgType.Logout, text ? [[Tag.Text, text]] : []);
    this.#sentLogout = true;
    this.#logoutSentAtMs = this.#now();
  }

  #shouldSendReset(): boolean {
    const c = this.config;
    return (c.resetOnLogon || c.resetOnLogout || c.resetOnDisconnect) &&
      this.#store.nextSenderSeq === 1 && this.#inbound.next === 1;
  }

  /** Session-level Reject(3) of an admin message, or of one out of sequence (QuickFIX Session::generateReject). */
  #generateReject(msg: FixMessage, reason: number, tag?: number, text?: string): void {
    const msgType = msg.msgType;
    const seq = msg.seqNum;
    if (msgType !== MsgType.Logon && msgType !== MsgType.SequenceReset && seq !== undefined && seq === this.#inbound.next) {
      this.#inbound.advance();
    }
    if (!this.#receivedLogon) {
      this.#event(`Message ${msg.get(Tag.MsgSeqNum) ?? ''} Rejected: ${text ?? SESSION_REJECT_TEXT[reason] ?? ''}`);
      this.#event('Tried to send a reject while not logged on');
      this.disconnect('reject before logon');
      return;
    }
    this.#sendReject(msg, reason, tag, text);
  }

  #sendReject(msg: FixMessage, reason: number, tag?: number, text?: string): void {
    const msgType = msg.msgType;
    const seqText = msg.get(Tag.MsgSeqNum) ?? '';
    const reasonText = text ?? SESSION_REJECT_TEXT[reason];
    this.#event(`Message ${seqText} Rejected: ${reasonText ?? ''}${tag !== undefined ? `:${tag}` : ''}`);
    if (!this.#receivedLogon) {
      this.#event('Reject not sent: the session is no longer logged on');
      return;
    }
    const body: FieldList = [];
    if (seqText !== '') body.push([Tag.RefSeqNum, seqText]);
    if (reasonText !== undefined) body.push([Tag.Text, reasonText]);
    if (reasonText !== undefined && tag !== undefined && (tag !== 0 || reason === SessionRejectReason.InvalidTagNumber)) body.push([Tag.RefTagID, String(tag)]);
    if (msgType !== '') body.push([Tag.RefMsgType, msgType]);
    body.push([Tag.SessionRejectReason, String(reason)]);
    this.#sendRaw(MsgType.Reject, body, reverseRoute(msg));
  }

  #sendBusinessReject(msg: FixMessage, reason: number, text: string, tag?: number, refId?: string): void {
    const fullText = tag !== undefined ? `${text} (${tag})` : text;
    this.#event(`Message ${msg.get(Tag.MsgSeqNum) ?? ''} Rejected: ${fullText}`);
    const body: FieldList = [[Tag.RefSeqNum, msg.get(Tag.MsgSeqNum) ?? '0'], [Tag.Text, fullText], [Tag.RefMsgType, msg.msgType]];
    if (refId !== undefined) body.push([Tag.BusinessRejectRefID, refId]);
    body.push([Tag.BusinessRejectReason, String(reason)]);
    this.#sendRaw(MsgType.BusinessMessageReject, body, reverseRoute(msg));
  }

  // ---- answers to application messages, in order --------------------------------------------------

  /** The session's own answer to application message `msg` (Reject, BusinessMessageReject, a verdict's reply); it
   *  consumes the message's MsgSeqNum. While an earlier message of the session is held, the answer waits, holding
   *  this message too: it is sent when the earlier holds are released, never if they are not (a failed journal, a
   *  crash), and then the restarted session asks for the message again and it is processed once. Otherwise the
   *  consumed seq is written through with the answer, before any byte of it leaves. A session-level Reject
   *  (`needsConnection`) that waited goes out only while the session is logged on (after the next Logon if it was
   *  disconnected meanwhile): it is never stored, so a resend could not bring it, and its message stays held until
   *  it is sent. */
  #answer(msg: FixMessage, send: () => void, needsConnection = false): void {
    const seq = msg.seqNum;
    if (seq === undefined || seq !== this.#inbound.next) {
      send(); // not in sequence: it consumes nothing
      return;
    }
    if (this.#inbound.heldBelow(seq)) {
      if (this.#parked.length >= this.config.maxQueuedMessages) {
        this.#event(`More than ${this.config.maxQueuedMessages} answers waiting for earlier messages`);
        this.#generateLogout('Too many messages waiting for an answer');
        this.disconnect('answer queue limit');
        return;
      }
      this.#inbound.advance();
      this.#inbound.hold(seq);
      this.#parked.push({ seq, send, holds: true, needsConnection });
      return;
    }
    this.#inbound.advance();
    this.#sendAnswer(send, undefined);
  }

  /** Answers whose earlier messages are all released now go out, in order. */
  #sendParked(): void {
    while (this.#parked.length > 0 && !this.#inbound.heldBelow(this.#parked[0]!.seq)) {
      if (this.#parked[0]!.needsConnection && !this.isLoggedOn) return; // after the next Logon
      const parked = this.#parked.shift()!;
      if (parked.holds) this.#sendAnswer(parked.send, parked.seq);
      else parked.send();
    }
  }

  /** Stores the answer, then writes the consumed seq through, and only then lets the bytes go. */
  #sendAnswer(send: () => void, releaseSeq: number | undefined): void {
    this.#outbox.hold();
    send();
    if (releaseSeq !== undefined) this.#inbound.release(releaseSeq);
    this.#inbound.persistNow();
    this.#outbox.release();
  }

  /** Encode, store (application messages) or advance the sequence (admin), log and write. */
  #sendRaw(msgType: string, body: FieldList | BodyWriter, extraHeader: FieldList = NO_FIELDS, unstored = false): number {
    const isAdmin = ADMIN_TYPES.has(msgType);
    if (isAdmin) {
      if (typeof body === 'function') body = fieldsOf(body); // admin bodies are FieldLists (send() takes no admin type)
      this.#app.toAdmin?.(this, msgType, body);
      if (msgType === MsgType.Logon && !this.#receivedReset) {
        const resetFlag = body.some(([t, v]) => t === Tag.ResetSeqNumFlag && v === ResetSeqNumFlag.Yes);
        if (resetFlag) this.#reset();
        this.#sentReset = resetFlag;
      }
    }
    const now = this.#now();
    this.#lastSentMs = now;
    const seq = this.#store.nextSenderSeq;
    const bytes = this.#encode(msgType, seq, now, body, extraHeader);
    if (!isAdmin && this.config.persistMessages && !unstored) this.#store.saveSent(seq, bytes);
    else if (unstored && this.#store.skipSent !== undefined) this.#store.skipSent(seq);
    else this.#store.setNextSenderSeq(seq + 1);
    const mayWrite = isAdmin
      ? msgType === MsgType.Logon || msgType === MsgType.Logout || msgType === MsgType.ResendRequest || msgType === MsgType.SequenceReset || this.isLoggedOn
      : this.isLoggedOn;
    if (mayWrite && this.#socket) this.#outbox.write(bytes, this.#encoded.plain);
    return seq;
  }

  #encode(msgType: string, seq: number, nowMs: number, body: FieldList | BodyWriter, extraHeader: FieldList, origSendingTime?: string): Buffer {
    if (extraHeader.length === 0 && origSendingTime === undefined) {
      // The usual case, already in tag order: one header list per session, its two changing values set in place
      // (the encoders read it and keep nothing).
      const header = this.#header;
      header[0]![1] = String(seq);
      header[2]![1] = this.#sendingTime(nowMs);
      if (typeof body === 'function') return encodeMessageWith(this.id.beginString, msgType, header, body, this.#encoded);
      this.#encoded.plain = false;
      return encodeMessage(this.id.beginString, msgType, header, body);
    }
    // More header fields: a list of its own, sorted into tag order.
    const header: FieldList = [
      [Tag.MsgSeqNum, String(seq)],
      [Tag.SenderCompID, this.id.senderCompId],
      [Tag.SendingTime, this.#sendingTime(nowMs)],
      [Tag.TargetCompID, this.id.targetCompId],
      ...extraHeader,
    ];
    if (origSendingTime !== undefined) header.push([Tag.PossDupFlag, 'Y'], [Tag.OrigSendingTime, origSendingTime]);
    header.sort((a, b) => a[0] - b[0]);
    if (typeof body === 'function') return encodeMessageWith(this.id.beginString, msgType, header, body, this.#encoded);
    this.#encoded.plain = false;
    return encodeMessage(this.id.beginString, msgType, header, body);
  }

  /** SendingTime text, formatted once per millisecond (a burst of replies shares it). */
  #sendingTime(nowMs: number): string {
    if (nowMs !== this.#stampMs) {
      this.#stamp = formatUtcTimestamp(nowMs, this.config.timestampPrecision);
      this.#stampMs = nowMs;
    }
    return this.#stamp;
  }

  /** A SequenceReset-GapFill at `begin` pointing to `newSeqNo`; written, never stored. */
  #gapFill(begin: number, newSeqNo: number): Buffer {
    const now = this.#now();
    this.#lastSentMs = now;
    this.#event(`Sent SequenceReset TO: ${newSeqNo}`);
    return this.#encode(MsgType.SequenceReset, begin, now, [[Tag.NewSeqNo, String(newSeqNo)], [Tag.GapFillFlag, 'Y']], [], formatUtcTimestamp(now, this.config.timestampPrecision));
  }

  /** A stored application message made ready for resend: PossDupFlag=Y, OrigSendingTime = its old 52. */
  #resendOf(stored: FixMessage): Buffer {
    const now = this.#now();
    this.#lastSentMs = now;
    const header: FieldList = [];
    const body: FieldList = [];
    let origSendingTime = '';
    for (const [tag, value] of stored.fields()) {
      if (tag === 8 || tag === 9 || tag === 35 || tag === 43 || tag === 97 || tag === 122 || TRAILER_TAGS.has(tag)) continue;
      if (tag === 52) { origSendingTime = value; continue; }
      if (HEADER_TAGS.has(tag)) header.push([tag, value]);
      else body.push([tag, value]);
    }
    header.push([Tag.PossDupFlag, 'Y'], [Tag.SendingTime, formatUtcTimestamp(now, this.config.timestampPrecision)], [Tag.OrigSendingTime, origSendingTime]);
    header.sort((a, b) => a[0] - b[0]);
    return encodeMessage(this.id.beginString, stored.msgType, header, body);
  }

  /** Answer a ResendRequest lazily, page by page from the store: application messages are resent,
   *  runs of admin or missing messages become one GapFill each. Nothing is built before the socket
   *  can take it, so a request for 1..10^9 costs one page of memory. */
  *#resendPlan(range: ResendRange): Generator<Buffer> {
    const begin = range.begin;
    let gapStart = 0;
    let current = begin;
    let next = begin;
    let resent = 0;
    while (next <= range.end) {
      const page = this.#store.readRange(next, range.end, this.config.resendChunkSize); // read within one resend turn
      if (page.length === 0) break;
      for (const { seq, bytes } of page) {
        if (current !== seq && !gapStart) gapStart = current;
        const stored = parseMessage(bytes);
        if ('garbled' in stored || ADMIN_TYPES.has(stored.msgType)) {
          if (!gapStart) gapStart = seq;
        } else {
          if (gapStart) yield this.#gapFill(gapStart, seq);
          gapStart = 0;
          yield this.#resendOf(stored);
          resent++;
        }
        current = seq + 1;
      }
      next = page[page.length - 1]!.seq + 1;
    }
    range.sealed = true; // what joins from here is a request of its own
    if (this.#resending === range) this.#resending = null;
    const end = range.end;
    if (!gapStart && current <= end) gapStart = current;
    if (gapStart) yield this.#gapFill(gapStart, end + 1);
    this.#event(`Resent ${resent} messages FROM: ${begin} TO: ${end}`);
  }

  // ---- timers ----------------------------------------------------------------------------------

  #onTimer(): void {
    this.#checkLog();
    this.#storeGuarded(() => this.#timers());
  }

  /** QuickFIX Session::next(): logon/logout timeouts, heartbeats, TestRequest, heartbeat timeout. */
  #timers(): void {
    if (!this.#socket) return;
    const now = this.#now();
    if (!this.#receivedLogon) {
      if (this.#sentLogon && now - this.#logonSentAtMs >= this.config.logonTimeoutS * 1000) {
        this.#event('Timed out waiting for logon response');
        this.disconnect('logon timeout');
      }
      return;
    }
    if (this.#heartBtIntMs === 0) return;
    if (this.#sentLogout && now - this.#logoutSentAtMs >= this.config.logoutTimeoutS * 1000) {
      this.#event('Timed out waiting for logout response');
      this.disconnect('logout timeout');
      return;
    }
    const hb = this.#heartBtIntMs;
    const sinceSent = now - this.#lastSentMs;
    const sinceReceived = now - this.#lastReceivedMs;
    if (sinceSent < hb && sinceReceived < hb) return;
    if (sinceReceived >= 2.4 * hb) {
      this.#event('Timed out waiting for heartbeat');
      this.disconnect('heartbeat timeout');
    } else if (sinceReceived >= 1.2 * (this.#testRequestCount + 1) * hb) {
      this.#sendRaw(MsgType.TestRequest, [[Tag.TestReqID, 'TEST']]);
      this.#testRequestCount++;
      this.#event('Sent test request TEST');
    } else if (sinceSent >= hb && this.#testRequestCount === 0) {
      this.#sendRaw(MsgType.Heartbeat, []);
    }
  }

  // ---- files that fail ---------------------------------------------------------------------------

  /** Runs `work`; a store failure it meets ends the connection as #storeFailed says. */
  #storeGuarded(work: () => void): void {
    try {
      work();
    } catch (err) {
      if (!(err instanceof MessageStoreError)) throw err;
      this.#storeFailed(err.failure);
    }
  }

  /** The store refused a write (or a read): the session cannot go on. The operator is told once (storage-health.ts);
   *  the peer gets a Logout that says why, and the connection ends. */
  #storeFailed(err: Error): void {
    if (this.#storeError === null) this.#event(`Message store failed: ${err.message}`);
    this.#storeError = err;
    this.#storage?.failed(this.key, 'store', `message store failed: ${err.message}${this.#lostText()}`, () => this.#storeWorks());
    if (this.#socket === null) return;
    this.#outbox.abort(this.#lastLogout(this.#storeFailureText()));
    this.disconnect('message store failed');
  }

  /** A message the store could not keep (`err`), or one sent after that: nothing more is stored in this process, the
   *  session stays refused, and the count shows in the reason (storeFailed). Returns no MsgSeqNum. */
  #lost(err: Error | undefined): number {
    if (++this.#lostMessages === 1) this.#event('Message store lost a message: nothing more is stored until a restart');
    this.#storeFailed(err ?? this.#storeError!);
    return 0;
  }

  /** True when the store takes a write (again): a session whose store failed is refused until it does. */
  #storeWorks(): boolean {
    if (this.#storeError === null) return true;
    if (this.#lostMessages > 0) return false;
    try {
      this.#store.setNextSenderSeq(this.#store.nextSenderSeq); // the kept batch, then the sequence numbers
    } catch (err) {
      if (err instanceof MessageStoreError) return false;
      throw err;
    }
    this.#event('Message store works again');
    this.#storeError = null;
    this.#storage?.recovered(this.key, 'store');
    return true;
  }

  #storeFailureText(): string {
    return `Message store unavailable: ${this.#storeError?.message ?? 'write failed'}${this.#lostText()}`;
  }

  #lostText(): string {
    return this.#lostMessages === 0 ? '' : `; ${this.#lostMessages} messages could not be stored: refused until the gateway restarts`;
  }

  /** The Logout a session whose store failed sends, mid-session or to a Logon: it uses up a MsgSeqNum as any Logout
   *  does (a peer counts it, whatever its number), recorded alone (recordNextSenderSeq: the seqnums file takes a write
   *  when the message files do not), so a restart never sends that number again; when even that fails, no Logout. */
  #lastLogout(text: string): Buffer | undefined {
    const seq = this.#store.nextSenderSeq;
    try {
      if (this.#store.recordNextSenderSeq !== undefined) this.#store.recordNextSenderSeq(seq + 1);
      else this.#store.setNextSenderSeq(seq + 1);
    } catch (err) {
      if (!(err instanceof MessageStoreError)) throw err;
      this.#event(`No Logout sent: its MsgSeqNum could not be recorded (${err.message})`);
      return undefined;
    }
    this.#sentLogout = true;
    return this.#encode(MsgType.Logout, seq, this.#now(), [[Tag.Text, text]], NO_FIELDS);
  }

  /** A Logon the application refuses (onLogonRequest: it may be authenticating): a Logout like the acceptor's refusals
   *  (MsgSeqNum 1, the Logon's CompIDs reversed), so no sequence number of the session is used up or shown. */
  #refuseLogon(logon: FixMessage, text: string, why: string): void {
    this.#event(`Logon refused: ${text}`);
    this.#outbox.abort(logonRefusal(logon, text));
    this.disconnect(why);
  }

  /** The message log's write failures (it writes from the event loop and never throws to the session): told once,
   *  until a write goes through again. */
  #checkLog(): void {
    const err = this.log.lastWriteError;
    if (err === undefined || this.#storage === undefined || this.#storage.isFailing(this.key, 'log')) return;
    this.#storage.failed(this.key, 'log', `message log write failed: ${err.message}`, () => this.log.lastWriteError === undefined);
  }

  // ---- the schedule ----------------------------------------------------------------------------

  /** A Logon outside the schedule gets a Logout naming it; inside, a store left from an earlier window is reset first
   *  (QuickFIX: sequence numbers start at 1 in each window). */
  #logonInSchedule(): boolean {
    if (this.#schedule === null) return true;
    if (!this.#schedule.inSession()) {
      const text = `Logon outside the session schedule (${this.#schedule.describe()})`;
      this.#event(text);
      this.#generateLogout(text);
      this.disconnect('logon outside the session schedule');
      return false;
    }
    if (this.#schedule.isStale(this.#store.creationTimeMs)) {
      this.#event('Sequence numbers reset: a new session window began');
      this.#reset();
    }
    return true;
  }

  /** At the end of the window a connected session is logged out; when a window opens (a 24-hour one anew), a
   *  connected session from the last one is logged out and a disconnected one's sequence numbers are reset. */
  #onScheduleBoundary(): void {
    const schedule = this.#schedule;
    if (schedule === null) return;
    const inSession = schedule.inSession();
    const stale = schedule.isStale(this.#store.creationTimeMs);
    if (this.#socket !== null) {
      if (!inSession) this.logout(`End of the session schedule (${schedule.describe()})`);
      else if (stale) this.logout(`A new session window began (${schedule.describe()}): sequence numbers are reset`);
      return;
    }
    if (inSession && stale) {
      this.#event('Sequence numbers reset: a new session window began');
      this.#reset();
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  #reset(): void {
    this.#store.reset(this.#now());
    this.#inbound.reset();
    this.#resending = null;
    this.#resendRepeats.clear();
    this.#parked = [];
    this.#queue.clear();
  }

  #event(text: string): void {
    this.log.event(text, this.#now());
  }
}

/** Routing fields of `msg` reversed for our reply (only non-empty values, as QuickFIX does). */
function reverseRoute(msg: FixMessage): FieldList {
  const out: FieldList = [];
  for (const [from, to] of REVERSE_ROUTE) {
    const value = msg.get(from);
    if (value) out.push([to, value]);
  }
  return out;
}
