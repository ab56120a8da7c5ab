// Engine throughput and latency for a realistic command mix, with the journal off, with fsync 'none' and with
// fsync 'always' (journal in a temp dir). Prints one JSON line. Run: npm run build && npm run bench:engine
//
// Mix (per command): ~40% passive limit adds, ~22% cancels, ~20% replaces (half keep priority, half reprice),
// ~18% aggressive limit/IOC orders that trade through 1-3 resting orders. About 1,000 orders rest over a few
// hundred price levels on AAPL, from 8 sessions. The command list is generated once against a scratch engine so
// every cancel/replace names a live order; each measured run applies the same list to a fresh engine.
// journalOffSteady is the engine alone in the state a running gateway is in: the engine first takes
// BENCH_STEADY_PRIME commands of the same mix untimed, so it already remembers doneOrdersMax done orders and forgets
// the oldest as it goes, then the next BENCH_COMMANDS are timed. The other runs start from an empty engine.
// The saturated journal runs are best of 3, like the engine-alone runs, and wait for room in their in-flight window
// without turning the event loop (a spin on setImmediate would be charged to the journal as CPU time).
// Knobs: BENCH_COMMANDS (400000), BENCH_MODES (off,none,always), BENCH_IN_FLIGHT (1024), BENCH_BURST (256),
// BENCH_PACED_RATE (20000 commands/s for the paced latency runs, 0 = skip), BENCH_STEADY_PRIME (400000, 0 = skip),
// BENCH_DUMP.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as hdr from 'hdr-histogram-js';
import {
  Engine, openEngine, loadEngineConfig, defaultEngineConfigPath,
  type Command, type EngineConfig, type EngineEvent, type FsyncPolicy, type NewOrderCommand, type SequencedCommand,
} from '../src/engine/index.js';
import { mulberry32 } from '../test/engine/random-commands.js';

const COMMANDS = Number(process.env.BENCH_COMMANDS ?? 400_000);
const WARMUP_COMMANDS = 100_000;
const RESTING_TARGET = 1_000;
const SESSIONS = Array.from({ length: 8 }, (_, i) => `FIX.4.4:FIXGW->BENCH${i + 1}`);
/** Most commands submitted but not yet applied in the journal runs (a gateway's natural backpressure window). */
const IN_FLIGHT_MAX = Number(process.env.BENCH_IN_FLIGHT ?? 1_024);
/** In the journal runs at saturation, one command in this many (a power of two) is timed for latency. */
const SATURATION_SAMPLE = 8;
/** Commands submitted per event-loop turn in the journal runs (inbound messages decoded from one read). */
const BURST_COMMANDS = Number(process.env.BENCH_BURST ?? 256);

