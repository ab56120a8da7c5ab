// The order path over any command sequencer: the FIX acceptor and its sessions, and the stations an order passes —
// logon policy → order entry → (the command log and the engine) → replies, with recovery at startup and timers on the
// side. What is under it (a local journal, an in-memory log, a replicated one) is the caller's: startGateway puts
// the data directory's journal under it, tests an in-memory log.
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Dictionary } from '../fix/dictionary.js';
import { Acceptor } from '../session/acceptor.js';
import type { Application } from '../session/application.js';
import type { MessageLog } from '../session/message-log.js';
import type { Session } from '../session/session.js';
import { Sequencer } from '../engine/index.js';
import { sessionKey, type SessionId } from '../session/session-id.js';
import { StorageHealth } from '../session/storage-health.js';
import type { MessageStore } from '../session/store.js';
import { tlsOptionsOf, type GatewayFileSettings } from './config.js';
import { DataRequests } from './data-requests.js';
import { DropCopies } from './drop-copies.js';
import { IdleSpin } from './idle-spin.js';
import { InFlight } from './in-flight.js';
import { LogBatchTimer } from './log-batch-timer.js';
import { LOGON_REFUSED_TEXT, LogonPolicy } from './logon-policy.js';
import { createMetrics, type GatewayMetrics } from './metrics.js';
import { OrderEntry } from './order-entry.js';
import { resendLostReports, type ReplayTail } from './recovery.js';
import { Replies } from './replies.js';
import type { CommandSequencer, EngineReads } from './seam.js';
import { GatewaySessions, sessionInfoOf, type SessionInfo } from './sessions.js';
import type { SessionHosting } from './hosting.js';
import { Timers } from './timers.js';

export interface OrderPathOptions {
  settings: GatewayFileSettings;
  sequencer: CommandSequencer;
  engine: EngineReads;
  /** Commands the sequencer lets wait at most (the bound of requests in flight). */
  pendingMax: number;
  dictionary: Dictionary;
  openStore: (id: SessionId) => MessageStore;
  openLog: (id: SessionId) => MessageLog;
  /** Makes a new dynamic session's files ahead, off the event loop (Acceptor prepareSession). */
  prepareSession?: (id: SessionId) => Promise<void>;
  registry: Registry;
  log: Logger;
  fixPort: number;
  host: string;
  /** Polling after replies (idle-spin.ts); paused while a log batch is on its way when `fsync`. */
  idleSpinMicros: number;
  fsync: boolean;
  clock: () => number;
  expiryCheckIntervalMs: number;
  /** Where EndOfDay keeps its marker (the data directory); none: no EndOfDay schedule. */
  endOfDayDir: string | undefined;
  /** Commands replayed at startup: reports a crash cut off are sent from it. */
  replayTail?: ReplayTail;
  /** Cluster mode: the sessions this node answers for (hosting.ts); without it, every session is this process's. */
  hosting?: SessionHosting;
}

export interface OrderPath {
  readonly acceptor: Acceptor;
  readonly metrics: GatewayMetrics;
  sessionsInfo(): SessionInfo[];
  /** What runs degraded now (a session's store or message log that does not take writes), one line each; empty: none. */
  degraded(): string[];
  /** Logs every session out (waiting up to `graceMs` for the answers), lets the log deliver what it holds, closes the sessions. */
  close(graceMs: number): Promise<void>;
}

