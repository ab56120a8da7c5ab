// `fixgw cluster up`: a cluster on this machine, to try cluster mode and failover (docs/cluster.md): three nats-server
// processes with JetStream on free loopback ports and N gateway nodes (`fixgw serve` in cluster mode) on consecutive
// FIX and HTTP ports, until Ctrl-C. Needs `nats-server` on PATH (Debian: apt-get install nats-server).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { localUp } from '../cluster/local-up.js';

function intIn(lo: number, hi: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < lo || n > hi) throw new InvalidArgumentError(`expected an integer in ${lo}..${hi}`);
    return n;
  };
}

interface UpOptions { gateways: number; replicas: number; fixPort: number; httpPort: number; dir?: string }

export function register(program: Command): void {
  const cluster = program.command('cluster').description('cluster mode on this machine (docs/cluster.md)');
  cluster
    .command('up')
    .description('start 3 NATS servers and N gateway nodes here, until Ctrl-C')
    .option('--gateways <n>', 'gateway nodes (named a, b, c, ...)', intIn(0, 26), 2)
    .option('--replicas <n>', 'JetStream replicas of the command stream and the session state: 1 or 3', intIn(1, 3), 3)
    .option('--fix-port <n>', 'FIX port of node a; node b takes the next one, and so on', intIn(1, 65000), 9876)
    .option('--http-port <n>', 'HTTP port of node a; node b takes the next one, and so on', intIn(1, 65000), 8080)
    .option('--dir <dir>', 'NATS stores, node configs, data and logs (default: a new temp directory, kept)')
    .action(async (o: UpOptions) => {
      const dir = o.dir ?? mkdtempSync(path.join(tmpdir(), 'fixgw-cluster-'));
      const cli = fileURLToPath(new URL('./main.js', import.meta.url));
      let topology;
      try {
        topology = await localUp({ dir, gateways: o.gateways, replicas: o.replicas, fixPortBase: o.fixPort, httpPortBase: o.httpPort, cli });
      } catch (err) {
        process.stderr.write(`fixgw cluster up: ${(err as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`NATS: ${topology.nats.urls.join(',')}  (monitoring ${topology.nats.httpUrls.join(' ')})\n`);
      for (const g of topology.gateways) {
        process.stdout.write(`gateway ${g.nodeId}: FIX 127.0.0.1:${g.fixPort}  HTTP http://127.0.0.1:${g.httpPort}  log ${g.log}\n`);
      }
      process.stdout.write(`state in ${dir}; ready (Ctrl-C stops everything)\n`);
      let stopping = false;
      for (const g of topology.gateways) {
        g.proc.once('exit', (code, signal) => { if (!stopping) process.stdout.write(`gateway ${g.nodeId} exited (${signal ?? code}); see ${g.log}\n`); });
      }
      const stop = async (): Promise<void> => {
        if (stopping) return;
        stopping = true;
        await topology.stop();
        process.stdout.write('stopped\n');
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
}