/** Builds `count` commands that keep ~RESTING_TARGET orders resting; `tag` keeps ClOrdIDs unique per list. */
function buildMix(config: EngineConfig, count: number, seed: number, tag: string): { commands: Command[]; trades: number } {
  const engine = new Engine(config);
  const rnd = mulberry32(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const mid = 19_000; // ticks of 0.01
  const px = (ticks: number): string => (ticks / 100).toFixed(2);
  /** Live orders we may cancel or replace: [session, current clOrdId]. */
  const live: Array<[string, string]> = [];
  const liveIndex = new Map<string, number>();
  const key = (s: string, c: string): string => `${s}\u0000${c}`;
  const addLive = (s: string, c: string): void => { liveIndex.set(key(s, c), live.length); live.push([s, c]); };
  const dropLive = (s: string, c: string): void => {
    const i = liveIndex.get(key(s, c));
    if (i === undefined) return;
    liveIndex.delete(key(s, c));
    const last = live.pop()!;
    if (i < live.length) { live[i] = last; liveIndex.set(key(last[0], last[1]), i); }
  };
  const commands: Command[] = [];
  let n = 0;
  let trades = 0;
  let timeMs = 1_700_000_000_000;
  for (let i = 0; i < count; i++) {
    const session = SESSIONS[int(0, SESSIONS.length - 1)]!;
    const r = rnd();
    const resting = live.length;
    let cmd: Command;
    const addBias = resting < RESTING_TARGET * 0.9 ? 0.2 : resting > RESTING_TARGET * 1.1 ? -0.2 : 0;
    if (r < 0.40 + addBias || resting < 10) {
      const side = rnd() < 0.5 ? 'Buy' : 'Sell';
      const ticks = side === 'Buy' ? mid - int(1, 150) : mid + int(1, 150);
      cmd = { type: 'NewOrder', session, clOrdId: `${tag}${++n}`, symbol: 'AAPL', side, ordType: 'Limit', timeInForce: 'Day',
        price: px(ticks), orderQty: String(int(1, 20) * 10) } satisfies NewOrderCommand;
    } else if (r < 0.62 + addBias / 2) {
      const [s, c] = live[int(0, resting - 1)]!;
      cmd = { type: 'Cancel', session: s, clOrdId: `${tag}${++n}`, origClOrdId: c };
    } else if (r < 0.82) {
      const [s, c] = live[int(0, resting - 1)]!;
      const view = engine.orderByClOrdId(s, c)!;
      const qtyLots = Number(view.orderQty);
      if (rnd() < 0.5 && Number(view.leavesQty) > 10) {
        cmd = { type: 'Replace', session: s, clOrdId: `${tag}${++n}`, origClOrdId: c, orderQty: String(qtyLots - 10) };
      } else {
        const ticks = view.side === 'Buy' ? mid - int(1, 150) : mid + int(1, 150);
        cmd = { type: 'Replace', session: s, clOrdId: `${tag}${++n}`, origClOrdId: c, orderQty: String(qtyLots), price: px(ticks) };
      }
    } else {
      const side = rnd() < 0.5 ? 'Buy' : 'Sell';
      const book = engine.bookSnapshot('AAPL', 3)!;
      const levels = side === 'Buy' ? book.asks : book.bids;
      if (levels.length === 0) { i--; continue; }
      const through = levels[Math.min(levels.length - 1, int(0, 2))]!;
      cmd = { type: 'NewOrder', session, clOrdId: `${tag}${++n}`, symbol: 'AAPL', side, ordType: 'Limit',
        timeInForce: rnd() < 0.5 ? 'IOC' : 'Day', price: through[0], orderQty: String(int(1, 30) * 10) } satisfies NewOrderCommand;
    }
    timeMs += int(0, 2);
    const events = engine.apply({ seq: i + 1, timeMs, cmd });
    for (const ev of events) {
      if (ev.kind === 'trade') trades++;
      if (ev.kind !== 'exec') continue;
      if (ev.execType === 'New' || ev.execType === 'Replaced') {
        if (ev.origClOrdId !== null) dropLive(ev.session, ev.origClOrdId);
        if (ev.ordStatus === 'New' || ev.ordStatus === 'PartiallyFilled') addLive(ev.session, ev.clOrdId);
      } else if (ev.ordStatus !== 'New' && ev.ordStatus !== 'PartiallyFilled' && ev.ordStatus !== 'Rejected') {
        dropLive(ev.session, ev.clOrdId);
        if (ev.origClOrdId !== null) dropLive(ev.session, ev.origClOrdId);
      }
    }
    if (events.some((e) => e.kind === 'exec' && e.execType === 'Rejected') || events.some((e) => e.kind === 'cancelReject')) {
      throw new Error(`bench mix produced a reject at command ${i + 1}: ${JSON.stringify(events[0])}`);
    }
    commands.push(cmd);
  }
  return { commands, trades };
}

interface RunFigures {
  commandsPerSec: number;
  /** Commands per second of process CPU time (user + system, all threads): the rate on an otherwise idle machine. */
  commandsPerCpuSec: number;
  latencyUsP50: number;
  latencyUsP99: number;
  latencyUsP999: number;
  latencyUsMax: number;
}

const histogram = (): hdr.Histogram => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: 3 });
const us = (ns: number): number => Math.round(ns / 10) / 100;
const cpuMs = (since: NodeJS.CpuUsage): number => { const u = process.cpuUsage(since); return (u.user + u.system) / 1000; };
const figures = (commands: number, elapsedMs: number, cpuUsedMs: number, h: hdr.Histogram): RunFigures => ({
  commandsPerSec: Math.round(commands / (elapsedMs / 1000)),
  commandsPerCpuSec: Math.round(commands / (cpuUsedMs / 1000)),
  latencyUsP50: us(h.getValueAtPercentile(50)),
  latencyUsP99: us(h.getValueAtPercentile(99)),
  latencyUsP999: us(h.getValueAtPercentile(99.9)),
  latencyUsMax: us(h.maxValue),
});

