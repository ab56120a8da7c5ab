// Deposit, Withdraw and Adjust through the admin API of a real `fixgw serve` and through `fixgw admin`: journaled
// engine commands answered with the balance event, idempotent by reference id, refusals with the engine's text, and
// the account's balances over REST moving exactly as they say. Also `fixgw sign --curl`, the quick start's line, run
// by a shell against the same gateway.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { CLI } from '../support/served.js';
import { ACME, BOB, restClient, startRestGateway } from './rest-support.js';

const TOKEN = 'admin-token-balances-1';

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}, stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    p.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    p.stdin.end(stdin ?? '');
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function admin(url: string, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/api/v1/admin/${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

test('deposit, withdraw and adjust over the admin API and `fixgw admin`: exact, idempotent by refId, refused with the reason', { timeout: 60_000 }, async () => {
  const gw = await startRestGateway({ AdminToken: TOKEN });
  try {
    const acme = restClient(gw.url, ACME);
    const dep = await admin(gw.url, 'deposit', { refId: 'dep-1', account: 'ACME', asset: 'USD', amount: '2500.25', text: 'wire 881' });
    assert.equal(dep.status, 200);
    assert.deepEqual({ ...dep.body, seq: 0, timeMs: 0, originalSeq: 0 }, { ok: true, seq: 0, timeMs: 0, command: 'Deposit', refId: 'dep-1', account: 'ACME',
      asset: 'USD', amount: '2500.25', duplicate: false, originalSeq: 0, available: '102500.250000', reserved: '0.000000', rejectReason: null, text: null });
    const again = await admin(gw.url, 'deposit', { refId: 'dep-1', account: 'ACME', asset: 'USD', amount: '2500.25', text: 'wire 881' });
    assert.deepEqual([again.status, again.body.duplicate, again.body.originalSeq, again.body.available], [200, true, dep.body.seq, '102500.250000']);
    assert.deepEqual((await acme.balances()).USD, { available: '102500.250000', reserved: '0.000000' }, 'moved once');
    const reused = await admin(gw.url, 'deposit', { refId: 'dep-1', account: 'ACME', asset: 'USD', amount: '1' });
    assert.deepEqual([reused.status, reused.body.rejectReason], [422, 'DuplicateRefId']);

    // a withdrawal never takes what is reserved by open orders
    await acme.post('/api/v1/orders', { symbol: 'BTC-USD', side: 'sell', type: 'limit', price: '90000.00', quantity: '1.5' });
    const tooMuch = await admin(gw.url, 'withdraw', { refId: 'wd-1', account: 'ACME', asset: 'BTC', amount: '0.6' });
    assert.deepEqual([tooMuch.status, tooMuch.body.ok, tooMuch.body.rejectReason, tooMuch.body.text],
      [422, false, 'InsufficientBalance', 'insufficient BTC: need 0.60000000, available 0.50000000']);
    assert.equal((await admin(gw.url, 'withdraw', { refId: 'wd-2', account: 'ACME', asset: 'BTC', amount: '0.5' })).status, 200);
    assert.deepEqual((await acme.balances()).BTC, { available: '0.00000000', reserved: '1.50000000' });
    const asNumber = await admin(gw.url, 'deposit', { refId: 'dep-2', account: 'ACME', asset: 'USD', amount: 10.1 });
    assert.deepEqual([asNumber.status, asNumber.body.message], [400, 'amount must be a string (amounts as decimal strings such as "100.00")']);

    // the same through the CLI, an adjustment debit included
    const cli = (args: string[]) => run(process.execPath, [CLI, 'admin', '--url', gw.url, ...args], { FIXGW_ADMIN_TOKEN: TOKEN });
    const adj = await cli(['adjust', '--ref', 'adj-1', '--text', 'fee correction', 'BOB', 'USD', '--', '-0.01']);
    assert.equal(adj.code, 0, adj.stderr);
    assert.deepEqual(JSON.parse(adj.stdout).available, '8999.990000');
    const adjAgain = await cli(['adjust', '--ref', 'adj-1', '--text', 'fee correction', 'BOB', 'USD', '--', '-0.01']);
    assert.deepEqual([adjAgain.code, JSON.parse(adjAgain.stdout).duplicate], [0, true]);
    const refused = await cli(['withdraw', '--ref', 'wd-bob', 'BOB', 'USD', '9000']);
    assert.deepEqual([refused.code, JSON.parse(refused.stdout).text], [1, 'insufficient USD: need 9,000.00, available 8,999.99']);
    const noRef = await cli(['deposit', 'BOB', 'USD', '1']);
    assert.notEqual(noRef.code, 0);
    assert.match(noRef.stderr, /required option '--ref <refId>'/);
    assert.deepEqual((await restClient(gw.url, BOB).balances()).USD, { available: '8999.990000', reserved: '0.000000' });
  } finally {
    await gw.stop();
  }
});

test('`fixgw sign --curl` prints a line a shell runs as a signed request', { timeout: 60_000 }, async () => {
  const gw = await startRestGateway();
  try {
    const env = { FIXGW_API_KEY: ACME.key, FIXGW_API_SECRET: ACME.secret, FIXGW_URL: gw.url };
    const body = '{"symbol":"BTC-USD","side":"buy","type":"limit","price":"50000.00","quantity":"0.5","timeInForce":"GTC","clientOrderId":"c1"}';
    const line = await run(process.execPath, [CLI, 'sign', '--curl', 'POST', '/api/v1/orders', body], env);
    assert.equal(line.code, 0, line.stderr);
    assert.ok(!line.stdout.includes(ACME.secret));
    const placed = await run('/bin/sh', [], {}, line.stdout);
    assert.equal(placed.code, 0, placed.stderr);
    assert.deepEqual([JSON.parse(placed.stdout).clientOrderId, JSON.parse(placed.stdout).status], ['c1', 'new']);
    const headers = await run(process.execPath, [CLI, 'sign', 'GET', '/api/v1/orders?symbol=BTC-USD'], env);
    const h = Object.fromEntries(headers.stdout.trim().split('\n').map((l) => l.split(': ') as [string, string]));
    assert.deepEqual(Object.keys(h), ['FIXGW-KEY', 'FIXGW-TIMESTAMP', 'FIXGW-SIGN']);
    const res = await fetch(`${gw.url}/api/v1/orders?symbol=BTC-USD`, { headers: h });
    assert.deepEqual((await res.json() as any[]).map((o) => o.clientOrderId), ['c1']);
    const noSecret = await run(process.execPath, [CLI, 'sign', 'GET', '/api/v1/balances'], { FIXGW_API_KEY: ACME.key, FIXGW_API_SECRET: '' });
    assert.deepEqual([noSecret.code, noSecret.stderr], [1, 'fixgw sign: give the key and secret (--key/--secret, or FIXGW_API_KEY/FIXGW_API_SECRET)\n']);
  } finally {
    await gw.stop();
  }
});
