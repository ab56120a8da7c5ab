// One FIX session's protocol state machine (FIX 4.4 session layer, QuickFIX semantics): logon,
// heartbeats and TestRequest, sequence checks with ResendRequest and queueing, SequenceReset,
// PossDup handling, resend from the store, session-level Reject, Logout. Transport: one socket at a
// time, attached by the acceptor or the initiator.
import type { Socket } from 'node:net';
import { parseMessage, type FixMessage } from '../fix/message.js';
import type { Frame } from '../fix/framer.js';
import { encodeMessage, encodeMessageWith, fieldsOf, type BodyWriter, type EncodeNotes } from '../fix/encode.js';
import { formatUtcTimestamp, parseUtcTimestamp } from '../fix/time.js';
import type { Dictionary } from '../fix/dictionary.js';
import { validateMessage, type ValidationOptions } from '../fix/validate.js';
import { SESSION_REJECT_TEXT, type FieldList } from '../fix/types.js';
import type { Application, AppVerdict } from './application.js';
import { BusinessRejectReason } from './application.js';
import type { MessageStore } from './store.js';
import type { MessageLog } from './message-log.js';
import { sessionKey, type SessionId } from './session-id.js';

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
};

export interface SessionParts {
  config: SessionConfig;
  store: MessageStore;
  log: MessageLog;
  dictionary: Dictionary;
  application: Application;
  /** Clock in epoch ms; tests may inject one. */
  now?: () => number;
}

const ADMIN_TYPES = new Set(['0', '1', '2', '3', '4', '5', 'A']);
/** SenderCompID, TargetCompID: every message must have them. */
const COMP_ID_TAGS: readonly number[] = [49, 56];
/** Standard header tags of FIX 4.4 (used to split stored messages into header and body on resend). */
const HEADER_TAGS = new Set([
  8, 9, 35, 49, 56, 115, 128, 90, 91, 34, 50, 142, 57, 143, 116, 144, 129, 145, 43, 97, 52, 122, 212, 213, 347,
  369, 627, 628, 629, 630,
]);
const TRAILER_TAGS = new Set([93, 89, 10]);
/** Routing tags reversed on a reject: OnBehalfOf ↔ DeliverTo. */
const REVERSE_ROUTE: Array<[from: number, to: number]> = [
  [115, 128], [116, 129], [128, 115], [129, 116], [144, 145], [145, 144],
];
const TIMER_INTERVAL_MS = 200;
/** Socket buffer level below which the resend pump pulls more stored messages. */
const PUMP_LOW_WATER_BYTES = 256 * 1024;

type Outgoing = Buffer | Iterator<Buffer>;
/** The default extra header: none (one shared empty list, read only, instead of a new array per message). */
const NO_FIELDS: FieldList = Object.freeze([]) as unknown as FieldList;
/** Messages sent while the socket is corked are copied into one slab and leave as one chunk on uncork
 *  (no stream bookkeeping per message); a message larger than this / 4 goes to the socket on its own. */
const CORKED_SLAB_BYTES = 32 * 1024;

export class Session {
  readonly id: SessionId;
  readonly key: string;
  readonly config: SessionConfig;
  readonly store: MessageStore;
  readonly log: MessageLog;
  readonly #dict: Dictionary;
  readonly #app: Application;
  readonly #now: () => number;

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
  readonly #queue = new Map<number, FixMessage>();
  #pending: Outgoing[] = [];
  #pendingBytes = 0;
  #pumpWaitingDrain = false;
  #timer: NodeJS.Timeout | null = null;
  #closeTimer: NodeJS.Timeout | null = null;
  #lastActivityMs = 0;
  /** cork() calls not yet matched by uncork() on the current socket. */
  #corks = 0;
  /** Bytes written while corked: [#slabStart, #slabEnd) of #slab, not yet handed to the socket. Handed-over
   *  parts of a slab are never written again (the socket may still hold them); a full slab is replaced. */
  #slab: Buffer | null = null;
  #slabStart = 0;
  #slabEnd = 0;
  /** Standard header of an outbound message: 34 and 52 are set per message (see #encode). */
  readonly #header: FieldList;
  /** What the encoder knew about the message #encode built last (plain: the log may copy it unexamined). */
  readonly #encoded: EncodeNotes = { plain: false };
  #stampMs = NaN;
  #stamp = '';

