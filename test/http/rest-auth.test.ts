// Authentication of the REST API against a real `fixgw serve`: every way a signed request can fail has its own status
// and code, a request changed after it was signed fails, permissions and rate limits are per key, secrets never reach
// the log, and a keys file that is not valid stops the gateway at start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiKeys } from '../../src/http/api-keys.js';
import { gatewayCfg, serve } from '../support/served.js';
import { ACME, ACME_READ, BOB, KEYS, PrivateClient, restClient, signed, startRestGateway, type KeyEntry } from './rest-support.js';

const LIMITED: KeyEntry = { key: 'limited-1', secret: 'limited-secret-012345678', account: 'BOB', permissions: ['read'], requestsPerSecond: 2 };
const ORDER = { symbol: 'BTC-USD', side: 'buy', type: 'limit', price: '100.00', quantity: '0.1' };

test('every authentication failure has its own status and code, and a request changed after signing fails', { timeout: 60_000 }, async () => {
  const gw = await startRestGateway({ ApiTimestampWindowMs: 5000 }, [...KEYS, LIMITED]);
  try {
    const url = gw.url;
    const failure = async (p: Promise<{ status: number; body: any }>): Promise<[number, string]> => {
      const r = await p;
      return [r.status, r.body.error];
    };
    const now = Date.now();
    const cases: Array<[string, Promise<{ status: number; body: any }>, [number, string]]> = [
      ['no key', signed(url, ACME, 'GET', '/api/v1/balances', undefined, { headers: { 'FIXGW-KEY': undefined } }), [401, 'missing_credentials']],
      ['no timestamp', signed(url, ACME, 'GET', '/api/v1/balances', undefined, { headers: { 'FIXGW-TIMESTAMP': undefined } }), [401, 'missing_credentials']],
      ['no signature', signed(url, ACME, 'GET', '/api/v1/balances', undefined, { headers: { 'FIXGW-SIGN': undefined } }), [401, 'missing_credentials']],
      ['unknown key', signed(url, { ...ACME, key: 'no-such-key' }, 'GET', '/api/v1/balances'), [401, 'unknown_key']],
      ['timestamp not ms', signed(url, ACME, 'GET', '/api/v1/balances', undefined, { timestamp: '2024-01-01T00:00:00Z' }), [401, 'invalid_timestamp']],
      ['timestamp too old', signed(url, ACME, 'GET', '/api/v1/balances', undefined, { timestamp: String(now - 6000) }), [401, 'stale_timestamp']],
      ['timestamp too new', signed(url, ACME, 'GET', '/api/v1/balances', undefined, { timestamp: String(now + 6000) }), [401, 'stale_timestamp']],
      ['wrong secret', signed(url, { ...ACME, secret: 'not-the-secret-0123456789' }, 'GET', '/api/v1/balances'), [401, 'bad_signature']],
      ['body changed', signed(url, ACME, 'POST', '/api/v1/orders', ORDER, { signedBody: JSON.stringify({ ...ORDER, quantity: '0.2' }) }), [401, 'bad_signature']],
      ['query changed', signed(url, ACME, 'GET', '/api/v1/orders?symbol=ETH-USD', undefined, { signedPath: '/api/v1/orders?symbol=BTC-USD' }), [401, 'bad_signature']],
      ['another key\'s signature', signed(url, ACME, 'GET', '/api/v1/balances', undefined, { headers: { 'FIXGW-KEY': BOB.key } }), [401, 'bad_signature']],
      ['read-only key places an order', signed(url, ACME_READ, 'POST', '/api/v1/orders', ORDER), [403, 'permission_denied']],
      ['read-only key cancels', signed(url, ACME_READ, 'DELETE', '/api/v1/orders/1'), [403, 'permission_denied']],
    ];
    for (const [what, p, expected] of cases) assert.deepEqual(await failure(p), expected, what);
    // the timestamp window is inclusive of small skews either way
    assert.equal((await signed(url, ACME, 'GET', '/api/v1/balances', undefined, { timestamp: String(Date.now() - 3000) })).status, 200);
    assert.equal((await signed(url, ACME, 'GET', '/api/v1/balances', undefined, { timestamp: String(Date.now() + 3000) })).status, 200);
    // a signature checked out for one method does not do for another
    const ts = String(Date.now());
    const { signRequest } = await import('../../src/http/api-keys.js');
    const deleteSigned = signRequest(ACME.secret, ts, 'GET', '/api/v1/orders/1', '');
    assert.deepEqual(await failure(signed(url, ACME, 'DELETE', '/api/v1/orders/1', undefined, { timestamp: ts, sign: deleteSigned })), [401, 'bad_signature']);

    // per-key rate limit: 2 per second for LIMITED (bursts of up to a second's worth); failed authentications do not use
    // it up, other keys are not slowed
    for (let i = 0; i < 5; i++) await signed(url, { ...LIMITED, secret: 'wrong-secret-0123456789' }, 'GET', '/api/v1/balances');
    const started = Date.now();
    const burst = await Promise.all(Array.from({ length: 6 }, () => signed(url, LIMITED, 'GET', '/api/v1/balances')));
    const refilled = Math.floor(((Date.now() - started) / 1000) * 2);   // what the budget regained while the burst was served
    const ok = burst.filter((r) => r.status === 200).length;
    assert.ok(ok >= 2 && ok <= 2 + refilled, `${ok} answered of 6 (refilled ${refilled})`);
    assert.ok(burst.filter((r) => r.status === 429).every((r) => r.body.error === 'rate_limited'));
    assert.equal(ok + burst.filter((r) => r.status === 429).length, 6);
    assert.equal((await restClient(url, BOB).get('/api/v1/balances')).status, 200);
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await signed(url, LIMITED, 'GET', '/api/v1/balances')).status, 200, 'the budget refills');

    // nothing above put a secret into the log
    const log = gw.served.output();
    for (const k of [...KEYS, LIMITED]) assert.ok(!log.includes(k.secret), `secret of ${k.key} in the log`);
    assert.match(log, /REST request refused/);
  } finally {
    await gw.stop();
  }
});

