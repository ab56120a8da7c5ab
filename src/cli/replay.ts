// `fixgw replay`: rebuilds the engine from a data directory (latest snapshot + the journal segments after it) and
// prints what it rebuilt; `--verify` replays the whole journal twice from seq 1, compares state and event streams,
// and checks every snapshot on disk against the state a full replay reaches at its seq. Records are streamed, so
// memory does not grow with the journal. Read-only: a torn tail is reported, not truncated.
// A journal whose first segments were trimmed (JournalRetention=snapshot) replays from the latest snapshot and says
// so; --verify then exits 2: a full replay is impossible.
// Exit codes: 0 ok, 1 verification mismatch, 2 the data directory or config cannot be read (corruption included).
import { existsSync, statSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import type { Command } from 'commander';
import { loadGatewaySettings, type GatewayFileSettings } from '../gateway/index.js';
import {
  Engine, JournalTrimmedError, defaultEngineConfigPath, eventsDigest, exportEngineState, journalDirOf, listSegments, listSnapshots,
  loadEngineConfig, readSnapshot, replayJournalDir, snapshotDirOf,
  type EngineConfig, type EngineState, type ReplayResult,
} from '../engine/index.js';

interface ReplayOptions { dataDir: string; config: string; verify?: boolean; json?: boolean }
interface CliOptions { dataDir?: string; config?: string; engineConfig?: string; verify?: boolean; json?: boolean }

/** --config is the gateway's .cfg, as for every verb: it names the data directory and the engine config. */
function replayOptionsOf(cli: CliOptions): ReplayOptions {
  let settings: GatewayFileSettings | undefined;
  if (cli.config !== undefined) {
    try {
      settings = loadGatewaySettings(cli.config);
    } catch (err) {
      const hint = cli.config.endsWith('.json') ? ' (--config is the gateway settings file; an engine.json goes in --engine-config)' : '';
      throw new ReplayFailure(`${(err as Error).message}${hint}`, 2);
    }
  }
  const dataDir = cli.dataDir ?? settings?.dataDir;
  if (dataDir === undefined) throw new ReplayFailure('name the data directory: --data-dir DIR, or --config with a DataDirectory', 2);
  const config = cli.engineConfig ?? settings?.engineConfigPath ?? defaultEngineConfigPath();
  return { dataDir, config, ...(cli.verify !== undefined ? { verify: cli.verify } : {}), ...(cli.json !== undefined ? { json: cli.json } : {}) };
}

interface SymbolSummary { resting: number; bids: number; asks: number; bidLevels: number; askLevels: number; pendingStops: number;
  status: string; lastPrice: string | null }

interface ReplayReport {
  dataDir: string;
  config: string;
  configHash: string;
  journal: { path: string; segments: number; segmentsRead: string[]; records: number; bytes: number; tornBytes: number; tornZeros: boolean;
    firstSeq: number | null; lastSeq: number | null; trimmed: boolean };
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

/** What the rebuilt engine holds, read from its exported state (the engine's own tables are not public). */
function summarize(engine: Engine): Pick<ReplayReport, 'liveOrders' | 'accounts' | 'symbols'> {
  const state = exportEngineState(engine);
  const priceOf = new Map(state.orders.map((o) => [o[0], o[9]]));
  const levels = (ids: string[]): number => new Set(ids.map((id) => priceOf.get(id))).size;
  const lastPrice = new Map(engine.instruments().map((i) => [i.symbol, i.lastPrice]));
  const symbols: Record<string, SymbolSummary> = {};
  for (const s of state.instruments) {
    symbols[s.symbol] = {
      resting: s.bids.length + s.asks.length, bids: s.bids.length, asks: s.asks.length, bidLevels: levels(s.bids), askLevels: levels(s.asks),
      pendingStops: s.buyStops.length + s.sellStops.length, status: s.status, lastPrice: lastPrice.get(s.symbol) ?? null,
    };
  }
  const liveOrders = state.orders.filter((o) => o[23]).length;
  return { liveOrders, accounts: state.accounts.length, symbols };
}

/** One full replay from seq 1 (no snapshot), streamed: state, event digest, and the states at the given seqs. */
function fullReplay(config: EngineConfig, journalDir: string, captureAt: ReadonlySet<number>):
  { engine: Engine; digest: string; events: number; captured: Map<number, EngineState> } {
  const digest = eventsDigest();
  const captured = new Map<number, EngineState>();
  if (captureAt.has(0)) captured.set(0, exportEngineState(new Engine(config)));
  const result = replayJournalDir(config, journalDir, null, (sc, events, engine) => {
    digest.add(sc, events);
    if (captureAt.has(sc.seq)) captured.set(sc.seq, exportEngineState(engine));
  });
  return { engine: result.engine, digest: digest.hex(), events: digest.count, captured };
}

function replayDirectory(opts: ReplayOptions): ReplayReport {
  if (!existsSync(opts.dataDir) || !statSync(opts.dataDir).isDirectory()) throw new ReplayFailure(`${opts.dataDir}: no such data directory`, 2);
  const journalDir = journalDirOf(opts.dataDir);
  if (listSegments(journalDir).length === 0) throw new ReplayFailure(`${journalDir}: no journal in this data directory`, 2);
  const config = loadEngineConfig(opts.config);
  const snapshots = listSnapshots(snapshotDirOf(opts.dataDir));
  const latest = snapshots.length === 0 ? null : readSnapshot(snapshots[snapshots.length - 1]!.path);
  let result: ReplayResult;
  try {
    result = replayJournalDir(config, journalDir, latest);
  } catch (err) {
    if (!(err instanceof JournalTrimmedError)) throw err;
    throw new ReplayFailure(latest === null
      ? `${err.message}, and there is no snapshot to start from`
      : `${err.message}: the latest snapshot, ${latest.path}, is at seq ${latest.seq}`, 2);
  }
  const scan = result.journal;
  const lastJournalSeq = scan.lastSeq > 0 ? scan.lastSeq : null;
  if (latest !== null && lastJournalSeq !== null && lastJournalSeq < latest.seq) {
    throw new ReplayFailure(`${journalDir}: journal ends at seq ${lastJournalSeq} but snapshot ${latest.path} is at seq ${latest.seq}`, 2);
  }
  const firstSeq = scan.firstSeq;
  const report: ReplayReport = {
    dataDir: opts.dataDir, config: opts.config, configHash: config.hash,
    journal: { path: journalDir, segments: scan.segments.length, segmentsRead: scan.read.map((r) => r.path),
      records: firstSeq !== null && lastJournalSeq !== null ? lastJournalSeq - firstSeq + 1 : 0, bytes: scan.bytes, tornBytes: scan.tornBytes, tornZeros: scan.tornZeros,
      firstSeq, lastSeq: lastJournalSeq, trimmed: firstSeq !== null && firstSeq > 1 },
    snapshot: latest === null ? null : { path: latest.path, seq: latest.seq },
    replayedCommands: result.replayedCommands, lastSeq: result.lastSeq, ...summarize(result.engine),
  };
  if (opts.verify === true) {
    if (firstSeq !== null && firstSeq > 1) {
      throw new ReplayFailure(`--verify replays the whole journal from seq 1, but ${journalDir} starts at seq ${firstSeq} (earlier segments ` +
        `were trimmed, JournalRetention=snapshot): a full replay is impossible. Without --verify the replay starts from the snapshot at seq ` +
        `${latest?.seq ?? '?'}`, 2);
    }
    report.verify = verify(config, journalDir, snapshots.map((s) => s.path), exportEngineState(result.engine), latest !== null);
  }
  return report;
}

function verify(config: EngineConfig, journalDir: string, snapshotPaths: string[], recovered: EngineState, usedSnapshot: boolean): VerifyReport {
  const problems: string[] = [];
  const snaps = snapshotPaths.map((path) => readSnapshot(path));
  const at = new Set(snaps.map((s) => s.seq));
  const first = fullReplay(config, journalDir, at);
  const second = fullReplay(config, journalDir, new Set());
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
  lines.push(`journal       ${r.journal.path}: ${r.journal.segments} segment${r.journal.segments === 1 ? '' : 's'} ` +
    `(${r.journal.segmentsRead.length} read), ${r.journal.records} records, ${r.journal.bytes} bytes` +
    (r.journal.records > 0 ? `, seq ${r.journal.firstSeq}..${r.journal.lastSeq}` : ''));
  if (r.journal.trimmed) {
    lines.push(`trimmed       the journal starts at seq ${r.journal.firstSeq}: earlier segments were trimmed; replayed from the snapshot, ` +
      'a full replay (--verify) is impossible');
  }
  if (r.journal.tornBytes > 0 && r.journal.tornZeros) {
    lines.push(`zeroed tail   ${r.journal.tornBytes} zero bytes after the last complete record: space a running gateway's journal ` +
      '(fsync always) preallocates, or a write a crash kept from the disk (truncated when the engine next opens)');
  } else if (r.journal.tornBytes > 0) {
    lines.push(`torn tail     ${r.journal.tornBytes} bytes after the last complete record (truncated when the engine next opens)`);
  }
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
    .option('--data-dir <dir>', 'data directory (journal/ segments, snapshots/); default: DataDirectory of --config')
    .option('--config <file>', 'the gateway settings (.cfg) it ran with: DataDirectory and EngineConfig come from it')
    .option('--engine-config <file>', 'engine config the journal was written with (default: EngineConfig of --config, else the packaged one)')
    .option('--verify', 'replay twice from seq 1, compare state and events, and compare every snapshot with a full replay')
    .option('--json', 'print one JSON object instead of text')
    .action((cli: CliOptions) => {
      let report: ReplayReport;
      try {
        report = replayDirectory(replayOptionsOf(cli));
      } catch (err) {
        const code = err instanceof ReplayFailure ? err.exitCode : 2;
        process.stderr.write(`fixgw replay: ${(err as Error).message}\n`);
        process.exitCode = code;
        return;
      }
      if (cli.json === true) process.stdout.write(JSON.stringify(report) + '\n');
      else printHuman(report);
      if (report.verify !== undefined && !report.verify.ok) {
        process.stderr.write(`fixgw replay: verification failed:\n${report.verify.problems.map((p) => `  ${p}\n`).join('')}`);
        process.exitCode = 1;
      }
    });
}
