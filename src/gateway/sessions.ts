// The gateway's FIX sessions: the settings each runs with (its own [SESSION], or the template of dynamic sessions
// it was made from), the acceptor's session specs (with a session for every client the engine has orders for, so a
// fill for a client that has not logged on since the restart is stored for its resend), and how each session's store
// and message log are opened.
import path from 'node:path';
import { FileStore } from '../session/file-store.js';
import { FileLog } from '../session/message-log.js';
import type { MessageLog } from '../session/message-log.js';
import type { AcceptorSessionSpec } from '../session/acceptor.js';
import type { Session } from '../session/session.js';
import { sessionKey, type SessionId } from '../session/session-id.js';
import type { MessageStore } from '../session/store.js';
import type { GatewaySession } from './config.js';

/** "FIX.4.4:FIXGW->CLIENT1" → its SessionId (the engine's session strings are sessionKey()s). */
export function parseSessionKey(key: string): SessionId | undefined {
  const colon = key.indexOf(':');
  const arrow = key.indexOf('->', colon + 1);
  if (colon <= 0 || arrow < 0) return undefined;
  return { beginString: key.slice(0, colon), senderCompId: key.slice(colon + 1, arrow), targetCompId: key.slice(arrow + 2) };
}

export class GatewaySessions {
  readonly #static = new Map<string, GatewaySession>();
  readonly #templates: GatewaySession[] = [];
  /** Looked up once per session, not per message (the settings never change while the gateway runs). */
  readonly #bySession = new WeakMap<Session, GatewaySession | null>();

  constructor(readonly all: readonly GatewaySession[]) {
    for (const s of all) {
      if (s.dynamic) this.#templates.push(s);
      else this.#static.set(sessionKey(s.id), s);
    }
  }

  of(id: SessionId): GatewaySession | undefined {
    return this.#static.get(sessionKey(id)) ?? this.#templateOf(id);
  }

  ofSession(session: Session): GatewaySession | undefined {
    let s = this.#bySession.get(session);
    if (s === undefined) this.#bySession.set(session, s = this.of(session.id) ?? null);
    return s ?? undefined;
  }

  /** The configured sessions and templates, plus a session for each client with orders in the engine. */
  specs(sessionsWithOrders: Iterable<string>): AcceptorSessionSpec[] {
    const specs: AcceptorSessionSpec[] = this.all.map((s) => ({ config: s.session, dynamic: s.dynamic }));
    for (const key of sessionsWithOrders) {
      const id = parseSessionKey(key);
      if (id === undefined || this.#static.has(key)) continue;
      const template = this.#templateOf(id);
      if (template !== undefined) specs.push({ config: { ...template.session, id }, dynamic: false });
    }
    return specs;
  }

  /** A session's FileStore (FileStorePath, else DATA/store). Target seqs are batched (a crash can only leave them
   *  behind: the client resends, PossDup orders meet the duplicate-ClOrdID check) and the session holds them at the
   *  oldest message whose command is not yet journaled. Index records and the seqnums slot are deferred (within
   *  INDEX_DEFER_MS): the flush in front of a socket write writes only the message bodies, which open-time recovery
   *  indexes (see file-store.ts). */
  openFileStore(dataDir: string, id: SessionId): MessageStore {
    const s = this.of(id);
    const dir = s?.fileStorePath !== undefined ? path.resolve(s.fileStorePath) : path.join(dataDir, 'store');
    return FileStore.open(dir, id, { nowMs: Date.now(), sync: s?.fileStoreSync ?? false, targetSeqWrites: 'batched', indexWrites: 'deferred' });
  }

  /** Makes a new session's store and log files ahead, in the thread pool (FileStore.prepare, FileLog.prepare). */
  async prepareFiles(dataDir: string, id: SessionId): Promise<void> {
    const s = this.of(id);
    await FileStore.prepare(s?.fileStorePath !== undefined ? path.resolve(s.fileStorePath) : path.join(dataDir, 'store'), id);
    await FileLog.prepare(s?.fileLogPath !== undefined ? path.resolve(s.fileLogPath) : path.join(dataDir, 'log'), id);
  }

  /** A session's message log (FileLogPath, else DATA/log). */
  openFileLog(dataDir: string, id: SessionId): MessageLog {
    const s = this.of(id);
    return FileLog.open(s?.fileLogPath !== undefined ? path.resolve(s.fileLogPath) : path.join(dataDir, 'log'), id);
  }

  #templateOf(id: SessionId): GatewaySession | undefined {
    return this.#templates.find((t) => t.id.beginString === id.beginString && t.id.senderCompId === id.senderCompId);
  }
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
  /** Its message rate in the current second against MaxMessagesPerSecond; throttled: messages were refused in it. */
  throttle: ThrottleInfo | null;
}

export interface ThrottleInfo { maxMessagesPerSecond: number; messagesThisSecond: number; refusedThisSecond: number; throttled: boolean }

export function sessionInfoOf(s: Session, settings: GatewaySession | undefined, throttle?: ThrottleInfo): SessionInfo {
  return {
    key: s.key,
    senderCompId: s.id.senderCompId,
    targetCompId: s.id.targetCompId,
    sessionType: settings?.sessionType ?? 'trading',
    state: s.isLoggedOn ? 'logged-on' : s.isConnected ? 'connected' : 'disconnected',
    loggedOn: s.isLoggedOn,
    nextSenderSeq: s.nextSenderSeq,
    nextTargetSeq: s.nextTargetSeq,
    lastActivityMs: s.lastActivityMs,
    remoteAddress: s.remoteAddress ?? null,
    throttle: throttle ?? null,
  };
}
