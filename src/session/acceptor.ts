// FIX acceptor: one TCP (or TLS) listener for many sessions. A connection is bound to a session by
// its first message, which must be a valid Logon for a configured session (or a dynamic-session
// template); anything else is closed without a reply, as FIX requires. Dynamic sessions are created a few per
// event-loop turn (logon-queue.ts) and released again when idle (dynamic-sessions.ts).
import net from 'node:net';
import tls from 'node:tls';
import type { Frame } from '../fix/framer.js';
import type { FixMessage } from '../fix/message.js';
import { Tag } from '../fix/names.js';
import type { Dictionary } from '../fix/dictionary.js';
import type { Application } from './application.js';
import type { MessageStore } from './store.js';
import type { MessageLog } from './message-log.js';
import { Session, type SessionConfig } from './session.js';
import { sessionKey, type SessionId } from './session-id.js';
import { ConnectionsPerAddress } from './connections-per-address.js';
import { FailureBurst, isOutOfDescriptors, processDescriptors, SESSION_DESCRIPTORS, type DescriptorBudget } from './descriptors.js';
import { AcceptorConnection, type ConnectionHost } from './acceptor-connection.js';
import { DynamicSessions } from './dynamic-sessions.js';
import { LogonQueue } from './logon-queue.js';
import type { StorageHealth } from './storage-health.js';

export interface AcceptorSessionSpec {
  config: SessionConfig;
  /** TargetCompID '*' in `config.id`: accept any client CompID, creating the session on its first Logon. */
  dynamic: boolean;
}

export interface AcceptorOptions {
  port: number;
  host?: string;
  sessions: AcceptorSessionSpec[];
  dictionary: Dictionary;
  application: Application;
  openStore: (id: SessionId) => MessageStore;
  openLog: (id: SessionId) => MessageLog;
  /** Called for connection-level events that belong to no session (unknown CompID, garbage). */
  onEvent?: (text: string) => void;
  tls?: tls.TlsOptions;
  maxMessageBytes?: number;
  /** TCP_NODELAY on accepted connections (SocketNodelay); default true. */
  noDelay?: boolean;
  /** A connection that has not sent a valid Logon within this time is closed. */
  logonTimeoutMs?: number;
  /** Connections open at once from one source address; more are refused. */
  maxConnectionsPerAddress?: number;
  /** Sessions created from dynamic templates (TargetCompID=*) held at most; for one more, the one disconnected
   *  longest is released, and when every one is connected (or kept by mayReleaseSession) the Logon is refused.
   *  Each holds open files (store, log), so an unbounded number lets a Logon flood exhaust file descriptors. */
  maxDynamicSessions?: number;
  /** A dynamic session logged out (disconnected) this long is released: files closed, store kept on disk. A session
   *  that never completed a Logon is released when it disconnects. Default 60 s. */
  dynamicSessionIdleTimeoutMs?: number;
  /** The application's veto on releasing a dynamic session (orders working, replies on their way, ...). */
  mayReleaseSession?: (session: Session) => boolean;
  /** A dynamic session was released (closed); the application forgets what it kept for it. */
  onSessionReleased?: (session: Session) => void;
  /** Logons waiting for their dynamic session to be created, at most; more are refused. Default 1,000. */
  maxPendingLogons?: number;
  /** Makes what a new dynamic session's openStore/openLog will open (its files), off the event loop, before they are
   *  called; creating files can take milliseconds each. */
  prepareSession?: (id: SessionId) => Promise<void>;
  /** Extra check before a Logon is bound to a session: return a reason to refuse it silently. */
  admit?: (id: SessionId, remoteAddress: string | undefined) => string | undefined;
  /** An asynchronous step between finding a Logon's session and binding it (a cluster node takes the session over);
   *  what follows the Logon waits, other Logons do not. A text refuses the Logon with a Logout carrying it (MsgSeqNum
   *  1, nothing of the session's state); a rejection closes the connection. */
  beforeLogon?: (session: Session) => Promise<string | undefined>;
  /** Authentication of a Logon (password, allow-lists) before anything of a session is looked at or created: return
   *  a reason to refuse it. The reason is logged; the peer gets what `logonRefusedText` says. */
  authenticate?: (id: SessionId, logon: FixMessage, remoteAddress: string | undefined) => string | undefined;
  /** Text of the Logout a Logon refused by `authenticate` or for an unknown session gets: the same bytes whatever the
   *  reason (MsgSeqNum 1, no session's sequence number used or shown), so a peer cannot tell a wrong password from
   *  an unknown CompID. Unset: such a connection is closed without a reply. */
  logonRefusedText?: string;
  now?: () => number;
  /** Told when a session's store or message log fails to write, and when it works again. */
  storage?: StorageHealth;
  /** File descriptors: the process's limit and the reserve new connections and sessions leave free (tests). */
  descriptors?: DescriptorBudget;
}

