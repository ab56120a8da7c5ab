// One simulated FIX client session on the project's own Initiator: connect and log on (failing fast
// with a clear reason), receive application messages into a bounded inbox, drop the connection
// without a Logout and come back later on the same sequence numbers (so the gateway resends what we
// missed), log out. Used by the interactive prompt, the scenario runner and the load generator.
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Dictionary } from '../src/fix/dictionary.js';
import type { FixMessage } from '../src/fix/message.js';
import type { FieldList } from '../src/fix/types.js';
import { Initiator } from '../src/session/initiator.js';
import type { Application } from '../src/session/application.js';
import { MemoryStore, type MessageStore } from '../src/session/store.js';
import { NullLog, type Direction, type MessageLog } from '../src/session/message-log.js';
import { SESSION_DEFAULTS, type Session } from '../src/session/session.js';

let fix44: Dictionary | undefined;
/** The FIX 4.4 data dictionary shipped in fix-specs/ (field names for display, `ExecType=F` in expectations). */
export function fix44Dictionary(): Dictionary {
  fix44 ??= Dictionary.load(fileURLToPath(new URL('../../fix-specs/FIX44.xml', import.meta.url)));
  return fix44;
}

let sessionOnly: Dictionary | undefined;
/** What the Initiator is given: the simulator runs its sessions with UseDataDictionary=N (validation null),
 *  so the session never consults a dictionary; this stub spares the ~2 s CPU that parsing FIX44.xml costs
 *  (src/fix/xml.ts counts lines from the start of the file for every element) on runs that never display
 *  a message, such as `sim load` or a refused connection. */
function sessionDictionary(): Dictionary {
  sessionOnly ??= Dictionary.fromXml(
    "<fix type='FIX' major='4' minor='4'><header/><trailer/><messages/><components/>" +
    "<fields><field number='35' name='MsgType' type='STRING'/></fields></fix>",
    'simulator session stub (no validation)',
  );
  return sessionOnly;
}

/** Messages kept for `expect` before the oldest are dropped (and counted). */
export const INBOX_MAX = 100_000;

export interface SimSessionOptions {
  host: string;
  port: number;
  sender: string;
  target: string;
  heartBtIntS?: number;
  /** Send ResetSeqNumFlag(141)=Y on the first Logon (a fresh session on both sides). Default true. */
  resetOnFirstLogon?: boolean;
  /** Keep sent messages for resend (default true). The load generator turns it off: gap fills instead. */
  persistMessages?: boolean;
  /** Sequence numbers and sent messages (default: in memory). Closed by `close()`. */
  store?: MessageStore;
  /** Where the session's message and event log goes (default: nowhere). Closed by `close()`. */
  log?: MessageLog;
  /** Every message on the wire, both directions, as it was written or read (for display). */
  onWire?: (direction: Direction, bytes: Buffer) => void;
  /** Application messages; when given, the inbox is not used. */
  onApp?: (msg: FixMessage) => void;
  /** Session events (logon, resend, disconnect reasons) as the session logs them. */
  onEvent?: (text: string) => void;
  onLogout?: () => void;
}

/** Why a session could not be brought up; `message` is meant for a person. */
export class ConnectError extends Error {}

/** Admin messages an `expect` can see; heartbeats, test requests, logons and resend traffic are session business. */
const VISIBLE_ADMIN = new Set(['3', '5']);

export class SimSession {
  readonly options: SimSessionOptions;
  readonly inbox: FixMessage[] = [];
  /** Messages dropped from a full inbox. */
  inboxDropped = 0;
  /** Text(58) of the last Logout the peer sent. */
  lastLogoutText: string | undefined;
  readonly #store: KeptStore;
  readonly #log: TapLog;
  #initiator: Initiator | null = null;
  #socket: Socket | null = null;
  #waiters: Array<() => void> = [];
  #everLoggedOn = false;

  constructor(options: SimSessionOptions) {
    this.options = options;
    this.#store = new KeptStore(options.store ?? new MemoryStore(Date.now()));
    this.#log = new TapLog(options.log ?? new NullLog(), options.onWire, options.onEvent);
  }

