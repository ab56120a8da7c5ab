// Traffic and an observer for a cluster of gateway nodes, shared by the end-to-end tests (test/cluster/) and the
// cluster bench (bench/cluster.ts): FIX clients that keep orders in flight and can move to another node, and the
// observer, an engine replica of its own on the command stream that knows every report each session should get and
// every NewOrder's seqs, and compares its engine digest with the nodes'.
import { Checkpoints } from '../src/cluster/checkpoints.js';
import { JetStreamCommandLog } from '../src/cluster/command-log.js';
import { ClusterConnection } from '../src/cluster/connection.js';
import { DigestExchange } from '../src/cluster/digest-exchange.js';
import { startReplica } from '../src/cluster/replica.js';
import { clusterSettings } from '../src/cluster/settings.js';
import type { EngineConfig, ExecReport, NewOrderCommand, SequencedCommand, Sequencer } from '../src/engine/index.js';
import type { FixMessage } from '../src/fix/message.js';
import { Tag } from '../src/fix/names.js';
import { formatUtcTimestamp } from '../src/fix/time.js';
import { SimSession } from '../simulator/sim-session.js';

/** Resolves once `predicate` holds; throws naming `what` after timeoutMs. */
export async function waitUntil(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface Observer {
  sequencer: Sequencer;
  log: JetStreamCommandLog;
  digests: DigestExchange;
  /** Divergences it saw (there should be none). */
  diverged: string[];
  execIdsOf(session: string): Set<string>;
  /** `${session} ${clOrdId}` → the seqs of its NewOrders. */
  newOrders: Map<string, number[]>;
  close(): Promise<void>;
}

/** An engine replica of the stream `stream` in this process, digesting every `digestEvery` commands as the nodes do. */
export async function observeStream(natsUrls: string[], config: EngineConfig, digestEvery: number, stream = 'FIXGW'): Promise<Observer> {
  const conn = await ClusterConnection.open({ natsUrls, nodeId: 'observer', connectTimeoutMs: 5000, pingIntervalMs: 1000 });
  const settings = clusterSettings(natsUrls, 'observer', { stream, publishTimeoutMs: 1000, appendRetryMs: 15_000 });
  const log = await JetStreamCommandLog.open(conn, settings);
  const { sequencer } = await startReplica(config, log, null);
  const execIds = new Map<string, Set<string>>();
  const newOrders = new Map<string, number[]>();
  sequencer.onEvents((sc: SequencedCommand, events) => {
    if (sc.cmd.type === 'NewOrder') {
      const key = `${(sc.cmd as NewOrderCommand).session} ${(sc.cmd as NewOrderCommand).clOrdId}`;
      newOrders.set(key, [...(newOrders.get(key) ?? []), sc.seq]);
    }
    for (const ev of events) {
      if (ev.kind !== 'exec') continue;
      let ids = execIds.get((ev as ExecReport).session);
      if (ids === undefined) execIds.set((ev as ExecReport).session, ids = new Set());
      ids.add((ev as ExecReport).execId);
    }
  });
  const diverged: string[] = [];
  const digests = new DigestExchange(conn, log.names, { nodeId: 'observer', onDiverged: (err) => diverged.push(err.message), appliedSeq: () => sequencer.lastAppliedSeq });
  const checks = new Checkpoints({ engine: sequencer.engine, log, digests, snapshots: null, digestEveryCommands: digestEvery, snapshotEveryCommands: 0,
    snapshotsKept: 1, onSaveError: () => undefined });
  sequencer.onEvents(checks.applied);
  const close = async (): Promise<void> => {
    digests.close();
    await Promise.race([sequencer.close().catch(() => undefined), new Promise((r) => setTimeout(r, 5000).unref())]);
    await conn.close();
  };
  return { sequencer, log, digests, diverged, execIdsOf: (s) => execIds.get(s) ?? new Set(), newOrders, close };
}

/** Commands from the observer until the stream's last seq is a multiple of `digestEvery` (nothing else running), so
 *  every node digests the state it ended in. Returns that seq. */
export async function padToDigest(observer: Observer, digestEvery: number): Promise<number> {
  const { sequencer } = observer;
  await sequencer.flush();
  const { lastSeq } = await observer.log.bounds();
  await waitUntil('the observer caught up', () => sequencer.lastAppliedSeq >= lastSeq);
  const pad = (digestEvery - (lastSeq % digestEvery)) % digestEvery;
  for (let i = 0; i < pad; i++) sequencer.submit({ type: 'OrderStatus', session: 'FIX.4.4:FIXGW->PAD', clOrdId: `pad${i}`, symbol: 'AAPL' });
  await sequencer.flush();
  if (sequencer.lastAppliedSeq % digestEvery !== 0) throw new Error(`other commands came while padding to seq ${lastSeq + pad}`);
  return sequencer.lastAppliedSeq;
}

let clOrdN = 0;

/** A FIX client keeping `window` orders in flight (qty 1 at 100.00, so buyers and sellers trade), and counting. */
export class Trader {
  readonly sim: SimSession;
  readonly sent = new Set<string>();
  readonly acked = new Set<string>();
  /** Orders answered with a BusinessMessageReject (order entry refused them: nothing entered). */
  readonly refused = new Set<string>();
  readonly execIds = new Set<string>();
  /** Session-level rejects (there should be none). */
  readonly rejects: string[] = [];
  private readonly bySeq = new Map<number, string>();
  private running = false;

  constructor(readonly sender: string, port: number, readonly side: 'Buy' | 'Sell', readonly window: number) {
    this.sim = new SimSession({ host: '127.0.0.1', port, sender, target: 'FIXGW', heartBtIntS: 5, onApp: (m) => this.received(m) });
  }

  get key(): string { return `FIX.4.4:FIXGW->${this.sender}`; }
  get unacked(): number { return this.sent.size - this.acked.size - this.refused.size; }

  async start(): Promise<void> {
    await this.sim.connect(20_000);
    this.running = true;
    this.pump();
  }

  stop(): void { this.running = false; }

  /** Its node is gone: log on to `port` (retrying until `timeoutMs`), continue. Returns the ms it took. */
  async moveTo(port: number, timeoutMs = 20_000): Promise<number> {
    const t0 = Date.now();
    await this.sim.drop();
    this.sim.options.port = port;
    for (;;) {
      try {
        await this.sim.connect(10_000);
        break;
      } catch (err) {
        if (Date.now() - t0 > timeoutMs) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    this.pump();
    return Date.now() - t0;
  }

  /** Sends until `window` orders wait for their first report. */
  pump(): void {
    while (this.running && this.sim.isLoggedOn && this.unacked < this.window) {
      const clOrdId = `${this.sender}-${++clOrdN}`;
      this.bySeq.set(this.sim.send('D', [[Tag.ClOrdID, clOrdId], [Tag.Symbol, 'AAPL'], [Tag.Side, this.side === 'Buy' ? '1' : '2'],
        [Tag.TransactTime, formatUtcTimestamp(Date.now())], [Tag.OrderQty, '1'], [Tag.OrdType, '2'], [Tag.Price, '100.00']]), clOrdId);
      this.sent.add(clOrdId);
    }
  }

  private received(m: FixMessage): void {
    if (m.msgType === '3') this.rejects.push(m.toString());
    if (m.msgType === 'j') { // refused by order entry (e.g. while its node's NATS connection was down): nothing entered
      const clOrdId = this.bySeq.get(Number(m.get(Tag.RefSeqNum)));
      if (clOrdId !== undefined && !this.acked.has(clOrdId)) this.refused.add(clOrdId);
      this.pump();
      return;
    }
    if (m.msgType !== '8') return;
    this.execIds.add(m.get(Tag.ExecID) ?? '');
    const clOrdId = m.get(Tag.ClOrdID) ?? '';
    if (this.sent.has(clOrdId) && !this.acked.has(clOrdId)) {
      this.acked.add(clOrdId);
      this.pump();
    }
  }
}

/** Waits until every trader has every order answered, the observer has applied the whole stream, and every trader has
 *  every report the observer's engine made for it. */
export async function settle(traders: Trader[], observer: Observer, timeoutMs = 30_000): Promise<void> {
  await waitUntil('every order acknowledged', () => traders.every((t) => t.unacked === 0), timeoutMs);
  const { lastSeq } = await observer.log.bounds();
  await waitUntil(`the observer applied the stream up to ${lastSeq}`, () => observer.sequencer.lastAppliedSeq >= lastSeq, timeoutMs);
  await waitUntil('every report received', () => traders.every((t) => [...observer.execIdsOf(t.key)].every((id) => t.execIds.has(id))), timeoutMs);
}

export interface Outcome {
  /** Orders acknowledged with a report and not in the stream. */
  ackedLost: string[];
  /** Orders entered more than once, and orders refused but entered. */
  duplicated: string[];
  /** Reports the engine made for a trader's session that it never got. */
  reportsMissing: string[];
}

/** Every order each trader sent was entered exactly once (none when refused); every report reached it. */
export function outcomeOf(traders: Trader[], observer: Observer): Outcome {
  const out: Outcome = { ackedLost: [], duplicated: [], reportsMissing: [] };
  for (const t of traders) {
    for (const clOrdId of t.sent) {
      const seqs = observer.newOrders.get(`${t.key} ${clOrdId}`) ?? [];
      if (t.acked.has(clOrdId) && seqs.length === 0) out.ackedLost.push(`${t.sender} ${clOrdId}`);
      if (seqs.length > (t.refused.has(clOrdId) ? 0 : 1)) out.duplicated.push(`${t.sender} ${clOrdId} at seqs ${seqs.join(', ')}`);
    }
    for (const id of observer.execIdsOf(t.key)) if (!t.execIds.has(id)) out.reportsMissing.push(`${t.sender} ExecID ${id}`);
  }
  return out;
}