/** Refusals for lack of file descriptors are logged at most this often (with their count), not one line each. */
const OUT_OF_DESCRIPTORS_LOG_MS = 10_000;
const NO_CAPACITY_TEXT = 'Logon refused: no capacity for another session now';
/** Dynamic sessions in the making at once (their files are made in the thread pool, which the journal needs too). */
const SESSIONS_IN_THE_MAKING_MAX = 2;
const SWEEP_INTERVAL_MS = 250;
/** Idle dynamic sessions released per sweep at most (their files are closed on the event loop). */
const RELEASED_PER_SWEEP_MAX = 8;

export class Acceptor {
  readonly #opts: AcceptorOptions;
  readonly #server: net.Server;
  readonly #sessions = new Map<string, Session>();
  readonly #templates: AcceptorSessionSpec[] = [];
  readonly #connectionsByAddress: ConnectionsPerAddress;
  readonly #connections = new Set<AcceptorConnection>();
  readonly #descriptors: DescriptorBudget;
  readonly #outOfDescriptors: FailureBurst;
  readonly #logonsWaiting: FailureBurst;
  readonly #dynamic: DynamicSessions;
  readonly #queue: LogonQueue;
  readonly #sweepTimer: NodeJS.Timeout;
  /** Keys of dynamic sessions whose files are being made: a second Logon for one is refused like a connected one. */
  readonly #inTheMaking = new Set<string>();
  readonly #host: ConnectionHost;

