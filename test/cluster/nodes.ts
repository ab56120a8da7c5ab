// What the cluster tests share: a "node" (a NATS connection with this node's settings) closed after the file's
// tests, orders to append, and waiting for a condition.
import { after } from 'node:test';
import { ClusterConnection } from '../../src/cluster/connection.js';
import { clusterSettings, type ClusterSettings } from '../../src/cluster/settings.js';
import type { NewOrderCommand } from '../../src/engine/types.js';

export interface TestNode { settings: ClusterSettings; conn: ClusterConnection }

/** Connects node `nodeId` to `urls`; the connection is closed after the file's tests. */
export async function connectNode(urls: string[], nodeId: string, overrides: Partial<ClusterSettings> = {}): Promise<TestNode> {
  const settings = clusterSettings(urls, nodeId, { connectTimeoutMs: 3000, publishTimeoutMs: 1000, appendRetryMs: 15_000, ...overrides });
  const conn = await ClusterConnection.open({ natsUrls: urls, nodeId, connectTimeoutMs: settings.connectTimeoutMs, pingIntervalMs: 1000 });
  after(() => conn.close());
  return { settings, conn };
}

export function order(session: string, clOrdId: string, price = '100.00', side: 'Buy' | 'Sell' = 'Buy'): NewOrderCommand {
  return { type: 'NewOrder', session, clOrdId, symbol: 'AAPL', side, ordType: 'Limit', price, orderQty: '10' };
}

/** Resolves once `predicate` holds; throws naming `what` after timeoutMs. */
export async function until(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
