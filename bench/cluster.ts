// The cluster bench: starts its own topology on this machine (3 nats-server processes, gateway nodes as `fixgw serve`
// children in cluster mode) and drives it with the project's FIX load generator (`fixgw sim load`), beside the
// single-process gateway with fsync measured in the same run. Prints ONE JSON line:
//   single_fsync_4x100_orders_per_s, r1_4x100_orders_per_s, r3_4x100_orders_per_s (4 sessions × window 100)
//   r3_1x1_p50_us, r3_1x1_p99_us (1 session × window 1: order → first ExecutionReport)
//   failover_rto_ms (gateway node killed → its clients logged on to another node and holding every report they missed),
//   acked_lost, duplicated, replica_digest_equal (over the failover run, checked against an observer replica)
//   and the R3 path's parts: publish → ack, submit → applied on the submitting node and on another node (one at a time).
// Everything shares the machine (and other work may run beside it): read the figures as costs on this box.
//   npm run bench:cluster [-- --orders-4x100 N --orders-1x1 N]
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { testEngineConfigPath } from '../harness/engine-config.js';
import { gatewayCfg, kill, serve, type Served, CLI } from '../harness/served.js';
import { observeStream, outcomeOf, padToDigest, settle, Trader, waitUntil } from '../harness/cluster-traffic.js';
import { LocalNatsCluster } from '../src/cluster/local-nats.js';
import { loadEngineConfig } from '../src/engine/index.js';
import { pathCosts } from './cluster-path.js';

const { values } = parseArgs({ options: { 'orders-4x100': { type: 'string', default: '30000' }, 'orders-1x1': { type: 'string', default: '3000' } } });
const orders4x100 = Number(values['orders-4x100']);
const orders1x1 = Number(values['orders-1x1']);
/** The failover run's digest interval, so the observer pads to a digest seq cheaply; the throughput runs keep the
 *  shipped default (ClusterDigestEveryCommands): a digest hashes the whole engine state, which is not free. */
const DIGEST_EVERY = 1000;
/** Both modes run the shipped start-up warm-up, as bench:e2e does. */
const BASE = { MaxMessagesPerSecond: 1_000_000, WarmUpOrders: undefined };

interface LoadResult { orders: number; warmup: number; orders_per_s: number; ack_p50_us: number | null; ack_p99_us: number | null; rejects: number; error?: string }

/** CPU time (user + system) processes have used so far, in µs (Linux /proc; USER_HZ 100). */
function cpuUs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const fields = readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]!.split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1e6) / 100;
}

/** A load run with the CPU each group of processes spent per order (warm-up included), in µs. */
async function measured(groups: Record<string, number[]>, run: () => Promise<LoadResult>): Promise<{ r: LoadResult; cpu: Record<string, number> }> {
  const before = Object.fromEntries(Object.entries(groups).map(([k, pids]) => [k, cpuUs(pids)]));
  const r = await run();
  const cpu = Object.fromEntries(Object.entries(groups).map(([k, pids]) => [k, Math.round((cpuUs(pids) - before[k]!) / (r.orders + r.warmup))]));
  return { r, cpu };
}

/** `fixgw sim load` against `port`; its JSON report. */
function simLoad(port: number, sender: string, sessions: number, window: number, orders: number): Promise<LoadResult> {
  const args = [CLI, 'sim', 'load', '--port', String(port), '--target', 'FIXGW', '--sender', sender, '--sessions', String(sessions),
    '--window', String(window), '--orders', String(orders), '--warmup', String(Math.round(orders / 10)), '--symbols', 'AAPL,MSFT', '--mid', '100',
    '--timeout', '30', '--json', '--quiet'];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      try { resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as LoadResult); } catch { reject(new Error(`sim load failed: ${err?.message ?? ''} ${stderr}`)); }
    });
  });
}

async function node(dir: string, nats: LocalNatsCluster, nodeId: string, stream: string, replicas: number, digestEvery?: number): Promise<Served> {
  const nodeDir = path.join(dir, `${stream}-${nodeId}`);
  mkdirSync(nodeDir, { recursive: true });
  return serve(nodeDir, 0, { timeoutMs: 120_000, cfg: gatewayCfg({ ...BASE, ClusterNatsUrls: nats.urls.join(','), ClusterNodeId: nodeId,
    ClusterStream: stream, ClusterReplicas: replicas, ...(digestEvery !== undefined ? { ClusterDigestEveryCommands: digestEvery } : {}) }) });
}

async function singleProcess(dir: string): Promise<Record<string, number>> {
  mkdirSync(path.join(dir, 'single'));
  const served = await serve(path.join(dir, 'single'), 0, { cfg: gatewayCfg(BASE), timeoutMs: 120_000 });
  try {
    const { r, cpu } = await measured({ gateway: [served.pid] }, () => simLoad(served.fixPort, 'S{i}', 4, 100, orders4x100));
    return { single_fsync_4x100_orders_per_s: r.orders_per_s, single_fsync_4x100_gateway_cpu_us_per_order: cpu['gateway']! };
  } finally {
    await kill(served, 'SIGTERM');
  }
}

