// The single-process gateway: a data directory (the journal replayed into the engine, snapshots, session stores and
// message logs) under the order path (order-path.ts). `fixgw serve` is a thin CLI around startGateway; the cluster
// puts a replicated command log under the same order path instead.
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { Dictionary } from '../fix/dictionary.js';
import {
  defaultEngineConfigPath, loadEngineConfig, openEngine, type Engine, type EngineConfig, type EngineEvent, type SequencedCommand,
} from '../engine/index.js';
import { defaultDictionaryPath, resolveIdleSpinMicros, type GatewayFileSettings } from './config.js';
import type { GatewayMetrics } from './metrics.js';
import { startOrderPath, type OrderPath } from './order-path.js';
import { ReplayTail } from './recovery.js';
import type { CommandSequencer } from './seam.js';
import { GatewaySessions, type SessionInfo } from './sessions.js';
import { Snapshotter } from './snapshots.js';
import type { Acceptor } from '../session/acceptor.js';

export interface GatewayOptions {
  /** Parsed .cfg (loadGatewaySettings / parseGatewaySettings). */
  settings: GatewayFileSettings;
  /** Overrides DataDirectory; default ./data. */
  dataDir?: string;
  /** Overrides EngineConfig; default config/engine.json of this package. */
  engineConfig?: EngineConfig;
  /** Overrides SocketAcceptPort; 0 = any free port (read it back from Gateway.fixPort). */
  fixPort?: number;
  /** Listen address; default SocketAcceptHost, else 0.0.0.0. */
  host?: string;
  /** Overrides JournalFsync. */
  fsync?: boolean;
  /** Gateway metrics are registered here; a private registry when absent. */
  registry?: Registry;
  logger?: Logger;
  /** Called once if the journal fails; the gateway has stopped accepting orders by then. */
  onFatal?: (err: Error) => void;
  /** Commands waiting for the journal at most; more are answered with BusinessMessageReject. Default 200,000. */
  pendingCommandsMax?: number;
  /** How often GTD orders are checked for expiry. Default 250. */
  expiryCheckIntervalMs?: number;
  /** How long close() waits for clients to answer the Logout. Default 2000. */
  logoutGraceMs?: number;
  /** Overrides SnapshotEveryCommands (0 = no periodic snapshots). */
  snapshotEveryCommands?: number;
  /** Overrides SnapshotsKept. */
  snapshotsKept?: number;
  /** Overrides SnapshotOnShutdown. */
  snapshotOnShutdown?: boolean;
  /** Overrides SnapshotWorker. false: snapshots are made on the event loop instead of by the snapshot worker thread. */
  snapshotWorker?: boolean;
  /** Test hook: the snapshot worker throws after applying this seq (its first start only). */
  snapshotWorkerCrashAfterSeq?: number;
  /** Test hook: the snapshot worker hangs after applying this seq (its first start only). */
  snapshotWorkerStallAfterSeq?: number;
  /** A snapshot worker behind the engine that applies nothing for this long is restarted. Default 60 s. */
  snapshotWorkerStuckMs?: number;
  /** Overrides IdleSpinMicros (0 = off; 'auto' = by the journal's fsync, see resolveIdleSpinMicros). */
  idleSpinMicros?: number | 'auto';
  /** Epoch ms for the sequencer's timestamps, GTD expiry and the EndOfDay schedule. Default Date.now. */
  clock?: () => number;
  /** Every command replayed at start-up, with its events (the market data rebuilds its trade history from them). */
  onReplayEvents?: (sc: SequencedCommand, events: EngineEvent[]) => void;
}

export interface Gateway {
  readonly fixPort: number;
  readonly dataDir: string;
  readonly engine: Engine;
  readonly sequencer: CommandSequencer;
  readonly acceptor: Acceptor;
  readonly registry: Registry;
  readonly metrics: GatewayMetrics;
  /** True once the journal is replayed and the FIX port listens; false again while closing. */
  readonly ready: boolean;
  /** Journal records replayed at startup. */
  readonly replayedCommands: number;
  /** Seq of the snapshot startup began from (null = full replay). */
  readonly recoveredFromSnapshotSeq: number | null;
  /** The IdleSpinMicros in use (an 'auto' setting resolved by the journal's fsync). */
  readonly idleSpinMicros: number;
  /** Seq of the newest snapshot this gateway wrote, 0 = none yet. */
  readonly lastSnapshotSeq: number;
  /** How snapshots are made now (worker thread or in-process), the worker's lag and the newest snapshot's seq. */
  snapshotStatus(): { mode: 'worker' | 'inline'; workerRunning: boolean; workerLagCommands: number; lastSnapshotSeq: number };
  /** Writes a snapshot of the current state now (waits for one already being written); resolves to its path. */
  snapshot(): Promise<string>;
  sessionsInfo(): SessionInfo[];
  /** What runs degraded now (session files that do not take writes), one line each; empty: nothing. */
  degraded(): string[];
  /** Logs every session out, lets the journal drain, closes stores, logs and the journal. */
  close(): Promise<void>;
}

