// A real 3-node NATS JetStream cluster for a test file: started on free loopback ports with its stores in a temp
// directory, stopped (and the directory removed) when the file's tests are done. One cluster per test file: the
// machine is small and a cluster takes a second or more to elect its meta leader.
import { after } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalNatsCluster } from '../../src/cluster/local-nats.js';

export type { LocalNatsCluster } from '../../src/cluster/local-nats.js';

const beforeStop: Array<() => Promise<void> | void> = [];

/** Runs `close` after the file's tests but before its NATS cluster stops, newest first: `after` hooks run in the order
 *  they were registered, and the cluster's comes first, so a client closed in its own hook would see its servers go
 *  away under it first (the NATS client then writes to an ended socket). */
export function closeBeforeNatsStops(close: () => Promise<void> | void): void {
  beforeStop.push(close);
}

/** Starts a NATS cluster of `servers` (default 3) for this test file; stopped and removed after the file's tests. */
export async function startNatsCluster(servers = 3): Promise<LocalNatsCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fixgw-nats-'));
  const cluster = await LocalNatsCluster.start({ dir, servers });
  after(async () => {
    for (const close of beforeStop.splice(0).reverse()) await close();
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return cluster;
}
