// A gateway node of a cluster: the same order path as the single process (gateway/order-path.ts), over the engine
// replica this node runs (the shared Sequencer on the JetStream command log, started from the newest snapshot in the
// object store), with the node's sessions hosted through leases and replicated stores (session-hosting.ts). Beside
// the order path: digests compared with the other replicas (a divergence stops the node), snapshots on a schedule, and
// the cluster's metrics. `fixgw serve` starts this instead of startGateway when the .cfg sets ClusterNatsUrls.
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { Dictionary } from '../fix/dictionary.js';
import {
  defaultEngineConfigPath, loadEngineConfig, type Engine, type EngineConfig, type EngineEvent, type SequencedCommand, type Sequencer,
} from '../engine/index.js';
import { defaultDictionaryPath, resolveIdleSpinMicros, type GatewayFileSettings } from '../gateway/config.js';
import type { Gateway } from '../gateway/gateway.js';
import { startOrderPath, type OrderPath } from '../gateway/order-path.js';
import { GatewaySessions } from '../gateway/sessions.js';
import { Checkpoints } from './checkpoints.js';
import { JetStreamCommandLog } from './command-log.js';
import { ClusterConnection } from './connection.js';
import { DigestExchange } from './digest-exchange.js';
import { NodePresence } from './node-presence.js';
import { createClusterMetrics, type ClusterMetrics } from './metrics.js';
import { caughtUp, startReplica } from './replica.js';
import { ReportTail } from './report-tail.js';
import { ClusterHosting } from './session-hosting.js';
import { SessionLeases } from './session-leases.js';
import { SessionReplication } from './session-replication.js';
import type { ClusterSettings } from './settings.js';
import { ObjectSnapshotStore } from './snapshot-store.js';

export interface ClusterGatewayOptions {
  settings: GatewayFileSettings;
  cluster: ClusterSettings;
  /** Overrides DataDirectory (the node's local copies of its session stores, its logs, the EndOfDay marker). */
  dataDir?: string;
  engineConfig?: EngineConfig;
  fixPort?: number;
  host?: string;
  registry?: Registry;
  logger?: Logger;
  /** Called once when the node must stop: the log failed, or its replica diverged from the others. */
  onFatal?: (err: Error) => void;
  pendingCommandsMax?: number;
  expiryCheckIntervalMs?: number;
  logoutGraceMs?: number;
  clock?: () => number;
  /** How long the replica may take to apply the stream before the node takes clients. Default 10 minutes. */
  catchUpTimeoutMs?: number;
  /** Sees every command the replica applies while it catches up with the stream at start (e.g. the trade history). */
  onReplayEvents?: (sc: SequencedCommand, events: EngineEvent[]) => void;
}

/** What /health says of a node. */
export interface ClusterHealth { node: string; natsConnected: boolean; caughtUp: boolean; replicaLag: number; lastAppliedSeq: number;
  sessionsHosted: number; digestAgreedSeq: number; lastSnapshotSeq: number }

export interface ClusterGateway extends Gateway {
  readonly sequencer: Sequencer;
  readonly log: JetStreamCommandLog;
  health(): ClusterHealth;
}

/** The replica, the digests and the checkpoints of a node, on its NATS connection. */
interface Replica { conn: ClusterConnection; log: JetStreamCommandLog; sequencer: Sequencer; engine: Engine; snapshotSeq: number | null;
  digests: DigestExchange; checkpoints: Checkpoints; presence: NodePresence }

