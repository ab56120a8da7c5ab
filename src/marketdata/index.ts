// fixgw market data: the per-symbol book and trade feed, the WebSocket tap and the market-data REST routes, as one
// fastify plugin for the process's HTTP server (src/http/server.ts).
//
//   const md = marketData({ engine, sequencer, registry });
//   await app.register(md.plugin);        // GET /, /ws, /api/v1/book/:symbol, /api/v1/trades/:symbol, /api/v1/instruments
//
// Feed: every 'md' event the sequencer delivers (after its command is durable, so nothing is visible before it is
// durable) is applied to the tap's own per-symbol state (feed.ts), seeded once from engine.bookSnapshot() in the same
// synchronous step as the subscription; WebSocket fan-out happens once per event-loop turn (ws-tap.ts). Protocol: README.
import type { FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import type { Registry } from 'prom-client';
import type { Engine, EngineEvent, SequencedCommand } from '../engine/index.js';
import { MarketDataFeed } from './feed.js';
import { TRADES_KEPT_DEFAULT, type TradeTape } from './trade-tape.js';
import { createTapMetrics } from './metrics.js';
import { DEFAULT_TAP_LIMITS, WsTap, type TapLimits, type WsExtension } from './ws-tap.js';
import { registerHttpApi } from './http-api.js';

export { bookChecksum, checksumText, CHECKSUM_LEVELS } from './checksum.js';
export type { WireLevel } from './checksum.js';
export { DEFAULT_TAP_LIMITS } from './ws-tap.js';
export type { TapLimits, Channel, WsExtension } from './ws-tap.js';
export { VIEWER_HTML } from './viewer-page.js';
export { TradeTape, TRADES_KEPT_DEFAULT } from './trade-tape.js';

/** Where applied commands' events come from (the command sequencer). */
export interface EventSource {
  onEvents(listener: (sc: SequencedCommand, events: EngineEvent[]) => void): () => void;
}

export interface MarketDataOptions extends Partial<TapLimits> {
  engine: Engine;
  sequencer: EventSource;
  registry: Registry;
  /** Recent trades kept per symbol (HTTP limit and trades snapshot draw from these). Default 1000. */
  tradesKeptMax?: number;
  /** The trades from before this start, rebuilt from the journal (trade-tape.ts). */
  tradeTape?: TradeTape;
  /** More ops on /ws (the private channels). */
  wsExtension?: WsExtension;
}

export interface MarketData {
  /** Registers the WebSocket tap and the market-data routes; stops the feed when the server closes. */
  plugin: (app: FastifyInstance) => Promise<void>;
  /** Open WebSocket connections. */
  readonly clientCount: number;
}

function tapLimitsOf(opts: Partial<TapLimits>): TapLimits {
  const limits: TapLimits = { ...DEFAULT_TAP_LIMITS };
  for (const k of Object.keys(DEFAULT_TAP_LIMITS) as Array<keyof TapLimits>) {
    const v = opts[k];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < 0 || (v === 0 && k !== 'conflateMaxUs')) throw new Error(`market data option ${k} must be a positive integer, got ${String(v)}`);
    limits[k] = v;
  }
  return limits;
}

export function marketData(opts: MarketDataOptions): MarketData {
  const limits = tapLimitsOf(opts);
  const tradesKeptMax = opts.tradesKeptMax ?? TRADES_KEPT_DEFAULT;
  let tap: WsTap | null = null;
  return {
    get clientCount() { return tap?.clientCount ?? 0; },
    async plugin(app) {
      // seed from the engine and subscribe in the same synchronous step: no event can fall between the two
      const feed = new MarketDataFeed(opts.engine, tradesKeptMax, opts.tradeTape);
      const metrics = createTapMetrics(opts.registry, { clients: () => tap?.clientCount ?? 0, subscriptions: () => tap?.subscriptionCounts() ?? {} });
      const wsTap = tap = new WsTap(feed, limits, metrics, opts.wsExtension ?? null);
      const unsubscribe = opts.sequencer.onEvents((_sc, events) => {
        for (const ev of events) {
          if (ev.kind !== 'md') continue;
          const f = feed.apply(ev);
          if (f !== null) { metrics.mdEvent(); wsTap.touched(f); }
        }
      });
      app.addHook('preClose', async () => { wsTap.closeAll(1001, 'server shutting down'); });
      app.addHook('onClose', async () => { unsubscribe(); wsTap.stop(); metrics.stop(); });
      await app.register(websocket, { options: { maxPayload: limits.frameBytesMax, perMessageDeflate: false } });
      app.get('/ws', { websocket: true }, (socket) => { wsTap.accept(socket); });
      registerHttpApi(app, { feed, engine: opts.engine, limits, tradesKeptMax });
    },
  };
}
