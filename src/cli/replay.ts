// `fixgw replay`: rebuilds the engine from a data directory (latest snapshot + journal tail) and prints what it
// rebuilt; `--verify` replays the whole journal twice, compares state and event streams, and checks every snapshot
// on disk against the state a full replay reaches at its seq. Read-only: a torn tail is reported, not truncated.
// Exit codes: 0 ok, 1 verification mismatch, 2 the data directory or config cannot be read (corruption included).
import { existsSync, statSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import type { Command } from 'commander';
import {
  Engine, defaultEngineConfigPath, eventsDigest, exportEngineState, journalPathOf, listSnapshots, loadEngineConfig,
  readJournal, readSnapshot, replayJournal, snapshotDirOf,
  type EngineConfig, type EngineState, type JournalContents,
} from '../engine/index.js';

interface ReplayOptions { dataDir: string; config: string; verify?: boolean; json?: boolean }

interface SymbolSummary { resting: number; bids: number; asks: number; bidLevels: number; askLevels: number; pendingStops: number;
  status: string; lastPrice: string | null }

interface ReplayReport {
  dataDir: string;
  config: string;
  configHash: string;
  journal: { path: string; records: number; bytes: number; tornBytes: number; firstSeq: number | null; lastSeq: number | null };
  snapshot: { path: string; seq: number } | null;
  replayedCommands: number;
  lastSeq: number;
  liveOrders: number;
  accounts: number;
  symbols: Record<string, SymbolSummary>;
  verify?: VerifyReport;
}

interface VerifyReport {
  ok: boolean;
  replays: number;
  events: number;
  eventsDigest: string;
  stateEqual: boolean;
  eventsEqual: boolean;
  snapshotPlusTailEqual: boolean | null;
  snapshots: Array<{ path: string; seq: number; ok: boolean; problem: string | null }>;
  problems: string[];
}

class ReplayFailure extends Error {
  constructor(message: string, readonly exitCode: number) { super(message); }
}

function summarize(engine: Engine): Pick<ReplayReport, 'liveOrders' | 'accounts' | 'symbols'> {
  const symbols: Record<string, SymbolSummary> = {};
  for (const st of engine.states) {
    let bids = 0;
    let asks = 0;
    for (const level of st.book.bids.iterate()) bids += level.count;
    for (const level of st.book.asks.iterate()) asks += level.count;
    const info = engine.instruments().find((i) => i.symbol === st.inst.symbol)!;
    symbols[st.inst.symbol] = {
      resting: bids + asks, bids, asks, bidLevels: st.book.bids.levelCount, askLevels: st.book.asks.levelCount,
      pendingStops: st.buyStops.length + st.sellStops.length, status: st.status, lastPrice: info.lastPrice,
    };
  }
  let liveOrders = 0;
  for (const o of engine.ordersById.values()) if (o.live) liveOrders++;
  return { liveOrders, accounts: engine.accounts.size, symbols };
}

/** One full replay from seq 1 (no snapshot): state, event digest, and the states at the given seqs. */
function fullReplay(config: EngineConfig, journal: JournalContents, captureAt: ReadonlySet<number>):
  { engine: Engine; digest: string; events: number; captured: Map<number, EngineState> } {
  const digest = eventsDigest();
  const captured = new Map<number, EngineState>();
  if (captureAt.has(0)) captured.set(0, exportEngineState(new Engine(config)));
  const result = replayJournal(config, journal, null, (sc, events, engine) => {
    digest.add(sc, events);
    if (captureAt.has(sc.seq)) captured.set(sc.seq, exportEngineState(engine));
  });
  return { engine: result.engine, digest: digest.hex(), events: digest.count, captured };
}

function replayDirectory(opts: ReplayOptions): ReplayReport {
  if (!existsSync(opts.dataDir) || !statSync(opts.dataDir).isDirectory()) throw new ReplayFailure(`${opts.dataDir}: no such data directory`, 2);
  const journalPath = journalPathOf(opts.dataDir);
  if (!existsSync(journalPath)) throw new ReplayFailure(`${journalPath}: no journal in this data directory`, 2);
  const config = loadEngineConfig(opts.config);
  const journal = readJournal(journalPath);
  const snapshots = listSnapshots(snapshotDirOf(opts.dataDir));
  const latest = snapshots.length === 0 ? null : readSnapshot(snapshots[snapshots.length - 1]!.path);
  const lastJournalSeq = journal.records.length > 0 ? journal.records[journal.records.length - 1]!.seq : null;
  if (latest !== null && lastJournalSeq !== null && lastJournalSeq < latest.seq) {
    throw new ReplayFailure(`${journalPath}: journal ends at seq ${lastJournalSeq} but snapshot ${latest.path} is at seq ${latest.seq}`, 2);
  }
  const result = replayJournal(config, journal, latest);
  const report: ReplayReport = {
    dataDir: opts.dataDir, config: opts.config, configHash: config.hash,
    journal: { path: journalPath, records: journal.records.length, bytes: journal.validBytes + journal.tornBytes, tornBytes: journal.tornBytes,
      firstSeq: journal.records[0]?.seq ?? null, lastSeq: lastJournalSeq },
    snapshot: latest === null ? null : { path: latest.path, seq: latest.seq },
    replayedCommands: result.replayedCommands, lastSeq: result.lastSeq, ...summarize(result.engine),
  };
  if (opts.verify === true) report.verify = verify(config, journal, snapshots.map((s) => s.path), exportEngineState(result.engine), latest !== null);
  return report;
}

function verify(config: EngineConfig, journal: JournalContents, snapshotPaths: string[], recovered: EngineState, usedSnapshot: boolean): VerifyReport {
  const problems: string[] = [];
  if (journal.records.length > 0 && journal.records[0]!.seq !== 1) {
    problems.push(`journal starts at seq ${journal.records[0]!.seq}, not 1: a full replay is impossible`);
  }
  const snaps = snapshotPaths.map((path) => readSnapshot(path));
  const at = new Set(snaps.map((s) => s.seq));
  const first = fullReplay(config, journal, at);
  const second = fullReplay(config, journal, new Set());
  const firstState = exportEngineState(first.engine);
  const stateEqual = isDeepStrictEqual(firstState, exportEngineState(second.engine));
  const eventsEqual = first.digest === second.digest && first.events === second.events;
  if (!stateEqual) problems.push('two replays of the same journal reached different states');
  if (!eventsEqual) problems.push(`two replays of the same journal emitted different events (${first.digest} vs ${second.digest})`);
  const snapshots = snaps.map((s) => {
    const expected = first.captured.get(s.seq);
    let problem: string | null = null;
    if (expected === undefined) problem = `journal has no record at seq ${s.seq}`;
    else if (!isDeepStrictEqual(expected, s.state)) problem = `state differs from a full replay at seq ${s.seq}`;
    if (problem !== null) problems.push(`${s.path}: ${problem}`);
    return { path: s.path, seq: s.seq, ok: problem === null, problem };
  });
  let snapshotPlusTailEqual: boolean | null = null;
  if (usedSnapshot) {
    snapshotPlusTailEqual = isDeepStrictEqual(recovered, firstState);
    if (!snapshotPlusTailEqual) problems.push('latest snapshot + journal tail differs from a full replay');
  }
  return { ok: problems.length === 0, replays: 2, events: first.events, eventsDigest: first.digest, stateEqual, eventsEqual,
    snapshotPlusTailEqual, snapshots, problems };
}

function printHuman(r: ReplayReport): void {
  const lines: string[] = [];
  lines.push(`data dir      ${r.dataDir}`);
  lines.push(`config        ${r.config} (sha256 ${r.configHash.slice(0, 12)})`);
  lines.push(`journal       ${r.journal.path}: ${r.journal.records} records, ${r.journal.bytes} bytes` +
    (r.journal.records > 0 ? `, seq ${r.journal.firstSeq}..${r.journal.lastSeq}` : ''));
  if (r.journal.tornBytes > 0) lines.push(`torn tail     ${r.journal.tornBytes} bytes after the last complete record (truncated when the engine next opens)`);
  lines.push(r.snapshot === null ? 'snapshot      none (full replay)' : `snapshot      ${r.snapshot.path} (seq ${r.snapshot.seq})`);
  lines.push(`replayed      ${r.replayedCommands} commands`);
  lines.push(`last seq      ${r.lastSeq}`);
  lines.push(`live orders   ${r.liveOrders} across ${r.accounts} accounts`);
  lines.push('orders resting per symbol:');
  const width = Math.max(6, ...Object.keys(r.symbols).map((s) => s.length));
  for (const [symbol, s] of Object.entries(r.symbols)) {
    lines.push(`  ${symbol.padEnd(width)} ${String(s.resting).padStart(7)} resting (${s.bids} bids on ${s.bidLevels} levels, ` +
      `${s.asks} asks on ${s.askLevels} levels)` + (s.pendingStops > 0 ? `, ${s.pendingStops} pending stops` : '') +
      `, ${s.status}` + (s.lastPrice !== null ? `, last ${s.lastPrice}` : ''));
  }
  if (r.verify !== undefined) {
    const v = r.verify;
    lines.push(`verify        ${v.ok ? 'OK' : 'MISMATCH'}: ${v.replays} full replays, ${v.events} events, digest ${v.eventsDigest.slice(0, 16)}`);
    lines.push(`  state equal ${v.stateEqual ? 'yes' : 'NO'}; events equal ${v.eventsEqual ? 'yes' : 'NO'}; snapshot + tail = full replay ` +
      `${v.snapshotPlusTailEqual === null ? 'n/a (no snapshot)' : v.snapshotPlusTailEqual ? 'yes' : 'NO'}`);
    for (const s of v.snapshots) lines.push(`  snapshot seq ${s.seq}: ${s.ok ? 'matches a full replay' : `MISMATCH: ${s.problem}`}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}

export function register(program: Command): void {
  program
    .command('replay')
    .description('rebuild the engine from a data directory (snapshot + journal) and print what it holds; --verify compares replays and snapshots')
    .requiredOption('--data-dir <dir>', 'data directory (journal/journal.log, snapshots/)')
    .option('--config <file>', 'engine config the journal was written with', defaultEngineConfigPath())
    .option('--verify', 'replay twice from seq 1, compare state and events, and compare every snapshot with a full replay')
    .option('--json', 'print one JSON object instead of text')
    .action((opts: ReplayOptions) => {
      let report: ReplayReport;
      try {
        report = replayDirectory(opts);
      } catch (err) {
        const code = err instanceof ReplayFailure ? err.exitCode : 2;
        process.stderr.write(`fixgw replay: ${(err as Error).message}\n`);
        process.exitCode = code;
        return;
      }
      if (opts.json === true) process.stdout.write(JSON.stringify(report) + '\n');
      else printHuman(report);
      if (report.verify !== undefined && !report.verify.ok) {
        process.stderr.write(`fixgw replay: verification failed:\n${report.verify.problems.map((p) => `  ${p}\n`).join('')}`);
        process.exitCode = 1;
      }
    });
}