export async function startOrderPath(o: OrderPathOptions): Promise<OrderPath> {
  const sessions = new GatewaySessions(o.settings.sessions);
  let acceptor: Acceptor | undefined;
  const storage = storageHealth(o.log);
  const metrics = createMetrics(o.registry, {
    loggedOnSessions: () => acceptor?.sessions().filter((s) => s.isLoggedOn).length ?? 0, lastSeq: () => o.engine.lastSeq,
    sessionFilesFailing: (file) => storage.count(file), degraded: () => storage.count('store') + storage.count('log') > 0,
  });
  let closing = false;
  const inFlight = new InFlight(o.pendingMax);
  const logBatch = new LogBatchTimer();
  const dropCopies = new DropCopies();
  const idleSpin = new IdleSpin(o.idleSpinMicros, o.fsync, logBatch);
  const dataRequests = new DataRequests(o.engine, o.sequencer, o.log, o.registry, o.dictionary);
  const orderEntry = new OrderEntry({ sequencer: o.sequencer, engine: o.engine, inFlight, settingsOf: (s) => sessions.ofSession(s),
    metrics, logBatch, log: o.log, closing: () => closing, dataRequests, ...(o.hosting !== undefined ? { dedupeIdOf: o.hosting.dedupeId } : {}) });
  const replies = new Replies({ sessionOf: (key) => acceptor?.session(key), inFlight, dropCopies, dictionary: o.dictionary,
    metrics, logBatch, idleSpin, log: o.log, ...(o.hosting !== undefined ? { hosts: o.hosting.hosts } : {}) });
  o.sequencer.onEvents(replies.onEvents);
  // a command the log already held (a client's resend after a failover) has no events of its own: its request is answered
  if (o.sequencer instanceof Sequencer) o.sequencer.onDuplicate((ref) => replies.duplicate(ref));
  o.sequencer.onListenerError((err) => o.log.error({ err }, 'error while sending replies'));
  const policy = new LogonPolicy(o.settings, (id) => sessions.of(id), o.log);
  const application = fixApplication(policy, orderEntry, (s) => dropCopies.add(s, sessions.ofSession(s)), o.log, dataRequests, o.hosting);
  const tls = tlsOptionsOf(o.settings.fixTls);
  acceptor = await Acceptor.start({
    port: o.fixPort, host: o.host, sessions: sessions.specs(o.engine.sessionsWithOrders()), dictionary: o.dictionary, application,
    openStore: o.openStore, openLog: o.openLog, onEvent: (text) => o.log.info({ event: text }, 'connection event'),
    logonTimeoutMs: o.settings.sessions[0]!.session.logonTimeoutS * 1000,
    noDelay: o.settings.fixNoDelay,
    maxConnectionsPerAddress: o.settings.maxConnectionsPerAddress, maxDynamicSessions: o.settings.maxDynamicSessions,
    dynamicSessionIdleTimeoutMs: o.settings.dynamicSessionIdleTimeoutMs, mayReleaseSession: mayRelease(o.engine, inFlight, sessions),
    admit: policy.admit, authenticate: policy.authenticate, logonRefusedText: LOGON_REFUSED_TEXT, storage,
    ...(o.prepareSession !== undefined ? { prepareSession: o.prepareSession } : {}), ...(tls !== undefined ? { tls } : {}),
    ...(o.hosting !== undefined ? { beforeLogon: o.hosting.takeOver } : {}),
  });
  for (const session of acceptor.sessions()) dropCopies.add(session, sessions.ofSession(session));
  if (o.replayTail !== undefined) {
    resendLostReports({ tail: o.replayTail, sessionOf: (key) => acceptor!.session(key), dictionary: o.dictionary, log: o.log,
      isDropCopy: (s) => sessions.ofSession(s)?.sessionType === 'dropcopy' });
  }
  const timers = new Timers({ sequencer: o.sequencer, engine: o.engine, clock: o.clock, intervalMs: o.expiryCheckIntervalMs, log: o.log,
    dedupe: o.hosting !== undefined,
    endOfDay: o.settings.endOfDayTimeSec === undefined || o.endOfDayDir === undefined ? undefined
      : { dataDir: o.endOfDayDir, timeSec: o.settings.endOfDayTimeSec, timeZone: o.settings.timeZone } });
  o.log.info({ fixPort: acceptor.port, sessions: o.settings.sessions.map((s) => sessionKey(s.id)), idleSpinMicros: o.idleSpinMicros }, 'FIX acceptor listening');
  const acc = acceptor;
  return {
    acceptor: acc,
    metrics,
    sessionsInfo: () => acc.sessions().map((s) => sessionInfoOf(s, sessions.ofSession(s), orderEntry.throttleOf(s))),
    degraded: () => storage.failures().map((f) => `${f.session}: ${f.reason}`),
    async close(graceMs) {
      closing = true;
      timers.stop();
      idleSpin.stop();
      dataRequests.close();
      await logOutAll(acc, graceMs);
      // Replies to what is still in the log's queue (and cancel-on-disconnect) are stored before the stores close.
      try { await o.sequencer.flush(); } catch { /* a failed log: reported through onFatal */ }
      await acc.stop(0);
    },
  };
}

/** Sessions whose files fail, told in the process log once when each starts failing and once when it works again. */
function storageHealth(log: Logger): StorageHealth {
  return new StorageHealth((session, file, failure) => {
    if (failure !== null) {
      log.error({ session, reason: failure.reason }, file === 'store'
        ? 'session store failed: the session is logged out and refused until the store takes writes again'
        : 'session message log failed: its messages are not logged until it takes writes again');
    } else {
      log.info({ session }, file === 'store' ? 'session store works again' : 'session message log works again');
    }
  });
}

/** The session layer's callbacks, each handed to the station whose job it is. */
function fixApplication(policy: LogonPolicy, orderEntry: OrderEntry, addDropCopy: (s: Session) => void, log: Logger, data: DataRequests,
  hosting: SessionHosting | undefined): Application {
  return {
    onLogon(session) {
      policy.succeeded(session);
      addDropCopy(session);
      orderEntry.sessionStarted(session);
      log.info({ session: session.key, remoteAddress: session.remoteAddress, nextSenderSeq: session.nextSenderSeq,
        nextTargetSeq: session.nextTargetSeq }, 'session logged on');
    },
    onLogout(session) {
      log.info({ session: session.key }, 'session logged out');
      orderEntry.sessionGone(session);
      data.sessionGone(session);
      hosting?.released(session);
    },
    fromApp: (session, msg) => orderEntry.receive(session, msg),
  };
}

/** Whether a dynamic session may be released (acceptor mayReleaseSession): not a drop copy, no orders in the engine
 *  (their fills must be stored) and none on its way. The engine's list is read once per event-loop turn. */
function mayRelease(engine: EngineReads, inFlight: InFlight, sessions: GatewaySessions): (s: Session) => boolean {
  let withOrders: Set<string> | undefined;
  return (s) => {
    if (sessions.ofSession(s)?.sessionType === 'dropcopy' || inFlight.newOrdersOf(s.key) > 0) return false;
    if (withOrders === undefined) {
      withOrders = new Set(engine.sessionsWithOrders());
      setImmediate(() => { withOrders = undefined; });
    }
    return !withOrders.has(s.key);
  };
}

/** Logout to every logged-on session; whoever has not answered within `graceMs` is dropped, while the log is still
 *  open for its cancel-on-disconnect. */
async function logOutAll(acceptor: Acceptor, graceMs: number): Promise<void> {
  const loggedOn = acceptor.sessions().filter((s) => s.isLoggedOn);
  for (const s of loggedOn) s.logout('Gateway shutting down');
  const deadline = Date.now() + graceMs;
  while (loggedOn.some((s) => s.isConnected) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  for (const s of acceptor.sessions()) if (s.isConnected) s.disconnect('gateway shutting down');
}
