// What the end-to-end cluster tests share: gateway nodes as `fixgw serve` child processes in cluster mode, FIX
// clients that keep orders in flight and can move to another node, and an observer in the test process (an engine
// replica of its own on the stream, the reports each session should get, and the nodes' digests compared with its own).
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { gatewayCfg, kill, serve, type Served } from '../../harness/served.js';
import { DigestExchange } from '../../src/cluster/digest-exchange.js';
import { Checkpoints } from '../../src/cluster/checkpoints.js';
import type { LocalNatsCluster } from '../../src/cluster/local-nats.js';
import { testEngineConfigPath } from '../../harness/engine-config.js';
import { loadEngineConfig, type ExecReport, type NewOrderCommand, type SequencedCommand } from '../../src/engine/index.js';
import type { FixMessage } from '../../src/fix/message.js';
import { Tag } from '../../src/fix/names.js';
import { formatUtcTimestamp } from '../../src/fix/time.js';
import { SimSession } from '../../simulator/sim-session.js';
import { replicaNode, until, type TestReplica } from './nodes.js';

/** Digests and snapshots often, so that a short test sees several of each. */
export const DIGEST_EVERY = 100;
export const SNAPSHOT_EVERY = 500;

/** A gateway node's .cfg keys for this cluster. */
export function nodeCfg(nats: LocalNatsCluster, nodeId: string, more: Record<string, string | number> = {}): string {
  return gatewayCfg({
    ClusterNatsUrls: nats.urls.join(','), ClusterNodeId: nodeId, ClusterDigestEveryCommands: DIGEST_EVERY,
    ClusterSnapshotEveryCommands: SNAPSHOT_EVERY, ClusterSnapshotsKept: 2, ClusterPublishTimeoutMs: 1000, ClusterAppendRetryMs: 20_000,
    MaxMessagesPerSecond: 100_000, ...more,
  });
}

/** `fixgw serve` as node `nodeId` (killed after the file's tests if still running). */
export async function startNode(nats: LocalNatsCluster, dir: string, nodeId: string, more: Record<string, string | number> = {}): Promise<Served> {
  const nodeDir = path.join(dir, nodeId);
  mkdirSync(nodeDir, { recursive: true });
  const served = await serve(nodeDir, 0, { cfg: nodeCfg(nats, nodeId, more), timeoutMs: 60_000 });
  // a node that stops by itself says why (a kill -9 has no exit code)
  void served.exited.then((code) => { if (code !== null && code !== 0) process.stderr.write(`node ${nodeId} exited ${code}:\n${served.output().split('\n').filter((l) => /"level":(50|60)/.test(l)).join('\n')}\n`); });
  after(async () => { if (served.proc.exitCode === null && served.proc.signalCode === null) await kill(served, 'SIGKILL'); });
  return served;
}

export interface Observer { replica: TestReplica; digests: DigestExchange; execIdsOf(session: string): Set<string>; newOrders: Map<string, number[]> }

/** The test's own replica of the stream (with the nodes' engine config, gatewayCfg's): every session's ExecIDs, every
 *  NewOrder's seqs, digests against the nodes'. */
export async function observe(nats: LocalNatsCluster): Promise<Observer> {
  const replica = await replicaNode(nats.urls, 'observer', {}, { config: loadEngineConfig(testEngineConfigPath()) });
  const execIds = new Map<string, Set<string>>();
  const newOrders = new Map<string, number[]>();
  replica.sequencer.onEvents((sc: SequencedCommand, events) => {
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
  const digests = new DigestExchange(replica.node.conn, replica.log.names, { nodeId: 'observer', onDiverged: (err) => diverged.push(err.message),
    appliedSeq: () => replica.sequencer.lastAppliedSeq });
  const checks = new Checkpoints({ engine: replica.sequencer.engine, log: replica.log, digests, snapshots: null, digestEveryCommands: DIGEST_EVERY,
    snapshotEveryCommands: 0, snapshotsKept: 1, onSaveError: () => undefined });
  replica.sequencer.onEvents(checks.applied);
  after(() => { digests.close(); assert.deepEqual(diverged, [], 'no replica diverged'); });
  return { replica, digests, execIdsOf: (s) => execIds.get(s) ?? new Set(), newOrders };
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
    after(() => this.sim.close().catch(() => undefined));
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

/** Waits until every trader has every order acknowledged, the observer has applied the whole stream, and every
 *  trader has every report the observer's engine made for it. */
export async function settled(traders: Trader[], observer: Observer, timeoutMs = 30_000): Promise<void> {
  await until('every order acknowledged', () => traders.every((t) => t.unacked === 0), timeoutMs);
  const { lastSeq } = await observer.replica.log.bounds();
  await until(`the observer applied the stream up to ${lastSeq}`, () => observer.replica.sequencer.lastAppliedSeq >= lastSeq, timeoutMs);
  await until('every report received', () => traders.every((t) => [...observer.execIdsOf(t.key)].every((id) => t.execIds.has(id))), timeoutMs);
}

/** Every order each trader sent was entered exactly once; every report the engine made for it reached it. */
export function assertExactlyOnce(traders: Trader[], observer: Observer): void {
  for (const t of traders) {
    for (const clOrdId of t.sent) {
      const seqs = observer.newOrders.get(`${t.key} ${clOrdId}`) ?? [];
      const times = t.refused.has(clOrdId) ? 0 : 1;
      assert.equal(seqs.length, times, `${t.sender} ${clOrdId}${times === 0 ? ', refused,' : ''} entered ${seqs.length} times (seqs ${seqs.join(', ')})`);
    }
    const missing = [...observer.execIdsOf(t.key)].filter((id) => !t.execIds.has(id));
    assert.deepEqual(missing, [], `${t.sender} got every ExecutionReport the engine made for it`);
    assert.deepEqual(t.rejects, [], `${t.sender} got no rejects`);
  }
}

/** Resolves once the observer agreed with each of `nodes` at a seq at or after `seq`. */
export async function digestsAgree(observer: Observer, nodes: string[], seq: number, timeoutMs = 20_000): Promise<void> {
  await until(`digests of ${nodes.join(', ')} equal the observer's at seq ${seq} or later`,
    () => nodes.every((n) => (observer.digests.agreedWith.get(n) ?? 0) >= seq), timeoutMs);
}

/** Commands from the observer until the stream's last seq is a multiple of DIGEST_EVERY (nothing else running), so
 *  every node digests the state it ended in. Returns that seq. */
export async function padToDigest(observer: Observer): Promise<number> {
  const { sequencer } = observer.replica;
  await sequencer.flush();
  const { lastSeq } = await observer.replica.log.bounds();
  await until('the observer caught up', () => sequencer.lastAppliedSeq >= lastSeq);
  const pad = (DIGEST_EVERY - (lastSeq % DIGEST_EVERY)) % DIGEST_EVERY;
  for (let i = 0; i < pad; i++) sequencer.submit({ type: 'OrderStatus', session: 'FIX.4.4:FIXGW->PAD', clOrdId: `pad${i}`, symbol: 'AAPL' });
  await sequencer.flush();
  assert.equal(sequencer.lastAppliedSeq % DIGEST_EVERY, 0, 'no other commands came meanwhile');
  return sequencer.lastAppliedSeq;
}
