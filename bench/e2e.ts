// End-to-end benchmark: `fixgw serve` as a child process (real journal, session stores and logs in a temp
// data directory, the shipped engine config), driven over loopback by the project's load generator
// (`fixgw sim load`, another process). Closed loop, limit orders around each instrument's price, about half of
// them crossing. Prints ONE JSON line: orders/s and order→first-ExecutionReport latency (µs) for
// 1 session × window 1 and 4 sessions × window 100, with the journal's fsync on and off.
//   npm run bench:e2e [-- --orders-1x1 N --orders-4x100 N]
//   BENCH_CFG_EXTRA='SnapshotWorker=N;Key=V' adds or replaces keys of the gateway's [DEFAULT] (to compare settings);
//   BENCH_FSYNC=off|on runs only one of the two journal modes.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CLI, gatewayCfg, serve } from '../harness/served.js';
import type { LoadReport } from '../simulator/load.js';

const { values } = parseArgs({ options: {
  'orders-1x1': { type: 'string', default: '30000' },
  'orders-4x100': { type: 'string', default: '100000' },
} });
const orders1x1 = Number(values['orders-1x1']);
const orders4x100 = Number(values['orders-4x100']);

/** BENCH_CFG_EXTRA='Key=V;Key2=V' as settings. */
const extraSettings = Object.fromEntries((process.env.BENCH_CFG_EXTRA ?? '').split(';').filter((l) => l.includes('='))
  .map((l) => [l.slice(0, l.indexOf('=')).trim(), l.slice(l.indexOf('=') + 1).trim()]));
// the shipped start-up warm-up (WarmUpOrders left at its default) and engine config, unlike the tests' gateways
const CFG = gatewayCfg({ MaxMessagesPerSecond: 1_000_000, WarmUpOrders: undefined, EngineConfig: undefined, ...extraSettings });

function load(port: number, httpPort: number, sender: string, sessions: number, window: number, orders: number, warmup: number): Promise<LoadReport> {
  const args = [CLI, 'sim', 'load', '--port', String(port), '--http-url', `http://127.0.0.1:${httpPort}`, '--sender', sender,
    '--sessions', String(sessions), '--window', String(window), '--orders', String(orders), '--warmup', String(warmup), '--json', '--quiet'];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try { resolve(JSON.parse(line) as LoadReport); } catch { reject(new Error(`sim load failed: ${err?.message ?? ''} ${stderr}`)); }
    });
  });
}

/** CPU time (user + system) the gateway process has used so far, in µs; undefined where /proc is not there. */
function cpuUsedUs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]!.split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    return (ticks * 1e6) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

/** One load run, with the gateway's CPU per order (a figure that a busy machine disturbs less than orders/s). */
async function measured(pid: number, run: () => Promise<LoadReport>) {
  const before = cpuUsedUs(pid);
  const r = await run();
  const after = cpuUsedUs(pid);
  const warmupAndRun = r.orders + r.warmup;
  return {
    orders: r.orders, rejects: r.rejects, orders_per_s: r.orders_per_s, p50_us: r.ack_p50_us, p99_us: r.ack_p99_us, p999_us: r.ack_p999_us,
    ...(before !== undefined && after !== undefined ? { gateway_cpu_us_per_order: Math.round((after - before) / warmupAndRun) } : {}),
    ...(r.error !== undefined ? { error: r.error } : {}),
  };
}

const results: Record<string, unknown> = {};
const fsyncModes = process.env.BENCH_FSYNC === 'off' ? [false] : process.env.BENCH_FSYNC === 'on' ? [true] : [false, true];
for (const fsync of fsyncModes) {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-bench-'));
  const served = await serve(dir, 0, { cfg: CFG, args: fsync ? [] : ['--no-fsync'], env: { LOG_LEVEL: 'info' } });
  const { proc, fixPort: port, httpPort } = served;
  try {
    const one = await measured(proc.pid!, () => load(port, httpPort, 'BENCH1X1', 1, 1, orders1x1, Math.min(2000, Math.floor(orders1x1 / 10))));
    const four = await measured(proc.pid!, () => load(port, httpPort, 'BENCH{i}', 4, 100, orders4x100, Math.min(5000, Math.floor(orders4x100 / 10))));
    results[fsync ? 'fsync_on' : 'fsync_off'] = { '1x1': one, '4x100': four };
  } finally {
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}
process.stdout.write(JSON.stringify({ bench: 'e2e', node: process.version, cpus: os.cpus().length, loadavg_1m: os.loadavg()[0], cfg_extra: process.env.BENCH_CFG_EXTRA ?? '', ...results }) + '\n');