/** Node a (and b) on a stream of `replicas`; 4×100 against a, then 1×1 when asked. */
async function clusterLoad(dir: string, nats: LocalNatsCluster, replicas: number, nodes: string[], oneByOne: boolean): Promise<Record<string, number>> {
  const served: Served[] = [];
  for (const id of nodes) served.push(await node(dir, nats, id, `BENCH_R${replicas}`, replicas));
  try {
    const groups = { gateway: [served[0]!.pid], replica: served.slice(1).map((s) => s.pid), nats: nats.pids };
    const { r, cpu } = await measured(groups, () => simLoad(served[0]!.fixPort, `R${replicas}{i}`, 4, 100, orders4x100));
    const out: Record<string, number> = { [`r${replicas}_4x100_orders_per_s`]: r.orders_per_s, [`r${replicas}_4x100_gateway_cpu_us_per_order`]: cpu['gateway']!,
      [`r${replicas}_4x100_nats_cpu_us_per_order`]: cpu['nats']!, ...(served.length > 1 ? { [`r${replicas}_4x100_other_node_cpu_us_per_order`]: cpu['replica']! } : {}) };
    if (oneByOne) {
      const one = await simLoad(served[0]!.fixPort, `R${replicas}ONE`, 1, 1, orders1x1);
      out[`r${replicas}_1x1_p50_us`] = one.ack_p50_us ?? -1;
      out[`r${replicas}_1x1_p99_us`] = one.ack_p99_us ?? -1;
    }
    return out;
  } finally {
    for (const s of served) await kill(s, 'SIGTERM');
  }
}

/** Two nodes under load from clients on both; node a killed; its clients move to b. */
async function failover(dir: string, nats: LocalNatsCluster): Promise<Record<string, number | boolean>> {
  const stream = 'BENCH_FAILOVER';
  const [a, b] = [await node(dir, nats, 'a', stream, 3, DIGEST_EVERY), await node(dir, nats, 'b', stream, 3, DIGEST_EVERY)];
  const observer = await observeStream(nats.urls, loadEngineConfig(testEngineConfigPath()), DIGEST_EVERY, stream);
  const traders = [new Trader('FA1', a.fixPort, 'Buy', 50), new Trader('FA2', a.fixPort, 'Sell', 50), new Trader('FB1', b.fixPort, 'Buy', 50),
    new Trader('FB2', b.fixPort, 'Sell', 50)];
  try {
    for (const t of traders) await t.start();
    await new Promise((r) => setTimeout(r, 3000));
    const killedAt = Date.now();
    await kill(a, 'SIGKILL');
    const moved = traders.slice(0, 2);
    const rto = await Promise.all(moved.map(async (t) => {
      await t.moveTo(b.fixPort);
      const due = [...observer.execIdsOf(t.key)]; // every report the engine had made for it when it logged on again
      await waitUntil(`${t.sender} has every report it missed`, () => due.every((id) => t.execIds.has(id)), 30_000);
      return Date.now() - killedAt;
    }));
    await new Promise((r) => setTimeout(r, 2000));
    for (const t of traders) t.stop();
    await settle(traders, observer, 60_000);
    const outcome = outcomeOf(traders, observer);
    const seq = await padToDigest(observer, DIGEST_EVERY);
    const equal = await waitUntil('digests compared', () => (observer.digests.agreedWith.get('b') ?? 0) >= seq, 30_000).then(() => true, () => false);
    return {
      failover_rto_ms: Math.max(...rto), acked_lost: outcome.ackedLost.length, duplicated: outcome.duplicated.length,
      reports_missing: outcome.reportsMissing.length, replica_digest_equal: equal && observer.diverged.length === 0,
      failover_orders_acked: traders.reduce((n, t) => n + t.acked.size, 0),
    };
  } finally {
    for (const t of traders) await t.sim.close().catch(() => undefined);
    await observer.close();
    await kill(b, 'SIGTERM');
  }
}

/** CPU load of the machine while the bench ran (1-minute load average at the end; 2 = both cores busy). */
function loadNote(): string {
  return `loadavg ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores; NATS servers, gateway nodes, load generator and observer on one box`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-bench-cluster-'));
  const out: Record<string, unknown> = { bench: 'cluster', node: process.version };
  let nats: LocalNatsCluster | undefined;
  try {
    Object.assign(out, await singleProcess(dir));
    nats = await LocalNatsCluster.start({ dir: path.join(dir, 'nats') });
    Object.assign(out, await clusterLoad(dir, nats, 1, ['a'], false));
    Object.assign(out, await clusterLoad(dir, nats, 3, ['a', 'b'], true));
    Object.assign(out, await failover(dir, nats));
    Object.assign(out, await pathCosts(nats));
    out['machine'] = loadNote();
  } finally {
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

await main();
