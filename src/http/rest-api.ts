// The REST API: order entry (place, cancel, amend) and account data (orders, fills, balances, positions), JSON with
// exact decimal strings, as one fastify plugin for the process's HTTP server under /api/v1. Every route but
// GET /api/v1/openapi.json needs a signed request (rest-auth.ts); the route schemas (rest-schemas.ts) validate the
// requests, shape the answers and make the OpenAPI description. Orders go through the REST order entry station
// (gateway/rest-entry.ts) to the same command sequencer as FIX orders and are answered once durable and applied.
//
//   await app.register(restApi({ engine, entry, auth }), { prefix: '/api/v1' });
import swagger from '@fastify/swagger';
import { Ajv } from 'ajv';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Engine } from '../engine/index.js';
import type { RestEntry } from '../gateway/rest-entry.js';
import type { ApiKey, Permission } from './api-keys.js';
import type { Authenticator } from './rest-auth.js';
import { restMetrics } from './rest-metrics.js';
import { registerAccountRoutes, registerOrderRoutes } from './rest-routes.js';
import { OPENAPI_INFO, SHARED_SCHEMAS, validationMessage } from './rest-schemas.js';

export interface RestApiOptions {
  engine: Engine;
  entry: RestEntry;
  /** null: no ApiKeysFile, every signed route answers 403 api_disabled. */
  auth: Authenticator | null;
  logger?: Logger;
  /** REST metrics are registered here (rest-metrics.ts); none without one. */
  registry?: Registry;
}

/** What a route needs of the key (route config `permission`); routes without one are open. */
export interface RestRouteConfig { permission?: Permission; readToken?: boolean }

declare module 'fastify' {
  interface FastifyContextConfig {
    /** REST API routes: the permission the signing key needs (rest-api.ts). */
    permission?: Permission;
  }
}

/** Failed authentications are logged: the first ones, then one in AUTH_FAILURES_LOGGED_EVERY (a flood stays cheap). */
const AUTH_FAILURES_LOGGED_FIRST = 20;
const AUTH_FAILURES_LOGGED_EVERY = 1000;

const keys = new WeakMap<FastifyRequest, ApiKey>();

/** The key that signed the request (set by the plugin's preValidation hook before any handler runs). */
export function apiKeyOf(req: FastifyRequest): ApiKey {
  const key = keys.get(req);
  if (key === undefined) throw new Error('invariant: a signed route ran without its key');
  return key;
}

export function restApi(o: RestApiOptions): (app: FastifyInstance) => Promise<void> {
  return async (app) => {
    await app.register(swagger, {
      openapi: OPENAPI_INFO,
      refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    });
    for (const s of SHARED_SCHEMAS) app.addSchema(s);
    app.setValidatorCompiler(strictValidator());
    app.setSchemaErrorFormatter((errors, dataVar) => new Error(validationMessage(errors, dataVar)));
    // The signature covers the body as sent: keep it as text, parse it once the request is authenticated.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    app.addHook('preValidation', authHook(o));
    app.setErrorHandler(errorHandler(o.logger));
    if (o.registry !== undefined) restMetrics(app, o.registry);
    app.get('/openapi.json', { schema: { hide: true }, config: { readToken: false } }, async () => app.swagger());
    registerOrderRoutes(app, o);
    registerAccountRoutes(app, o);
  };
}

/** Request validation with the route schemas as written: unknown fields are refused (not dropped), nothing is
 *  coerced (a quantity is a decimal string, never a JSON number). */
function strictValidator(): (route: { schema: object }) => (data: unknown) => boolean {
  const ajv = new Ajv({ allErrors: false, coerceTypes: false, removeAdditional: false, useDefaults: false });
  return ({ schema }) => ajv.compile(schema);
}

function authHook(o: RestApiOptions): (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  let failures = 0;
  return async (req, reply) => {
    const permission = (req.routeOptions.config as RestRouteConfig).permission;
    if (permission === undefined) return;
    if (o.auth === null) {
      return reply.code(403).send({ error: 'api_disabled', message: 'the REST API is disabled: set ApiKeysFile in the gateway settings' });
    }
    const body = typeof req.body === 'string' ? req.body : '';
    const r = o.auth.check({ key: header(req, 'fixgw-key'), timestamp: header(req, 'fixgw-timestamp'), sign: header(req, 'fixgw-sign') },
      { method: req.method, pathWithQuery: req.url, body }, permission);
    if ('error' in r) {
      if (failures < AUTH_FAILURES_LOGGED_FIRST || failures % AUTH_FAILURES_LOGGED_EVERY === 0) {
        o.logger?.warn({ remoteAddress: req.ip, key: header(req, 'fixgw-key'), error: r.error, failures: failures + 1 }, 'REST request refused');
      }
      failures++;
      return reply.code(r.status).send({ error: r.error, message: r.message });
    }
    keys.set(req, r);
    if (body === '') { req.body = undefined; return undefined; }
    try {
      req.body = JSON.parse(body);
      return undefined;
    } catch (err) {
      return reply.code(400).send({ error: 'bad_json', message: `malformed JSON body: ${(err as Error).message}` });
    }
  };
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

function errorHandler(logger: Logger | undefined): (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => void {
  return (err, req, reply) => {
    if (err.validation !== undefined) return void reply.code(400).send({ error: 'bad_request', message: err.message });
    const status = err.statusCode ?? 500;
    if (status < 500) return void reply.code(status).send({ error: status === 413 ? 'body_too_large' : 'bad_request', message: err.message });
    logger?.error({ err, url: req.url }, 'REST request failed');
    return void reply.code(500).send({ error: 'internal', message: 'internal error' });
  };
}
