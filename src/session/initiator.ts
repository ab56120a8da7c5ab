// FIX initiator: connects one session to an acceptor, logs on, and reconnects every
// ReconnectInterval after a drop until stopped. Used by the simulator and the tests.
import net from 'node:net';
import tls from 'node:tls';
import { Framer } from '../fix/framer.js';
import type { Dictionary } from '../fix/dictionary.js';
import type { Application } from './application.js';
import type { MessageStore } from './store.js';
import type { MessageLog } from './message-log.js';
import { Session, type SessionConfig } from './session.js';

export interface InitiatorOptions {
  host: string;
  port: number;
  config: SessionConfig;
  dictionary: Dictionary;
  application: Application;
  store: MessageStore;
  log: MessageLog;
  reconnectIntervalMs?: number;
  tls?: tls.ConnectionOptions;
  maxMessageBytes?: number;
  /** TCP_NODELAY on the connection (SocketNodelay); default true. */
  noDelay?: boolean;
  /** Called when a connection attempt fails (unreachable host, refused). */
  onConnectError?: (err: Error) => void;
  now?: () => number;
}

export class Initiator {
  readonly session: Session;
  readonly #opts: InitiatorOptions;
  #stopped = true;
  #socket: net.Socket | null = null;
  #retryTimer: NodeJS.Timeout | null = null;

  constructor(opts: InitiatorOptions) {
    this.#opts = opts;
    this.session = new Session({
      config: { ...opts.config, initiator: true },
      store: opts.store,
      log: opts.log,
      dictionary: opts.dictionary,
      application: opts.application,
      ...(opts.now ? { now: opts.now } : {}),
    });
  }

  /** Start connecting (and reconnecting after every drop). */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#connect();
  }

  /** Log out, wait for the Logout reply (or the timeout), stop reconnecting, release the session. */
  async stop(graceMs = 2000): Promise<void> {
    this.#stopped = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    if (this.session.isLoggedOn) {
      this.session.logout();
      const deadline = Date.now() + graceMs;
      while (this.session.isConnected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    }
    this.session.close();
    this.#socket?.destroy();
  }

  /** Resolves once the session is logged on (rejects after `timeoutMs`). */
  async waitForLogon(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.session.isLoggedOn) {
      if (Date.now() > deadline) throw new Error(`${this.session.key}: not logged on after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  #connect(): void {
    if (this.#stopped) return;
    const { host, port } = this.#opts;
    const socket = this.#opts.tls
      ? tls.connect({ ...this.#opts.tls, host, port })
      : net.connect({ host, port });
    this.#socket = socket;
    socket.setNoDelay(this.#opts.noDelay ?? true);
    const framer = new Framer({ maxMessageBytes: this.#opts.maxMessageBytes ?? 1024 * 1024 });
    let attached = false;
    socket.once(this.#opts.tls ? 'secureConnect' : 'connect', () => {
      attached = true;
      this.session.attach(socket);
    });
    socket.on('data', (chunk: Buffer) => {
      if (!this.session.isAttachedTo(socket)) return;
      framer.push(chunk);
      for (let frame = framer.next(); frame && this.session.isAttachedTo(socket); frame = framer.next()) {
        this.session.receiveFrame(frame);
      }
    });
    let gone = false;
    const onGone = (reason: string, err?: Error) => {
      if (gone) return;
      gone = true;
      if (!attached && err) this.#opts.onConnectError?.(err);
      this.session.transportClosed(socket, reason);
      if (!this.#stopped) {
        this.#retryTimer = setTimeout(() => this.#connect(), this.#opts.reconnectIntervalMs ?? 30_000);
      }
    };
    socket.on('error', (err) => onGone(`socket error: ${err.message}`, err));
    socket.on('close', () => onGone('peer closed'));
  }
}
