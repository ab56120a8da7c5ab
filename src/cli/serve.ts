// `fixgw serve`: run the gateway (FIX acceptor + engine) until SIGINT/SIGTERM, then log every session out,
// flush the journal and exit 0.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { pino, type Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { startHttpServer, type HttpServer } from '../http/server.js';
import { tokenFrom } from '../http/access.js';
import { adminApi, adminTokenOf } from '../http/admin-api.js';
import { TradeTape, TRADES_KEPT_DEFAULT } from '../marketdata/index.js';
import { loadGatewaySettings, startGateway, type Gateway, type GatewayFileSettings } from '../gateway/index.js';
import { warmUp } from './warm-up.js';
import { exposureWarnings } from '../gateway/exposure.js';
import { defaultEngineConfigPath, loadEngineConfig } from '../engine/index.js';

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('expected a port number 0..65535 (0 = any free port)');
  return port;
}

export function defaultGatewayConfigPath(): string {
  return fileURLToPath(new URL('../../../config/gateway.cfg', import.meta.url));
}

interface ServeOptions { config: string; fixPort?: number; httpPort?: number; httpHost?: string; dataDir?: string; fsync: boolean; host?: string; engineConfig?: string }

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

export function register(program: Command): void {
  program
    .command('serve')
    .description('run the FIX gateway (FIX acceptor, matching engine, journal) until SIGINT/SIGTERM')
    .option('--config <file>', 'gateway settings (QuickFIX-style .cfg)', defaultGatewayConfigPath())
    .option('--fix-port <n>', 'FIX port (overrides SocketAcceptPort; 0 = any free port)', parsePort)
    .option('--http-port <n>', 'HTTP/WebSocket port (overrides HttpPort; 0 = any free port)', parsePort)
    .option('--http-host <addr>', 'HTTP/WebSocket listen address (overrides HttpHost; default 0.0.0.0)')
    .option('--data-dir <dir>', 'journal, snapshots, session stores and logs (overrides DataDirectory)')
    .option('--host <addr>', 'FIX listen address (overrides SocketAcceptHost)')
    .option('--engine-config <file>', 'instruments, accounts and risk limits (overrides EngineConfig)')
    .option('--no-fsync', 'do not fdatasync the journal after each batch (overrides JournalFsync)')
    .action(async (opts: ServeOptions, cmd: Command) => {
      const log = pino({ name: 'fixgw', level: process.env.LOG_LEVEL ?? 'info' });
      const fsyncGiven = cmd.getOptionValueSource('fsync') === 'cli';
      const registry = new Registry();
      collectDefaultMetrics({ register: registry });
      let stopping = false;
      let settings: GatewayFileSettings;
      let gateway: Gateway;
      const tradeTape = new TradeTape(TRADES_KEPT_DEFAULT);
      try {
        settings = loadGatewaySettings(opts.config);
        const engineConfig = loadEngineConfig(opts.engineConfig ?? settings.engineConfigPath ?? defaultEngineConfigPath());
        if (settings.warmUpOrders > 0) log.info(await warmUp(settings, engineConfig, settings.warmUpOrders, log), 'warm-up done');
        gateway = await startGateway({
          onReplayEvents: (_sc, events) => tradeTape.add(events),
          settings,
          registry,
          logger: log,
          ...(opts.fixPort !== undefined ? { fixPort: opts.fixPort } : {}),
          ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
          ...(opts.host !== undefined ? { host: opts.host } : {}),
          engineConfig,
          ...(fsyncGiven ? { fsync: opts.fsync } : {}),
          onFatal: () => { if (!stopping) void stop('journal failure', 1); },
        });
      } catch (err) {
        // Configuration and startup problems (bad .cfg or engine.json, port in use, unreadable journal): one line, exit 1.
        log.fatal({ err }, 'fixgw could not start');
        log.flush();
        process.stderr.write(`fixgw serve: ${(err as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      tradesBeforeSnapshot(tradeTape, gateway, log);
      let http: HttpServer | undefined;
      try {
        http = await startHttpServer({
          host: opts.httpHost ?? settings.httpHost ?? '0.0.0.0',
          port: opts.httpPort ?? settings.httpPort ?? 8080,
          engine: gateway.engine,
          sequencer: gateway.sequencer,
          tradeTape,
          sessions: () => gateway.sessionsInfo(),
          registry,
          isReady: () => gateway.ready && !stopping,
          healthDetails: () => ({ lastSeq: gateway.sequencer.lastAppliedSeq, snapshots: gateway.snapshotStatus() }),
          degraded: () => gateway.degraded(),
          logger: log,
          // Operator API (halt/resume/killswitch/end-of-day) on the same HTTP server; 403 unless a token is configured.
          plugins: [{ prefix: '/api/v1/admin', plugin: adminApi({ sequencer: gateway.sequencer, token: adminTokenOf(settings.adminToken), logger: log }) }],
          accessToken: tokenFrom('FIXGW_HTTP_TOKEN', settings.httpAccessToken),
          connectionsPerAddressMax: settings.maxHttpConnectionsPerAddress,
          ...(settings.https !== undefined
            ? { https: { key: readFileSync(settings.https.keyFile), cert: readFileSync(settings.https.certFile) } } : {}),
        });
      } catch (err) {
        log.fatal({ err }, 'fixgw could not start its HTTP server');
        process.stderr.write(`fixgw serve: HTTP server: ${(err as Error).message}\n`);
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
