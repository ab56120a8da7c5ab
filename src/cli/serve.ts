// `fixgw serve`: run the gateway (FIX acceptor + engine) until SIGINT/SIGTERM, then log every session out,
// flush the journal and exit 0.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { pino, type Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { startHttpServer, type HttpServer } from '../http/server.js';
import { tokenFrom } from '../http/access.js';
import { adminApi, adminTokenOf } from '../http/admin-api.js';
import { startRestService, type RestService } from '../http/rest-service.js';
import { TradeTape, TRADES_KEPT_DEFAULT } from '../marketdata/index.js';
import { loadGatewaySettings, startGateway, type Gateway, type GatewayFileSettings } from '../gateway/index.js';
import { warmUp } from './warm-up.js';
import { exposureWarnings } from '../gateway/exposure.js';
import { defaultEngineConfigPath, loadEngineConfig, type EngineConfig, type EngineEvent } from '../engine/index.js';
import { ApiKeys } from '../http/api-keys.js';
import { addClusterFlags, clusterSettingsOf, type ClusterFlags } from '../cluster/cli-options.js';
import { startClusterGateway, type ClusterGateway } from '../cluster/cluster-gateway.js';
import { CLUSTER_KEYS, type ClusterSettings } from '../cluster/settings.js';
import { checkPortFree, checkWritableDir, listenProblem, reportStartupFailure, type PortToCheck } from './preflight.js';

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('expected a port number 0..65535 (0 = any free port)');
  return port;
}

export function defaultGatewayConfigPath(): string {
  return fileURLToPath(new URL('../../../config/gateway.cfg', import.meta.url));
}

interface ServeOptions extends ClusterFlags { config: string; fixPort?: number; httpPort?: number; httpHost?: string; dataDir?: string; fsync: boolean; host?: string; engineConfig?: string }

/** Trade history from before the snapshot the gateway started from (it replayed nothing before it), into `tape`. */
function tradesBeforeSnapshot(tape: TradeTape, gateway: Gateway, log: Logger): void {
  const toSeq = gateway.recoveredFromSnapshotSeq;
  if (toSeq === null) return;
  try {
    const r = tape.replayBefore(gateway.dataDir, gateway.engine.config, toSeq);
    if (r.error !== undefined) log.warn({ ...r, toSeq }, 'trade history rebuilt from the journal in part');
    else log.info({ ...r, toSeq }, 'trade history rebuilt from the journal');
  } catch (err) {
    log.warn({ err }, 'trade history before the snapshot could not be rebuilt: it starts at the snapshot');
  }
}

interface Serving { settings: GatewayFileSettings; cluster: ClusterSettings | null; engineConfig: EngineConfig; registry: Registry; log: Logger;
  tradeTape: TradeTape; onFatal: (why: string) => void }

/** Cluster mode (docs/cluster.md) when ClusterNatsUrls is set; otherwise the single process on its journal. */
async function startServing(opts: ServeOptions, fsyncGiven: boolean, s: Serving): Promise<{ gateway: Gateway; clusterNode: ClusterGateway | undefined }> {
  const common = {
    settings: s.settings, registry: s.registry, logger: s.log, engineConfig: s.engineConfig, onReplayEvents: (_sc: unknown, events: EngineEvent[]) => s.tradeTape.add(events),
    ...(opts.fixPort !== undefined ? { fixPort: opts.fixPort } : {}),
    ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
    ...(opts.host !== undefined ? { host: opts.host } : {}),
  };
  if (s.cluster !== null) {
    const clusterNode = await startClusterGateway({ ...common, cluster: s.cluster, onFatal: (err) => s.onFatal(err.message) });
    return { gateway: clusterNode, clusterNode };
  }
  const gateway = await startGateway({ ...common, ...(fsyncGiven ? { fsync: opts.fsync } : {}), onFatal: () => s.onFatal('journal failure') });
  return { gateway, clusterNode: undefined };
}

