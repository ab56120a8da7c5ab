// HTTP routes of market data: REST snapshots (same level format and seq as the WebSocket book), instruments and the
// viewer page. (Health, metrics and FIX sessions are the HTTP server's own routes: src/http/status-routes.ts.)
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Engine } from '../engine/index.js';
import { bookChecksum } from './checksum.js';
import type { MarketDataFeed } from './feed.js';
import type { TapLimits } from './ws-tap.js';
import { VIEWER_HTML } from './viewer-page.js';
import { registerViewerAssets } from './viewer-assets.js';

export interface HttpApiContext {
  feed: MarketDataFeed;
  engine: Engine;
  limits: TapLimits;
  tradesKeptMax: number;
}

interface SymbolRoute { Params: { symbol: string }; Querystring: Record<string, string | undefined> }

export function registerHttpApi(app: FastifyInstance, ctx: HttpApiContext): void {
  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(VIEWER_HTML));
  registerViewerAssets(app);

  app.get<SymbolRoute>('/api/v1/book/:symbol', async (req, reply) => {
    const f = ctx.feed.get(req.params.symbol);
    if (f === undefined) return notFound(reply, req.params.symbol);
    const depth = intParam(req.query['depth'], ctx.limits.bookDepthDefault, ctx.limits.bookDepthMax);
    if (depth === null) return badRequest(reply, `depth must be an integer from 1 to ${ctx.limits.bookDepthMax}`);
    const bids = f.bids.top(depth);
    const asks = f.asks.top(depth);
    return { symbol: f.symbol, seq: f.mdSeq, status: f.status, depth, bids, asks, checksum: bookChecksum(bids, asks) };
  });

  app.get<SymbolRoute>('/api/v1/trades/:symbol', async (req, reply) => {
    const f = ctx.feed.get(req.params.symbol);
    if (f === undefined) return notFound(reply, req.params.symbol);
    const limit = intParam(req.query['limit'], 100, ctx.tradesKeptMax);
    if (limit === null) return badRequest(reply, `limit must be an integer from 1 to ${ctx.tradesKeptMax}`);
    const trades = f.recentTrades(limit).map((t) => ({ tradeId: t.tradeId, price: t.price, qty: t.qty, side: t.side, timeMs: t.timeMs, seq: t.seq }));
    return { symbol: f.symbol, seq: f.mdSeq, trades };
  });

  app.get('/api/v1/instruments', async () => ({
    instruments: ctx.engine.instruments().map((i) => {
      const f = ctx.feed.get(i.symbol);
      return { symbol: i.symbol, tickSize: i.tickSize, lotSize: i.lotSize, status: f?.status ?? i.status,
        lastPrice: f?.lastPrice ?? i.lastPrice, referencePrice: i.referencePrice, seq: f?.mdSeq ?? i.mdSeq };
    }),
  }));

}

/** Parses an optional positive integer query parameter; null when present but invalid. */
function intParam(raw: string | undefined, dflt: number, max: number): number | null {
  if (raw === undefined || raw === '') return dflt;
  if (!/^[0-9]{1,9}$/.test(raw)) return null;
  const n = Number(raw);
  return n >= 1 && n <= max ? n : null;
}

function notFound(reply: FastifyReply, symbol: string): FastifyReply {
  return reply.code(404).send({ error: 'unknown_symbol', message: `unknown symbol ${JSON.stringify(symbol)}` });
}

function badRequest(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(400).send({ error: 'bad_request', message });
}