  constructor(parts: SessionParts) {
    this.config = parts.config;
    this.id = parts.config.id;
    this.key = sessionKey(this.id);
    this.#header = [[34, ''], [49, this.id.senderCompId], [52, ''], [56, this.id.targetCompId]];
    this.store = parts.store;
    this.log = parts.log;
    this.#dict = parts.dictionary;
    this.#app = parts.application;
    this.#now = parts.now ?? Date.now;
    this.#heartBtIntMs = parts.config.heartBtIntS * 1000;
    this.#event('Created session');
  }

  // ---- state for callers ------------------------------------------------------------------

  get isConnected(): boolean { return this.#socket !== null; }
  get isLoggedOn(): boolean { return this.#receivedLogon && this.#sentLogon; }
  get nextSenderSeq(): number { return this.store.nextSenderSeq; }
  get nextTargetSeq(): number { return this.store.nextTargetSeq; }
  get heartBtIntS(): number { return this.#heartBtIntMs / 1000; }
  get lastActivityMs(): number { return this.#lastActivityMs; }
  get remoteAddress(): string | undefined { return this.#socket?.remoteAddress; }
  isAttachedTo(socket: Socket): boolean { return this.#socket === socket; }
  /** Hold writes to the socket until uncork(), so a burst of sends leaves in few syscalls (the gateway
   *  corks around one journal batch of replies). Every cork() needs its uncork(). The last uncork()
   *  flushes the store first: the messages stored meanwhile are in the files before their bytes go out. */
  cork(): void {
    if (!this.#socket) return;
    this.#corks += 1;
    this.#socket.cork();
  }

  uncork(): void {
    if (!this.#socket || this.#corks === 0) return;
    this.#corks -= 1;
    if (this.#corks === 0) {
      if (!this.#flushStore()) return;
      this.#handOverSlab(this.#socket);
    }
    this.#socket?.uncork();
  }

  /** What was copied while corked goes to the (still corked) socket as one chunk. */
  #handOverSlab(socket: Socket): void {
    if (this.#slabEnd > this.#slabStart) {
      socket.write(this.#slab!.subarray(this.#slabStart, this.#slabEnd));
      this.#slabStart = this.#slabEnd;
    }
  }

  #dropSlab(): void {
    this.#slabStart = this.#slabEnd;
  }

  // ---- transport --------------------------------------------------------------------------

  /** Bind a freshly connected socket. The caller feeds frames with `receiveFrame`. */
  attach(socket: Socket): void {
    if (this.#socket) throw new Error(`${this.key}: attach while already connected`);
    this.#socket = socket;
    this.#corks = 0;
    this.#dropSlab();
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#pumpWaitingDrain = false;
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
    if (!this.#socket) return;
    if (!this.isLoggedOn) {
      this.disconnect(text ?? 'logout before logon completed');
      return;
    }
    if (this.#sentLogout) return;
    this.#event(`Initiated logout request${text ? `: ${text}` : ''}`);
    this.#generateLogout(text);
  }

  /** Drop the connection and reset the per-connection state (QuickFIX Session::disconnect). */
  disconnect(reason: string): void {
    const socket = this.#socket;
    if (socket) {
      this.#event(`Disconnecting: ${reason}`);
      this.#socket = null;
      this.#corks = 0;
      // end() flushes what is already written (a Logout, say), so the store is flushed before it; when
      // that fails the written bytes are dropped with the socket. Destroy if the peer does not read.
      let stored = true;
      try {
        this.store.flush();
      } catch (err) {
        stored = false;
        this.#event(`Message store write failed, unsent output dropped: ${(err as Error).message}`);
      }
      if (stored) this.#handOverSlab(socket);
      this.#dropSlab();
      if (stored) socket.end();
      else socket.destroy();
      this.#closeTimer = setTimeout(() => socket.destroy(), 2000);
      this.#closeTimer.unref();
    }
    if (this.#timer) { clearInterval(this.#timer); this.#timer = null; }
    this.#pending = [];
    this.#pendingBytes = 0;
    if (this.#receivedLogon || this.#sentLogon) {
      this.#receivedLogon = false;
      this.#sentLogon = false;
      this.#app.onLogout?.(this);
    }
    this.#sentLogout = false;
    this.#receivedReset = false;
    this.#sentReset = false;
    this.#queue.clear();
    if (this.config.resetOnDisconnect && socket) this.#reset();
    this.#resendRange = null;
  }

  /** Stop timers and release files. The session must not be used afterwards. */
  close(): void {
    if (this.#socket) this.disconnect('session closed');
    if (this.#closeTimer) clearTimeout(this.#closeTimer);
    this.store.close();
    this.log.close();
  }

  // ---- outbound, for the application ----------------------------------------------------------

  /** Send an application message. It is stored (for resend) even while the session is not logged
   *  on, and goes out when it is (QuickFIX behaviour; FIX session test case 16). Returns its MsgSeqNum. */
  send(msgType: string, body: FieldList | BodyWriter, extraHeader: FieldList = NO_FIELDS): number {
    if (ADMIN_TYPES.has(msgType)) throw new Error(`send() is for application messages, not 35=${msgType}`);
    return this.#sendRaw(msgType, body, extraHeader);
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
    this.#next(parsed, false);
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
    const msgType = msg.msgType;
    for (let k = 0; k < COMP_ID_TAGS.length; k++) {
      const tag = COMP_ID_TAGS[k]!;
      if (!msg.has(tag)) {
        if (ADMIN_TYPES.has(msgType) || !msgType) {
          this.#generateReject(msg, 1, tag);
          if (msgType === 'A') this.disconnect('required field missing from logon');
        } else {
          this.#generateBusinessReject(msg, BusinessRejectReason.ConditionallyRequiredFieldMissing, 'Conditionally Required Field Missing', tag);
        }
        this.#afterNext(queued);
        return;
      }
    }
    // BeginString is the first field of every parsed message: compared in place
    if (!msg.valueEquals(0, this.id.beginString)) {
      if (msgType === '5') {
        this.#nextLogout(msg);
      } else {
        this.#generateLogout('Incorrect BeginString');
        this.store.incrNextTargetSeq();
      }
      this.#afterNext(queued);
      return;
    }
    if (this.config.validation) {
      const error = validateMessage(msg, this.#dict, this.config.validation);
      if (error) {
        this.#generateReject(msg, error.reason, error.tag, error.text);
        this.#afterNext(queued);
        return;
      }
    }
    switch (msgType) {
      case 'A': this.#nextLogon(msg); break;
      case '0': this.#nextHeartbeat(msg); break;
      case '1': this.#nextTestRequest(msg); break;
      case '4': this.#nextSequenceReset(msg); break;
      case '5': this.#nextLogout(msg); break;
      case '2': this.#nextResendRequest(msg); break;
      case '3': this.#nextReject(msg); break;
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
    this.#receivedReset = logon.get(141) === 'Y';
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
      const heartBtIntS = logon.getInt(108) ?? 0;
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
    if (seq > this.store.nextTargetSeq) {
      this.#doTargetTooHigh(logon);
    } else {
      this.store.incrNextTargetSeq();
      this.#nextQueued();
    }
    if (this.isLoggedOn) this.#app.onLogon?.(this);
  }

  #nextHeartbeat(msg: FixMessage): void {
    if (!this.#verify(msg, true, true)) return;
    this.store.incrNextTargetSeq();
  }

  #nextTestRequest(msg: FixMessage): void {
    if (!this.#verify(msg, true, true)) return;
    this.#sendRaw('0', [[112, msg.get(112) ?? '']]);
    this.store.incrNextTargetSeq();
  }

  #nextLogout(msg: FixMessage): void {
    if (!this.#verify(msg, false, false)) return;
    if (!this.#sentLogout) {
      this.#event(`Received logout request${msg.has(58) ? `: ${msg.get(58)}` : ''}`);
      this.#generateLogout();
      this.#event('Sending logout response');
    } else {
      this.#event('Received logout response');
    }
    this.store.incrNextTargetSeq();
    if (this.config.resetOnLogout) this.#reset();
    this.disconnect('logout');
  }

  #nextReject(msg: FixMessage): void {
    if (!this.#verify(msg, false, true)) return;
    this.#event(`Received Reject of ${msg.get(45) ?? '?'}: ${msg.get(58) ?? ''} (373=${msg.get(373) ?? ''})`);
    this.store.incrNextTargetSeq();
  }

  #nextSequenceReset(msg: FixMessage): void {
    const isGapFill = msg.get(123) === 'Y';
    if (!this.#verify(msg, isGapFill, isGapFill)) return;
    const newSeqNo = msg.getInt(36);
    if (newSeqNo === undefined) return;
    const expected = this.store.nextTargetSeq;
    this.#event(`Received SequenceReset FROM: ${expected} TO: ${newSeqNo}`);
    if (newSeqNo > expected) {
      this.store.setNextTargetSeq(newSeqNo);
      for (const seq of this.#queue.keys()) if (seq < newSeqNo) this.#queue.delete(seq);
    } else if (newSeqNo < expected) {
      this.#generateReject(msg, 5);
    }
  }

  #nextResendRequest(msg: FixMessage): void {
    if (!this.#verify(msg, false, false)) return;
    const requestedBegin = msg.getInt(7) ?? 0;
    const requestedEnd = msg.getInt(16) ?? 0;
    this.#event(`Received ResendRequest FROM: ${requestedBegin} TO: ${requestedEnd}`);
    const nextSender = this.store.nextSenderSeq;
    const begin = Math.max(1, requestedBegin);
    const end = requestedEnd === 0 || requestedEnd >= nextSender ? nextSender - 1 : requestedEnd;
    if (begin > end) {
      this.#event(`ResendRequest FROM: ${requestedBegin} asks for nothing we have sent (next is ${nextSender})`);
    } else if (!this.config.persistMessages) {
      this.#enqueue(this.#gapFill(begin, end + 1));
    } else {
      this.#enqueue(this.#resendPlan(begin, end));
    }
    const seq = msg.seqNum ?? 0;
    if (seq === this.store.nextTargetSeq) this.store.incrNextTargetSeq();
  }

  #nextApp(msg: FixMessage): void {
    if (!this.#verify(msg, true, true)) return;
    let verdict: AppVerdict | void;
    try {
      verdict = this.#app.fromApp(this, msg);
    } catch (err) {
      // An application bug must not take the session down with it: answer, log, carry on.
      this.#event(`Application error on 35=${msg.msgType} seq ${msg.get(34)}: ${(err as Error).stack ?? err}`);
      verdict = { kind: 'businessReject', reason: BusinessRejectReason.ApplicationNotAvailable, text: 'Application error' };
    }
    if (verdict) this.#applyVerdict(msg, verdict);
    else this.store.incrNextTargetSeq();
  }

  #applyVerdict(msg: FixMessage, verdict: AppVerdict): void {
    switch (verdict.kind) {
      case 'reject':
        this.#generateReject(msg, verdict.reason, verdict.tag, verdict.text);
        return;
      case 'businessReject':
        this.#generateBusinessReject(msg, verdict.reason, verdict.text, undefined, verdict.refId);
        return;
      case 'rejectLogon':
        this.#event(`Logon rejected: ${verdict.text}`);
        this.#generateLogout(verdict.text);
        this.disconnect('logon rejected');
        return;
    }
  }

  /** QuickFIX Session::verify: logon state, SendingTime, CompIDs, sequence number, then the callbacks. */
  #verify(msg: FixMessage, checkTooHigh: boolean, checkTooLow: boolean): boolean {
    const msgType = msg.msgType;
    const seq = msg.seqNum;
    const sendingTime = msg.get(52);
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
      this.#generateReject(msg, 10);
      if (this.#socket) this.#generateLogout();
      return false;
    }
    if (!this.#isCorrectCompId(msg)) {
      this.#generateReject(msg, 9);
      if (this.#socket) this.#generateLogout();
      return false;
    }
    const expected = this.store.nextTargetSeq;
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
    if ((msgType === 'A' && this.#sentReset) || this.#receivedReset) return true;
    if ((msgType === 'A' && !this.#receivedLogon) || (msgType !== 'A' && this.#receivedLogon)) return true;
    if (msgType === '5' && this.#sentLogon) return true;
    if (msgType !== '5' && this.#sentLogout) return true;
    if (msgType === '4' || msgType === '3') return true;
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
    return msg.get(49) === this.id.targetCompId && msg.get(56) === this.id.senderCompId;
  }

  #doTargetTooHigh(msg: FixMessage): void {
    const seq = msg.seqNum ?? 0;
    this.#event(`MsgSeqNum too high, expecting ${this.store.nextTargetSeq} but received ${seq}`);
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
    const begin = this.store.nextTargetSeq;
    this.#sendRaw('2', [[7, String(begin)], [16, '0']]);
    this.#event(`Sent ResendRequest FROM: ${begin} TO: 0`);
    this.#resendRange = { begin, end: seq - 1 };
  }

  #doTargetTooLow(msg: FixMessage): void {
    const seq = msg.seqNum ?? 0;
    if (msg.get(43) !== 'Y') {
      const text = `MsgSeqNum too low, expecting ${this.store.nextTargetSeq} but received ${seq}`;
      this.#generateLogout(text);
      this.#event(text);
      this.disconnect('sequence number too low');
      return;
    }
    // PossDup with a low sequence number: a duplicate, ignored once its OrigSendingTime checks out.
    if (msg.msgType === '4') return;
    const orig = msg.get(122);
    if (orig === undefined) {
      this.#generateReject(msg, 1, 122);
      return;
    }
    const origMs = parseUtcTimestamp(orig);
    const sentMs = parseUtcTimestamp(msg.get(52) ?? '');
    if (origMs === undefined || sentMs === undefined || origMs > sentMs) {
      this.#generateReject(msg, 10);
      if (this.#socket) this.#generateLogout();
    }
  }

  /** Process queued messages that the expected sequence number has reached. */
  #nextQueued(): void {
    for (;;) {
      const expected = this.store.nextTargetSeq;
      const msg = this.#queue.get(expected);
      if (!msg || !this.#socket) return;
      this.#queue.delete(expected);
      this.#event(`Processing QUEUED message: ${expected}`);
      const msgType = msg.msgType;
      if (msgType === 'A' || msgType === '2') this.store.incrNextTargetSeq();
      else this.#next(msg, true);
    }
  }

  // ---- outbound, admin --------------------------------------------------------------------------

  #generateLogon(): void {
    if (this.config.resetOnLogon) this.#reset();
    const body: FieldList = [[98, '0'], [108, String(this.config.heartBtIntS)]];
    if (this.#shouldSendReset()) body.push([141, 'Y']);
    const now = this.#now();
    this.#lastReceivedMs = now;
    this.#testRequestCount = 0;
    this.#sentLogon = true;
    this.#logonSentAtMs = now;
    this.#sendRaw('A', body);
  }

  #generateLogonResponse(logon: FixMessage): void {
    const body: FieldList = [[98, '0'], [108, logon.get(108) ?? '0']];
    if (this.#receivedReset) body.push([141, 'Y']);
    this.#sendRaw('A', body);
    this.#sentLogon = true;
  }

  #generateLogout(text?: string): void {
    this.#sendRaw('5', text ? [[58, text]] : []);
    this.#sentLogout = true;
    this.#logoutSentAtMs = this.#now();
  }

  #shouldSendReset(): boolean {
    const c = this.config;
    return (c.resetOnLogon || c.resetOnLogout || c.resetOnDisconnect) &&
      this.store.nextSenderSeq === 1 && this.store.nextTargetSeq === 1;
  }

  /** Session-level Reject(3) of `msg` (QuickFIX Session::generateReject). */
  #generateReject(msg: FixMessage, reason: number, tag?: number, text?: string): void {
    const msgType = msg.msgType;
    const seqText = msg.get(34) ?? '';
    const seq = msg.seqNum;
    if (msgType !== 'A' && msgType !== '4' && seq !== undefined && seq === this.store.nextTargetSeq) {
      this.store.incrNextTargetSeq();
    }
    const reasonText = text ?? SESSION_REJECT_TEXT[reason];
    this.#event(`Message ${seqText} Rejected: ${reasonText ?? ''}${tag !== undefined ? `:${tag}` : ''}`);
    if (!this.#receivedLogon) {
      this.#event('Tried to send a reject while not logged on');
      this.disconnect('reject before logon');
      return;
    }
    const body: FieldList = [];
    if (seqText !== '') body.push([45, seqText]);
    if (reasonText !== undefined) body.push([58, reasonText]);
    if (reasonText !== undefined && tag !== undefined && (tag !== 0 || reason === 0)) body.push([371, String(tag)]);
    if (msgType !== '') body.push([372, msgType]);
    body.push([373, String(reason)]);
    this.#sendRaw('3', body, reverseRoute(msg));
  }

  #generateBusinessReject(msg: FixMessage, reason: number, text: string, tag?: number, refId?: string): void {
    this.store.incrNextTargetSeq();
    const fullText = tag !== undefined ? `${text} (${tag})` : text;
    this.#event(`Message ${msg.get(34) ?? ''} Rejected: ${fullText}`);
    const body: FieldList = [[45, msg.get(34) ?? '0'], [58, fullText], [372, msg.msgType]];
    if (refId !== undefined) body.push([379, refId]);
    body.push([380, String(reason)]);
    this.#sendRaw('j', body, reverseRoute(msg));
  }

  /** Encode, store (application messages) or advance the sequence (admin), log and write. */
  #sendRaw(msgType: string, body: FieldList | BodyWriter, extraHeader: FieldList = NO_FIELDS): number {
    const isAdmin = ADMIN_TYPES.has(msgType);
    if (isAdmin) {
      if (typeof body === 'function') body = fieldsOf(body); // admin bodies are FieldLists (send() takes no admin type)
      this.#app.toAdmin?.(this, msgType, body);
      if (msgType === 'A' && !this.#receivedReset) {
        const resetFlag = body.some(([t, v]) => t === 141 && v === 'Y');
        if (resetFlag) this.#reset();
        this.#sentReset = resetFlag;
      }
    }
    const now = this.#now();
    this.#lastSentMs = now;
    const seq = this.store.nextSenderSeq;
    const bytes = this.#encode(msgType, seq, now, body, extraHeader);
    if (!isAdmin && this.config.persistMessages) this.store.saveSent(seq, bytes);
    else this.store.setNextSenderSeq(seq + 1);
    const mayWrite = isAdmin
      ? msgType === 'A' || msgType === '5' || msgType === '2' || msgType === '4' || this.isLoggedOn
      : this.isLoggedOn;
    if (mayWrite && this.#socket) this.#enqueue(bytes, this.#encoded.plain);
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
      [34, String(seq)],
      [49, this.id.senderCompId],
      [52, this.#sendingTime(nowMs)],
      [56, this.id.targetCompId],
      ...extraHeader,
    ];
    if (origSendingTime !== undefined) header.push([43, 'Y'], [122, origSendingTime]);
    header.sort((a, b) => a[0] - b[0]);
    if (typeof body === 'function') return encodeMessageWith(this.id.beginString, msgType, header, body, this.#encoded);
    this.#encoded.plain = false;
    return encodeMessage(this.id.beginString, msgType, header, body);
  }

  /** SendingTime text, formatted once per millisecond (a burst of replies shares it). */
  #sendingTime(nowMs: number): string {
    if (nowMs !== this.#stampMs) {
      this.#stamp = formatUtcTimestamp(nowMs);
      this.#stampMs = nowMs;
    }
    return this.#stamp;
  }

  /** A SequenceReset-GapFill at `begin` pointing to `newSeqNo`; written, never stored. */
  #gapFill(begin: number, newSeqNo: number): Buffer {
    const now = this.#now();
    this.#lastSentMs = now;
    this.#event(`Sent SequenceReset TO: ${newSeqNo}`);
    return this.#encode('4', begin, now, [[36, String(newSeqNo)], [123, 'Y']], [], formatUtcTimestamp(now));
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
    header.push([43, 'Y'], [52, formatUtcTimestamp(now)], [122, origSendingTime]);
    header.sort((a, b) => a[0] - b[0]);
    return encodeMessage(this.id.beginString, stored.msgType, header, body);
  }

  /** Answer a ResendRequest lazily, page by page from the store: application messages are resent,
   *  runs of admin or missing messages become one GapFill each. Nothing is built before the socket
   *  can take it, so a request for 1..10^9 costs one page of memory. */
  *#resendPlan(begin: number, end: number): Generator<Buffer> {
    let gapStart = 0;
    let current = begin;
    let next = begin;
    let resent = 0;
    while (next <= end) {
      const page = this.store.readRange(next, end, this.config.resendChunkSize);
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
    if (!gapStart && current <= end) gapStart = current;
    if (gapStart) yield this.#gapFill(gapStart, end + 1);
    this.#event(`Resent ${resent} messages FROM: ${begin} TO: ${end}`);
  }

  // ---- the outbox: ordered, bounded writes with lazy resend ------------------------------------------

  /** Make what was stored so far durable before a socket write; on failure the session disconnects
   *  (dropping its unsent output) and false is returned. */
  #flushStore(): boolean {
    try {
      this.store.flush();
      return true;
    } catch (err) {
      this.#event(`Message store write failed: ${(err as Error).message}`);
      this.disconnect('message store write failed');
      return false;
    }
  }

  /** `plain`: see MessageLog.message (only for a message #encode just built). */
  #enqueue(item: Outgoing, plain = false): void {
    const socket = this.#socket;
    if (!socket) return;
    if (Buffer.isBuffer(item)) {
      this.log.message('OUT', item, this.#now(), plain);
      if (this.#pending.length === 0) {
        if (this.#corks > 0 && item.length <= CORKED_SLAB_BYTES / 4) {
          let slab = this.#slab;
          if (slab === null || this.#slabEnd + item.length > slab.length) {
            this.#handOverSlab(socket);
            this.#slab = slab = Buffer.allocUnsafeSlow(CORKED_SLAB_BYTES);
            this.#slabStart = this.#slabEnd = 0;
          }
          item.copy(slab, this.#slabEnd);
          this.#slabEnd += item.length;
          const buffered = socket.writableLength + this.#slabEnd - this.#slabStart;
          if (buffered > this.config.maxOutboundBufferBytes) this.#slowConsumer(buffered);
          return;
        }
        if (this.#corks === 0 && !this.#flushStore()) return;
        this.#handOverSlab(socket); // keeps the order when a large message follows copied ones
        socket.write(item);
        if (socket.writableLength > this.config.maxOutboundBufferBytes) this.#slowConsumer(socket.writableLength);
        return;
      }
      this.#pendingBytes += item.length;
      this.#pending.push(item);
      if (this.#pendingBytes + socket.writableLength > this.config.maxOutboundBufferBytes) {
        this.#slowConsumer(this.#pendingBytes + socket.writableLength);
      }
      return;
    }
    this.#pending.push(item);
    this.#pump();
  }

  #pump(): void {
    const socket = this.#socket;
    while (socket && this.#socket === socket && this.#pending.length > 0) {
      if (socket.writableLength >= PUMP_LOW_WATER_BYTES) {
        if (!this.#pumpWaitingDrain) {
          this.#pumpWaitingDrain = true;
          socket.once('drain', () => { this.#pumpWaitingDrain = false; this.#pump(); });
        }
        return;
      }
      if (this.#corks === 0 && !this.#flushStore()) return;
      this.#handOverSlab(socket); // what was copied while corked goes first
      const head = this.#pending[0]!;
      if (Buffer.isBuffer(head)) {
        this.#pending.shift();
        this.#pendingBytes -= head.length;
        socket.write(head);
        continue;
      }
      const step = head.next();
      if (step.done) {
        this.#pending.shift();
        continue;
      }
      this.log.message('OUT', step.value, this.#now());
      socket.write(step.value);
    }
  }

  #slowConsumer(bytes: number): void {
    this.#event(`Outbound buffer limit exceeded (${bytes} bytes > ${this.config.maxOutboundBufferBytes}): peer is not reading`);
    this.disconnect('slow consumer');
  }

  // ---- timers ----------------------------------------------------------------------------------

  /** QuickFIX Session::next(): logon/logout timeouts, heartbeats, TestRequest, heartbeat timeout. */
  #onTimer(): void {
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
      this.#sendRaw('1', [[112, 'TEST']]);
      this.#testRequestCount++;
      this.#event('Sent test request TEST');
    } else if (sinceSent >= hb && this.#testRequestCount === 0) {
      this.#sendRaw('0', []);
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  #reset(): void {
    this.store.reset(this.#now());
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