/** The ports and directories `serve` will use, checked before the warm-up and before anything is written. */
async function checkBeforeStart(opts: ServeOptions, settings: GatewayFileSettings): Promise<void> {
  for (const port of [fixPortOf(opts, settings), httpPortOf(opts, settings)]) await checkPortFree(port);
  // a keys file that cannot be read or parsed is found here, not after the warm-up
  if (settings.api.keysFile !== undefined) ApiKeys.load(settings.api.keysFile, settings.api.requestsPerSecond);
  checkWritableDir('data directory', path.resolve(opts.dataDir ?? settings.dataDir ?? 'data'));
  for (const s of settings.sessions) {
    if (s.fileStorePath !== undefined) checkWritableDir('FileStorePath', path.resolve(s.fileStorePath));
    if (s.fileLogPath !== undefined) checkWritableDir('FileLogPath', path.resolve(s.fileLogPath));
  }
}

function fixPortOf(opts: ServeOptions, settings: GatewayFileSettings): PortToCheck {
  return { what: 'FIX', host: opts.host ?? settings.fixHost ?? '0.0.0.0', port: opts.fixPort ?? settings.fixPort, setBy: 'SocketAcceptPort or --fix-port' };
}

function httpPortOf(opts: ServeOptions, settings: GatewayFileSettings): PortToCheck {
  return { what: 'HTTP', host: opts.httpHost ?? settings.httpHost ?? '0.0.0.0', port: opts.httpPort ?? settings.httpPort ?? 8080, setBy: 'HttpPort or --http-port' };
}

/** A listen error of a port the checks found free (another process took it meanwhile) named like theirs. */
function asPortProblem(err: unknown, port: () => PortToCheck): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && /^(EADDRINUSE|EACCES|EADDRNOTAVAIL)$/.test(code) && /\blisten\b/.test((err as Error).message)
    ? new Error(listenProblem(port(), err as NodeJS.ErrnoException)) : err;
}

interface HttpContext {
  opts: ServeOptions; settings: GatewayFileSettings; gateway: Gateway; clusterNode: ClusterGateway | undefined; registry: Registry; log: Logger;
  tradeTape: TradeTape; isReady: () => boolean;
}

/** The HTTP server (health, metrics, market data, the admin API) with the REST API and the private WebSocket channels
 *  (docs/rest.md; disabled without ApiKeysFile). */
async function startHttp(c: HttpContext): Promise<{ http: HttpServer; rest: RestService }> {
  const { settings, gateway, log } = c;
  const rest = startRestService({ engine: gateway.engine, sequencer: gateway.sequencer, settings: settings.api, logger: log, registry: c.registry });
  try {
    const http = await startHttpServer({
      host: c.opts.httpHost ?? settings.httpHost ?? '0.0.0.0',
      port: c.opts.httpPort ?? settings.httpPort ?? 8080,
      engine: gateway.engine,
      sequencer: gateway.sequencer,
      tradeTape: c.tradeTape,
      sessions: () => gateway.sessionsInfo(),
      registry: c.registry,
      isReady: c.isReady,
      healthDetails: () => ({ lastSeq: gateway.sequencer.lastAppliedSeq,
        ...(c.clusterNode !== undefined ? { cluster: c.clusterNode.health() } : { snapshots: gateway.snapshotStatus() }) }),
      degraded: () => gateway.degraded(),
      logger: log,
      // Operator API (halt/resume/killswitch/end-of-day, balance commands) on the same HTTP server; 403 unless a token is configured.
      plugins: [{ prefix: '/api/v1/admin', plugin: adminApi({ sequencer: gateway.sequencer, token: adminTokenOf(settings.adminToken), logger: log }) },
        ...rest.plugins],
      wsExtension: rest.ws,
      accessToken: tokenFrom('FIXGW_HTTP_TOKEN', settings.httpAccessToken),
      connectionsPerAddressMax: settings.maxHttpConnectionsPerAddress,
      ...(settings.https !== undefined
        ? { https: { key: readFileSync(settings.https.keyFile), cert: readFileSync(settings.https.certFile) } } : {}),
    });
    return { http, rest };
  } catch (err) {
    rest.close();
    throw err;
  }
}

