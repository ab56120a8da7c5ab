// The cluster topology of deploy/cluster/compose.yaml as local processes on one machine: three nats-server processes
// (LocalNatsCluster) and N gateway nodes (`fixgw serve`, each with its own .cfg, data directory and ports), so a user
// can try failover on a laptop. `fixgw cluster up` and deploy/cluster/local-up.mjs run it.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LocalNatsCluster } from './local-nats.js';

export interface LocalUpOptions {
  /** NATS stores, gateway configs, data and logs go here. */
  dir: string;
  /** Gateway nodes (0 = NATS only). */
  gateways: number;
  replicas: number;
  /** Node i listens for FIX on fixPortBase + i and for HTTP on httpPortBase + i. */
  fixPortBase: number;
  httpPortBase: number;
  /** dist/src/cli/main.js of this fixgw. */
  cli: string;
  /** How long a gateway node may take to serve. Default 60 s. */
  readyTimeoutMs?: number;
}

export interface LocalGateway { nodeId: string; fixPort: number; httpPort: number; dir: string; log: string; proc: ChildProcess }

export interface LocalTopology { nats: LocalNatsCluster; gateways: LocalGateway[]; stop(): Promise<void> }

/** A gateway node's .cfg: config/gateway.cfg's settings plus the Cluster keys for this node. */
export function localGatewayCfg(nodeId: string, natsUrls: readonly string[], replicas: number, fixPort: number, httpPort: number): string {
  return [
    `# Gateway node ${nodeId} of a local fixgw cluster (fixgw cluster up).`,
    '[DEFAULT]', 'ConnectionType=acceptor', 'BeginString=FIX.4.4', 'SenderCompID=FIXGW',
    `SocketAcceptPort=${fixPort}`, 'SocketAcceptHost=127.0.0.1', `HttpPort=${httpPort}`, 'HttpHost=127.0.0.1', 'HeartBtInt=30',
    'FileStoreSync=N', 'UseDataDictionary=Y', 'MaxMessagesPerSecond=200000', 'ThrottleMaxRejectsPerSecond=10000', 'CancelOnDisconnect=N',
    'WarmUpOrders=0',
    `ClusterNatsUrls=${natsUrls.join(',')}`, `ClusterNodeId=${nodeId}`, `ClusterReplicas=${replicas}`,
    '[SESSION]', 'TargetCompID=*', '',
  ].join('\n');
}

/** Starts NATS, then the gateway nodes (named a, b, c, ...), and resolves once every node serves; stop() ends the
 *  gateways (SIGTERM), then NATS. */
export async function localUp(opts: LocalUpOptions): Promise<LocalTopology> {
  const nats = await LocalNatsCluster.start({ dir: path.join(opts.dir, 'nats') });
  const gateways: LocalGateway[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(gateways.map((g) => new Promise<void>((resolve) => {
      if (g.proc.exitCode !== null || g.proc.signalCode !== null) { resolve(); return; }
      g.proc.once('exit', () => resolve());
      g.proc.kill('SIGTERM');
    })));
    await nats.stop();
  };
  try {
    for (let i = 0; i < opts.gateways; i++) gateways.push(startGateway(opts, nats, i));
    for (const g of gateways) await serving(g, opts.readyTimeoutMs ?? 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { nats, gateways, stop };
}

function startGateway(opts: LocalUpOptions, nats: LocalNatsCluster, i: number): LocalGateway {
  const nodeId = String.fromCharCode(0x61 + i);
  const dir = path.join(opts.dir, `gateway-${nodeId}`);
  mkdirSync(dir, { recursive: true });
  const fixPort = opts.fixPortBase + i;
  const httpPort = opts.httpPortBase + i;
  writeFileSync(path.join(dir, 'gateway.cfg'), localGatewayCfg(nodeId, nats.urls, opts.replicas, fixPort, httpPort));
  const log = path.join(dir, 'serve.log');
  const fd = openSync(log, 'a');
  const args = ['--no-maglev', opts.cli, 'serve', '--config', path.join(dir, 'gateway.cfg'), '--data-dir', path.join(dir, 'data')];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  return { nodeId, fixPort, httpPort, dir, log, proc };
}

/** Resolves once the node's log says it serves; throws when it exits first or takes too long. */
async function serving(g: LocalGateway, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (readFileSync(g.log, 'utf8').includes('"fixgw serving"')) return;
    if (g.proc.exitCode !== null || g.proc.signalCode !== null) throw new Error(`gateway ${g.nodeId} exited before serving; see ${g.log}`);
    if (Date.now() > deadline) throw new Error(`gateway ${g.nodeId} does not serve after ${timeoutMs} ms; see ${g.log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
