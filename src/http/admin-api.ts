// The operator's HTTP API: Halt / Resume / KillSwitch / EndOfDay / ExpireSweep and the balance commands Deposit /
// Withdraw / Adjust as engine commands through the sequencer (journaled like every order), answered with the engine's
// admin or balance event once it is applied.
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
//   POST /api/v1/admin/deposit   {"refId":"dep-42","account":"ACME","asset":"USD","amount":"100000.00","text":"wire 881"}
//   POST /api/v1/admin/withdraw  {"refId":"wd-7","account":"ACME","asset":"BTC","amount":"0.5"}
//   POST /api/v1/admin/adjust    {"refId":"adj-1","account":"ACME","asset":"USD","amount":"-0.01","text":"correction"}
//   → 200 {"ok":true,"seq":43,...,"command":"Deposit","refId":"dep-42",...,"duplicate":false,"originalSeq":43,
//          "available":"100000.000000","reserved":"0.000000","rejectReason":null,"text":null}
//   → 422 the same with "ok":false and the engine's rejectReason and text ("insufficient USD: need 250.51, available 250.50")
//   The same refId again changes nothing and is answered with the original result ("duplicate":true): a retry is safe.
//   A balance command goes to the log with the dedupe id balance:<refId>, so the same request sent to two cluster nodes
//   at once is entered once; a submit the log calls a duplicate is submitted again without it, and the engine answers
//   it as a repeated refId.
//   → 400 bad body, 401 no/wrong token, 403 admin API disabled, 503 order entry stopped/overloaded, 504 timeout
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { SequencerOverloadedError, type AdminEvent, type BalanceEvent, type Command } from '../engine/index.js';
import { onDuplicates, type CommandSequencer } from '../gateway/seam.js';
import { nextOtherRef } from '../gateway/refs.js';
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
/** An amount as the engine reads it (docs/accounts.md): positive for Deposit and Withdraw, signed for Adjust. */
const AMOUNT = { type: 'string', pattern: '^[0-9]{1,20}(\\.[0-9]{1,20})?$' } as const;
const SIGNED_AMOUNT = { type: 'string', pattern: '^-?[0-9]{1,20}(\\.[0-9]{1,20})?$' } as const;
const BALANCE_FIELDS = { refId: ID, account: ID, asset: ID, amount: AMOUNT, text: TEXT } as const;

function balanceCommand(type: 'Deposit' | 'Withdraw' | 'Adjust'): (b: Record<string, unknown>) => Command {
  return (b) => ({ type, refId: b.refId as string, account: b.account as string, asset: b.asset as string, amount: b.amount as string,
    ...(b.text !== undefined ? { text: b.text as string } : {}) });
}

const ROUTES: Array<{ path: string; body: object; command: (b: Record<string, unknown>) => Command }> = [
  { path: '/halt', body: { symbol: ID, text: TEXT }, command: (b) => ({ type: 'Halt', symbol: b.symbol as string, ...(b.text !== undefined ? { text: b.text as string } : {}) }) },
  { path: '/resume', body: { symbol: ID, text: TEXT }, command: (b) => ({ type: 'Resume', symbol: b.symbol as string, ...(b.text !== undefined ? { text: b.text as string } : {}) }) },
  { path: '/killswitch', body: { account: ID, on: { type: 'boolean' } }, command: (b) => ({ type: 'KillSwitch', account: b.account as string, on: b.on as boolean }) },
  { path: '/end-of-day', body: { symbol: ID }, command: (b) => ({ type: 'EndOfDay', ...(b.symbol !== undefined ? { symbol: b.symbol as string } : {}) }) },
  { path: '/expire-sweep', body: {}, command: () => ({ type: 'ExpireSweep' }) },
  { path: '/deposit', body: BALANCE_FIELDS, command: balanceCommand('Deposit') },
  { path: '/withdraw', body: BALANCE_FIELDS, command: balanceCommand('Withdraw') },
  { path: '/adjust', body: { ...BALANCE_FIELDS, amount: SIGNED_AMOUNT }, command: balanceCommand('Adjust') },
];
const BALANCE_REQUIRED = ['refId', 'account', 'asset', 'amount'];
const REQUIRED: Record<string, string[]> = { '/halt': ['symbol'], '/resume': ['symbol'], '/killswitch': ['account', 'on'],
  '/deposit': BALANCE_REQUIRED, '/withdraw': BALANCE_REQUIRED, '/adjust': BALANCE_REQUIRED };

