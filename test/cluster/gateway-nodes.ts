// What the end-to-end cluster tests share: gateway nodes as `fixgw serve` child processes in cluster mode, and the
// traffic and observer of harness/cluster-traffic.ts with this file's cleanups and assertions.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { testEngineConfigPath } from '../../harness/engine-config.js';
import { gatewayCfg, kill, serve, type Served } from '../../harness/served.js';
import { observeStream, outcomeOf, padToDigest as pad, settle, Trader as HarnessTrader, type Observer } from '../../harness/cluster-traffic.js';
import type { LocalNatsCluster } from '../../src/cluster/local-nats.js';
import { loadEngineConfig } from '../../src/engine/index.js';
import { closeBeforeNatsStops } from '../support/nats-cluster.js';
import { until } from './nodes.js';

export type { Observer } from '../../harness/cluster-traffic.js';
export { settle as settled } from '../../harness/cluster-traffic.js';

/** Digests and snapshots often, so that a short test sees several of each. */
export const DIGEST_EVERY = 100;
export const SNAPSHOT_EVERY = 500;

/** A gateway node's .cfg keys for this cluster. */
export function nodeCfg(nats: LocalNatsCluster, nodeId: string, more: Record<string, string | number> = {}): string {
  return gatewayCfg({
    ClusterNatsUrls: nats.urls.join(','), ClusterNodeId: nodeId, ClusterDigestEveryCommands: DIGEST_EVERY,
    ClusterSnapshotEveryCommands: SNAPSHOT_EVERY, ClusterSnapshotsKept: 2, ClusterPublishTimeoutMs: 1000, ClusterAppendRetryMs: 30_000,
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
  closeBeforeNatsStops(async () => { if (served.proc.exitCode === null && served.proc.signalCode === null) await kill(served, 'SIGKILL'); });
  return served;
}

/** The observer (with the nodes' engine config: gatewayCfg's unless given), closed after the file's tests, which fail if it saw
 *  a replica diverge. */
export async function observe(nats: LocalNatsCluster, engineConfigPath = testEngineConfigPath()): Promise<Observer> {
  const observer = await observeStream(nats.urls, loadEngineConfig(engineConfigPath), DIGEST_EVERY);
  observer.sequencer.onFatal((err) => assert.fail(err));
  closeBeforeNatsStops(() => observer.close());
  after(() => assert.deepEqual(observer.diverged, [], 'no replica diverged'));
  return observer;
}

/** A trader whose session is closed after the file's tests. */
export class Trader extends HarnessTrader {
  constructor(sender: string, port: number, side: 'Buy' | 'Sell', window: number) {
    super(sender, port, side, window);
    after(() => this.sim.close().catch(() => undefined));
  }
}

/** Every order each trader sent was entered exactly once (none when refused); every report reached it; no rejects. */
export function assertExactlyOnce(traders: HarnessTrader[], observer: Observer): void {
  const outcome = outcomeOf(traders, observer);
  assert.deepEqual(outcome, { ackedLost: [], duplicated: [], reportsMissing: [] });
  for (const t of traders) assert.deepEqual(t.rejects, [], `${t.sender} got no session rejects`);
  for (const t of traders) for (const id of t.refused) assert.equal(observer.newOrders.get(`${t.key} ${id}`), undefined, `${t.sender} ${id} was refused and not entered`);
}

/** Resolves once the observer agreed with each of `nodes` at a seq at or after `seq`. */
export async function digestsAgree(observer: Observer, nodes: string[], seq: number, timeoutMs = 20_000): Promise<void> {
  await until(`digests of ${nodes.join(', ')} equal the observer's at seq ${seq} or later`,
    () => nodes.every((n) => (observer.digests.agreedWith.get(n) ?? 0) >= seq), timeoutMs);
}

export function padToDigest(observer: Observer): Promise<number> {
  return pad(observer, DIGEST_EVERY);
}