test('with a read token set, signed routes need only their signature; market data still needs the token', { timeout: 60_000 }, async () => {
  const gw = await startRestGateway({ HttpAccessToken: 'read-token-1' });
  try {
    assert.equal((await restClient(gw.url, ACME).get('/api/v1/balances')).status, 200);
    assert.equal((await fetch(`${gw.url}/api/v1/book/AAPL`)).status, 401);
    assert.equal((await fetch(`${gw.url}/api/v1/book/AAPL?token=read-token-1`)).status, 200);
    assert.equal((await fetch(`${gw.url}/api/v1/openapi.json`)).status, 200);
  } finally {
    await gw.stop();
  }
});

test('without ApiKeysFile the REST API and the private channels are disabled', { timeout: 60_000 }, async () => {
  const gw = await startRestGateway({ ApiKeysFile: undefined });
  const ws = await PrivateClient.open(gw.url);
  try {
    const r = await restClient(gw.url, ACME).post('/api/v1/orders', ORDER);
    assert.deepEqual([r.status, r.body.error], [403, 'api_disabled']);
    ws.send(PrivateClient.login(ACME));
    assert.equal((await ws.next((m) => m.type === 'error')).code, 'api_disabled');
    assert.match(gw.served.output(), /REST order entry disabled \(no ApiKeysFile\)/);
  } finally {
    ws.close();
    await gw.stop();
  }
});

test('a keys file that is not valid stops the gateway at start, naming the file and the entry, never a secret', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-keys-'));
  try {
    const file = path.join(dir, 'keys.json');
    writeFileSync(file, JSON.stringify([ACME, { ...BOB, permissions: ['read', 'withdraw'] }]));
    await assert.rejects(serve(dir, 0, { cfg: gatewayCfg({ ApiKeysFile: file }) }), (err: Error) => {
      assert.match(err.message, /keys\.json: \[1\]\.permissions: a non-empty list of "read" and "trade"/);
      assert.ok(!err.message.includes(BOB.secret) && !err.message.includes(ACME.secret));
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the keys file is checked entry by entry', () => {
  const parse = (entries: unknown): string => {
    try {
      ApiKeys.parse(JSON.stringify(entries), 'keys.json', 50);
      return 'ok';
    } catch (err) {
      return (err as Error).message;
    }
  };
  assert.equal(parse([ACME, BOB]), 'ok');
  assert.equal(parse({ key: 'k' }), 'keys.json: must be a JSON array of {"key", "secret", "account", "permissions"}');
  assert.equal(parse([ACME, { ...BOB, key: ACME.key }]), `keys.json: [1].key: "${ACME.key}" appears twice`);
  assert.equal(parse([{ ...ACME, secret: 'short' }]), `keys.json: [0].secret (of key ${ACME.key}): a string of 16..1024 characters`);
  assert.equal(parse([{ ...ACME, key: 'has space' }]), 'keys.json: [0].key: 1..128 printable ASCII characters without spaces');
  assert.equal(parse([{ ...ACME, permissions: [] }]), 'keys.json: [0].permissions: a non-empty list of "read" and "trade", each at most once');
  assert.equal(parse([{ ...ACME, account: 'A'.repeat(121) }]), 'keys.json: [0].account: a string of 1..120 characters');
  assert.equal(parse([{ ...ACME, requestsPerSecond: 0 }]), 'keys.json: [0].requestsPerSecond: an integer from 1 to 1000000');
  assert.equal(parse([{ ...ACME, sceret: 'typo' }]), 'keys.json: [0].sceret: unknown key; known keys: key, secret, account, permissions, requestsPerSecond');
  const keys = ApiKeys.parse(JSON.stringify([ACME]), 'keys.json', 50);
  assert.deepEqual(JSON.parse(JSON.stringify(keys.get(ACME.key))), { key: ACME.key, account: 'ACME', permissions: ['read', 'trade'] }, 'no secret in JSON');
});