/** Dictionaries are immutable once loaded and take a while to parse: one per file per process. */
const dictionaries = new Map<string, Dictionary>();
function loadDictionary(file: string): Dictionary {
  let dict = dictionaries.get(file);
  if (dict === undefined) dictionaries.set(file, dict = Dictionary.load(file));
  return dict;
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const log = options.logger ?? pino({ name: 'fixgw', level: 'silent' });
  const { settings } = options;
  const dataDir = path.resolve(options.dataDir ?? settings.dataDir ?? 'data');
  const fsync = options.fsync ?? settings.fsync;
  const pendingMax = options.pendingCommandsMax ?? 200_000;
  const clock = options.clock ?? Date.now;
  const replayTail = new ReplayTail();
  const opened = await openEngine({
    dataDir, config: options.engineConfig ?? loadEngineConfig(settings.engineConfigPath ?? defaultEngineConfigPath()),
    fsync: fsync ? 'always' : 'none', pendingCommandsMax: pendingMax, clock, onReplayEvents: (sc, events) => { replayTail.push(sc, events); options.onReplayEvents?.(sc, events); },
    journalSegmentBytes: settings.journalSegmentBytes, journalRetention: settings.journalRetention,
    onJournalPreallocationError: (err) => log.warn({ err }, 'journal preallocation failed: batches are appended without it (each fdatasync also commits the file size)'),
  });
  const { engine, recovery } = opened;
  log.info({ dataDir, replayedCommands: recovery.replayedCommands, snapshotSeq: recovery.snapshotSeq, lastSeq: recovery.lastSeq,
    tornBytes: recovery.tornBytes, tornZeros: recovery.journal.tornZeros, fsync }, 'journal replayed');
  const { sequencer } = opened;
  sequencer.onFatal((err) => {
    log.fatal({ err }, 'journal failed: order entry stopped');
    options.onFatal?.(err);
  });
  const registry = options.registry ?? new Registry();
  const snapshotter = new Snapshotter({
    dataDir, engine, sequencer, log, journalFsync: fsync, recoveredSeq: recovery.snapshotSeq ?? 0,
    retention: settings.journalRetention, everyCommands: options.snapshotEveryCommands ?? settings.snapshotEveryCommands,
    kept: options.snapshotsKept ?? settings.snapshotsKept, registry, mode: (options.snapshotWorker ?? settings.snapshotWorker) ? 'worker' : 'inline',
    ...(options.snapshotWorkerCrashAfterSeq !== undefined ? { workerCrashAfterSeq: options.snapshotWorkerCrashAfterSeq } : {}),
    ...(options.snapshotWorkerStallAfterSeq !== undefined ? { workerStallAfterSeq: options.snapshotWorkerStallAfterSeq } : {}),
    ...(options.snapshotWorkerStuckMs !== undefined ? { workerStuckMs: options.snapshotWorkerStuckMs } : {}),
  });
  const idleSpinMicros = resolveIdleSpinMicros(options.idleSpinMicros ?? settings.idleSpinMicros, fsync);
  const sessions = new GatewaySessions(settings.sessions);
  let orderPath: OrderPath;
  try {
    orderPath = await startOrderPath({
      settings, sequencer, engine, pendingMax, registry, log, idleSpinMicros, fsync, clock, replayTail,
      dictionary: loadDictionary(settings.dataDictionary ?? defaultDictionaryPath()),
      openStore: (id) => sessions.openFileStore(dataDir, id), openLog: (id) => sessions.openFileLog(dataDir, id),
      prepareSession: (id) => sessions.prepareFiles(dataDir, id),
      fixPort: options.fixPort ?? settings.fixPort, host: options.host ?? settings.fixHost ?? '0.0.0.0',
      expiryCheckIntervalMs: options.expiryCheckIntervalMs ?? 250, endOfDayDir: dataDir,
    });
  } catch (err) {
    await sequencer.close();
    await snapshotter.close({ snapshot: false });
    throw err;
  }
  let ready = true;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => closed ??= (async () => {
    ready = false;
    await orderPath.close(options.logoutGraceMs ?? 2000);
    await sequencer.close().catch(() => undefined);
    await snapshotter.close({ snapshot: (options.snapshotOnShutdown ?? settings.snapshotOnShutdown) && sequencer.error === null });
    log.info({ lastSeq: engine.lastSeq }, 'gateway stopped');
  })();
  return {
    fixPort: orderPath.acceptor.port, dataDir, engine, sequencer, acceptor: orderPath.acceptor, registry, metrics: orderPath.metrics,
    get ready() { return ready; }, replayedCommands: recovery.replayedCommands, idleSpinMicros, recoveredFromSnapshotSeq: recovery.snapshotSeq,
    get lastSnapshotSeq() { return snapshotter.lastSeq; }, snapshotStatus: () => snapshotter.status(), snapshot: () => snapshotter.snapshot(),
    sessionsInfo: () => orderPath.sessionsInfo(), degraded: () => orderPath.degraded(), close,
  };
}
