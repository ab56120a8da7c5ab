// What the cluster tests share: a "node" (a NATS connection with this node's settings) closed after the file's
// tests, a replica (the shared Sequencer over the JetStream command log, recording what it applied), orders to
// submit, and waiting for a condition.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { JetStreamCommandLog } from '../../src/cluster/command-log.js';
import { ClusterConnection } from '../../src/cluster/connection.js';
import { startReplica } from '../../src/cluster/replica.js';
import { clusterSettings, type ClusterSettings } from '../../src/cluster/settings.js';
import type { ObjectSnapshotStore } from '../../src/cluster/snapshot-store.js';
import type { EngineConfig, EngineEvent, NewOrderCommand, SequencedCommand, Sequencer } from '../../src/engine/index.js';
import { testConfig } from '../engine/harness.js';

export interface TestNode { settings: ClusterSettings; conn: ClusterConnection }

/** Connects node `nodeId` to `urls`; the connection is closed after the file's tests. */
export async function connectNode(urls: string[], nodeId: string, overrides: Partial<ClusterSettings> = {}): Promise<TestNode> {
  const settings = clusterSettings(urls, nodeId, { connectTimeoutMs: 3000, publishTimeoutMs: 1000, appendRetryMs: 15_000, ...overrides });
  const conn = await ClusterConnection.open({ natsUrls: urls, nodeId, connectTimeoutMs: settings.connectTimeoutMs, pingIntervalMs: 1000 });
  after(() => conn.close());
  return { settings, conn };
}

export interface Applied { sc: SequencedCommand; events: EngineEvent[]; ref: number | undefined }
export interface TestReplica { node: TestNode; log: JetStreamCommandLog; sequencer: Sequencer; seen: Applied[]; duplicates: Array<[number | undefined, number]> }

/** A node with its replica: what it applied (and was told were duplicates) is recorded; a fatal error fails the test. */
export async function replicaNode(urls: string[], nodeId: string, overrides: Partial<ClusterSettings> = {},
  options: { clock?: () => number; config?: EngineConfig; snapshots?: (node: TestNode) => Promise<ObjectSnapshotStore> } = {}): Promise<TestReplica> {
  const node = await connectNode(urls, nodeId, overrides);
  const log = await JetStreamCommandLog.open(node.conn, node.settings);
  const snapshots = options.snapshots === undefined ? null : await options.snapshots(node);
  const { sequencer } = await startReplica(options.config ?? testConfig(), log, snapshots, options.clock === undefined ? {} : { clock: options.clock });
  const seen: Applied[] = [];
  const duplicates: Array<[number | undefined, number]> = [];
  sequencer.onEvents((sc, events, ref) => seen.push({ sc, events, ref }));
  sequencer.onDuplicate((ref, seq) => duplicates.push([ref, seq]));
  sequencer.onFatal((err) => assert.fail(err));
  // bounded: a test that failed with commands outstanding must not hang the file's cleanup
  after(() => Promise.race([sequencer.close().catch(() => undefined), new Promise((r) => setTimeout(r, 5000).unref())]));
  return { node, log, sequencer, seen, duplicates };
}

export function order(session: string, clOrdId: string, price = '100.00', side: 'Buy' | 'Sell' = 'Buy'): NewOrderCommand {
  return { type: 'NewOrder', session, clOrdId, symbol: 'AAPL', side, ordType: 'Limit', price, orderQty: '10' };
}

/** Every record of `log`'s stream after `afterSeq`, up to the stream's last sequence now. */
export async function readAll(log: JetStreamCommandLog, afterSeq = 0): Promise<SequencedCommand[]> {
  const got: SequencedCommand[] = [];
  await log.read(afterSeq, (sc) => got.push(sc));
  return got;
}

/** Resolves once `predicate` holds; throws naming `what` after timeoutMs. */
export async function until(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
