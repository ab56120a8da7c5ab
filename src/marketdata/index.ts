// fixgw market data: the HTTP + WebSocket server of the gateway (fastify + @fastify/websocket).
//
//   const http = await startHttpServer({ port: 8080, engine, sequencer, registry, isReady: () => replayed,
//     sessions: () => acceptor.sessionInfo(), logger });
//   ... http.port ...
//   await http.close();
//
// Call it once the engine is open (journal replayed): the tap seeds its books from engine.bookSnapshot() and
// from then on follows the sequencer's events.
//
// Routes: GET / (live viewer page), GET /ws (WebSocket market data: book, trades, bbo, status channels),
// GET /api/v1/book/:symbol?depth=N, /api/v1/trades/:symbol?limit=N, /api/v1/instruments, /api/v1/sessions,
// /health (503 until isReady()), /metrics (Prometheus text of `registry`). With `accessToken`, all but /health and
// the admin API need it (access.ts).
//
// Feed: every 'md' event the sequencer delivers (after its journal batch is durable, so nothing is visible
// before it is durable) is applied to the tap's own per-symbol state (feed.ts), seeded once from
// engine.bookSnapshot(); WebSocket fan-out happens once per event-loop turn (ws-tap.ts). Protocol: README.
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { Engine, Sequencer } from '../engine/index.js';
import { MarketDataFeed } from './feed.js';
import { TRADES_KEPT_DEFAULT, type TradeTape } from './trade-tape.js';
import { createTapMetrics } from './metrics.js';
import { DEFAULT_TAP_LIMITS, WsTap, type TapLimits } from './ws-tap.js';
import { registerHttpApi } from './http-api.js';
import { readAccessHook } from './access.js';
import { ConnectionsPerAddress } from '../session/connections-per-address.js';

export { bookChecksum, checksumText, CHECKSUM_LEVELS } from './checksum.js';
export type { WireLevel } from './checksum.js';
export { DEFAULT_TAP_LIMITS } from './ws-tap.js';
export type { TapLimits, Channel } from './ws-tap.js';
export { VIEWER_HTML } from './viewer-page.js';
export { tokenFrom } from './access.js';
export { TradeTape, TRADES_KEPT_DEFAULT } from './trade-tape.js';

