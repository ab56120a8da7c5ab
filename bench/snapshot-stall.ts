// How much a periodic engine snapshot stalls the gateway's event loop, in-process (inline) vs by the snapshot worker
// thread, at ~100,000 resting orders. For each mode a child process starts a real gateway (real data directory,
// JournalFsync=N), loads BENCH_RESTING resting orders (+10% canceled), then feeds a steady flow of add+cancel pairs
// (BENCH_RATE commands/s in 1 ms ticks, BENCH_COMMANDS in all) with SnapshotEveryCommands=BENCH_EVERY, and measures:
// event-loop delay (perf_hooks monitorEventLoopDelay) max/p99/p99.9, per-tick submit→applied latency, process CPU per
// command (all threads), the worker thread's CPU per command, snapshots written, and RSS. Modes alternate, BENCH_PAIRS
// runs each (default 3); prints one JSON line with [min, max] per figure.
// Run: npm run build && npm run bench:snapshot-stall
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { pino } from 'pino';
import { parseGatewaySettings, startGateway } from '../src/gateway/index.js';
import { buildRestingBook } from './resting-book.js';
import { gatewayCfg } from '../harness/served.js';

const RESTING = Number(process.env.BENCH_RESTING ?? 100_000);
const EVERY = Number(process.env.BENCH_EVERY ?? 50_000);
const COMMANDS = Number(process.env.BENCH_COMMANDS ?? 200_000);
const RATE = Number(process.env.BENCH_RATE ?? 20_000);
/** Runs per mode (alternating); figures are reported as [min, max]. */
const PAIRS = Number(process.env.BENCH_PAIRS ?? 3);
/** BENCH_TRACE=1: also print (stderr) each event-loop gap over 15 ms and each snapshot's encode/write window, in ms from the start. */
const TRACE = process.env.BENCH_TRACE === '1';

const CFG = gatewayCfg({ JournalFsync: 'N' });

function pct(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}
const r1 = (x: number): number => Math.round(x * 10) / 10;
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