  get session(): Session | null { return this.#initiator?.session ?? null; }
  get isLoggedOn(): boolean { return this.#initiator?.session.isLoggedOn ?? false; }
  get label(): string { return `${this.options.sender}->${this.options.target}@${this.options.host}:${this.options.port}`; }

  /** Connect and log on; rejects with a ConnectError naming the cause (refused, unreachable, logon refused, timeout). */
  async connect(timeoutMs = 10_000): Promise<void> {
    if (this.#initiator) {
      if (this.#initiator.session.isLoggedOn) throw new Error(`${this.label}: already connected`);
      // The peer logged us out or dropped the connection: that Initiator is finished; start a new one.
      await this.#release();
    }
    // A refusal now is explained by what the gateway says now, never by an earlier Logout's text.
    this.lastLogoutText = undefined;
    let failure: string | undefined;
    const o = this.options;
    const initiator = new Initiator({
      host: o.host,
      port: o.port,
      config: {
        ...SESSION_DEFAULTS,
        id: { beginString: 'FIX.4.4', senderCompId: o.sender, targetCompId: o.target },
        initiator: true,
        heartBtIntS: o.heartBtIntS ?? 30,
        resetOnLogon: (o.resetOnFirstLogon ?? true) && !this.#everLoggedOn,
        persistMessages: o.persistMessages ?? true,
        // The simulator shows what the peer sent rather than rejecting it.
        validation: null,
      },
      dictionary: sessionDictionary(),
      application: this.#application(),
      store: this.#store,
      log: this.#log,
      // Reconnects are the caller's decision (scenario `connect`, prompt `reconnect`), not automatic.
      reconnectIntervalMs: 24 * 3600_000,
      onConnectError: (err) => { failure ??= `cannot connect to ${o.host}:${o.port}: ${describeSocketError(err)}`; this.#wake(); },
    });
    this.#initiator = initiator;
    // Keep hold of each socket the Initiator attaches, so `batch` can cork it (one write for many orders).
    const session = initiator.session;
    const attach = session.attach.bind(session);
    session.attach = (socket) => {
      this.#socket = socket;
      attach(socket);
    };
    const onEvent = (text: string) => {
      if (text.startsWith('Disconnecting: ') && !initiator.session.isLoggedOn) {
        const reason = text.slice(15);
        failure ??= reason === 'connection closed'
          ? `${o.host}:${o.port} closed the connection without answering the Logon (does it know SenderCompID ${o.sender} and TargetCompID ${o.target}?)`
          : `connection closed before logon (${reason})`;
      }
    };
    this.#log.watch = onEvent;
    initiator.start();
    const deadline = Date.now() + timeoutMs;
    try {
      while (!initiator.session.isLoggedOn) {
        if (failure !== undefined) {
          const why = this.lastLogoutText ? `logon refused: ${this.lastLogoutText}` : failure;
          throw new ConnectError(`${o.sender}->${o.target}: ${why}`);
        }
        if (Date.now() >= deadline) throw new ConnectError(`${o.sender}->${o.target}: no Logon reply from ${o.host}:${o.port} within ${timeoutMs} ms`);
        await this.#sleepUntilWoken(Math.min(50, Math.max(1, deadline - Date.now())));
      }
    } catch (err) {
      await this.#release();
      throw err;
    } finally {
      this.#log.watch = undefined;
    }
    // Later logons (after a drop) keep the sequence numbers, so the gateway resends what we missed.
    this.#everLoggedOn = true;
  }

  /** Send an application message; returns its MsgSeqNum. */
  send(msgType: string, body: FieldList): number {
    const session = this.#initiator?.session;
    if (!session || !session.isLoggedOn) throw new Error(`${this.options.sender}: not logged on`);
    return session.send(msgType, body);
  }

  /** Run `fn` (which sends messages) with the socket corked: its messages leave in one write. */
  batch(fn: () => void): void {
    const socket = this.cork();
    try {
      fn();
    } finally {
      socket?.uncork();
    }
  }

  /** Hold writes until `uncork()` (node:net cork); returns the corked socket, if connected. */
  cork(): Socket | null {
    const socket = this.#socket;
    if (!socket || socket.destroyed) return null;
    socket.cork();
    return socket;
  }

  /** The next inbox message (removed), waiting up to timeoutMs; undefined on timeout. */
  async next(timeoutMs: number): Promise<FixMessage | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.inbox.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await this.#sleepUntilWoken(left);
    }
    return this.inbox.shift();
  }

  /** Drop the TCP connection without a Logout (as a crash or a network cut would). */
  async drop(): Promise<void> {
    this.#initiator?.session.disconnect('dropped by the simulator');
    await this.#release();
  }

  /** Log out and wait for the peer's Logout (or the grace period), then release the connection. */
  async logout(graceMs = 2000): Promise<void> {
    const initiator = this.#initiator;
    if (!initiator) return;
    this.#initiator = null;
    await initiator.stop(graceMs);
  }

  /** Log out if connected and release the log. */
  async close(): Promise<void> {
    await this.logout();
    this.#log.closeInner();
    this.#store.closeInner();
  }

  async #release(): Promise<void> {
    const initiator = this.#initiator;
    this.#initiator = null;
    // Not logged on any more, so stop() sends nothing; KeptStore/TapLog survive session.close().
    if (initiator) await initiator.stop(0);
  }

  #application(): Application {
    return {
      onLogout: () => { this.#wake(); this.options.onLogout?.(); },
      fromAdmin: (_session, msg) => {
        if (msg.msgType === '5') this.lastLogoutText = msg.get(58);
        if (VISIBLE_ADMIN.has(msg.msgType) && this.#everLoggedOn && !this.options.onApp) this.#deliver(msg);
        this.#wake();
      },
      fromApp: (_session, msg) => {
        if (this.options.onApp) this.options.onApp(msg);
        else this.#deliver(msg);
      },
    };
  }

  #deliver(msg: FixMessage): void {
    if (this.inbox.length >= INBOX_MAX) {
      this.inbox.shift();
      this.inboxDropped++;
    }
    this.inbox.push(msg);
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  #sleepUntilWoken(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const waiters = this.#waiters;
      function done(): void {
        clearTimeout(timer);
        const i = waiters.indexOf(done);
        if (i >= 0) waiters.splice(i, 1);
        resolve();
      }
      this.#waiters.push(done);
    });
  }
}

