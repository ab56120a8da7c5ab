// FIX acceptor: one TCP (or TLS) listener for many sessions. A connection is bound to a session by
// its first message, which must be a valid Logon for a configured session (or a dynamic-session
// template); anything else is closed without a reply, as FIX requires.
import net from 'node:net';
import tls from 'node:tls';
import { Framer, type Frame } from '../fix/framer.js';
import { parseMessage, type FixMessage } from '../fix/message.js';
import { encodeMessage } from '../fix/encode.js';
import { formatUtcTimestamp } from '../fix/time.js';
import type { Dictionary } from '../fix/dictionary.js';
import type { FieldList } from '../fix/types.js';
import type { Application } from './application.js';
import type { MessageStore } from './store.js';
import type { MessageLog } from './message-log.js';
import { Session, type SessionConfig } from './session.js';
import { sessionKey, type SessionId } from './session-id.js';
import { ConnectionsPerAddress } from './connections-per-address.js';
import { DescriptorBudget, FailureBurst, isOutOfDescriptors, SESSION_DESCRIPTORS } from './descriptors.js';

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
  /** A connection that has not sent a valid Logon within this time is closed. */
  logonTimeoutMs?: number;
  /** Connections open at once from one source address; more are refused. */
  maxConnectionsPerAddress?: number;
  /** Sessions created from dynamic templates (TargetCompID=*) at most; a Logon for one more is refused.
   *  Each holds open files (store, log), so an unbounded number lets a Logon flood exhaust file descriptors. */
  maxDynamicSessions?: number;
  /** Extra check before a Logon is bound to a session: return a reason to refuse it silently. */
  admit?: (id: SessionId, remoteAddress: string | undefined) => string | undefined;
  /** Authentication of a Logon (password, allow-lists) before anything of a session is looked at or created: return
   *  a reason to refuse it. The reason is logged; the peer gets what `logonRefusedText` says. */
  authenticate?: (id: SessionId, logon: FixMessage, remoteAddress: string | undefined) => string | undefined;
  /** Text of the Logout a Logon refused by `authenticate` or for an unknown session gets: the same bytes whatever the
   *  reason (MsgSeqNum 1, no session's sequence number used or shown), so a peer cannot tell a wrong password from
   *  an unknown CompID. Unset: such a connection is closed without a reply. */
  logonRefusedText?: string;
  now?: () => number;
  /** File descriptors: the process's limit and the reserve new connections and sessions leave free (tests). */
  descriptors?: DescriptorBudget;
}

/** Refusals for lack of file descriptors are logged at most this often (with their count), not one line each. */
const OUT_OF_DESCRIPTORS_LOG_MS = 10_000;
const NO_CAPACITY_TEXT = 'Logon refused: no capacity for another session now';

export class Acceptor {
  readonly #opts: AcceptorOptions;
  readonly #server: net.Server;
  readonly #sessions = new Map<string, Session>();
  readonly #templates: AcceptorSessionSpec[] = [];
  readonly #connectionsByAddress: ConnectionsPerAddress;
  readonly #sockets = new Set<net.Socket>();
  readonly #descriptors: DescriptorBudget;
  readonly #outOfDescriptors: FailureBurst;
  #dynamicSessions = 0;

