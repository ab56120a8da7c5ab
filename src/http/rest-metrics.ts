// The REST API's metrics on the process's registry (/metrics): requests by route and status, and how long an order
// request took to be answered (from its arrival to its answer: the command durable and applied). Label values come
// from fixed sets (the routes, HTTP statuses), so the series stay few.
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';

const ORDER_ANSWER_BUCKETS_S = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10];

export function restMetrics(app: FastifyInstance, registry: Registry): void {
  const requests = new Counter({ name: 'fixgw_rest_requests_total', help: 'REST API requests by method, route and HTTP status',
    labelNames: ['method', 'route', 'status'], registers: [registry] });
  const orderAnswers = new Histogram({ name: 'fixgw_rest_order_answer_seconds',
    help: 'REST order requests (place, cancel, amend): arrival to answer, the command durable and applied',
    labelNames: ['method'], buckets: ORDER_ANSWER_BUCKETS_S, registers: [registry] });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unknown';
    requests.labels(req.method, route, String(reply.statusCode)).inc();
    if (req.routeOptions.config?.permission === 'trade' && reply.statusCode === 200) orderAnswers.labels(req.method).observe(reply.elapsedTime / 1000);
  });
}
