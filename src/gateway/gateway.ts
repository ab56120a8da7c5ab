// The gateway: FIX sessions in front of the engine. Inbound application messages become engine commands
// (requests.ts); the sequencer journals them and applies them; only then, from its event listener, do the
// replies go out (reports.ts) through Session.send, which stores each message before writing it.
import { createHash, timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { Dictionary } from '../fix/dictionary.js';
import { parseMessage, type FixMessage } from '../fix/message.js';
import type { FieldList } from '../fix/types.js';
import { Acceptor, type AcceptorSessionSpec } from '../session/acceptor.js';
import { BusinessRejectReason, type Application, type AppVerdict } from '../session/application.js';
import { FileStore } from '../session/file-store.js';
import { FileLog } from '../session/message-log.js';
import type { Session } from '../session/session.js';
import { sessionKey, type SessionId } from '../session/session-id.js';
import { isAddressAllowed, type SessionSettings } from '../session/settings.js';
import {
  defaultEngineConfigPath, loadEngineConfig, openEngine, SequencerOverloadedError,
  type Engine, type EngineConfig, type EngineEvent, type SequencedCommand, type Sequencer,
} from '../engine/index.js';
import { defaultDictionaryPath, resolveIdleSpinMicros, sessionConfigOf, tlsOptionsOf, type GatewayFileSettings } from './config.js';
import { createMetrics, type GatewayMetrics } from './metrics.js';
import { Snapshotter } from './snapshots.js';
import { EndOfDaySchedule } from './end-of-day.js';
import { HeldTargetSeqStore } from './held-target-seq.js';
import { LogonGuard } from './logon-guard.js';
import { PendingBySeq } from './pending.js';
import { echoOf, translate, type RequestEcho } from './requests.js';
import { executionReport, ExecutionReportBody, massCancelRejectedReport, massCancelReport, orderCancelReject } from './reports.js';
import type { BodyWriter } from '../fix/encode.js';

export interface GatewayOptions {
  /** Parsed .cfg (loadGatewaySettings / parseGatewaySettings). */
  settings: GatewayFileSettings;
  /** Overrides DataDirectory; default ./data. */
  dataDir?: string;
  /** Overrides EngineConfig; default config/engine.json of this package. */
  engineConfig?: EngineConfig;
  /** Overrides SocketAcceptPort; 0 = any free port (read it back from Gateway.fixPort). */
  fixPort?: number;
  /** Listen address; default SocketAcceptHost, else 0.0.0.0. */
  host?: string;
  /** Overrides JournalFsync. */
  fsync?: boolean;
  /** Gateway metrics are registered here; a private registry when absent. */
  registry?: Registry;
  logger?: Logger;
  /** Called once if the journal fails; the gateway has stopped accepting orders by then. */
  onFatal?: (err: Error) => void;
  /** Commands waiting for the journal at most; more are answered with BusinessMessageReject. Default 200,000. */
  pendingCommandsMax?: number;
  /** How often GTD orders are checked for expiry. Default 250. */
  expiryCheckIntervalMs?: number;
  /** How long close() waits for clients to answer the Logout. Default 2000. */
  logoutGraceMs?: number;
  /** Overrides SnapshotEveryCommands (0 = no periodic snapshots). */
  snapshotEveryCommands?: number;
  /** Overrides SnapshotsKept. */
  snapshotsKept?: number;
  /** Overrides SnapshotOnShutdown. */
  snapshotOnShutdown?: boolean;
  /** Overrides SnapshotWorker. false: snapshots are made on the event loop instead of by the snapshot worker thread. */
  snapshotWorker?: boolean;
  /** Test hook: the snapshot worker throws after applying this seq (its first start only). */
  snapshotWorkerCrashAfterSeq?: number;
  /** Test hook: the snapshot worker hangs after applying this seq (its first start only). */
  snapshotWorkerStallAfterSeq?: number;
  /** A snapshot worker behind the engine that applies nothing for this long is restarted. Default 60 s. */
  snapshotWorkerStuckMs?: number;
  /** Overrides IdleSpinMicros (0 = off; 'auto' = by the journal's fsync, see resolveIdleSpinMicros). */
  idleSpinMicros?: number | 'auto';
  /** Epoch ms for the sequencer's timestamps, GTD expiry and the EndOfDay schedule. Default Date.now. */
  clock?: () => number;
  /** Every command replayed at start-up, with its events (the market data rebuilds its trade history from them). */
  onReplayEvents?: (sc: SequencedCommand, events: EngineEvent[]) => void;
}

/** One FIX session as the HTTP health/status endpoints show it. */
export interface SessionInfo {
  key: string;
  senderCompId: string;
  targetCompId: string;
  sessionType: 'trading' | 'dropcopy';
  state: 'logged-on' | 'connected' | 'disconnected';
  loggedOn: boolean;
  nextSenderSeq: number;
  nextTargetSeq: number;
  /** Epoch ms of the last byte received or connection event; 0 = never. */
  lastActivityMs: number;
  remoteAddress: string | null;
}

export interface Gateway {
  readonly fixPort: number;
  readonly dataDir: string;
  readonly engine: Engine;
  readonly sequencer: Sequencer;
  readonly acceptor: Acceptor;
  readonly registry: Registry;
  readonly metrics: GatewayMetrics;
  /** True once the journal is replayed and the FIX port listens; false again while closing. */
  readonly ready: boolean;
  /** Journal records replayed at startup. */
  readonly replayedCommands: number;
  /** Seq of the snapshot startup began from (null = full replay). */
  readonly recoveredFromSnapshotSeq: number | null;
  /** The IdleSpinMicros in use (an 'auto' setting resolved by the journal's fsync). */
  readonly idleSpinMicros: number;
  /** Seq of the newest snapshot this gateway wrote, 0 = none yet. */
  readonly lastSnapshotSeq: number;
  /** How snapshots are made now (worker thread or in-process), the worker's lag and the newest snapshot's seq. */
  snapshotStatus(): { mode: 'worker' | 'inline'; workerRunning: boolean; workerLagCommands: number; lastSnapshotSeq: number };
  /** Writes a snapshot of the current state now (waits for one already being written); resolves to its path. */
  snapshot(): Promise<string>;
  sessionsInfo(): SessionInfo[];
  /** Logs every session out, lets the journal drain, closes stores, logs and the journal. */
  close(): Promise<void>;
}

/** "FIX.4.4:FIXGW->CLIENT1" → its SessionId (the engine's session strings are sessionKey()s). */
export function parseSessionKey(key: string): SessionId | undefined {
  const colon = key.indexOf(':');
  const arrow = key.indexOf('->', colon + 1);
  if (colon <= 0 || arrow < 0) return undefined;
  return { beginString: key.slice(0, colon), senderCompId: key.slice(colon + 1, arrow), targetCompId: key.slice(arrow + 2) };
}

/** Dictionaries are immutable once loaded and take a while to parse: one per file per process. */
const dictionaries = new Map<string, Dictionary>();
function loadDictionary(file: string): Dictionary {
  let dict = dictionaries.get(file);
  if (dict === undefined) {
    dict = Dictionary.load(file);
    dictionaries.set(file, dict);
  }
  return dict;
}

/** Password(554) check in time independent of where the strings differ. */
function samePassword(given: string | undefined, expected: string): boolean {
  const a = createHash('sha256').update(given ?? '', 'latin1').digest();
  const b = createHash('sha256').update(expected, 'latin1').digest();
  return given !== undefined && timingSafeEqual(a, b);
}

interface ThrottleWindow { startMs: number; count: number; rejects: number }

/** A request submitted to the sequencer and not yet applied: what its replies echo, and the inbound MsgSeqNum its
 *  session's store holds (see held-target-seq.ts) until it is journaled and answered. */
interface PendingRequest { seq: number; echo: RequestEcho; held: HeldTargetSeqStore | undefined; msgSeq: number }

/** Journal commands at the end of the replay whose ExecutionReports are checked against the session stores. */
const REPLAY_TAIL_COMMANDS_MAX = 10_000;
/** Stored messages searched (newest first) for the last ExecID of a session. */
const LAST_REPORT_SCAN_MAX = 2_000;

/** ExecID "<seq>.<n>" as a number pair that orders like the engine's events. */
function execOrder(execId: string): [number, number] | null {
  const m = /^(\d+)\.(\d+)$/.exec(execId);
  return m === null ? null : [Number(m[1]), Number(m[2])];
}

/** ExecID of the newest ExecutionReport in a session's store; [0, 0] if it has none; null if unknown. */
function lastReportExec(session: Session): [number, number] | null {
  const store = session.store;
  const lowest = Math.max(1, store.nextSenderSeq - LAST_REPORT_SCAN_MAX);
  for (let end = store.nextSenderSeq - 1; end >= lowest; end -= 100) {
    const page = store.readRange(Math.max(lowest, end - 99), end, 100);
    for (let i = page.length - 1; i >= 0; i--) {
      const m = parseMessage(page[i]!.bytes);
      if ('garbled' in m || m.msgType !== '8') continue;
      const exec = execOrder(m.get(17) ?? '');
      if (exec !== null) return exec;
    }
  }
  return lowest === 1 ? [0, 0] : null;
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const log = options.logger ?? pino({ name: 'fixgw', level: 'silent' });
  const { settings } = options;
  const dataDir = path.resolve(options.dataDir ?? settings.dataDir ?? 'data');
  const engineConfig = options.engineConfig ?? loadEngineConfig(settings.engineConfigPath ?? defaultEngineConfigPath());
  const fsync = options.fsync ?? settings.fsync;
  const dictionaryPath = settings.sessions[0]!.dataDictionary ?? defaultDictionaryPath();
  const dictionary = loadDictionary(dictionaryPath);

  const clock = options.clock ?? Date.now;
  const pendingCommandsMax = options.pendingCommandsMax ?? 200_000;
  // The last commands replayed at startup, with their events: replies a crash cut off are sent from these.
  const tail: Array<{ sc: SequencedCommand; events: EngineEvent[] } | undefined> = new Array(REPLAY_TAIL_COMMANDS_MAX);
  let tailCount = 0;
  const opened = await openEngine({
    dataDir, config: engineConfig, fsync: fsync ? 'always' : 'none', pendingCommandsMax, clock,
    journalSegmentBytes: settings.journalSegmentBytes, journalRetention: settings.journalRetention,
    onReplayEvents: (sc, events) => { tail[tailCount++ % REPLAY_TAIL_COMMANDS_MAX] = { sc, events }; options.onReplayEvents?.(sc, events); },
    onJournalPreallocationError: (err) => log.warn({ err }, 'journal preallocation failed: batches are appended without it (each fdatasync also commits the file size)'),
  });
  const { sequencer, engine } = opened;
  log.info({ dataDir, replayedCommands: opened.recovery.replayedCommands, snapshotSeq: opened.recovery.snapshotSeq,
    lastSeq: opened.recovery.lastSeq, tornBytes: opened.recovery.tornBytes, tornZeros: opened.recovery.journal.tornZeros, fsync }, 'journal replayed');

  const staticSettings = new Map<string, SessionSettings>();
  const templates: SessionSettings[] = [];
  for (const s of settings.sessions) {
    if (s.dynamic) templates.push(s);
    else staticSettings.set(sessionKey(s.id), s);
  }
  const templateOf = (id: SessionId) =>
    templates.find((t) => t.id.beginString === id.beginString && t.id.senderCompId === id.senderCompId);
  const settingsOf = (id: SessionId): SessionSettings | undefined => staticSettings.get(sessionKey(id)) ?? templateOf(id);
  // The settings never change while the gateway runs: looked up once per session, not per message.
  const sessionSettings = new WeakMap<Session, SessionSettings | null>();
  const settingsOfSession = (session: Session): SessionSettings | undefined => {
    let s = sessionSettings.get(session);
    if (s === undefined) sessionSettings.set(session, s = settingsOf(session.id) ?? null);
    return s ?? undefined;
  };

  // Sessions that have orders in the engine exist from the start, so a fill on a resting order of a client
  // that has not logged on again since the restart is stored for its resend.
  const specs: AcceptorSessionSpec[] = settings.sessions.map((s) => ({ config: sessionConfigOf(s), dynamic: s.dynamic }));
  for (const key of engine.sessions.keys()) {
    const id = parseSessionKey(key);
    if (id === undefined || staticSettings.has(key)) continue;
    const template = templateOf(id);
    if (template !== undefined) specs.push({ config: { ...sessionConfigOf(template), id }, dynamic: false });
  }

  const registry = options.registry ?? new Registry();
  let acceptor: Acceptor | undefined;
  const metrics = createMetrics(registry, {
    loggedOnSessions: () => acceptor?.sessions().filter((s) => s.isLoggedOn).length ?? 0,
    lastSeq: () => engine.lastSeq,
  });

  /** Requests submitted and not yet applied, by seq (bounded by the sequencer's pendingCommandsMax). */
  const pending = new PendingBySeq<PendingRequest>(pendingCommandsMax);
  /** ClOrdIDs of the NewOrders in `pending`, per session key, for the PossResend check (one set per session that
   *  ever sent an order: bounded by the sessions, the sets by `pending`). */
  const pendingNewOrders = new Map<string, Set<string>>();
  // Inbound MsgSeqNums whose commands are in the journal queue: their session stores do not persist an
  // expected seq beyond them until the command is journaled and answered (see held-target-seq.ts).
  const heldStores = new Map<string, HeldTargetSeqStore>();
  const throttles = new Map<string, ThrottleWindow>();
  const dropCopies = new Map<string, { session: Session; accounts: Set<string> | '*' }>();
  let closing = false;
  /** performance.now() when the first command of the journal batch on its way was submitted; NaN: none. */
  let batchStartMs = NaN;
  const erBody = new ExecutionReportBody();
  const guardSettings = settings.sessions[0]!.extra;
  const logonGuard = new LogonGuard({
    maxFailures: (guardSettings.get('MaxLogonFailures') as number | undefined) ?? 10,
    windowMs: ((guardSettings.get('LogonFailureWindowSeconds') as number | undefined) ?? 60) * 1000,
    lockoutMs: ((guardSettings.get('LogonLockoutSeconds') as number | undefined) ?? 60) * 1000,
  });
  /** Counts a failed Logon from `address`; logs once when that locks the address out. */
  const logonFailed = (address: string | undefined) => {
    if (address === undefined) return;
    if (logonGuard.failed(address)) log.warn({ remoteAddress: address, lockoutMs: logonGuard.lockedForMs(address) }, 'too many failed logons: address locked out');
  };

  const addDropCopy = (session: Session) => {
    const s = settingsOf(session.id);
    if (s?.sessionType !== 'dropcopy' || dropCopies.has(session.key)) return;
    const accounts = s.dropCopyAccounts === '*' || s.dropCopyAccounts === undefined ? '*' : new Set(s.dropCopyAccounts);
    dropCopies.set(session.key, { session, accounts });
  };

  const throttled = (session: Session, limit: number, maxRejects: number): AppVerdict | undefined => {
    const now = Date.now();
    let w = throttles.get(session.key);
    if (w === undefined || now - w.startMs >= 1000) {
      w = { startMs: now, count: 0, rejects: 0 };
      throttles.set(session.key, w);
    }
    if (++w.count <= limit) return undefined;
    metrics.rejects.inc('Throttle');
    if (++w.rejects === maxRejects + 1) {
      log.warn({ session: session.key, limit }, 'logging out a session that keeps exceeding its message rate');
      session.logout(`Throttle limit exceeded persistently (more than ${limit} messages per second)`);
    }
    return { kind: 'businessReject', reason: BusinessRejectReason.Other, text: `Throttle limit exceeded: more than ${limit} messages per second` };
  };

  const application: Application = {
    onLogon(session) {
      if (session.remoteAddress !== undefined) logonGuard.succeeded(session.remoteAddress);
      addDropCopy(session);
      throttles.delete(session.key);
      log.info({ session: session.key, remoteAddress: session.remoteAddress, nextSenderSeq: session.nextSenderSeq,
        nextTargetSeq: session.nextTargetSeq }, 'session logged on');
    },
    onLogout(session) {
      throttles.delete(session.key);
      log.info({ session: session.key }, 'session logged out');
      const s = settingsOf(session.id);
      if (s === undefined || s.sessionType !== 'trading' || sequencer.error !== null) return;
      // Cancel-on-disconnect: the session setting when given, else the engine config's default/per-session value.
      try {
        sequencer.submit({ type: 'SessionDisconnected', session: session.key,
          ...(s.raw.has('CancelOnDisconnect') ? { cancelOnDisconnect: s.cancelOnDisconnect } : {}) });
      } catch (err) {
        log.error({ session: session.key, err }, 'could not submit SessionDisconnected');
      }
    },
    fromApp(session, msg) {
      return onApp(session, msg);
    },
  };

  const onApp = (session: Session, msg: FixMessage): AppVerdict | void => {
    const receivedMs = performance.now();
    const s = settingsOfSession(session);
    if (s === undefined) return { kind: 'businessReject', reason: BusinessRejectReason.ApplicationNotAvailable, text: 'Session not configured' };
    if (closing) return { kind: 'businessReject', reason: BusinessRejectReason.ApplicationNotAvailable, text: 'Gateway shutting down' };
    const limited = throttled(session, s.maxMessagesPerSecond, (s.extra.get('ThrottleMaxRejectsPerSecond') as number | undefined) ?? 1000);
    if (limited !== undefined) return limited;
    metrics.messagesReceived.inc(msg.msgType);
    if (s.sessionType === 'dropcopy') {
      metrics.rejects.inc('DropCopySession');
      return { kind: 'businessReject', reason: BusinessRejectReason.NotAuthorized, text: 'A drop-copy session receives copies; it cannot send orders' };
    }
    // A client's BusinessMessageReject of something we sent is taken note of, never answered (no reject loops).
    if (msg.msgType === 'j') {
      log.debug({ session: session.key, refSeqNum: msg.get(45), text: msg.get(58) }, 'client rejected a message');
      return;
    }
    const t = translate(msg, session.key);
    switch (t.kind) {
      case 'unsupported':
        metrics.rejects.inc('UnsupportedMessageType');
        return { kind: 'businessReject', reason: BusinessRejectReason.UnsupportedMessageType, text: 'Unsupported Message Type' };
      case 'reject':
        metrics.rejects.inc('SessionReject');
        return { kind: 'reject', reason: t.reason, tag: t.tag, text: t.text };
      case 'massCancelRejected':
        metrics.rejects.inc('MassCancelUnsupported');
        session.send('r', massCancelRejectedReport(msg.get(11) ?? '', msg.get(530) ?? '', t.rejectReason, t.text));
        return;
      case 'command': {
        let command = t.command;
        // FIX test case 19: a PossResend order whose ClOrdID we already know is not entered again;
        // the client gets the order's current state instead.
        // The same for a PossDupFlag resend of an order, cancel or replace the gateway journaled but did not get to
        // answer before a crash (the restarted gateway asked for it again, see held-target-seq.ts).
        const resent = msg.get(97) === 'Y' || msg.get(43) === 'Y';
        if (resent && (command.type === 'NewOrder' || command.type === 'Cancel' || command.type === 'Replace') && knownClOrdId(session.key, command.clOrdId)) {
          command = { type: 'OrderStatus', session: session.key, clOrdId: command.clOrdId, symbol: command.symbol };
        }
        let seq: number;
        try {
          seq = sequencer.submit(command);
        } catch (err) {
          metrics.rejects.inc(err instanceof SequencerOverloadedError ? 'Overloaded' : 'EngineStopped');
          return { kind: 'businessReject', reason: BusinessRejectReason.ApplicationNotAvailable,
            text: err instanceof SequencerOverloadedError ? 'Gateway overloaded, try again later' : 'Order entry is not available' };
        }
        if (batchStartMs !== batchStartMs) batchStartMs = receivedMs;
        const msgSeq = msg.seqNum;
        const held = msgSeq !== undefined ? heldStores.get(session.key) : undefined;
        if (held !== undefined) held.hold(msgSeq!);
        pending.add({ seq, echo: echoOf(msg, session.key, receivedMs), held, msgSeq: msgSeq ?? 0 });
        if (command.type === 'NewOrder') {
          let ids = pendingNewOrders.get(session.key);
          if (ids === undefined) pendingNewOrders.set(session.key, ids = new Set());
          ids.add(command.clOrdId);
        }
        return;
      }
    }
  };

  const knownClOrdId = (session: string, clOrdId: string): boolean =>
    engine.orderByClOrdId(session, clOrdId) !== null || (pendingNewOrders.get(session)?.has(clOrdId) ?? false);

  // Replies to one journal batch leave each socket in one write: sessions are corked on their first reply
  // and uncorked once the sequencer has handed out the whole batch. Stored before visible across sessions:
  // the session stores batch their writes, so every store that got a message of the batch (connected or
  // not) is flushed before any socket is uncorked; a client never sees a fill whose counterpart's report
  // could still be lost by a crash.
  const corked = new Set<Session>();
  /** When the requests answered in the batch being sent arrived (performance.now()); at most one per pending request. */
  const answeredReceivedMs: number[] = [];
  // IdleSpinMicros: after a batch of replies the loop keeps turning (setImmediate: libuv then polls without
  // blocking) until that much time has passed since the last batch, so the next request of a client waiting for
  // this reply is read without the process being woken up. Bounded: it stops on its own, and at close.
  const idleSpinMicros = resolveIdleSpinMicros(options.idleSpinMicros ?? settings.idleSpinMicros, fsync);
  const idleSpinMs = idleSpinMicros / 1000;
  let spinUntilMs = 0;
  let spinning = false;
  // With fsync on it pauses while a journal batch is on its way (the fdatasync runs in the thread pool: polling
  // then only takes CPU from it and from the other processes) and is armed again by that batch's replies.
  const spin = () => {
    const journalBusy = fsync && batchStartMs === batchStartMs;
    if (!closing && !journalBusy && performance.now() < spinUntilMs) setImmediate(spin);
    else spinning = false;
  };
  const uncorkAll = () => {
    for (const session of corked) {
      try {
        session.store.flush();
      } catch (err) {
        log.error({ err, session: session.key }, 'message store write failed'); // its uncork() disconnects it
      }
    }
    for (const session of corked) session.uncork();
    corked.clear();
    // the replies are stored and handed to the kernel: that is when a request counts as answered
    const nowMs = performance.now();
    if (idleSpinMs > 0) {
      spinUntilMs = nowMs + idleSpinMs;
      if (!spinning) {
        spinning = true;
        setImmediate(spin);
      }
    }
    if (answeredReceivedMs.length > 0) {
      for (let i = 0; i < answeredReceivedMs.length; i++) metrics.orderAckSeconds.observe((nowMs - answeredReceivedMs[i]!) / 1e3);
      answeredReceivedMs.length = 0;
    }
  };
  const send = (session: Session, msgType: string, body: FieldList | BodyWriter) => {
    if (!corked.has(session)) {
      if (corked.size === 0) process.nextTick(uncorkAll);
      corked.add(session);
      session.cork();
    }
    session.send(msgType, body);
  };
  const sendTo = (key: string, msgType: string, body: FieldList | BodyWriter): boolean => {
    const session = acceptor!.session(key);
    if (session === undefined) {
      log.warn({ session: key, msgType }, 'reply for a session that does not exist');
      return false;
    }
    send(session, msgType, body);
    return true;
  };

  const onEvents = (sc: SequencedCommand, events: EngineEvent[]) => {
    if (batchStartMs === batchStartMs) {
      metrics.journalBatchSeconds.observe((performance.now() - batchStartMs) / 1e3);
      batchStartMs = NaN;
    }
    const request = pending.take(sc.seq);
    const echo = request?.echo;
    if (request !== undefined) {
      if (sc.cmd.type === 'NewOrder') pendingNewOrders.get(request.echo.session)?.delete(sc.cmd.clOrdId);
    }
    let replied = false;
    for (const ev of events) {
      switch (ev.kind) {
        case 'exec': {
          const own = echo !== undefined && ev.session === echo.session && ev.clOrdId === echo.clOrdId ? echo : undefined;
          const body = erBody.set(ev, own, dictionary); // written during the sends below, not kept
          if (sendTo(ev.session, '8', body) && own !== undefined) replied = true;
          metrics.executionReports.inc(ev.execType);
          if (ev.rejectReason !== null) metrics.rejects.inc(ev.rejectReason);
          for (const dc of dropCopies.values()) {
            if (dc.accounts === '*' || dc.accounts.has(ev.account)) send(dc.session, '8', body);
          }
          break;
        }
        case 'cancelReject':
          if (sendTo(ev.session, '9', orderCancelReject(ev, echo, dictionary))) replied = true;
          metrics.rejects.inc(ev.rejectReason);
          break;
        case 'massCancel':
          if (sendTo(ev.session, 'r', massCancelReport(ev, echo))) replied = true;
          if (ev.rejectReason !== null) metrics.rejects.inc(ev.rejectReason);
          break;
        case 'trade':
          metrics.trades.inc();
          break;
        case 'admin':
          if (ev.canceledCount > 0 || !ev.ok) log.info({ command: ev.command, canceledCount: ev.canceledCount, text: ev.text }, 'admin command applied');
          break;
        case 'md':
          break;
      }
    }
    if (replied && echo !== undefined) answeredReceivedMs.push(echo.receivedMs);
    // journaled, replies stored: the expected seq may move past it on disk
    if (request?.held !== undefined) request.held.release(request.msgSeq);
  };
  sequencer.onEvents(onEvents);
  sequencer.onListenerError((err) => log.error({ err }, 'error while sending replies'));
  const snapshotter = new Snapshotter({
    dataDir, engine, sequencer, log, journalFsync: fsync, recoveredSeq: opened.recovery.snapshotSeq ?? 0, retention: settings.journalRetention,
    everyCommands: options.snapshotEveryCommands ?? settings.snapshotEveryCommands,
    kept: options.snapshotsKept ?? settings.snapshotsKept, registry, mode: (options.snapshotWorker ?? settings.snapshotWorker) ? 'worker' : 'inline',
    ...(options.snapshotWorkerCrashAfterSeq !== undefined ? { workerCrashAfterSeq: options.snapshotWorkerCrashAfterSeq } : {}),
    ...(options.snapshotWorkerStallAfterSeq !== undefined ? { workerStallAfterSeq: options.snapshotWorkerStallAfterSeq } : {}),
    ...(options.snapshotWorkerStuckMs !== undefined ? { workerStuckMs: options.snapshotWorkerStuckMs } : {}),
  });
  const snapshotOnShutdown = options.snapshotOnShutdown ?? settings.snapshotOnShutdown;
  sequencer.onFatal((err) => {
    log.fatal({ err }, 'journal failed: order entry stopped');
    options.onFatal?.(err);
  });

  const storeDir = path.join(dataDir, 'store');
  const logDir = path.join(dataDir, 'log');
  const first = settings.sessions[0]!;
  const admitLogon = (id: SessionId, logon: FixMessage, remoteAddress: string | undefined): string | undefined => {
    const s = settingsOf(id);
    if (s === undefined) return 'unknown session';
    const allowed = s.extra.get('AllowedCompIDs') as string[] | undefined;
    if (s.dynamic && allowed !== undefined && !allowed.includes(id.targetCompId)) return `CompID ${id.targetCompId} is not allowed`;
    if (!isAddressAllowed(s, remoteAddress ?? '')) return `source address ${remoteAddress ?? '?'} is not allowed`;
    if (s.password !== undefined && !samePassword(logon.get(554), s.password)) return 'wrong password';
    return undefined;
  };
  const tls = tlsOptionsOf(first);
  try {
    acceptor = await Acceptor.start({
      port: options.fixPort ?? settings.fixPort,
      host: options.host ?? first.socketAcceptHost ?? '0.0.0.0',
      sessions: specs,
      dictionary,
      application,
      prepareSession: async (id) => {
        const s = settingsOf(id);
        await FileStore.prepare(s?.fileStorePath !== undefined ? path.resolve(s.fileStorePath) : storeDir, id);
        await FileLog.prepare(s?.fileLogPath !== undefined ? path.resolve(s.fileLogPath) : logDir, id);
      },
      openStore: (id) => {
        const s = settingsOf(id);
        const dir = s?.fileStorePath !== undefined ? path.resolve(s.fileStorePath) : storeDir;
        // Target seqs batched (a crash can only leave them behind: the client resends, PossDup orders meet the
        // duplicate-ClOrdID check) and held at the oldest message whose command is not yet journaled. Index records
        // and the seqnums slot deferred (within INDEX_DEFER_MS): the flush in front of a socket write writes only
        // the message bodies, which open-time recovery indexes (see file-store.ts).
        const store = new HeldTargetSeqStore(FileStore.open(dir, id, { nowMs: Date.now(), sync: s?.fileStoreSync ?? false, targetSeqWrites: 'batched', indexWrites: 'deferred' }));
        heldStores.set(sessionKey(id), store);
        return store;
      },
      openLog: (id) => {
        const s = settingsOf(id);
        return FileLog.open(s?.fileLogPath !== undefined ? path.resolve(s.fileLogPath) : logDir, id);
      },
      onEvent: (text) => log.info({ event: text }, 'connection event'),
      logonTimeoutMs: first.logonTimeoutSec * 1000,
      maxConnectionsPerAddress: (first.extra.get('MaxConnectionsPerAddress') as number | undefined) ?? 500,
      maxDynamicSessions: (first.extra.get('MaxDynamicSessions') as number | undefined) ?? 2000,
      dynamicSessionIdleTimeoutMs: ((first.extra.get('DynamicSessionIdleTimeout') as number | undefined) ?? 60) * 1000,
      // A session the engine has orders of (replies may come), a drop copy, or with an order on its way is kept.
      mayReleaseSession: (s) => !engine.sessions.has(s.key) && !dropCopies.has(s.key) && !(pendingNewOrders.get(s.key)?.size),
      onSessionReleased: (s) => { heldStores.delete(s.key); throttles.delete(s.key); pendingNewOrders.delete(s.key); },
      admit: (_id, remoteAddress) => {
        const lockedMs = remoteAddress === undefined ? 0 : logonGuard.lockedForMs(remoteAddress);
        if (lockedMs > 0) return `too many failed logons from ${remoteAddress}: locked out for ${Math.ceil(lockedMs / 1000)} s more`;
        return undefined;
      },
      // Every refused Logon gets the same Logout (unknown CompID or wrong password alike); the log says which.
      authenticate: (id, logon, remoteAddress) => {
        const refusal = admitLogon(id, logon, remoteAddress);
        if (refusal !== undefined) logonFailed(remoteAddress);
        return refusal;
      },
      logonRefusedText: 'Invalid username or password',
      ...(tls !== undefined ? { tls } : {}),
    });
  } catch (err) {
    await sequencer.close();
    await snapshotter.close({ snapshot: false });
    throw err;
  }
  for (const session of acceptor.sessions()) addDropCopy(session);

  // EndOfDay (expires Day orders) is journaled once each time the clock passes EndOfDayTime in TimeZone.
  const endOfDay = settings.endOfDayTimeSec === undefined ? undefined
    : new EndOfDaySchedule(dataDir, settings.endOfDayTimeSec, settings.timeZone, clock(), () => {
      sequencer.submit({ type: 'EndOfDay' });
      return sequencer.flush();
    }, log);
  // A crash between a journal write and the session stores loses the ExecutionReports of that batch: the engine
  // replayed them, no store has them. They are sent now (the requester's own replies also come back when it
  // resends its request, see held-target-seq.ts; this covers the other side of a trade, cancel-on-disconnect, ...).
  const lastStored = new Map<string, [number, number] | null>();
  let reportsRestored = 0;
  for (let k = Math.max(0, tailCount - REPLAY_TAIL_COMMANDS_MAX); k < tailCount; k++) {
    const { sc, events } = tail[k % REPLAY_TAIL_COMMANDS_MAX]!;
    for (const ev of events) {
      if (ev.kind !== 'exec') continue;
      const session = acceptor.session(ev.session);
      if (session === undefined || settingsOf(session.id)?.sessionType === 'dropcopy') continue;
      if (sc.timeMs < session.store.creationTimeMs) continue; // from before the session's store was reset
      if (!lastStored.has(ev.session)) lastStored.set(ev.session, lastReportExec(session));
      const last = lastStored.get(ev.session);
      const exec = execOrder(ev.execId);
      if (last === null || last === undefined || exec === null) continue;
      if (exec[0] < last[0] || (exec[0] === last[0] && exec[1] <= last[1])) continue;
      session.send('8', executionReport(ev, undefined, dictionary));
      reportsRestored++;
    }
  }
  tail.length = 0;
  if (reportsRestored > 0) log.warn({ reportsRestored }, 'ExecutionReports lost in a crash sent again from the journal');

  // GTD orders expire through the sequencer like everything else: a sweep is journaled when one is due.
  const expiryTimer = setInterval(() => {
    if (closing || sequencer.error !== null) return;
    const now = clock();
    endOfDay?.check(now);
    if (engine.gtdOrders.size === 0) return;
    let due = false;
    for (const order of engine.gtdOrders) if (order.expireTimeMs <= now) { due = true; break; }
    if (!due) return;
    try { sequencer.submit({ type: 'ExpireSweep' }); } catch (err) { log.error({ err }, 'could not submit ExpireSweep'); }
  }, options.expiryCheckIntervalMs ?? 250);
  expiryTimer.unref();

  let ready = true;
  const fixPort = acceptor.port;
  log.info({ fixPort, sessions: settings.sessions.map((s) => sessionKey(s.id)), idleSpinMicros }, 'FIX acceptor listening');

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      ready = false;
      closing = true;
      clearInterval(expiryTimer);
      const acc = acceptor!;
      const loggedOn = acc.sessions().filter((s) => s.isLoggedOn);
      for (const s of loggedOn) s.logout('Gateway shutting down');
      const deadline = Date.now() + (options.logoutGraceMs ?? 2000);
      while (loggedOn.some((s) => s.isConnected) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      // Whoever did not answer in time is dropped now, while the journal is still open for its cancel-on-disconnect.
      for (const s of acc.sessions()) if (s.isConnected) s.disconnect('gateway shutting down');
      // Replies to what is still in the journal queue (and cancel-on-disconnect) are stored before the stores close.
      try { await sequencer.flush(); } catch { /* journal failure: reported through onFatal */ }
      await acc.stop(0);
      await sequencer.close().catch(() => undefined);
      await snapshotter.close({ snapshot: snapshotOnShutdown && sequencer.error === null });
      log.info({ lastSeq: engine.lastSeq }, 'gateway stopped');
    })();
    return closed;
  };

  return {
    fixPort,
    dataDir,
    engine,
    sequencer,
    acceptor,
    registry,
    metrics,
    get ready() { return ready; },
    replayedCommands: opened.recovery.replayedCommands,
    idleSpinMicros,
    recoveredFromSnapshotSeq: opened.recovery.snapshotSeq,
    get lastSnapshotSeq() { return snapshotter.lastSeq; },
    snapshotStatus: () => snapshotter.status(),
    snapshot: () => snapshotter.snapshot(),
    sessionsInfo(): SessionInfo[] {
      return acceptor!.sessions().map((s) => ({
        key: s.key,
        senderCompId: s.id.senderCompId,
        targetCompId: s.id.targetCompId,
        sessionType: settingsOf(s.id)?.sessionType ?? 'trading',
        state: s.isLoggedOn ? 'logged-on' : s.isConnected ? 'connected' : 'disconnected',
        loggedOn: s.isLoggedOn,
        nextSenderSeq: s.nextSenderSeq,
        nextTargetSeq: s.nextTargetSeq,
        lastActivityMs: s.lastActivityMs,
        remoteAddress: s.remoteAddress ?? null,
      }));
    },
    close,
  };
}
