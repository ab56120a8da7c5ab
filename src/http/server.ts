// The process's HTTP server (fastify): health, metrics and FIX sessions (status-routes.ts), market data as one plugin
// from src/marketdata (WebSocket tap, book and trade snapshots, the viewer page), and more plugins from other layers
// (the gateway's admin API under /api/v1/admin). With `accessToken`, every route but /health and the admin API needs
// it (access.ts).
//
//   const http = await startHttpServer({ port: 8080, engine, sequencer, registry, isReady: () => replayed,
//     sessions: () => gateway.sessionsInfo(), logger });
//   ... http.port ...
//   await http.close();
//
// Call it once the engine is open (journal replayed): the market data seeds its books from the engine and from then
// on follows the sequencer's events.
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { Engine } from '../engine/index.js';
import { marketData, type EventSource, type TradeTape } from '../marketdata/index.js';
import type { TapLimits, WsExtension } from '../marketdata/ws-tap.js';
import { readAccessHook } from './access.js';
import { ConnectionsPerAddress } from '../session/connections-per-address.js';
import { FailureBurst, processDescriptors, type DescriptorBudget } from '../session/descriptors.js';
import { statusRoutes } from './status-routes.js';
import { operatorRoutes } from './operator-routes.js';

export interface HttpServerOptions extends Partial<TapLimits> {
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** 0 = any free port (read it back from the result). */
  port: number;
  engine: Engine;
  sequencer: EventSource;
  /** FIX session info for GET /api/v1/sessions. */
  sessions?: () => readonly object[];
  /** Metrics registry shared with the rest of the gateway; one is created (with default Node metrics) if absent. */
  registry?: Registry;
  /** /health answers 503 until this is true (e.g. after journal replay). Default: always ready. */
  isReady?: () => boolean;
  /** Extra fields of a ready /health answer. */
  healthDetails?: () => Record<string, unknown>;
  /** What runs degraded now: /health answers 503 "degraded" with these reasons while there are any. */
  degraded?: () => string[];
  logger?: Logger;
  /** Recent trades kept per symbol (HTTP limit and trades snapshot draw from these). Default 1000. */
  tradesKeptMax?: number;
  /** The trades from before this start, rebuilt from the journal (src/marketdata/trade-tape.ts). */
  tradeTape?: TradeTape;
  /** More routes from other layers (e.g. the gateway's admin API), each a fastify plugin registered under its prefix. */
  plugins?: Array<{ plugin: (app: FastifyInstance) => Promise<void>; prefix: string }>;
  /** Serve HTTPS (and WSS on /ws) with this key and certificate (PEM) instead of plain HTTP. */
  https?: { key: Buffer; cert: Buffer };
  /** Read token: every route but /health and the admin API then needs it (access.ts); undefined or '' = open. */
  accessToken?: string;
  /** More ops on /ws besides market data (the private channels of ws-private.ts). */
  wsExtension?: WsExtension;
  /** Connections (HTTP keep-alive and WebSocket alike) open at once from one source address; more are closed at once.
   *  Default 2,000. */
  connectionsPerAddressMax?: number;
  /** File descriptors: a new connection is closed at once when it would take one of the reserve (default: the
   *  process's budget, which the FIX acceptor shares). */
  descriptors?: DescriptorBudget;
}

export interface HttpServer {
  port: number;
  host: string;
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  /** Open WebSocket connections. */
  readonly clientCount: number;
  close(): Promise<void>;
}

/** Closes a new connection at once when it would take a descriptor of the reserve (descriptors.ts: the journal and
 *  the session files need them), or when its source address already has `max` open (ConnectionsPerAddress, as the FIX
 *  acceptor does with MaxConnectionsPerAddress). */
function limitConnections(app: FastifyInstance, max: number, descriptors: DescriptorBudget, logger: Logger | undefined): void {
  if (!Number.isInteger(max) || max < 1) throw new Error(`connectionsPerAddressMax must be a positive integer, got ${max}`);
  const open = new ConnectionsPerAddress(max);
  let refusalsLogged = 0;
  const outOfDescriptors = new FailureBurst('Out of file descriptors: new HTTP connections closed at once', 10_000, (text) => logger?.warn(text));
  app.server.on('connection', (socket: import('node:net').Socket) => {
    const address = socket.remoteAddress ?? '?';
    if (!descriptors.take(1)) {
      outOfDescriptors.failed(`a connection from ${address}; ${descriptors.reserve} kept free`);
      socket.destroy();
      return;
    }
    if (!open.admit(address)) {
      if (refusalsLogged++ % 1000 === 0) logger?.warn({ remoteAddress: address, max }, 'HTTP connection refused: too many from one address');
      socket.destroy();
      return;
    }
    socket.once('close', () => open.release(address));
  });
}

function fastifyOf(opts: HttpServerOptions): FastifyInstance {
  const tls = opts.https !== undefined ? { https: opts.https } : {};
  return opts.logger !== undefined
    ? Fastify({ loggerInstance: opts.logger, logController: new LogController({ disableRequestLogging: true }), bodyLimit: 4096, ...tls }) as unknown as FastifyInstance
    : Fastify({ logger: false, bodyLimit: 4096, ...tls }) as unknown as FastifyInstance;
}

export async function startHttpServer(opts: HttpServerOptions): Promise<HttpServer> {
  const host = opts.host ?? '127.0.0.1';
  let registry = opts.registry;
  if (registry === undefined) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry });
  }
  const md = marketData({ ...opts, registry });
  const app = fastifyOf(opts);
  try {
    if (opts.accessToken !== undefined && opts.accessToken !== '') app.addHook('onRequest', readAccessHook(opts.accessToken, opts.logger));
    await app.register(md.plugin);
    await app.register(statusRoutes({ registry, sessions: opts.sessions ?? (() => []), isReady: opts.isReady ?? (() => true),
      healthDetails: opts.healthDetails ?? (() => ({})), degraded: opts.degraded ?? (() => []) }));
    await app.register(operatorRoutes({ engine: opts.engine }));
    for (const p of opts.plugins ?? []) await app.register(p.plugin, { prefix: p.prefix });
    limitConnections(app, opts.connectionsPerAddressMax ?? 2_000, opts.descriptors ?? processDescriptors(), opts.logger);
    await app.listen({ host, port: opts.port });
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : opts.port;
  opts.logger?.info({ host, port }, 'HTTP/WebSocket server listening');
  let closed = false;
  return {
    port,
    host,
    url: `${opts.https !== undefined ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    get clientCount() { return md.clientCount; },
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
    },
  };
}
