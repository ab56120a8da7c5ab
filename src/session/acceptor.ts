// FIX acceptor: one TCP (or TLS) listener for many sessions. A connection is bound to a session by
// its first message, which must be a valid Logon for a configured session (or a dynamic-session
// template); anything else is closed without a reply, as FIX requires.
import net from 'node:net';
import tls from 'node:tls';
import { Framer } from '../fix/framer.js';
import { parseMessage } from '../fix/message.js';
import { Tag } from '../fix/names.js';
import type { Dictionary } from '../fix/dictionary.js';
import type { Application } from './application.js';
import type { MessageStore } from './store.js';
import type { MessageLog } from './message-log.js';
import { Session, type SessionConfig } from './session.js';
import { sessionKey, type SessionId } from './session-id.js';
import { ConnectionsPerAddress } from './connections-per-address.js';

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
  now?: () => number;
}

export class Acceptor {
  readonly #opts: AcceptorOptions;
  readonly #server: net.Server;
  readonly #sessions = new Map<string, Session>();
  readonly #templates: AcceptorSessionSpec[] = [];
  readonly #connectionsByAddress: ConnectionsPerAddress;
  readonly #sockets = new Set<net.Socket>();
  #dynamicSessions = 0;

  private constructor(opts: AcceptorOptions) {
    this.#opts = opts;
    this.#connectionsByAddress = new ConnectionsPerAddress(opts.maxConnectionsPerAddress ?? Infinity);
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

  #findSession(id: SessionId): Session | undefined {
    const existing = this.#sessions.get(sessionKey(id));
    if (existing) return existing;
    const template = this.#templates.find(
      (t) => t.config.id.beginString === id.beginString && t.config.id.senderCompId === id.senderCompId,
    );
    if (!template) return undefined;
    const limit = this.#opts.maxDynamicSessions ?? Infinity;
    if (this.#dynamicSessions >= limit) throw new Error(`more than ${limit} dynamic sessions`);
    const session = this.#createSession({ ...template.config, id });
    this.#dynamicSessions++;
    return session;
  }

  #event(text: string): void {
    this.#opts.onEvent?.(text);
  }

  #onConnection(socket: net.Socket): void {
    const address = socket.remoteAddress ?? '?';
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

    const refuse = (why: string) => {
      this.#event(`Closed connection from ${address}: ${why}`);
      closed = true;
      socket.destroy();
    };

    socket.on('data', (chunk: Buffer) => {
      if (closed) return;
      framer.push(chunk);
      for (let frame = framer.next(); frame; frame = framer.next()) {
        if (session) {
          if (!session.isAttachedTo(socket)) return;
          session.receiveFrame(frame);
          continue;
        }
        if (frame.kind === 'garbled') return refuse(`garbled first message (${frame.reason})`);
        const logon = parseMessage(frame.bytes);
        if ('garbled' in logon) return refuse(`garbled first message (${logon.garbled})`);
        if (logon.msgType !== 'A') return refuse(`first message is 35=${logon.msgType}, not a Logon`);
        const id: SessionId = {
          beginString: logon.get(Tag.BeginString) ?? '',
          senderCompId: logon.get(Tag.TargetCompID) ?? '',
          targetCompId: logon.get(Tag.SenderCompID) ?? '',
        };
        const refusal = this.#opts.admit?.(id, socket.remoteAddress);
        if (refusal) return refuse(`${sessionKey(id)}: ${refusal}`);
        let found: Session | undefined;
        try {
          found = this.#findSession(id);
        } catch (err) {
          // Opening the session's store or log failed (out of file descriptors, disk full) or the dynamic
          // session limit is reached: this connection is refused, the acceptor and its sessions carry on.
          return refuse(`${sessionKey(id)}: cannot open the session: ${(err as Error).message}`);
        }
        if (!found) return refuse(`unknown session ${sessionKey(id)}`);
        if (found.isConnected) return refuse(`${found.key} is already connected`);
        session = found;
        clearTimeout(logonTimer);
        session.attach(socket);
        session.receiveFrame(frame);
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
