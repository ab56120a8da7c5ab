// Bearer tokens of the HTTP server: the read token of the market data (HttpAccessToken / FIXGW_HTTP_TOKEN) and the
// admin API's token share how a token is taken from a request and compared (SHA-256 digests compared in constant
// time, so the comparison leaks neither the token nor its length).
//
// With a read token set, every route needs it except GET /health (container health checks) and the admin API
// (its own, stronger token): `Authorization: Bearer <token>`, or `?token=<token>` where a header cannot be set (a
// browser's WebSocket, the viewer page's link). Without the token: 401 with WWW-Authenticate; a WebSocket handshake
// is refused the same way, before the upgrade.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';

export function tokenDigest(token: string): Buffer { return createHash('sha256').update(token, 'utf8').digest(); }

/** The bearer token of an Authorization header, or null when there is none. */
export function bearerOf(authorization: string | string[] | undefined): string | null {
  const m = typeof authorization === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return m === null ? null : m[1]!;
}

/** True when `given` is the token whose digest is `expected`, compared in constant time. */
export function tokenMatches(given: string, expected: Buffer): boolean {
  return timingSafeEqual(tokenDigest(given), expected);
}

/** Paths open without the read token: health checks, and the admin API (guarded by its own token). */
function isOpenPath(url: string): boolean {
  const path = url.split('?', 1)[0]!;
  return path === '/health' || path === '/api/v1/admin' || path.startsWith('/api/v1/admin/');
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: the route does not need the read token (the REST API checks its own signed keys; a static script). */
    readToken?: boolean;
  }
}

/** The token given in the request's `token` query parameter, or null. */
function queryToken(url: string): string | null {
  const q = url.indexOf('?');
  return q < 0 ? null : new URLSearchParams(url.slice(q + 1)).get('token');
}

/** An onRequest hook that asks for the read token on every route but the open ones. */
export function readAccessHook(token: string, logger?: Logger): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const expected = tokenDigest(token);
  const refuse = (req: FastifyRequest, reply: FastifyReply, challenge: string, body: object): FastifyReply => {
    // A refused WebSocket handshake: the socket was taken out of the HTTP server's hands for the upgrade, so nothing
    // else closes it after the answer (a half-open one would hold the server's close() forever).
    if (req.headers.upgrade !== undefined) {
      reply.header('connection', 'close');
      reply.raw.once('finish', () => req.raw.socket.destroy());
    }
    return reply.code(401).header('www-authenticate', challenge).send(body);
  };
  return async (req, reply) => {
    if (isOpenPath(req.url) || req.routeOptions.config?.readToken === false) return;
    const given = bearerOf(req.headers.authorization) ?? queryToken(req.url);
    if (given === null) {
      return refuse(req, reply, 'Bearer realm="fixgw"',
        { error: 'unauthorized', message: 'missing access token (Authorization: Bearer <token>, or ?token=<token>)' });
    }
    if (!tokenMatches(given, expected)) {
      logger?.warn({ remoteAddress: req.ip, path: req.url.split('?', 1)[0] }, 'HTTP request with a wrong access token');
      return refuse(req, reply, 'Bearer realm="fixgw", error="invalid_token"', { error: 'invalid_token', message: 'wrong access token' });
    }
  };
}

/** A token from the environment wins over the one in the settings file; '' counts as none. */
export function tokenFrom(envName: string, settingToken: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env[envName];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : settingToken;
}
