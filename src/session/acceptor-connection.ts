// One accepted connection until it is bound to a session: frames its bytes, hands the first message (which must be a
// Logon) to the acceptor, holds the rest while the acceptor creates a session for it in a later turn, and refuses it
// (closed silently, or with a Logout) when the acceptor says so. Once bound, every frame goes to the session.
import type net from 'node:net';
import { Framer, type Frame } from '../fix/framer.js';
import { parseMessage, type FixMessage } from '../fix/message.js';
import { encodeMessage } from '../fix/encode.js';
import { formatUtcTimestamp } from '../fix/time.js';
import { MsgType, Tag } from '../fix/names.js';
import type { FieldList } from '../fix/types.js';
import type { Session } from './session.js';

/** What the acceptor does with a connection. */
export interface ConnectionHost {
  /** The first message parsed as a Logon: bind (now or later, calling conn.bind) or refuse (conn.refuse). */
  logon(conn: AcceptorConnection, logon: FixMessage, frame: Frame): void;
  /** A frame for the bound session (the acceptor keeps a session's failure from reaching the socket's callback). */
  receive(session: Session, frame: Frame): void;
  event(text: string): void;
  /** The socket closed (for good). */
  gone(conn: AcceptorConnection, reason: string): void;
}

export class AcceptorConnection {
  readonly address: string;
  #session: Session | null = null;
  #state: 'first' | 'waiting' | 'bound' | 'closed' = 'first';
  #goneReported = false;
  readonly #framer: Framer;
  readonly #logonTimer: NodeJS.Timeout;

  constructor(readonly socket: net.Socket, private readonly host: ConnectionHost, opts: { maxMessageBytes: number; logonTimeoutMs: number; noDelay: boolean }) {
    this.address = socket.remoteAddress ?? '?';
    this.#framer = new Framer({ maxMessageBytes: opts.maxMessageBytes });
    this.#logonTimer = setTimeout(() => {
      if (this.#state === 'first' || this.#state === 'waiting') this.refuse(`no Logon within ${opts.logonTimeoutMs} ms`);
    }, opts.logonTimeoutMs);
    this.#logonTimer.unref();
    socket.setNoDelay(opts.noDelay);
    socket.on('data', (chunk: Buffer) => {
      if (this.#state === 'closed') return;
      this.#framer.push(chunk);
      this.#pump();
    });
    socket.on('error', (err) => this.#gone(`socket error: ${err.message}`));
    socket.on('close', () => this.#gone('peer closed'));
    socket.on('end', () => socket.end());
  }

  get session(): Session | null { return this.#session; }
  /** Still waiting for its session: not refused, not closed. */
  get waiting(): boolean { return this.#state === 'waiting'; }

  /** Binds the connection to `session` and feeds it the Logon and what followed. */
  bind(session: Session, logonFrame: Frame): void {
    if (this.#state === 'closed') return;
    if (session.isConnected) {
      this.refuse(`${session.key} is already connected`);
      return;
    }
    this.#state = 'bound';
    this.#session = session;
    clearTimeout(this.#logonTimer);
    session.attach(this.socket);
    this.host.receive(session, logonFrame);
    this.socket.resume();
    this.#pump();
  }

  /** Closes the connection; with `logout`, after a Logout answering `logout.to` (see logonRefusal). `why` '' is not logged. */
  refuse(why: string, logout?: { to: FixMessage; text: string }): void {
    if (this.#state === 'closed' || this.#state === 'bound') return;
    if (why !== '') this.host.event(`Closed connection from ${this.address}: ${why}`);
    this.#state = 'closed';
    clearTimeout(this.#logonTimer);
    if (logout === undefined) {
      this.socket.destroy();
      return;
    }
    this.socket.end(logonRefusal(logout.to, logout.text));
    setTimeout(() => this.socket.destroy(), 1000).unref(); // a refused peer that does not read is not waited for
  }

  #pump(): void {
    for (let frame = this.#state === 'waiting' ? null : this.#framer.next(); frame; frame = this.#framer.next()) {
      if (this.#state === 'bound') {
        if (!this.#session!.isAttachedTo(this.socket)) return;
        this.host.receive(this.#session!, frame);
        continue;
      }
      if (this.#state !== 'first') return;
      if (frame.kind === 'garbled') return this.refuse(`garbled first message (${frame.reason})`);
      const logon = parseMessage(frame.bytes);
      if ('garbled' in logon) return this.refuse(`garbled first message (${logon.garbled})`);
      if (logon.msgType !== MsgType.Logon) return this.refuse(`first message is 35=${logon.msgType}, not a Logon`);
      this.#state = 'waiting';
      this.host.logon(this, logon, frame);
      if (this.#state === 'waiting') {
        this.socket.pause(); // what follows the Logon waits in the socket until the session exists
        return;
      }
    }
  }

  /** The socket is gone ('error' and 'close' both come): once. */
  #gone(reason: string): void {
    if (this.#goneReported) return;
    this.#goneReported = true;
    if (this.#state !== 'bound') this.#state = 'closed';
    clearTimeout(this.#logonTimer);
    this.#session?.transportClosed(this.socket, reason);
    this.host.gone(this, reason);
  }
}

/** The Logout a refused Logon gets: MsgSeqNum 1 and the CompIDs of the Logon reversed, nothing of any session. */
export function logonRefusal(logon: FixMessage, text: string): Buffer {
  const header: FieldList = [[Tag.MsgSeqNum, '1'], [Tag.SenderCompID, logon.get(Tag.TargetCompID) ?? ''],
    [Tag.SendingTime, formatUtcTimestamp(Date.now())], [Tag.TargetCompID, logon.get(Tag.SenderCompID) ?? '']];
  return encodeMessage(logon.get(Tag.BeginString) ?? '', MsgType.Logout, header, [[Tag.Text, text]]);
}