/** 'ECONNREFUSED' → 'connection refused', and so on, keeping the code. */
export function describeSocketError(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  const text: Record<string, string> = {
    ECONNREFUSED: 'connection refused (is the gateway running on that port?)',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host name lookup failed',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ETIMEDOUT: 'connection timed out',
    ECONNRESET: 'connection reset by peer',
  };
  return code && text[code] ? `${text[code]} [${code}]` : err.message;
}

/** A store that outlives its Session: the simulator reconnects with a new Initiator on the same sequence numbers. */
class KeptStore implements MessageStore {
  readonly #inner: MessageStore;
  constructor(inner: MessageStore) { this.#inner = inner; }
  get nextSenderSeq(): number { return this.#inner.nextSenderSeq; }
  get nextTargetSeq(): number { return this.#inner.nextTargetSeq; }
  get creationTimeMs(): number { return this.#inner.creationTimeMs; }
  setNextSenderSeq(seq: number): void { this.#inner.setNextSenderSeq(seq); }
  setNextTargetSeq(seq: number): void { this.#inner.setNextTargetSeq(seq); }
  incrNextTargetSeq(): void { this.#inner.incrNextTargetSeq(); }
  saveSent(seq: number, bytes: Buffer): void { this.#inner.saveSent(seq, bytes); }
  flush(): void { this.#inner.flush(); }
  readRange(begin: number, end: number, maxCount: number): Array<{ seq: number; bytes: Buffer }> {
    return this.#inner.readRange(begin, end, maxCount);
  }
  reset(nowMs: number): void { this.#inner.reset(nowMs); }
  close(): void { /* the SimSession owns the store's lifetime: closeInner() */ }
  closeInner(): void { this.#inner.close(); }
}

/** Forwards to the real log and shows the wire to the caller; survives session.close() like KeptStore. */
class TapLog implements MessageLog {
  readonly #inner: MessageLog;
  readonly #onWire: ((direction: Direction, bytes: Buffer) => void) | undefined;
  readonly #onEvent: ((text: string) => void) | undefined;
  watch: ((text: string) => void) | undefined;
  constructor(inner: MessageLog, onWire?: (direction: Direction, bytes: Buffer) => void, onEvent?: (text: string) => void) {
    this.#inner = inner;
    this.#onWire = onWire;
    this.#onEvent = onEvent;
  }
  message(direction: Direction, bytes: Buffer, atMs: number): void {
    this.#inner.message(direction, bytes, atMs);
    this.#onWire?.(direction, bytes);
  }
  event(text: string, atMs: number): void {
    this.#inner.event(text, atMs);
    this.watch?.(text);
    this.#onEvent?.(text);
  }
  close(): void { /* closed by SimSession.close() through closeInner */ }
  closeInner(): void { this.#inner.close(); }
}