  private constructor(opts: AcceptorOptions) {
    this.#opts = opts;
    this.#connectionsByAddress = new ConnectionsPerAddress(opts.maxConnectionsPerAddress ?? Infinity);
    this.#descriptors = opts.descriptors ?? new DescriptorBudget();
    this.#outOfDescriptors = new FailureBurst('Out of file descriptors: new connections and Logons refused, sessions already open carry on',
      OUT_OF_DESCRIPTORS_LOG_MS, (text) => this.#event(text));
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
    });
    return acceptor;
  }

  get port(): number {
    const address = this.#server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  sessions(): Session[] { return [...this.#sessions.values()]; }
  session(key: string): Session | undefined { return this.#sessions.get(key); }

  /** Log every session out, wait up to `graceMs` for the Logout replies, then close everything. */
  async stop(graceMs = 2000): Promise<void> {
    this.#server.close();
    const loggedOn = this.sessions().filter((s) => s.isLoggedOn);
    for (const s of loggedOn) s.logout('Gateway shutting down');
    const deadline = Date.now() + graceMs;
    while (loggedOn.some((s) => s.isConnected) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const s of this.sessions()) s.close();
    for (const socket of this.#sockets) socket.destroy();
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

  #createDynamic(template: AcceptorSessionSpec, id: SessionId): Session {
    const limit = this.#opts.maxDynamicSessions ?? Infinity;
    if (this.#dynamicSessions >= limit) throw new Error(`more than ${limit} dynamic sessions`);
    const session = this.#createSession({ ...template.config, id });
    this.#dynamicSessions++;
    return session;
  }

  /** The session a first message binds the connection to, or a reason to refuse it (`logout`: with the Logon refusal). */
  #bind(logon: FixMessage, remoteAddress: string | undefined): Session | { why: string; logout?: string } {
    const id: SessionId = { beginString: logon.get(8) ?? '', senderCompId: logon.get(56) ?? '', targetCompId: logon.get(49) ?? '' };
    const key = sessionKey(id);
    const refusal = this.#opts.admit?.(id, remoteAddress);
    if (refusal) return { why: `${key}: ${refusal}` };
    const refused = this.#opts.logonRefusedText;
    const unauthenticated = this.#opts.authenticate?.(id, logon, remoteAddress);
    const found = this.#lookUp(id);
    if (unauthenticated) {
      if (found instanceof Session) found.log.event(`Logon from ${remoteAddress ?? '?'} refused: ${unauthenticated}`, Date.now());
      return { why: `${key}: ${unauthenticated}`, ...(refused ? { logout: refused } : {}) };
    }
    if (!found) return { why: `unknown session ${key}`, ...(refused ? { logout: refused } : {}) };
    if (found instanceof Session) return found;
    if (!this.#descriptors.take(SESSION_DESCRIPTORS)) {
      this.#outOfDescriptors.failed(`${SESSION_DESCRIPTORS} more for ${key} would leave fewer than ${this.#descriptors.reserve} free`);
      return { why: '', logout: NO_CAPACITY_TEXT };
    }
    try {
      return this.#createDynamic(found, id);
    } catch (err) {
      // Opening the session's store or log failed (out of file descriptors, disk full) or the dynamic
      // session limit is reached: this connection is refused, the acceptor and its sessions carry on.
      if (isOutOfDescriptors(err)) {
        this.#outOfDescriptors.failed(`${key}: ${(err as Error).message}`);
        return { why: '', logout: NO_CAPACITY_TEXT };
      }
      return { why: `${key}: cannot open the session: ${(err as Error).message}`, logout: NO_CAPACITY_TEXT };
    }
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
    this.#sockets.add(socket);
    socket.setNoDelay(true);
    const framer = new Framer({ maxMessageBytes: this.#opts.maxMessageBytes ?? 1024 * 1024 });
    let session: Session | null = null;
    let closed = false;
    const logonTimer = setTimeout(() => {
      if (!session) {
        this.#event(`Closed connection from ${address}: no Logon within ${this.#opts.logonTimeoutMs ?? 10000} ms`);
        socket.destroy();
      }
    }, this.#opts.logonTimeoutMs ?? 10_000);
    logonTimer.unref();

    const refuse = (why: string, logout?: { to: FixMessage; text: string }) => {
      if (why !== '') this.#event(`Closed connection from ${address}: ${why}`); // '': logged as a burst already
      closed = true;
      if (logout === undefined) {
        socket.destroy();
        return;
      }
      socket.end(logonRefusal(logout.to, logout.text));
      setTimeout(() => socket.destroy(), 1000).unref(); // a refused peer that does not read is not waited for
    };

    socket.on('data', (chunk: Buffer) => {
      if (closed) return;
      framer.push(chunk);
      for (let frame = framer.next(); frame; frame = framer.next()) {
        if (session) {
          if (!session.isAttachedTo(socket)) return;
          this.#receive(session, frame);
          continue;
        }
        if (frame.kind === 'garbled') return refuse(`garbled first message (${frame.reason})`);
        const logon = parseMessage(frame.bytes);
        if ('garbled' in logon) return refuse(`garbled first message (${logon.garbled})`);
        if (logon.msgType !== 'A') return refuse(`first message is 35=${logon.msgType}, not a Logon`);
        const found = this.#bind(logon, socket.remoteAddress);
        if (!(found instanceof Session)) return refuse(found.why, found.logout !== undefined ? { to: logon, text: found.logout } : undefined);
        if (found.isConnected) return refuse(`${found.key} is already connected`);
        session = found;
        clearTimeout(logonTimer);
        session.attach(socket);
        this.#receive(session, frame);
      }
    });
    const onGone = (reason: string) => {
      if (this.#sockets.delete(socket)) this.#connectionsByAddress.release(address);
      clearTimeout(logonTimer);
      session?.transportClosed(socket, reason);
    };
    socket.on('error', (err) => onGone(`socket error: ${err.message}`));
    socket.on('close', () => onGone('peer closed'));
    socket.on('end', () => socket.end());
  }
}

/** The Logout a refused Logon gets: MsgSeqNum 1 and the CompIDs of the Logon reversed, nothing of any session. */
function logonRefusal(logon: FixMessage, text: string): Buffer {
  const header: FieldList = [[34, '1'], [49, logon.get(56) ?? ''], [52, formatUtcTimestamp(Date.now())], [56, logon.get(49) ?? '']];
  return encodeMessage(logon.get(8) ?? '', '5', header, [[58, text]]);
}
