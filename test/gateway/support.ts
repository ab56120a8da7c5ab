// Test support for the gateway: a real gateway in-process on a free loopback port with a temp data
// directory, and FIX clients built on the project's own Initiator that record what they receive.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startGateway, parseGatewaySettings, type Gateway, type GatewayOptions } from '../../src/gateway/index.js';
import type { FieldList } from '../../src/fix/types.js';
import type { FixMessage } from '../../src/fix/message.js';
import { formatUtcTimestamp } from '../../src/fix/time.js';
import type { Initiator } from '../../src/session/initiator.js';
import type { MessageStore } from '../../src/session/store.js';
import { FileStore } from '../../src/session/file-store.js';
import type { SessionId } from '../../src/session/session-id.js';
import type { SessionConfig } from '../../src/session/session.js';
import { RecordingApp, startInitiator, waitFor } from '../support/fix-harness.js';
import { testEngineConfig } from '../support/test-engine-config.js';

export const BASE_CFG = `
[DEFAULT]
ConnectionType=acceptor
BeginString=FIX.4.4
SenderCompID=FIXGW
SocketAcceptPort=9876
SocketAcceptHost=127.0.0.1
MaxMessagesPerSecond=100000

[SESSION]
TargetCompID=*
`;

export function tempDataDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'fixgw-gw-'));
}

/** A gateway on a free port; its temp data directory (when it made one) is removed by close(). */
export async function startTestGateway(opts: { cfg?: string; dataDir?: string; fsync?: boolean } & Partial<GatewayOptions> = {}): Promise<Gateway> {
  const { cfg, ...rest } = opts;
  const dataDir = opts.dataDir ?? tempDataDir();
  const settings = parseGatewaySettings(cfg ?? BASE_CFG);
  const gw = await startGateway({
    settings,
    ...(settings.engineConfigPath === undefined ? { engineConfig: testEngineConfig() } : {}),
    fixPort: 0,
    host: '127.0.0.1',
    logoutGraceMs: 1000,
    ...rest,
    dataDir,
    fsync: opts.fsync ?? false,
  });
  if (opts.dataDir !== undefined) return gw;
  const close = gw.close.bind(gw);
  return Object.assign(Object.create(gw) as Gateway, {
    close: async () => { await close(); rmSync(dataDir, { recursive: true, force: true }); },
  });
}

/** What a crash right now would leave of a session's store: the gateway's store directory copied and opened as a
 *  FileStore (the caller closes it). The gateway's sessions keep their stores to themselves; this reads the files. */
export function crashCopyOfStore(dataDir: string, id: SessionId): FileStore {
  const copy = mkdtempSync(path.join(tmpdir(), 'fixgw-crashcopy-'));
  cpSync(path.join(dataDir, 'store'), copy, { recursive: true });
  const store = FileStore.open(copy, id, { nowMs: Date.now() });
  rmSync(copy, { recursive: true, force: true }); // the fds stay valid
  return store;
}

/** A trading client: our own Initiator, recording every application message it receives. */
export interface ClientOptions { store?: MessageStore; config?: Partial<SessionConfig>; password?: string; tls?: import('node:tls').ConnectionOptions }

/** Records Reject(3) and Logout(5) too, which arrive as admin messages. */
class ClientApp extends RecordingApp {
  password: string | undefined;
  toAdmin(_session: unknown, msgType: string, body: FieldList): void {
    if (msgType === 'A' && this.password !== undefined) body.push([554, this.password]);
  }
  fromAdmin(session: import('../../src/session/session.js').Session, msg: FixMessage): void {
    if (msg.msgType === '3' || msg.msgType === '5') this.received.push({ session: session.key, msg });
  }
}

export class Client {
  readonly app = new ClientApp();
  readonly initiator: Initiator;
  constructor(port: number, readonly compId: string, opts: ClientOptions = {}) {
    this.app.password = opts.password;
    this.initiator = startInitiator({ port, sender: compId, target: 'FIXGW', app: this.app,
      ...(opts.store ? { store: opts.store } : {}), ...(opts.config ? { config: opts.config } : {}), ...(opts.tls ? { tls: opts.tls } : {}) });
  }

  static async logon(port: number, compId: string, opts: ClientOptions = {}): Promise<Client> {
    const c = new Client(port, compId, opts);
    await c.initiator.waitForLogon();
    return c;
  }

  get session() { return this.initiator.session; }

  send(msgType: string, body: FieldList, header: FieldList = []): number {
    return this.session.send(msgType, body, header);
  }

  /** NewOrderSingle with sensible defaults: limit Day order. */
  order(clOrdId: string, f: { symbol?: string; side?: '1' | '2' | string; qty?: string; price?: string | null; ordType?: string; tif?: string;
    extra?: FieldList } = {}): number {
    const body: FieldList = [[11, clOrdId], [55, f.symbol ?? 'AAPL'], [54, f.side ?? '1'], [60, formatUtcTimestamp(Date.now())],
      [38, f.qty ?? '100'], [40, f.ordType ?? '2']];
    if (f.price !== null) body.push([44, f.price ?? '190.00']);
    if (f.tif !== undefined) body.push([59, f.tif]);
    body.push(...(f.extra ?? []));
    return this.send('D', body);
  }

  /** Messages of a type received so far. */
  all(msgType: string): FixMessage[] { return this.app.ofType(msgType); }

  /** The n-th (1-based) message of msgType matching `where`, waiting for it. */
  async next(msgType: string, where: (m: FixMessage) => boolean = () => true, n = 1, timeoutMs = 5000): Promise<FixMessage> {
    let found: FixMessage | undefined;
    await waitFor(`${this.compId}: 35=${msgType} #${n}`, () => {
      const matches = this.all(msgType).filter(where);
      found = matches[n - 1];
      return found !== undefined;
    }, timeoutMs);
    return found!;
  }

  /** ExecutionReports for a ClOrdID, waiting until there are `count` of them. */
  async reports(clOrdId: string, count = 1, timeoutMs = 5000): Promise<FixMessage[]> {
    await this.next('8', (m) => m.get(11) === clOrdId, count, timeoutMs);
    return this.all('8').filter((m) => m.get(11) === clOrdId);
  }

  async stop(): Promise<void> { await this.initiator.stop(1000); }
}