export interface HttpServerOptions extends Partial<TapLimits> {
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** 0 = any free port (read it back from the result). */
  port: number;
  engine: Engine;
  sequencer: Sequencer;
  /** FIX session info for GET /api/v1/sessions. */
  sessions?: () => readonly object[];
  /** Metrics registry shared with the rest of the gateway; one is created (with default Node metrics) if absent. */
  registry?: Registry;
  /** /health answers 503 until this is true (e.g. after journal replay). Default: always ready. */
  isReady?: () => boolean;
  /** Extra fields of a ready /health answer. */
  healthDetails?: () => Record<string, unknown>;
  logger?: Logger;
  /** Recent trades kept per symbol (HTTP limit and trades snapshot draw from these). Default 1000. */
  tradesKeptMax?: number;
  /** The trades from before this start, rebuilt from the journal (trade-tape.ts). */
  tradeTape?: TradeTape;
  /** More routes from other layers (e.g. the gateway's admin API), each a fastify plugin registered under its prefix. */
  plugins?: Array<{ plugin: (app: FastifyInstance) => Promise<void>; prefix: string }>;
  /** Serve HTTPS (and WSS on /ws) with this key and certificate (PEM) instead of plain HTTP. */
  https?: { key: Buffer; cert: Buffer };
  /** Read token: every route but /health and the admin API then needs it (access.ts); undefined or '' = open. */
  accessToken?: string;
  /** Connections (HTTP keep-alive and WebSocket alike) open at once from one source address; more are closed at once.
   *  Default 2,000. */
  connectionsPerAddressMax?: number;
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

/** Closes a new connection at once when its source address already has `max` open (ConnectionsPerAddress, as the FIX
 *  acceptor does with MaxConnectionsPerAddress). */
function limitConnectionsPerAddress(app: FastifyInstance, max: number, logger: Logger | undefined): void {
  if (!Number.isInteger(max) || max < 1) throw new Error(`connectionsPerAddressMax must be a positive integer, got ${max}`);
  const open = new ConnectionsPerAddress(max);
  let refusalsLogged = 0;
  app.server.on('connection', (socket: import('node:net').Socket) => {
    const address = socket.remoteAddress ?? '?';
    if (!open.admit(address)) {
      if (refusalsLogged++ % 1000 === 0) logger?.warn({ remoteAddress: address, max }, 'HTTP connection refused: too many from one address');
      socket.destroy();
      return;
    }
    socket.once('close', () => open.release(address));
  });
}

export async function startHttpServer(opts: HttpServerOptions): Promise<HttpServer> {
  const limits: TapLimits = { ...DEFAULT_TAP_LIMITS };
  for (const k of Object.keys(DEFAULT_TAP_LIMITS) as Array<keyof TapLimits>) {
    const v = opts[k];
    if (v !== undefined) {
      if (!Number.isInteger(v) || v < 0 || (v === 0 && k !== 'conflateMaxUs')) throw new Error(`market data option ${k} must be a positive integer, got ${String(v)}`);
      limits[k] = v;
    }
  }
  const tradesKeptMax = opts.tradesKeptMax ?? TRADES_KEPT_DEFAULT;
  const host = opts.host ?? '127.0.0.1';
  let registry = opts.registry;
  if (registry === undefined) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry });
  }

  // seed from the engine and subscribe in the same synchronous step: no event can fall between the two
  const feed = new MarketDataFeed(opts.engine, tradesKeptMax, opts.tradeTape);
  let tap: WsTap | null = null;
  const metrics = createTapMetrics(registry, {
    clients: () => tap?.clientCount ?? 0,
    subscriptions: () => tap?.subscriptionCounts() ?? {},
  });
  tap = new WsTap(feed, limits, metrics);
  const wsTap = tap;
  const unsubscribe = opts.sequencer.onEvents((_sc, events) => {
    for (const ev of events) {
      if (ev.kind !== 'md') continue;
      const f = feed.apply(ev);
      if (f !== null) { metrics.mdEvent(); wsTap.touched(f); }
    }
  });

  const tls = opts.https !== undefined ? { https: opts.https } : {};
  const app: FastifyInstance = opts.logger !== undefined
    ? Fastify({ loggerInstance: opts.logger, logController: new LogController({ disableRequestLogging: true }), bodyLimit: 4096, ...tls }) as unknown as FastifyInstance
    : Fastify({ logger: false, bodyLimit: 4096, ...tls }) as unknown as FastifyInstance;
  try {
    if (opts.accessToken !== undefined && opts.accessToken !== '') app.addHook('onRequest', readAccessHook(opts.accessToken, opts.logger));
    await app.register(websocket, { options: { maxPayload: limits.frameBytesMax, perMessageDeflate: false } });
    app.get('/ws', { websocket: true }, (socket) => { wsTap.accept(socket); });
    registerHttpApi(app, {
      feed, engine: opts.engine, registry, limits, tradesKeptMax,
      sessions: opts.sessions ?? (() => []),
      isReady: opts.isReady ?? (() => true),
      healthDetails: opts.healthDetails ?? (() => ({})),
    });
    for (const p of opts.plugins ?? []) await app.register(p.plugin, { prefix: p.prefix });
    limitConnectionsPerAddress(app, opts.connectionsPerAddressMax ?? 2_000, opts.logger);
    await app.listen({ host, port: opts.port });
  } catch (err) {
    unsubscribe();
    wsTap.stop();
    metrics.stop();
    await app.close().catch(() => undefined);
    throw err;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : opts.port;
  opts.logger?.info({ host, port }, 'market data HTTP/WebSocket server listening');
  let closed = false;
  return {
    port,
    host,
    url: `${opts.https !== undefined ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    get clientCount() { return wsTap.clientCount; },
    async close() {
      if (closed) return;
      closed = true;
      unsubscribe();
      wsTap.closeAll(1001, 'server shutting down');
      wsTap.stop();
      metrics.stop();
      await app.close();
    },
  };
}