export function register(program: Command): void {
  addClusterFlags(program
    .command('serve')
    .description('run the FIX gateway (FIX acceptor, matching engine, journal) until SIGINT/SIGTERM')
    .option('--config <file>', 'gateway settings (QuickFIX-style .cfg)', defaultGatewayConfigPath())
    .option('--fix-port <n>', 'FIX port (overrides SocketAcceptPort; 0 = any free port)', parsePort)
    .option('--http-port <n>', 'HTTP/WebSocket port (overrides HttpPort; 0 = any free port)', parsePort)
    .option('--http-host <addr>', 'HTTP/WebSocket listen address (overrides HttpHost; default 0.0.0.0)')
    .option('--data-dir <dir>', 'journal, snapshots, session stores and logs (overrides DataDirectory)')
    .option('--host <addr>', 'FIX listen address (overrides SocketAcceptHost)')
    .option('--engine-config <file>', 'instruments, accounts and risk limits (overrides EngineConfig)')
    .option('--no-fsync', 'do not fdatasync the journal after each batch (overrides JournalFsync)'))
    .action(async (opts: ServeOptions, cmd: Command) => {
      const log = pino({ name: 'fixgw', level: process.env.LOG_LEVEL ?? 'info' });
      const fsyncGiven = cmd.getOptionValueSource('fsync') === 'cli';
      const registry = new Registry();
      collectDefaultMetrics({ register: registry });
      let stopping = false;
      let settings: GatewayFileSettings;
      let gateway: Gateway;
      let clusterNode: ClusterGateway | undefined;
      const tradeTape = new TradeTape(TRADES_KEPT_DEFAULT);
      try {
        settings = loadGatewaySettings(opts.config, { moreKeys: CLUSTER_KEYS, onWarning: (w) => log.warn({ file: w.file, line: w.line, key: w.key }, w.message) });
        const cluster = clusterSettingsOf(settings.more, opts);
        const engineConfig = loadEngineConfig(opts.engineConfig ?? settings.engineConfigPath ?? defaultEngineConfigPath());
        await checkBeforeStart(opts, settings);
        if (settings.warmUpOrders > 0) log.info(await warmUp(settings, engineConfig, settings.warmUpOrders, log), 'warm-up done');
        ({ gateway, clusterNode } = await startServing(opts, fsyncGiven, { settings, cluster, engineConfig, registry, log, tradeTape,
          onFatal: (why) => { if (!stopping) void stop(why, 1); } }));
      } catch (err) {
        // Configuration and startup problems (bad .cfg or engine.json, port in use, unreadable journal): one line, exit 1.
        reportStartupFailure(log, asPortProblem(err, () => fixPortOf(opts, settings)));
        process.exitCode = 1;
        return;
      }
      if (clusterNode === undefined) tradesBeforeSnapshot(tradeTape, gateway, log); // a cluster node has no journal before its snapshot
      let http: HttpServer | undefined;
      let rest: RestService | undefined;
      try {
        ({ http, rest } = await startHttp({ opts, settings, gateway, clusterNode, registry, log, tradeTape, isReady: () => gateway.ready && !stopping }));
      } catch (err) {
        reportStartupFailure(log, asPortProblem(err, () => httpPortOf(opts, settings)), 'HTTP server: ');
        await gateway.close().catch(() => undefined);
        log.flush();
        process.exitCode = 1;
        return;
      }
      const httpPort = http.port;

      log.info({ fixPort: gateway.fixPort, httpPort, https: settings.https !== undefined, dataDir: gateway.dataDir, config: opts.config, pid: process.pid }, 'fixgw serving');
      for (const w of exposureWarnings({ fixHost: opts.host ?? settings.fixHost ?? '0.0.0.0', fixPort: gateway.fixPort, httpHost: opts.httpHost ?? settings.httpHost ?? '0.0.0.0', httpPort, sessions: settings.sessions, httpAccessToken: tokenFrom('FIXGW_HTTP_TOKEN', settings.httpAccessToken) })) log.warn(w.context, w.message);

      async function stop(reason: string, exitCode: number): Promise<void> {
        stopping = true;
        log.info({ reason }, 'shutting down');
        try {
          // A journal failure can stop us before the HTTP server is up.
          await http?.close();
          rest?.close();
          await gateway.close();
        } catch (err) {
          log.error({ err }, 'error while shutting down');
          exitCode = exitCode || 1;
        }
        log.flush();
        process.exit(exitCode);
      }
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, () => { if (!stopping) void stop(signal, 0); });
      }
    });
}