/**
 * Reads every decimal text field of an event, as a consumer that prints them (the FIX gateway, the market-data tap)
 * does: events carry integers and format their decimal text when a field is read. Returns the characters read.
 */
function readDecimalFields(ev: EngineEvent): number {
  switch (ev.kind) {
    case 'exec':
      return ev.execId.length + ev.orderId.length + (ev.price?.length ?? 0) + ev.orderQty.length + ev.cumQty.length
        + ev.leavesQty.length + ev.avgPx.length + (ev.lastQty?.length ?? 0) + (ev.lastPx?.length ?? 0) + (ev.tradeId?.length ?? 0);
    case 'trade':
      return ev.tradeId.length + ev.price.length + ev.qty.length + ev.buyOrderId.length + ev.sellOrderId.length;
    case 'md': {
      let n = 0;
      for (const l of ev.levels) n += l.price.length + l.qty.length;
      for (const t of ev.trades) n += t.tradeId.length + t.price.length + t.qty.length;
      return n;
    }
    default: return 0;
  }
}

/** The commands as the sequencer would stamp them: seq from 1, one millisecond apart. */
const stampAll = (commands: Command[]): SequencedCommand[] => commands.map((cmd, i) => ({ seq: i + 1, timeMs: 1_700_000_000_000 + i, cmd }));

/**
 * Engine alone: throughput from an untimed loop, latency per apply() from a second, timed loop. With `formatted`,
 * every event's decimal fields are also read (formatted) in the loop, as the gateway does when it encodes reports.
 */
function runEngineAlone(config: EngineConfig, commands: Command[], formatted = false): RunFigures & { events: number } {
  const stamped = stampAll(commands);
  let best = Infinity;
  let bestCpu = Infinity;
  let events = 0;
  for (let round = 0; round < 3; round++) {
    const engine = new Engine(config);
    events = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let chars = 0;
    if (formatted) {
      for (const sc of stamped) {
        const evs = engine.apply(sc);
        events += evs.length;
        for (const ev of evs) chars += readDecimalFields(ev);
      }
    } else {
      for (const sc of stamped) events += engine.apply(sc).length;
    }
    if (formatted && chars === 0) throw new Error('no decimal fields read');
    best = Math.min(best, performance.now() - t0);
    bestCpu = Math.min(bestCpu, cpuMs(c0));
  }
  const engine = new Engine(config);
  const h = histogram();
  for (const sc of stamped) {
    const t0 = process.hrtime.bigint();
    const evs = engine.apply(sc);
    if (formatted) for (const ev of evs) readDecimalFields(ev);
    h.recordValue(Number(process.hrtime.bigint() - t0));
  }
  return { ...figures(commands.length, best, bestCpu, h), events };
}

/**
 * Engine alone in steady state: each round applies `prime` commands untimed, then times the rest (best of 3).
 * Reports how many done orders the engine remembered when the timed part began.
 */
function runEngineSteady(config: EngineConfig, commands: Command[], prime: number):
  { commandsPerSec: number; commandsPerCpuSec: number; primedCommands: number; doneOrdersKept: number } {
  const stamped = stampAll(commands);
  let best = Infinity;
  let bestCpu = Infinity;
  let doneOrdersKept = 0;
  for (let round = 0; round < 3; round++) {
    const engine = new Engine(config);
    for (let i = 0; i < prime; i++) engine.apply(stamped[i]!);
    doneOrdersKept = engine.doneOrdersKept();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = prime; i < stamped.length; i++) engine.apply(stamped[i]!);
    best = Math.min(best, performance.now() - t0);
    bestCpu = Math.min(bestCpu, cpuMs(c0));
  }
  const timed = stamped.length - prime;
  return { commandsPerSec: Math.round(timed / (best / 1000)), commandsPerCpuSec: Math.round(timed / (bestCpu / 1000)),
    primedCommands: prime, doneOrdersKept };
}