export async function startClusterGateway(options: ClusterGatewayOptions): Promise<ClusterGateway> {
  const log = options.logger ?? pino({ name: 'fixgw', level: 'silent' });
  const { settings, cluster } = options;
  const dataDir = path.resolve(options.dataDir ?? settings.dataDir ?? 'data');
  const registry = options.registry ?? new Registry();
  const pendingMax = options.pendingCommandsMax ?? 200_000;
  const fail = (err: Error): void => { log.fatal({ err }, 'cluster node stopping'); options.onFatal?.(err); };
  let hosting: ClusterHosting | undefined;
  const conn = await ClusterConnection.open({ natsUrls: cluster.natsUrls, nodeId: cluster.nodeId, connectTimeoutMs: cluster.connectTimeoutMs });
  conn.onChange((up, detail) => log.warn({ up, detail }, up ? 'NATS connection back' : 'NATS connection lost: order entry refuses until it is back'));
  let metrics: ClusterMetrics | undefined;
  let replica: Replica;
  try {
    replica = await startNodeReplica(conn, options, pendingMax, (us) => metrics?.publishAckUs.observe(us), fail, log);
  } catch (err) {
    await conn.close();
    throw err;
  }
  const { sequencer, engine } = replica;
  metrics = createClusterMetrics(registry, {
    replicaLag: () => replica.log.lag, natsConnected: () => conn.up, sessionsHosted: () => hosting?.count ?? 0,
    digestAgreedSeq: () => replica.digests.agreed.seq, readerRestarts: () => replica.log.readerRestarts, lastSnapshotSeq: () => replica.checkpoints.lastSnapshotSeq,
  });
  const dictionary = Dictionary.load(settings.dataDictionary ?? defaultDictionaryPath());
  const sessions = new GatewaySessions(settings.sessions);
  const tail = new ReportTail(cluster.reportTailEvents, (key) => hosting?.hosts(key) ?? false);
  sequencer.onEvents(tail.applied);
  const idleSpinMicros = resolveIdleSpinMicros(settings.idleSpinMicros, true);
  let orderPath: OrderPath;
  try {
    hosting = new ClusterHosting({
      leases: await SessionLeases.open(conn, cluster, replica.log.origin), replication: await SessionReplication.open(conn, cluster), tail, dictionary,
      presence: replica.presence,
      leaseTtlMs: cluster.leaseTtlMs, flush: () => sequencer.flush(), log, onLeaseLost: () => metrics?.leasesLost.inc(),
      isDropCopy: (s) => sessions.ofSession(s)?.sessionType === 'dropcopy',
    });
    const h = hosting;
    orderPath = await startOrderPath({
      settings, sequencer, engine, pendingMax, registry, log, idleSpinMicros, fsync: true, clock: options.clock ?? Date.now, dictionary, hosting: h,
      openStore: (id) => h.openStore(id, sessions.openFileStore(dataDir, id)), openLog: (id) => sessions.openFileLog(dataDir, id),
      fixPort: options.fixPort ?? settings.fixPort, host: options.host ?? settings.fixHost ?? '0.0.0.0',
      expiryCheckIntervalMs: options.expiryCheckIntervalMs ?? 250, endOfDayDir: dataDir,
    });
  } catch (err) {
    await closeReplica(replica, hosting);
    throw err;
  }
  log.info({ node: cluster.nodeId, fixPort: orderPath.acceptor.port, lastSeq: engine.lastSeq, snapshotSeq: replica.snapshotSeq }, 'cluster node serving');
  return clusterGatewayOf(replica, orderPath, hosting, registry, dataDir, idleSpinMicros, options, log);
}

