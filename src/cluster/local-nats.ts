// A NATS cluster of local `nats-server` processes with JetStream, on free loopback ports: what the cluster tests,
// the cluster bench and `deploy/cluster/local-up` run against. Each server gets a config file and a store directory
// under `dir`, so a server killed with SIGKILL restarts with its own JetStream data, as a real node would.
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface LocalNatsOptions {
  /** Configs, stores and logs go here (one subdirectory per server). */
  dir: string;
  /** Servers in the cluster (default 3). */
  servers?: number;
  /** The nats-server binary (default `nats-server` on PATH). */
  serverBin?: string;
  /** How long a start or restart may take before it is an error (default 20 s). */
  readyTimeoutMs?: number;
}

interface ServerSpec { name: string; clientPort: number; clusterPort: number; httpPort: number; dir: string }

/** The nats-server config of one server: JetStream on, routes to every server of the cluster (itself included is fine). */
export function natsServerConfig(spec: ServerSpec, all: readonly ServerSpec[], clusterName: string): string {
  const routes = all.map((s) => `nats-route://127.0.0.1:${s.clusterPort}`).join(', ');
  return [
    `server_name: ${spec.name}`,
    `listen: 127.0.0.1:${spec.clientPort}`,
    `http: 127.0.0.1:${spec.httpPort}`,
    `jetstream { store_dir: "${path.join(spec.dir, 'js')}", max_mem: 64MB, max_file: 2GB }`,
    `cluster { name: ${clusterName}, listen: 127.0.0.1:${spec.clusterPort}, routes: [${routes}] }`,
    '',
  ].join('\n');
}

/** Ports nobody listens on right now: all are held open together, so none is handed out twice. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => new Promise<net.Server>((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

export class LocalNatsCluster {
  private readonly procs: Array<ChildProcess | null>;
  private readonly spawnErrors: Array<Error | null>;

  private constructor(private readonly specs: ServerSpec[], private readonly options: Required<LocalNatsOptions>) {
    this.procs = specs.map(() => null);
    this.spawnErrors = specs.map(() => null);
  }

  /** Starts every server and resolves once JetStream has a meta leader that every server knows. */
  static async start(options: LocalNatsOptions): Promise<LocalNatsCluster> {
    const opts = { servers: 3, serverBin: 'nats-server', readyTimeoutMs: 20_000, ...options };
    const ports = await freePorts(opts.servers * 3);
    const specs = Array.from({ length: opts.servers }, (_, i): ServerSpec => ({
      name: `n${i + 1}`, clientPort: ports[3 * i]!, clusterPort: ports[3 * i + 1]!, httpPort: ports[3 * i + 2]!,
      dir: path.join(opts.dir, `n${i + 1}`),
    }));
    const cluster = new LocalNatsCluster(specs, opts);
    // a name of its own: servers of two local clusters that meet on a reused port refuse each other's routes
    const clusterName = `fixgw-${process.pid}-${randomBytes(4).toString('hex')}`;
    for (const spec of specs) {
      mkdirSync(spec.dir, { recursive: true });
      writeFileSync(path.join(spec.dir, 'nats.conf'), natsServerConfig(spec, specs, clusterName));
    }
    try {
      for (let i = 0; i < specs.length; i++) cluster.spawnServer(i);
      await cluster.waitUntilReady(specs.map((_, i) => i));
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** Client URLs, one per server, in server order. */
  get urls(): string[] { return this.specs.map((s) => `nats://127.0.0.1:${s.clientPort}`); }
  /** Monitoring URLs (/jsz, /healthz), one per server. */
  get httpUrls(): string[] { return this.specs.map((s) => `http://127.0.0.1:${s.httpPort}`); }
  /** Server names (n1, n2, ...), in server order. */
  get names(): string[] { return this.specs.map((s) => s.name); }
  /** Whether server `i` is running. */
  isRunning(i: number): boolean { return this.procs[i] !== null; }
  /** Process ids of the servers running now (benches read their CPU time). */
  get pids(): number[] { return this.procs.flatMap((p) => (p?.pid === undefined ? [] : [p.pid])); }

  /** Kills server `i` (SIGKILL by default: no shutdown of its own) and resolves once it has exited. */
  async kill(i: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const proc = this.procs[i];
    if (proc === null || proc === undefined) return;
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill(signal);
      await exited;
    }
    this.procs[i] = null;
  }

  /** Starts server `i` again on its ports with its store, and resolves once it knows the meta leader. */
  async restart(i: number): Promise<void> {
    if (this.procs[i] !== null) throw new Error(`nats server ${this.specs[i]!.name} is running`);
    this.spawnServer(i);
    await this.waitUntilReady([i]);
  }

  /** Starts every stopped server again, all at once (one alone would wait for a quorum that is not there yet). */
  async restartStopped(): Promise<void> {
    const stopped = this.procs.flatMap((p, i) => (p === null ? [i] : []));
    for (const i of stopped) this.spawnServer(i);
    await this.waitUntilReady(stopped);
  }

  /** Stops every server (SIGTERM, then SIGKILL after 5 s) and resolves once all have exited. */
  async stop(): Promise<void> {
    await Promise.all(this.procs.map(async (proc, i) => {
      if (proc === null) return;
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await this.kill(i, 'SIGTERM');
      clearTimeout(timer);
    }));
  }

  private spawnServer(i: number): void {
    const spec = this.specs[i]!;
    const log = openSync(path.join(spec.dir, 'nats.log'), 'a');
    const proc = spawn(this.options.serverBin, ['-c', path.join(spec.dir, 'nats.conf')], { stdio: ['ignore', log, log] });
    closeSync(log);
    this.spawnErrors[i] = null;
    proc.once('error', (err) => { this.spawnErrors[i] = err; if (this.procs[i] === proc) this.procs[i] = null; });
    proc.once('exit', () => { if (this.procs[i] === proc) this.procs[i] = null; });
    this.procs[i] = proc;
  }

  /** Polls /jsz of the given servers until each names a meta leader (a JetStream cluster that can take requests). */
  private async waitUntilReady(which: number[]): Promise<void> {
    const deadline = Date.now() + this.options.readyTimeoutMs;
    for (const i of which) {
      const spec = this.specs[i]!;
      for (;;) {
        const spawnError = this.spawnErrors[i];
        if (spawnError !== null) throw new Error(`cannot run ${this.options.serverBin} (${spawnError.message}); install it (Debian: apt-get install nats-server)`);
        if (this.procs[i] === null) throw new Error(`nats-server ${spec.name} exited while starting; see ${path.join(spec.dir, 'nats.log')}`);
        if (await metaLeaderOf(`http://127.0.0.1:${spec.httpPort}`) !== null) break;
        if (Date.now() > deadline) throw new Error(`nats-server ${spec.name} has no JetStream meta leader after ${this.options.readyTimeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
}

/** The JetStream meta leader a server's monitoring endpoint names, or null (not up yet, or no leader). */
export async function metaLeaderOf(httpUrl: string): Promise<string | null> {
  try {
    const res = await fetch(`${httpUrl}/jsz`, { signal: AbortSignal.timeout(1000) });
    if (!res.ok) return null;
    const jsz = await res.json() as { meta_cluster?: { leader?: string } };
    const leader = jsz.meta_cluster?.leader;
    return typeof leader === 'string' && leader !== '' ? leader : null;
  } catch {
    return null;
  }
}
