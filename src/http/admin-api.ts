// The operator's HTTP API: Halt / Resume / KillSwitch / EndOfDay / ExpireSweep as engine commands through the
// sequencer (journaled like every order), answered with the engine's admin event once it is applied.
// A fastify plugin for the process's HTTP server, under /api/v1/admin, guarded by a bearer token; without a
// token configured every admin route answers 403.
//
//   POST /api/v1/admin/halt          {"symbol":"AAPL","text":"news pending"}
//   POST /api/v1/admin/resume        {"symbol":"AAPL"}
//   POST /api/v1/admin/killswitch    {"account":"ACME","on":true}
//   POST /api/v1/admin/end-of-day    {} or {"symbol":"AAPL"}
//   POST /api/v1/admin/expire-sweep  {}
//   → 200 {"ok":true,"seq":42,"timeMs":...,"command":"Halt","canceledCount":0,"text":"AAPL Halted"}
//   → 422 the same with "ok":false when the engine refuses (unknown symbol or account)
//   → 400 bad body, 401 no/wrong token, 403 admin API disabled, 503 order entry stopped/overloaded, 504 timeout
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { SequencerOverloadedError, type AdminEvent, type Command } from '../engine/index.js';
import type { CommandSequencer } from '../gateway/index.js';
import { bearerOf, tokenDigest, tokenFrom, tokenMatches } from './access.js';

export interface AdminApiOptions {
  sequencer: CommandSequencer;
  /** Bearer token; undefined or '' = admin API disabled (403). */
  token: string | undefined;
  logger?: Logger;
  /** How long a request waits for its command to be applied. Default 10,000. */
  timeoutMs?: number;
  /** Admin requests waiting for the engine at most; more get 503. Default 64. */
  pendingMax?: number;
}

/** Identifier fields as the engine accepts them (ID_LENGTH_MAX = 128). */
const ID = { type: 'string', minLength: 1, maxLength: 128 } as const;
const TEXT = { type: 'string', maxLength: 256 } as const;

const ROUTES: Array<{ path: string; body: object; command: (b: Record<string, unknown>) => Command }> = [
  { path: '/halt', body: { symbol: ID, text: TEXT }, command: (b) => ({ type: 'Halt', symbol: b.symbol as string, ...(b.text !== undefined ? { text: b.text as string } : {}) }) },
  { path: '/resume', body: { symbol: ID, text: TEXT }, command: (b) => ({ type: 'Resume', symbol: b.symbol as string, ...(b.text !== undefined ? { text: b.text as string } : {}) }) },
  { path: '/killswitch', body: { account: ID, on: { type: 'boolean' } }, command: (b) => ({ type: 'KillSwitch', account: b.account as string, on: b.on as boolean }) },
  { path: '/end-of-day', body: { symbol: ID }, command: (b) => ({ type: 'EndOfDay', ...(b.symbol !== undefined ? { symbol: b.symbol as string } : {}) }) },
  { path: '/expire-sweep', body: {}, command: () => ({ type: 'ExpireSweep' }) },
];
const REQUIRED: Record<string, string[]> = { '/halt': ['symbol'], '/resume': ['symbol'], '/killswitch': ['account', 'on'] };

/** Registers the admin routes on `app` (call as `app.register(adminApi(opts), { prefix: '/api/v1/admin' })`). */
export function adminApi(opts: AdminApiOptions): (app: FastifyInstance) => Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const pendingMax = opts.pendingMax ?? 64;
  const expected = opts.token !== undefined && opts.token !== '' ? tokenDigest(opts.token) : null;

  return async (app) => {
    // Requests waiting for their command, by this plugin's own ref (the command's events come back with it).
    const waiting = new Map<number, (ev: AdminEvent) => void>();
    let refLast = 0;
    const unsubscribe = opts.sequencer.onEvents((_sc, events, ref) => {
      const resolve = ref === undefined ? undefined : waiting.get(ref);
      if (resolve === undefined) return;
      for (const ev of events) if (ev.kind === 'admin') { waiting.delete(ref!); resolve(ev); return; }
    });
    app.addHook('onClose', async () => { unsubscribe(); });

    app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
      if (expected === null) {
        return reply.code(403).send({ error: 'admin_disabled',
          message: 'the admin API is disabled: set AdminToken in the gateway settings or FIXGW_ADMIN_TOKEN in the environment' });
      }
      const given = bearerOf(req.headers.authorization);
      if (given === null) {
        return reply.code(401).header('www-authenticate', 'Bearer realm="fixgw-admin"')
          .send({ error: 'unauthorized', message: 'missing bearer token (Authorization: Bearer <token>)' });
      }
      if (!tokenMatches(given, expected)) {
        opts.logger?.warn({ remoteAddress: req.ip, url: req.url }, 'admin request with a wrong token');
        return reply.code(401).header('www-authenticate', 'Bearer realm="fixgw-admin", error="invalid_token"')
          .send({ error: 'invalid_token', message: 'wrong bearer token' });
      }
    });

    for (const route of ROUTES) {
      const schema = { body: { type: 'object', properties: route.body, required: REQUIRED[route.path] ?? [], additionalProperties: false } };
      const allowed = new Set(Object.keys(route.body));
      // fastify's validator silently drops unknown properties; an operator's typo must be an error instead.
      const preValidation = async (req: FastifyRequest, reply: FastifyReply) => {
        const body = req.body;
        if (body === null || typeof body !== 'object' || Array.isArray(body)) return;
        const extra = Object.keys(body).filter((k) => !allowed.has(k));
        if (extra.length > 0) return reply.code(400).send({ error: 'bad_request', message: `unknown field(s) ${extra.join(', ')}; expected ${[...allowed].join(', ') || 'none'}` });
      };
      app.post(route.path, { schema, preValidation }, async (req, reply) => {
        if (waiting.size >= pendingMax) return reply.code(503).send({ error: 'busy', message: `more than ${pendingMax} admin requests pending` });
        const command = route.command((req.body ?? {}) as Record<string, unknown>);
        const ref = ++refLast;
        try {
          opts.sequencer.submit(command, { ref });
        } catch (err) {
          return reply.code(503).send({ error: 'unavailable', message: err instanceof SequencerOverloadedError ? 'engine overloaded, try again' : 'order entry is stopped' });
        }
        let timer: NodeJS.Timeout | undefined;
        const ev = await new Promise<AdminEvent | null>((resolve) => {
          waiting.set(ref, resolve);
          timer = setTimeout(() => { waiting.delete(ref); resolve(null); }, timeoutMs);
        });
        clearTimeout(timer);
        if (ev === null) return reply.code(504).send({ error: 'timeout', message: `command not applied within ${timeoutMs} ms` });
        opts.logger?.info({ remoteAddress: req.ip, command, seq: ev.seq, ok: ev.ok, canceledCount: ev.canceledCount, text: ev.text }, 'admin command');
        const body = { ok: ev.ok, seq: ev.seq, timeMs: ev.timeMs, command: ev.command, canceledCount: ev.canceledCount, text: ev.text };
        return reply.code(ev.ok ? 200 : 422).send(body);
      });
    }
  };
}

/** The admin token in effect: FIXGW_ADMIN_TOKEN from the environment wins over the AdminToken setting. */
export function adminTokenOf(settingToken: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return tokenFrom('FIXGW_ADMIN_TOKEN', settingToken, env);
}
