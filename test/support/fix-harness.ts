// Test support: start real acceptors and initiators on loopback, record what the application sees,
// and talk raw bytes to a server when a test needs to misbehave on purpose.
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { Dictionary } from '../../src/fix/dictionary.js';
import { DEFAULT_VALIDATION } from '../../src/fix/validate.js';
import { Framer } from '../../src/fix/framer.js';
import { parseMessage, type FixMessage } from '../../src/fix/message.js';
import { encodeMessage } from '../../src/fix/encode.js';
import { formatUtcTimestamp } from '../../src/fix/time.js';
import type { FieldList } from '../../src/fix/types.js';
import type { Application, AppVerdict } from '../../src/session/application.js';
import { MemoryStore, type MessageStore } from '../../src/session/store.js';
import { NullLog, type MessageLog } from '../../src/session/message-log.js';
import { SESSION_DEFAULTS, type Session, type SessionConfig } from '../../src/session/session.js';
import { Initiator } from '../../src/session/initiator.js';
import type { SessionId } from '../../src/session/session-id.js';

let dictionary: Dictionary | undefined;
export function fix44(): Dictionary {
  dictionary ??= Dictionary.load(fileURLToPath(new URL('../../../fix-specs/FIX44.xml', import.meta.url)));
  return dictionary;
}

export function sessionConfig(id: SessionId, overrides: Partial<SessionConfig> = {}): SessionConfig {
  return { ...SESSION_DEFAULTS, id, initiator: false, validation: { ...DEFAULT_VALIDATION }, ...overrides };
}

/** An application that records everything it is given, and answers with `reply` if set. */
export class RecordingApp implements Application {
  readonly received: Array<{ session: string; msg: FixMessage }> = [];
  logons = 0;
  logouts = 0;
  reply?: (session: Session, msg: FixMessage) => AppVerdict | void;
  onLogon(): void { this.logons++; }
  onLogout(): void { this.logouts++; }
  fromApp(session: Session, msg: FixMessage): AppVerdict | void {
    this.received.push({ session: session.key, msg });
    return this.reply?.(session, msg);
  }
  ofType(msgType: string): FixMessage[] {
    return this.received.filter((r) => r.msg.msgType === msgType).map((r) => r.msg);
  }
}

export function startInitiator(opts: {
  port: number;
  sender: string;
  target: string;
  app?: Application;
  store?: MessageStore;
  log?: MessageLog;
  config?: Partial<SessionConfig>;
  reconnectIntervalMs?: number;
  tls?: import('node:tls').ConnectionOptions;
  noDelay?: boolean;
}): Initiator {
  const initiator = new Initiator({
    host: '127.0.0.1',
    port: opts.port,
    config: sessionConfig(
      { beginString: 'FIX.4.4', senderCompId: opts.sender, targetCompId: opts.target },
      { initiator: true, heartBtIntS: 30, ...opts.config },
    ),
    dictionary: fix44(),
    application: opts.app ?? new RecordingApp(),
    store: opts.store ?? new MemoryStore(Date.now()),
    log: opts.log ?? new NullLog(),
    reconnectIntervalMs: opts.reconnectIntervalMs ?? 100,
    ...(opts.tls ? { tls: opts.tls } : {}),
    ...(opts.noDelay !== undefined ? { noDelay: opts.noDelay } : {}),
  });
  initiator.start();
  return initiator;
}

export async function waitFor(what: string, predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A FIX peer with no session logic: the test decides every byte. */
export class RawClient {
  readonly received: FixMessage[] = [];
  readonly socket: net.Socket;
  closed = false;
  readonly #framer = new Framer();

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#framer.push(chunk);
      for (let f = this.#framer.next(); f; f = this.#framer.next()) {
        if (f.kind !== 'message') continue;
        const m = parseMessage(f.bytes);
        if (!('garbled' in m)) this.received.push(m);
      }
    });
    socket.on('close', () => { this.closed = true; });
    socket.on('error', () => { this.closed = true; });
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  /** Send a well-formed message from `sender` to `target` with the given seq, header extras and body. */
  send(msgType: string, seq: number, body: FieldList, opts: { sender?: string; target?: string; header?: FieldList } = {}): void {
    const header: FieldList = [
      [34, String(seq)],
      [49, opts.sender ?? 'CLIENT'],
      [52, formatUtcTimestamp(Date.now())],
      [56, opts.target ?? 'FIXGW'],
      ...(opts.header ?? []),
    ];
    header.sort((a, b) => a[0] - b[0]);
    this.socket.write(encodeMessage('FIX.4.4', msgType, header, body));
  }

  writeRaw(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  async next(msgType: string, timeoutMs = 5000): Promise<FixMessage> {
    let found: FixMessage | undefined;
    await waitFor(`35=${msgType}`, () => {
      const i = this.received.findIndex((m) => m.msgType === msgType);
      if (i < 0) return false;
      found = this.received.splice(i, 1)[0];
      return true;
    }, timeoutMs);
    return found!;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A News(B) message body: the simplest application message the FIX 4.4 dictionary accepts. */
export function news(headline: string): FieldList {
  return [[148, headline], [33, '1'], [58, headline]];
}