  private constructor(opts: AcceptorOptions) {
    this.#opts = opts;
    this.#connectionsByAddress = new ConnectionsPerAddress(opts.maxConnectionsPerAddress ?? Infinity);
    this.#descriptors = opts.descriptors ?? processDescriptors();
    this.#outOfDescriptors = new FailureBurst('Out of file descriptors: new connections and Logons refused, sessions already open carry on',
      OUT_OF_DESCRIPTORS_LOG_MS, (text) => this.#event(text));
    this.#logonsWaiting = new FailureBurst('Too many Logons waiting for a new session: Logons refused', OUT_OF_DESCRIPTORS_LOG_MS, (text) => this.#event(text));
    this.#dynamic = new DynamicSessions({
      max: opts.maxDynamicSessions ?? Infinity,
      idleTimeoutMs: opts.dynamicSessionIdleTimeoutMs ?? 60_000,
      ...(opts.mayReleaseSession ? { mayRelease: opts.mayReleaseSession } : {}),
      release: (session, why) => this.#release(session, why),
    });
    this.#queue = new LogonQueue(opts.maxPendingLogons ?? 1000, SESSIONS_IN_THE_MAKING_MAX, (err) => this.#failed('creating a session', err));
    this.#sweepTimer = setInterval(() => this.#dynamic.sweep(Date.now(), RELEASED_PER_SWEEP_MAX), SWEEP_INTERVAL_MS);
    this.#sweepTimer.unref();
    this.#host = {
      logon: (conn, logon, frame) => this.#onLogon(conn, logon, frame),
      receive: (session, frame) => this.#receive(session, frame),
      event: (text) => this.#event(text),
      gone: (conn) => this.#onGone(conn),
    };
    for (const spec of opts.sessions) {
      if (spec.dynamic) this.#templates.push(spec);
      else this.#createSession(spec.config);
    }
    const onConnection = (socket: net.Socket) => this.#onConnection(socket);
    this.#server = opts.tls ? tls.createServer(opts.tls, onConnection) : net.createServer(onConnection);
  }

  static async start(opts: AcceptorOptions): Promise<Acceptor> {
    const acceptor = new Acceptor(opts);
    await new Promise<void>((resolve, reject) => {
      acceptor.#server.once('error', reject);
      acceptor.#server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
        acceptor.#server.off('error', reject);
        // accept(2) failing (out of descriptors) must not stop the process: the listener carries on
        acceptor.#server.on('error', (err) => acceptor.#failed('FIX listener', err));
        resolve();
      });
    }).catch((err) => {
      clearInterval(acceptor.#sweepTimer);
      throw err;
    });
    return acceptor;
  }

  get port(): number {
    const address = this.#server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  sessions(): Session[] { return [...this.#sessions.values()]; }
  session(key: string): Session | undefined { return this.#sessions.get(key); }
  /** Dynamic sessions held now (connected or not yet released). */
  get dynamicSessionCount(): number { return this.#dynamic.size; }

  /** Log every session out, wait up to `graceMs` for the Logout replies, then close everything. */
  async stop(graceMs = 2000): Promise<void> {
    this.#server.close();
    clearInterval(this.#sweepTimer);
    const loggedOn = this.sessions().filter((s) => s.isLoggedOn);
    for (const s of loggedOn) s.logout('Gateway shutting down');
    const deadline = Date.now() + graceMs;
    while (loggedOn.some((s) => s.isConnected) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const s of this.sessions()) s.close();
    for (const conn of this.#connections) conn.socket.destroy();
  }

  #createSession(config: SessionConfig): Session {
    const store = this.#opts.openStore(config.id);
    let log: MessageLog;
    try {
      log = this.#opts.openLog(config.id);
    } catch (err) {
      store.close();
      throw err;
    }
    const session = new Session({
      config,
      store,
      log,
      dictionary: this.#opts.dictionary,
      application: this.#opts.application,
      ...(this.#opts.now ? { now: this.#opts.now } : {}),
      ...(this.#opts.storage ? { storage: this.#opts.storage } : {}),
    });
    this.#sessions.set(session.key, session);
    return session;
  }

  /** The session a Logon for `id` binds to: an existing one, or a template to create it from; undefined: unknown. */
  #lookUp(id: SessionId): Session | AcceptorSessionSpec | undefined {
    return this.#sessions.get(sessionKey(id)) ?? this.#templates.find(
      (t) => t.config.id.beginString === id.beginString && t.config.id.senderCompId === id.senderCompId,
    );
  }

  /** A first message that is a Logon: refused, bound to its session now, or queued until its session is created. */
  #onLogon(conn: AcceptorConnection, logon: FixMessage, frame: Frame): void {
    const id: SessionId = {
      beginString: logon.get(Tag.BeginString) ?? '',
      senderCompId: logon.get(Tag.TargetCompID) ?? '',
      targetCompId: logon.get(Tag.SenderCompID) ?? '',
    };
    const key = sessionKey(id);
    const refusal = this.#opts.admit?.(id, conn.address);
    if (refusal) return conn.refuse(`${key}: ${refusal}`);
    const refused = this.#opts.logonRefusedText;
    const asRefused = refused ? { to: logon, text: refused } : undefined;
    const unauthenticated = this.#opts.authenticate?.(id, logon, conn.address);
    const found = this.#lookUp(id);
    if (unauthenticated) {
      if (found instanceof Session) found.log.event(`Logon from ${conn.address} refused: ${unauthenticated}`, Date.now());
      return conn.refuse(`${key}: ${unauthenticated}`, asRefused);
    }
    if (!found) return conn.refuse(`unknown session ${key}`, asRefused);
    // Every Logon waits its turn (a Logon's work, a 141=Y reset or a new session's files, is file-system work)
    if (!this.#queue.add(conn.address, () => this.#bindOrMake(conn, id, logon, frame))) {
      this.#logonsWaiting.failed(`${this.#queue.max} waiting; ${key} from ${conn.address}`);
      conn.refuse('', { to: logon, text: NO_CAPACITY_TEXT });
    }
  }

  /** A queued Logon's turn: bound to its session; a dynamic one that does not exist (any more) is made first. */
  #bindOrMake(conn: AcceptorConnection, id: SessionId, logon: FixMessage, frame: Frame): Promise<void> | void {
    if (!conn.waiting) return;
    const found = this.#lookUp(id);
    if (found instanceof Session) return this.#bind(conn, found, frame, logon);
    if (found !== undefined) return this.#prepareFor(conn, found, id, logon, frame);
  }

  /** Makes the files of the dynamic session a queued Logon waits for, then creates it (unless its connection has gone). */
  async #prepareFor(conn: AcceptorConnection, template: AcceptorSessionSpec, id: SessionId, logon: FixMessage, frame: Frame): Promise<void> {
    const prepare = this.#opts.prepareSession;
    const key = sessionKey(id);
    if (this.#inTheMaking.has(key)) return conn.refuse(`${key} is already connected`);
    if (!conn.waiting || prepare === undefined || this.#sessions.has(key)) return this.#createFor(conn, template, id, logon, frame);
    this.#inTheMaking.add(key); // one Logon at a time makes a session's files
    try {
      await prepare(id);
    } catch (err) {
      if (isOutOfDescriptors(err)) this.#outOfDescriptors.failed(`${key}: ${(err as Error).message}`);
      return conn.refuse(isOutOfDescriptors(err) ? '' : `${key}: cannot make the session's files: ${(err as Error).message}`,
        { to: logon, text: NO_CAPACITY_TEXT });
    } finally {
      this.#inTheMaking.delete(key);
    }
    this.#createFor(conn, template, id, logon, frame);
  }

  /** Creates the dynamic session a queued Logon waits for (unless its connection has gone meanwhile) and binds it. */
  #createFor(conn: AcceptorConnection, template: AcceptorSessionSpec, id: SessionId, logon: FixMessage, frame: Frame): void {
    if (!conn.waiting) return;
    const existing = this.#sessions.get(sessionKey(id)); // created for an earlier Logon in the queue
    if (existing) return this.#bind(conn, existing, frame, logon);
    const key = sessionKey(id);
    const noCapacity = { to: logon, text: NO_CAPACITY_TEXT };
    if (!this.#dynamic.makeRoom()) {
      return conn.refuse(`${key}: more than ${this.#opts.maxDynamicSessions} dynamic sessions, all of them connected or in use`, noCapacity);
    }
    if (!this.#descriptors.take(SESSION_DESCRIPTORS)) {
      this.#outOfDescriptors.failed(`${SESSION_DESCRIPTORS} more for ${key} would leave fewer than ${this.#descriptors.reserve} free`);
      return conn.refuse('', noCapacity);
    }
    let session: Session;
    try {
      session = this.#createSession({ ...template.config, id });
    } catch (err) {
      // Opening the session's store or log failed (out of file descriptors, disk full): this connection is
      // refused, the acceptor and its sessions carry on.
      if (!isOutOfDescriptors(err)) return conn.refuse(`${key}: cannot open the session: ${(err as Error).message}`, noCapacity);
      this.#outOfDescriptors.failed(`${key}: ${(err as Error).message}`);
      return conn.refuse('', noCapacity);
    }
    this.#dynamic.added(session);
    this.#bind(conn, session, frame, logon);
  }

  #bind(conn: AcceptorConnection, session: Session, frame: Frame, logon: FixMessage): void {
    const before = this.#opts.beforeLogon;
    if (before === undefined) return this.#bindNow(conn, session, frame);
    if (session.isConnected) return conn.refuse(`${session.key} is already connected`);
    before(session).then((refusal) => {
      if (!conn.waiting) return;
      if (refusal !== undefined) conn.refuse(`${session.key}: ${refusal}`, { to: logon, text: refusal });
      else this.#bindNow(conn, session, frame);
    }, (err: Error) => conn.refuse(`${session.key}: ${err.message}`));
  }

  #bindNow(conn: AcceptorConnection, session: Session, frame: Frame): void {
    this.#dynamic.connected(session);
    conn.bind(session, frame);
    if (conn.session !== session) this.#dynamic.disconnected(session, Date.now()); // refused: already connected
  }

  /** A dynamic session the DynamicSessions let go: closed (files flushed and closed, the store stays on disk). */
  #release(session: Session, why: string): void {
    this.#sessions.delete(session.key);
    try {
      session.log.event(`Released: ${why}`, Date.now());
      session.close();
    } catch (err) {
      this.#failed(`releasing ${session.key}`, err);
    }
    this.#opts.storage?.forget(session.key);
    this.#opts.onSessionReleased?.(session);
  }

  /** Something failed that no input may turn into a stop of the process: logged (once per burst when out of
   *  descriptors) and, when it was a session's, that session is disconnected. */
  #failed(where: string, err: unknown, session?: Session): void {
    const text = `${where}: ${err instanceof Error ? err.message : String(err)}`;
    if (isOutOfDescriptors(err)) this.#outOfDescriptors.failed(text);
    else this.#event(`Internal error in ${text}${err instanceof Error && err.stack ? `\n${err.stack}` : ''}`);
    if (session !== undefined) {
      try {
        session.disconnect(`internal error: ${text}`);
      } catch (e) {
        this.#event(`Internal error disconnecting ${session.key}: ${(e as Error).message}`);
      }
    }
  }

  /** A frame to its session; what it throws (a store that cannot open a file, say) ends that session's connection. */
  #receive(session: Session, frame: Frame): void {
    try {
      session.receiveFrame(frame);
    } catch (err) {
      this.#failed(session.key, err, session);
    }
    this.#dynamic.touched(session);
  }

  #event(text: string): void {
    this.#opts.onEvent?.(text);
  }

  #onConnection(socket: net.Socket): void {
    const address = socket.remoteAddress ?? '?';
    if (!this.#descriptors.take(1)) {
      this.#outOfDescriptors.failed(`connection from ${address} closed at once`);
      socket.destroy();
      return;
    }
    if (!this.#connectionsByAddress.admit(address)) {
      this.#event(`Refused connection from ${address}: more than ${this.#connectionsByAddress.max} open connections`);
      socket.destroy();
      return;
    }
    this.#connections.add(new AcceptorConnection(socket, this.#host, {
      maxMessageBytes: this.#opts.maxMessageBytes ?? 1024 * 1024,
      logonTimeoutMs: this.#opts.logonTimeoutMs ?? 10_000,
      noDelay: this.#opts.noDelay ?? true,
    }));
  }

  #onGone(conn: AcceptorConnection): void {
    if (this.#connections.delete(conn)) this.#connectionsByAddress.release(conn.address);
    const session = conn.session;
    if (session !== null) this.#dynamic.disconnected(session, Date.now());
  }
}
