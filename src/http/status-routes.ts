// The HTTP server's own routes: GET /health (503 until the process is ready, and while it runs degraded, with the
// reasons), GET /metrics (Prometheus text of the process's registry) and GET /api/v1/sessions (the FIX sessions as the
// gateway reports them).
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export interface StatusRoutesOptions {
  registry: Registry;
  sessions: () => readonly object[];
  isReady: () => boolean;
  /** Extra fields of a ready /health answer (e.g. the snapshot worker's state). */
  healthDetails: () => Record<string, unknown>;
  /** What runs degraded now (e.g. a session store that does not take writes); empty: nothing. */
  degraded: () => string[];
}

export function statusRoutes(o: StatusRoutesOptions): (app: FastifyInstance) => Promise<void> {
  return async (app) => {
    app.get('/api/v1/sessions', async () => ({ sessions: o.sessions() }));

    app.get('/health', async (_req, reply) => {
      if (!o.isReady()) return reply.code(503).send({ status: 'starting' });
      const reasons = o.degraded();
      if (reasons.length > 0) return reply.code(503).send({ status: 'degraded', reasons, ...o.healthDetails() });
      return { status: 'ok', ...o.healthDetails() };
    });

    app.get('/metrics', async (_req, reply) => {
      const text = await o.registry.metrics();
      return reply.type(o.registry.contentType).send(text);
    });
  };
}