async function measure(mode: 'inline' | 'worker'): Promise<Record<string, number | string>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fixgw-bench-stall-'));
  const written: Array<{ seq: number; encodeMs: number; writeMs: number; time: number; workerCpuMs?: number; by: string }> = [];
  const log = pino({ level: 'info' }, { write: (s: string) => {
    const l = JSON.parse(s) as { msg: string; seq: number; encodeMs: number; writeMs: number; time: number; workerCpuMs?: number; by: string };
    if (l.msg === 'snapshot written') written.push(l);
  } });
  try {
    const gw = await startGateway({ settings: parseGatewaySettings(CFG), fixPort: 0, host: '127.0.0.1', dataDir, fsync: false,
      snapshotEveryCommands: EVERY, snapshotWorker: mode === 'worker', snapshotOnShutdown: false, logger: log, pendingCommandsMax: 1_000_000 });
    const { sequencer, engine } = gw;
    await buildRestingBook(sequencer, RESTING, Math.floor(RESTING / 10));
    await gw.snapshot(); // a snapshot at the start: the worker has caught up, nothing is being written
    const startWritten = written.length;
    const startWorkerCpuMs = written.at(-1)?.workerCpuMs ?? 0;
    const resting = Object.values(engine.restingCounts()).reduce((a, b) => a + b, 0);
    const rssStartBytes = process.memoryUsage().rss;
    let rssMaxBytes = rssStartBytes;
    const rssTimer = setInterval(() => { rssMaxBytes = Math.max(rssMaxBytes, process.memoryUsage().rss); }, 50);

    const eld = monitorEventLoopDelay({ resolution: 1 });
    const latenciesUs: number[] = [];
    const cpuStart = process.cpuUsage();
    const wallStartNs = process.hrtime.bigint();
    const startEpochMs = Date.now();
    eld.enable();
    const gaps: Array<[number, number]> = [];
    let probeLastMs = performance.now();
    const probe = TRACE ? setInterval(() => {
      const now = performance.now();
      if (now - probeLastMs > 15) gaps.push([Math.round(performance.timeOrigin + probeLastMs - startEpochMs), Math.round(now - probeLastMs)]);
      probeLastMs = now;
    }, 1) : undefined;
    const gcPauses: Array<[number, number, number]> = [];
    const gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (e.duration > 10) gcPauses.push([Math.round(performance.timeOrigin + e.startTime - startEpochMs), Math.round(e.duration), ((e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0)]);
    });
    if (TRACE) gcObserver.observe({ entryTypes: ['gc'] });
    let sent = 0;
    let pair = 0;
    await new Promise<void>((resolve) => {
      const tickStartNs = process.hrtime.bigint();
      const tick = (): void => {
        // submit what is due by the wall clock (a stalled loop catches up in one go, as a gateway would)
        const due = Math.min(COMMANDS, Math.floor(Number(process.hrtime.bigint() - tickStartNs) / 1e9 * RATE / 2) * 2);
        if (sent < due) {
          const t0 = process.hrtime.bigint();
          for (; sent < due; sent += 2, pair++) {
            const session = `FIX.4.4:FIXGW->FLOW${pair % 20}`;
            sequencer.submit({ type: 'NewOrder', session, clOrdId: `X${pair}`, symbol: 'AAPL', side: 'Buy', ordType: 'Limit', timeInForce: 'Day',
              price: '150.00', orderQty: '1' });
            sequencer.submit({ type: 'Cancel', session, origClOrdId: `X${pair}`, clOrdId: `Y${pair}`, symbol: 'AAPL' });
          }
          void sequencer.flush().then(() => latenciesUs.push(Number(process.hrtime.bigint() - t0) / 1e3));
        }
        if (sent >= COMMANDS) { void sequencer.flush().then(() => resolve()); return; }
        setTimeout(tick, 1);
      };
      tick();
    });
    eld.disable();
    if (probe !== undefined) clearInterval(probe);
    gcObserver.disconnect();
    const wallMs = Number(process.hrtime.bigint() - wallStartNs) / 1e6;
    const cpu = process.cpuUsage(cpuStart);
    // the worker's CPU up to the end: one more snapshot makes it catch up and report
    const endWritten = written.length;
    await gw.snapshot();
    clearInterval(rssTimer);
    const periodic = written.slice(startWritten, endWritten);
    const endWorkerCpuMs = written.at(-1)?.workerCpuMs ?? 0;
    await gw.close();
    if (TRACE) {
      const windows = written.slice(startWritten).map((w) => ({ seq: w.seq,
        encode: [Math.round(w.time - w.writeMs - w.encodeMs - startEpochMs), Math.round(w.time - w.writeMs - startEpochMs)], writeEnd: Math.round(w.time - startEpochMs) }));
      process.stderr.write(`${mode} snapshots ${JSON.stringify(windows)}\n${mode} gaps>15ms [at, ms] ${JSON.stringify(gaps)}\n${mode} main-thread GC>10ms [at, ms, kind] ${JSON.stringify(gcPauses)}\n`);
    }
    latenciesUs.sort((a, b) => a - b);
    return {
      mode, resting_orders: resting, commands: COMMANDS, rate_per_s: RATE, wall_ms: Math.round(wallMs),
      snapshots_written: periodic.length, snapshot_encode_ms_max: r1(Math.max(0, ...periodic.map((w) => w.encodeMs))),
      eld_max_ms: r1(eld.max / 1e6), eld_p99_ms: r1(eld.percentile(99) / 1e6), eld_p999_ms: r1(eld.percentile(99.9) / 1e6),
      tick_latency_us_p50: Math.round(pct(latenciesUs, 0.5)), tick_latency_us_p99: Math.round(pct(latenciesUs, 0.99)),
      tick_latency_us_p999: Math.round(pct(latenciesUs, 0.999)), tick_latency_us_max: Math.round(latenciesUs.at(-1) ?? 0),
      process_cpu_us_per_command: r3((cpu.user + cpu.system) / COMMANDS),
      worker_cpu_us_per_command: mode === 'worker' ? r3((endWorkerCpuMs - startWorkerCpuMs) * 1000 / COMMANDS) : 0,
      rss_start_mb: Math.round(rssStartBytes / 2 ** 20), rss_max_mb: Math.round(rssMaxBytes / 2 ** 20),
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const child = process.argv[2];
if (child === 'inline' || child === 'worker') {
  process.stdout.write(JSON.stringify(await measure(child)) + '\n');
} else {
  const self = fileURLToPath(import.meta.url);
  const run = (mode: string): Promise<Record<string, unknown>> => new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== ''), self, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>) : reject(new Error(`${mode}: exit ${code}`))));
  });
  // Modes alternate (inline, worker, inline, ...) so that load from elsewhere on the machine falls on both alike.
  const runs: Record<string, Array<Record<string, unknown>>> = { inline: [], worker: [] };
  for (let i = 0; i < PAIRS; i++) for (const mode of ['inline', 'worker']) runs[mode]!.push(await run(mode));
  /** Each figure as [min, max] over the runs (a single number when there was one run). */
  const ranges = (rs: Array<Record<string, unknown>>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(rs[0]!)) {
      if (['mode', 'resting_orders', 'commands', 'rate_per_s'].includes(k)) continue;
      const xs = rs.map((r) => r[k] as number);
      out[k] = rs.length === 1 ? xs[0] : [Math.min(...xs), Math.max(...xs)];
    }
    return out;
  };
  console.log(JSON.stringify({ resting_orders: runs.inline![0]!.resting_orders, snapshot_every_commands: EVERY, commands: COMMANDS, rate_per_s: RATE,
    runs_per_mode: PAIRS, inline: ranges(runs.inline!), worker: ranges(runs.worker!) }));
}