/** The answer to an applied admin or balance command. */
function answerOf(ev: AdminEvent | BalanceEvent): object {
  if (ev.kind === 'admin') return { ok: ev.ok, seq: ev.seq, timeMs: ev.timeMs, command: ev.command, canceledCount: ev.canceledCount, text: ev.text };
  return { ok: ev.ok, seq: ev.seq, timeMs: ev.timeMs, command: ev.command, refId: ev.refId, account: ev.account, asset: ev.asset, amount: ev.amount,
    duplicate: ev.duplicate, originalSeq: ev.originalSeq, available: ev.available, reserved: ev.reserved, rejectReason: ev.rejectReason, text: ev.text };
}

/** Registers the admin routes on `app` (call as `app.register(adminApi(opts), { prefix: '/api/v1/admin' })`). */
export function adminApi(opts: AdminApiOptions): (app: FastifyInstance) => Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const pendingMax = opts.pendingMax ?? 64;
  const expected = opts.token !== undefined && opts.token !== '' ? tokenDigest(opts.token) : null;

  return async (app) => {
    // Requests waiting for their command, by their ref (refs.ts: refs no other submitter uses).
    const waiting = new Map<number, { command: Command; resolve: (ev: AdminEvent | BalanceEvent | null) => void }>();
    const unsubscribe = opts.sequencer.onEvents((_sc, events, ref) => {
      const w = ref === undefined ? undefined : waiting.get(ref);
      if (w === undefined) return;
      for (const ev of events) if (ev.kind === 'admin' || ev.kind === 'balance') { waiting.delete(ref!); w.resolve(ev); return; }
    });
    onDuplicates(opts.sequencer, (ref) => {
      const w = ref === undefined ? undefined : waiting.get(ref);
      if (w === undefined) return;
      try { opts.sequencer.submit(w.command, { ref: ref! }); } catch { waiting.delete(ref!); w.resolve(null); }
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
        // and it would turn a number into a string: an amount given as a JSON number has lost its exactness already
        const notText = Object.entries(body).filter(([k, v]) => (route.body as Record<string, { type?: string }>)[k]?.type === 'string' && typeof v !== 'string');
        if (notText.length > 0) return reply.code(400).send({ error: 'bad_request', message: `${notText.map(([k]) => k).join(', ')} must be a string (amounts as decimal strings such as "100.00")` });
      };
      app.post(route.path, { schema, preValidation }, async (req, reply) => {
        if (waiting.size >= pendingMax) return reply.code(503).send({ error: 'busy', message: `more than ${pendingMax} admin requests pending` });
        const command = route.command((req.body ?? {}) as Record<string, unknown>);
        const ref = nextOtherRef();
        try {
          opts.sequencer.submit(command, 'refId' in command ? { ref, dedupeId: `balance:${encodeURIComponent(command.refId)}` } : { ref });
        } catch (err) {
          return reply.code(503).send({ error: 'unavailable', message: err instanceof SequencerOverloadedError ? 'engine overloaded, try again' : 'order entry is stopped' });
        }
        let timer: NodeJS.Timeout | undefined;
        const ev = await new Promise<AdminEvent | BalanceEvent | null>((resolve) => {
          waiting.set(ref, { command, resolve });
          timer = setTimeout(() => { waiting.delete(ref); resolve(null); }, timeoutMs);
        });
        clearTimeout(timer);
        if (ev === null) return reply.code(504).send({ error: 'timeout', message: `command not applied within ${timeoutMs} ms` });
        const body = answerOf(ev);
        opts.logger?.info({ remoteAddress: req.ip, command, answer: body }, 'admin command');
        return reply.code(ev.ok ? 200 : 422).send(body);
      });
    }
  };
}

/** The admin token in effect: FIXGW_ADMIN_TOKEN from the environment wins over the AdminToken setting. */
export function adminTokenOf(settingToken: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return tokenFrom('FIXGW_ADMIN_TOKEN', settingToken, env);
}
