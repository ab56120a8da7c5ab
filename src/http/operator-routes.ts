// The operator page and the reads it needs beside GET /api/v1/sessions and /api/v1/instruments, as a fastify plugin of
// the process's HTTP server (behind the read token like every read; the page's admin actions go to the admin API,
// src/http/admin-api.ts, with the admin token the operator pastes into the page).
//
//   GET /operator                     the operator page (operator-page.ts)
//   GET /api/v1/instruments/status    each instrument's trading status, why it is halted, price band, circuit breaker,
//                                     resting orders
//   GET /api/v1/accounts?limit=N      accounts (the fee account first) with kill switch, mode and open orders
import type { FastifyInstance } from 'fastify';
import type { Engine } from '../engine/index.js';
import { OPERATOR_HTML } from './operator-page.js';

export type OperatorReads = Pick<Engine, 'instruments' | 'restingCounts' | 'accountNames' | 'account'>;

/** Accounts listed at most, whatever `limit` asks. */
const ACCOUNTS_MAX = 10_000;

export function operatorRoutes(o: { engine: OperatorReads }): (app: FastifyInstance) => Promise<void> {
  return async (app) => {
    app.get('/operator', async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(OPERATOR_HTML));

    app.get('/api/v1/instruments/status', async () => {
      const resting = o.engine.restingCounts();
      return {
        instruments: o.engine.instruments().map((i) => ({
          symbol: i.symbol, status: i.status, haltReason: i.haltText, lastPrice: i.lastPrice, referencePrice: i.referencePrice,
          priceBandBps: i.priceBandBps, circuitBreaker: i.circuitBreakerBps === 0 ? null : { bps: i.circuitBreakerBps, windowMs: i.circuitBreakerWindowMs },
          restingOrders: resting[i.symbol] ?? 0,
        })),
      };
    });

    app.get<{ Querystring: { limit?: string } }>('/api/v1/accounts', async (req, reply) => {
      const raw = req.query.limit;
      const limit = raw === undefined || raw === '' ? 1000 : /^[0-9]{1,6}$/.test(raw) ? Number(raw) : NaN;
      if (!(limit >= 1 && limit <= ACCOUNTS_MAX)) {
        return reply.code(400).send({ error: 'bad_request', message: `limit must be an integer from 1 to ${ACCOUNTS_MAX}` });
      }
      const names = o.engine.accountNames();
      const accounts = names.slice(0, limit).map((name) => o.engine.account(name)).filter((a) => a !== null);
      return { accounts, total: names.length };
    });
  };
}
