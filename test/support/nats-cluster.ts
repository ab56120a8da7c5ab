// A real 3-node NATS JetStream cluster for a test file: started on free loopback ports with its stores in a temp
// directory, stopped (and the directory removed) when the file's tests are done. One cluster per test file: the
// machine is small and a cluster takes a second or more to elect its meta leader.
import { after } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalNatsCluster } from '../../src/cluster/local-nats.js';

export type { LocalNatsCluster } from '../../src/cluster/local-nats.js';

/** Starts a NATS cluster of `servers` (default 3) for this test file; stopped and removed after the file's tests. */
export async function startNatsCluster(servers = 3): Promise<LocalNatsCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fixgw-nats-'));
  const cluster = await LocalNatsCluster.start({ dir, servers });
  after(async () => {
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return cluster;
}
