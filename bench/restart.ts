// Restart cost with a long journal: a restart (openEngine: latest snapshot + the journal after it) against a full
// replay from seq 1 (replayDataDir without the snapshot), each in a fresh child process so its peak memory (max RSS)
// is its own. The journal holds BENCH_COMMANDS commands (default 1,500,000: BENCH_RESTING resting orders, then
// add+cancel pairs and some trades), with a snapshot BENCH_TAIL commands (default 50,000) before its end.
// snapshot_load_* is the part of a restart that only loads the snapshot (read, check, import): the engine state's
// share, which grows with the done orders it remembers (BENCH_DONE_ORDERS_MAX, default the config's limit).
// Prints one JSON line. Run: npm run build && npm run bench:restart
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import {
  buildEngineConfig, defaultEngineConfigPath, importEngineState, openEngine, readLatestSnapshot, replayDataDir, type Command,
} from '../src/engine/index.js';

const COMMANDS = Number(process.env.BENCH_COMMANDS ?? 1_500_000);
const RESTING = Number(process.env.BENCH_RESTING ?? 50_000);
const TAIL = Number(process.env.BENCH_TAIL ?? 50_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const configFile = JSON.parse(readFileSync(defaultEngineConfigPath(), 'utf8')) as { limits: { doneOrdersMax: number } };
if (process.env.BENCH_DONE_ORDERS_MAX !== undefined) configFile.limits.doneOrdersMax = Number(process.env.BENCH_DONE_ORDERS_MAX);
const config = buildEngineConfig(configFile, defaultEngineConfigPath());

interface ChildResult { ms: number; cpuMs: number; maxRssMiB: number; replayed: number; lastSeq: number }

async function child(dataDir: string, mode: string): Promise<void> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let replayed: number;
  let lastSeq: number;
  if (mode === 'snapshot') {
    const snap = readLatestSnapshot(join(dataDir, 'snapshots'))!;
    const engine = importEngineState(config, snap.state);
    replayed = 0;
    lastSeq = engine.lastSeq;
  } else if (mode === 'restart') {
    const opened = await openEngine({ dataDir, config, fsync: 'none' });
    replayed = opened.recovery.replayedCommands;
    lastSeq = opened.recovery.lastSeq;
    await opened.sequencer.close();
  } else {
    const r = replayDataDir(dataDir, config, { useSnapshot: false });
    replayed = r.replayedCommands;
    lastSeq = r.lastSeq;
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const out: ChildResult = { ms, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMiB: process.resourceUsage().maxRSS / 1024, replayed, lastSeq };
  process.stdout.write(JSON.stringify(out) + '\n');
}

/** The i-th command of the workload: resting orders first, then add/cancel pairs, every 50th pair an order that trades. */
function commandAt(i: number): Command {
  const symbols = ['AAPL', 'MSFT', 'IBM', 'GOOG'];
  const refs: Record<string, number> = { AAPL: 190, MSFT: 420, IBM: 180, GOOG: 170 };
  if (i < RESTING) {
    const symbol = symbols[i % symbols.length]!;
    const buy = (i >> 2) % 2 === 0;
    const offsetCents = 1 + ((i * 7919) % 2000);
    const price = ((refs[symbol]! * 100 + (buy ? -offsetCents : offsetCents)) / 100).toFixed(2);
    return { type: 'NewOrder', session: `FIX.4.4:FIXGW->BENCH${i % 50}`, clOrdId: `O${i}`, symbol, side: buy ? 'Buy' : 'Sell',
      ordType: 'Limit', timeInForce: 'Day', price, orderQty: String(100 + (i % 500)) };
  }
  const k = i - RESTING;
  const pair = k >> 1;
  const session = `FIX.4.4:FIXGW->CHURN${pair % 20}`;
  const symbol = symbols[pair % symbols.length]!;
  if (pair % 50 === 49) {
    // an IOC that takes one lot from the best bid or offer (and its partner slot: a second one on the other side)
    return { type: 'NewOrder', session, clOrdId: `T${k}`, symbol, side: k % 2 === 0 ? 'Buy' : 'Sell', ordType: 'Limit', timeInForce: 'IOC',
      price: k % 2 === 0 ? (refs[symbol]! + 21).toFixed(2) : (refs[symbol]! - 21).toFixed(2), orderQty: '1' };
  }
  if (k % 2 === 0) {
    return { type: 'NewOrder', session, clOrdId: `X${pair}`, symbol, side: 'Buy', ordType: 'Limit', timeInForce: 'Day',
      price: (refs[symbol]! - 25).toFixed(2), orderQty: '1' };
  }
  return { type: 'Cancel', session, origClOrdId: `X${pair}`, clOrdId: `Y${pair}`, symbol };
}

async function build(dataDir: string): Promise<{ snapshotSeq: number }> {
  const opened = await openEngine({ dataDir, config, fsync: 'none' });
  let snapshotSeq = 0;
  for (let i = 0; i < COMMANDS; i++) {
    opened.sequencer.submit(commandAt(i));
    if (i % 5000 === 4999) await opened.sequencer.flush();
    if (i + 1 === COMMANDS - TAIL) {
      await opened.sequencer.flush();
      opened.snapshot();
      snapshotSeq = opened.engine.lastSeq;
    }
  }
  await opened.sequencer.close();
  return { snapshotSeq };
}

function runChild(dataDir: string, mode: string): ChildResult {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', dataDir, mode], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`child ${mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as ChildResult;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
function stats(xs: number[]): { min: number; median: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { min: round1(s[0]!), median: round1(s[Math.floor(s.length / 2)]!), max: round1(s.at(-1)!) };
}

if (process.argv[2] === '--child') {
  await child(process.argv[3]!, process.argv[4]!);
} else {
  const dataDir = mkdtempSync(join(tmpdir(), 'fixgw-bench-restart-'));
  try {
    const t0 = performance.now();
    const { snapshotSeq } = await build(dataDir);
    const buildMs = performance.now() - t0;
    const journalDir = join(dataDir, 'journal');
    const files = readdirSync(journalDir);
    const journalBytes = files.reduce((sum, f) => sum + statSync(join(journalDir, f)).size, 0);
    const snapshotBytes = readdirSync(join(dataDir, 'snapshots')).reduce((sum, f) => sum + statSync(join(dataDir, 'snapshots', f)).size, 0);
    const restart: ChildResult[] = [];
    const full: ChildResult[] = [];
    const snapshot: ChildResult[] = [];
    for (let r = 0; r < RUNS; r++) {
      restart.push(runChild(dataDir, 'restart'));
      full.push(runChild(dataDir, 'full'));
      snapshot.push(runChild(dataDir, 'snapshot'));
    }
    for (const x of [...restart, ...full]) if (x.lastSeq !== COMMANDS) throw new Error(`replay ended at ${x.lastSeq}, not ${COMMANDS}`);
    console.log(JSON.stringify({
      commands: COMMANDS, journal_bytes: journalBytes, journal_files: files.length, snapshot_seq: snapshotSeq, snapshot_bytes: snapshotBytes,
      done_orders_max: configFile.limits.doneOrdersMax, build_s: round1(buildMs / 1000),
      restart_replayed: restart[0]!.replayed,
      restart_ms: stats(restart.map((x) => x.ms)), restart_cpu_ms: stats(restart.map((x) => x.cpuMs)), restart_max_rss_mib: stats(restart.map((x) => x.maxRssMiB)),
      snapshot_load_ms: stats(snapshot.map((x) => x.ms)), snapshot_load_cpu_ms: stats(snapshot.map((x) => x.cpuMs)),
      snapshot_load_max_rss_mib: stats(snapshot.map((x) => x.maxRssMiB)),
      full_replay_ms: stats(full.map((x) => x.ms)), full_replay_cpu_ms: stats(full.map((x) => x.cpuMs)), full_replay_max_rss_mib: stats(full.map((x) => x.maxRssMiB)),
    }));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