/** The engine replica from the newest snapshot plus the stream, caught up with the stream before it returns. */
async function startNodeReplica(conn: ClusterConnection, options: ClusterGatewayOptions, pendingMax: number, observeAckUs: (us: number) => void,
  fail: (err: Error) => void, log: Logger): Promise<Replica> {
  const { cluster } = options;
  const commandLog = await JetStreamCommandLog.open(conn, cluster, { observeAckLatencyUs: observeAckUs });
  const snapshots = await ObjectSnapshotStore.open(conn, cluster);
  const config = options.engineConfig ?? loadEngineConfig(options.settings.engineConfigPath ?? defaultEngineConfigPath());
  const started = await startReplica(config, commandLog, snapshots, { pendingCommandsMax: pendingMax, clock: options.clock ?? Date.now });
  if (started.skipped.length > 0) log.warn({ skipped: started.skipped }, 'snapshots that did not read back were skipped');
  const { sequencer, engine } = started;
  sequencer.onFatal(fail);
  const digests = new DigestExchange(conn, commandLog.names, { nodeId: cluster.nodeId, onDiverged: fail, appliedSeq: () => engine.lastSeq });
  const checkpoints = new Checkpoints({
    engine, log: commandLog, digests, snapshots, digestEveryCommands: cluster.digestEveryCommands, snapshotEveryCommands: cluster.snapshotEveryCommands,
    snapshotsKept: cluster.snapshotsKept, onSaved: (seq, where) => log.info({ seq, where }, 'snapshot saved'),
    onSaveError: (err) => log.error({ err }, 'snapshot not saved'),
    onTrimmed: (coveredSeq, bounds) => log.info({ coveredSeq, ...bounds }, 'command stream trimmed'),
  });
  sequencer.onEvents(checkpoints.applied);
  const presence = new NodePresence(conn, commandLog.names, commandLog.origin);
  const replica = { conn, log: commandLog, sequencer, engine, snapshotSeq: started.snapshotSeq, digests, checkpoints, presence };
  const replaying = options.onReplayEvents === undefined ? undefined : sequencer.onEvents(options.onReplayEvents);
  try {
    await caughtUp(commandLog, sequencer, options.catchUpTimeoutMs ?? 600_000);
  } catch (err) {
    await closeReplica(replica, undefined);
    throw err;
  } finally {
    replaying?.();
  }
  log.info({ snapshotSeq: started.snapshotSeq, lastSeq: engine.lastSeq, stream: commandLog.names.commandStream }, 'replica caught up with the stream');
  return replica;
}

async function closeReplica(r: Replica, hosting: ClusterHosting | undefined): Promise<void> {
  await hosting?.close().catch(() => undefined);
  await r.sequencer.close().catch(() => undefined);
  r.checkpoints.close();
  r.digests.close();
  r.presence.close();
  await r.conn.close();
}

function clusterGatewayOf(r: Replica, orderPath: OrderPath, hosting: ClusterHosting, registry: Registry, dataDir: string, idleSpinMicros: number,
  options: ClusterGatewayOptions, log: Logger): ClusterGateway {
  let ready = true;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => closed ??= (async () => {
    ready = false;
    await orderPath.close(options.logoutGraceMs ?? 2000);
    await closeReplica(r, hosting);
    log.info({ lastSeq: r.engine.lastSeq }, 'cluster node stopped');
  })();
  const health = (): ClusterHealth => ({
    node: options.cluster.nodeId, natsConnected: r.conn.up, caughtUp: r.log.lag === 0, replicaLag: r.log.lag, lastAppliedSeq: r.engine.lastSeq,
    sessionsHosted: hosting.count, digestAgreedSeq: r.digests.agreed.seq, lastSnapshotSeq: r.checkpoints.lastSnapshotSeq,
  });
  return {
    fixPort: orderPath.acceptor.port, dataDir, engine: r.engine, sequencer: r.sequencer, log: r.log, acceptor: orderPath.acceptor, registry,
    metrics: orderPath.metrics, get ready() { return ready && r.conn.up; }, replayedCommands: 0, recoveredFromSnapshotSeq: r.snapshotSeq,
    idleSpinMicros, get lastSnapshotSeq() { return r.checkpoints.lastSnapshotSeq; },
    snapshotStatus: () => ({ mode: 'inline', workerRunning: false, workerLagCommands: 0, lastSnapshotSeq: r.checkpoints.lastSnapshotSeq }),
    snapshot: () => Promise.reject(new Error('cluster nodes snapshot on their schedule (ClusterSnapshotEveryCommands) into the object store')),
    sessionsInfo: () => orderPath.sessionsInfo(), degraded: () => orderPath.degraded(), health, close,
  };
}