/**
 * Through the sequencer with a real journal: latency = submit → events delivered to the listener.
 * offeredPerSec 0 = saturation (as fast as the in-flight window allows); otherwise commands are submitted at that
 * steady rate (what a gateway under moderate load sees: latency is then mostly the write and the fdatasync).
 */
async function runJournal(config: EngineConfig, commands: Command[], fsync: FsyncPolicy, offeredPerSec = 0):
  Promise<RunFigures & { batches: number; journalBytes: number; offeredPerSec?: number }> {
  const dir = mkdtempSync(join(tmpdir(), `fixgw-bench-${fsync}-`));
  try {
    const { sequencer, journal } = await openEngine({ dataDir: dir, config, fsync, clock: () => 1_700_000_000_000 });
    const submittedAtMs = new Float64Array(commands.length + 1);
    const h = histogram();
    let applied = 0;
    // At saturation one command in SATURATION_SAMPLE is timed, so that the clock reads and the histogram cost the
    // throughput little (the engine-alone throughput loop times nothing); paced runs time every command.
    const sampleMask = offeredPerSec > 0 ? 0 : SATURATION_SAMPLE - 1;
    /** Resolves the wait for room in the in-flight window (saturation runs). */
    let wake: (() => void) | null = null;
    sequencer.onEvents((sc) => {
      if ((sc.seq & sampleMask) === 0) h.recordValue(Math.max(1, Math.round((performance.now() - submittedAtMs[sc.seq]!) * 1e6)));
      applied = sc.seq;
      if (wake !== null) { const w = wake; wake = null; w(); }
    });
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let next = 0;
    while (next < commands.length) {
      const due = offeredPerSec > 0 ? Math.floor((performance.now() - t0) * offeredPerSec / 1000) : Number.MAX_SAFE_INTEGER;
      const limit = Math.min(commands.length, next + BURST_COMMANDS, applied + IN_FLIGHT_MAX, due);
      for (; next < limit; next++) {
        const seq = sequencer.submit(commands[next]!);
        if ((seq & sampleMask) === 0) submittedAtMs[seq] = performance.now();
      }
      if (offeredPerSec === 0 && next < commands.length && next >= applied + IN_FLIGHT_MAX) {
        // the window is full: wait for the next batch to be applied. Turning the event loop meanwhile (setImmediate)
        // would spin on the CPU while the journal waits for the disk, and charge that spin to the journal.
        await new Promise<void>((resolve) => { wake = resolve; });
      } else {
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    await sequencer.flush();
    const elapsed = performance.now() - t0;
    const cpu = cpuMs(c0);
    const out = { ...figures(commands.length, elapsed, cpu, h), batches: journal.batches, journalBytes: journal.bytesWritten,
      ...(offeredPerSec > 0 ? { offeredPerSec } : {}) };
    await sequencer.close();
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const config = loadEngineConfig(defaultEngineConfigPath());
const warm = buildMix(config, WARMUP_COMMANDS, 7, 'W');
const mix = buildMix(config, COMMANDS, 42, 'M');
{
  const engine = new Engine(config); // JIT warm-up
  warm.commands.forEach((cmd, i) => engine.apply({ seq: i + 1, timeMs: 1_700_000_000_000, cmd }));
}
/** BENCH_DUMP=FILE writes the measured command list as JSON (to profile the engine on exactly this mix). */
if (process.env.BENCH_DUMP !== undefined) writeFileSync(process.env.BENCH_DUMP, JSON.stringify(mix.commands));
const counts = { NewOrder: 0, Cancel: 0, Replace: 0 } as Record<string, number>;
for (const c of mix.commands) counts[c.type] = (counts[c.type] ?? 0) + 1;
// the book the mix leaves, taken before the measured runs so that engine is garbage by then, not live heap they carry
const { restingAtEnd, levelsAtEnd } = (() => {
  const probe = new Engine(config);
  mix.commands.forEach((cmd, i) => probe.apply({ seq: i + 1, timeMs: 1_700_000_000_000 + i, cmd }));
  const book = probe.bookSnapshot('AAPL', 100_000)!;
  return { restingAtEnd: probe.restingCounts().AAPL, levelsAtEnd: book.bids.length + book.asks.length };
})();

/** BENCH_MODES=off,none,always (default all three), e.g. to profile one mode with node --cpu-prof. */
const modes = new Set((process.env.BENCH_MODES ?? 'off,none,always').split(','));
const engineAlone = modes.has('off') ? runEngineAlone(config, mix.commands) : null;
const engineAloneFormatted = modes.has('off') ? runEngineAlone(config, mix.commands, true) : null;
if (modes.has('none') || modes.has('always')) await runJournal(config, warm.commands.slice(0, 20_000), 'none'); // warm the journal path
/**
 * Saturated journal runs, best of 3 by CPU-second as the engine-alone runs: a single run is charged for whatever
 * collection of the earlier runs' garbage happens to fall into it (the GC's helper threads count as CPU time).
 */
async function bestJournalRun(commands: Command[], fsync: FsyncPolicy): Promise<Awaited<ReturnType<typeof runJournal>>> {
  let best: Awaited<ReturnType<typeof runJournal>> | null = null;
  for (let round = 0; round < 3; round++) {
    const run = await runJournal(config, commands, fsync);
    if (best === null || run.commandsPerCpuSec > best.commandsPerCpuSec) best = run;
  }
  return best!;
}
const fsyncNone = modes.has('none') ? await bestJournalRun(mix.commands, 'none') : null;
const alwaysCommands = mix.commands.slice(0, Math.min(mix.commands.length, 200_000));
const fsyncAlways = modes.has('always') ? await bestJournalRun(alwaysCommands, 'always') : null;
/** Latency at a steady offered load well below saturation (BENCH_PACED_RATE commands/s, 0 = skip). */
const PACED_RATE = Number(process.env.BENCH_PACED_RATE ?? 20_000);
const pacedCommands = mix.commands.slice(0, Math.min(mix.commands.length, PACED_RATE * 3));
const fsyncNonePaced = PACED_RATE > 0 && modes.has('none') ? await runJournal(config, pacedCommands, 'none', PACED_RATE) : null;
const fsyncAlwaysPaced = PACED_RATE > 0 && modes.has('always') ? await runJournal(config, pacedCommands, 'always', PACED_RATE) : null;
const STEADY_PRIME = Number(process.env.BENCH_STEADY_PRIME ?? 400_000);
/**
 * The same mix, longer (same seed: its first COMMANDS commands are the mix). Built last, so that neither it nor the
 * garbage it leaves is in the heap of the other runs.
 */
const engineAloneSteady = modes.has('off') && STEADY_PRIME > 0
  ? runEngineSteady(config, buildMix(config, STEADY_PRIME + COMMANDS, 42, 'M').commands, STEADY_PRIME) : null;

console.log(JSON.stringify({
  bench: 'engine',
  node: process.version,
  commands: mix.commands.length,
  mix: { newOrders: counts.NewOrder, cancels: counts.Cancel, replaces: counts.Replace, trades: mix.trades,
    restingAtEnd, levelsAtEnd },
  journalOff: engineAlone,
  /** The same, also reading (formatting) every decimal field of every event, as the gateway does. */
  journalOffFormatted: engineAloneFormatted,
  journalOffSteady: engineAloneSteady,
  fsyncNone,
  fsyncAlways: fsyncAlways === null ? null : { ...fsyncAlways, commands: alwaysCommands.length },
  fsyncNonePaced,
  fsyncAlwaysPaced,
  targetCommandsPerSec: 1_000_000,
  loadAverage1m: Math.round(os.loadavg()[0]! * 100) / 100,
  cpus: os.cpus().length,
}));
