// The operator path: halt / resume / kill switch / end-of-day over the admin HTTP API of a real gateway and its
// real HTTP server (loopback, port 0), seen by FIX clients, the market-data tap and the journal; and the
// `fixgw admin` verb as a child process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readJournalDir, journalDirOf } from '../../src/engine/index.js';
import type { Gateway } from '../../src/gateway/index.js';
import { adminApi } from '../../src/http/admin-api.js';
import { startHttpServer, type HttpServer } from '../../src/http/server.js';
import { Client, startTestGateway } from './support.js';
import { FeedClient } from '../marketdata/support.js';

const TOKEN = 'test-admin-token-7f3a';
const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

let gw: Gateway;
let http: HttpServer;

before(async () => {
  gw = await startTestGateway();
  http = await startHttpServer({
    host: '127.0.0.1', port: 0, engine: gw.engine, sequencer: gw.sequencer,
    plugins: [{ prefix: '/api/v1/admin', plugin: adminApi({ sequencer: gw.sequencer, token: TOKEN }) }],
  });
});
after(async () => {
  await http.close();
  await gw.close();
});

async function admin(path: string, body: unknown, token: string | null = TOKEN): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${http.url}/api/v1/admin/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token !== null ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

async function getJson(path: string): Promise<any> {
  return (await fetch(`${http.url}${path}`)).json();
}

test('an operator halt rejects new orders with 103=2 and a text, market data shows Halted, and resume reopens trading', async () => {
  const c = await Client.logon(gw.fixPort, 'HALT1');
  const feed = await FeedClient.open(`ws://127.0.0.1:${http.port}/ws`);
  try {
    const first = await feed.subscribe('status', 'IBM');
    assert.equal(first.status, 'Open');

    const halted = await admin('halt', { symbol: 'IBM', text: 'news pending' });
    assert.equal(halted.status, 200);
    assert.deepEqual({ ...halted.body, timeMs: 0, seq: 0 }, { ok: true, seq: 0, timeMs: 0, command: 'Halt', canceledCount: 0, text: 'IBM Halted' });
    const pushed = await feed.next((m) => m.channel === 'status' && m.symbol === 'IBM' && m.status === 'Halted');
    assert.equal(pushed.status, 'Halted');
    const instruments = await getJson('/api/v1/instruments');
    assert.equal(instruments.instruments.find((i: any) => i.symbol === 'IBM').status, 'Halted');
    assert.equal((await getJson('/api/v1/book/IBM')).status, 'Halted');

    c.order('H1', { symbol: 'IBM', price: '150.00' });
    const [rej] = await c.reports('H1');
    assert.equal(rej!.get(150), '8');
    assert.equal(rej!.get(39), '8');
    assert.equal(rej!.get(103), '2');
    assert.equal(rej!.get(58), 'IBM is Halted: news pending', 'the operator text is the reason');

    const resumed = await admin('resume', { symbol: 'IBM' });
    assert.equal(resumed.status, 200);
    assert.equal(resumed.body.text, 'IBM Open');
    await feed.next((m) => m.channel === 'status' && m.symbol === 'IBM' && m.status === 'Open');
    c.order('H2', { symbol: 'IBM', price: '150.00' });
    const [ack] = await c.reports('H2');
    assert.equal(ack!.get(150), '0');

    // Both commands are in the journal, stamped with the seq the API answered.
    const journaled = readJournalDir(journalDirOf(gw.dataDir)).records.filter((r) => r.cmd.type === 'Halt' || r.cmd.type === 'Resume');
    assert.deepEqual(journaled.map((r) => [r.seq, r.cmd]), [
      [halted.body.seq, { type: 'Halt', symbol: 'IBM', text: 'news pending' }],
      [resumed.body.seq, { type: 'Resume', symbol: 'IBM' }],
    ]);
  } finally {
    feed.close();
    await c.stop();
  }
});

test("the kill switch cancels the account's orders (150=4 to the client), blocks new ones until lifted, and spares other accounts", async () => {
  const k = await Client.logon(gw.fixPort, 'KILL1');
  const other = await Client.logon(gw.fixPort, 'KILL2');
  try {
    k.order('K1', { symbol: 'MSFT', price: '400.00' });
    k.order('K2', { symbol: 'MSFT', side: '2', price: '450.00' });
    other.order('O1', { symbol: 'MSFT', price: '401.00' });
    await k.reports('K1');
    await k.reports('K2');
    await other.reports('O1');

    const on = await admin('killswitch', { account: 'KILL1', on: true });
    assert.equal(on.status, 200);
    assert.equal(on.body.canceledCount, 2);
    assert.equal(on.body.text, 'kill switch on for KILL1');
    for (const id of ['K1', 'K2']) {
      const reports = await k.reports(id, 2);
      assert.equal(reports[1]!.get(150), '4');
      assert.equal(reports[1]!.get(39), '4');
    }
    assert.equal(gw.engine.orderByClOrdId('FIX.4.4:FIXGW->KILL2', 'O1')?.ordStatus, 'New');
    assert.equal(other.all('8').filter((m) => m.get(11) === 'O1').length, 1);

    k.order('K3', { symbol: 'MSFT', price: '400.00' });
    const [blocked] = await k.reports('K3');
    assert.equal(blocked!.get(150), '8');
    assert.equal(blocked!.get(58), 'account KILL1 is blocked by the kill switch');

    const off = await admin('killswitch', { account: 'KILL1', on: false });
    assert.equal(off.status, 200);
    assert.equal(off.body.canceledCount, 0);
    k.order('K4', { symbol: 'MSFT', price: '400.00' });
    assert.equal((await k.reports('K4'))[0]!.get(150), '0');
  } finally {
    await k.stop();
    await other.stop();
  }
});

test('end-of-day expires Day orders with 150=C and leaves GTC orders resting', async () => {
  const c = await Client.logon(gw.fixPort, 'EOD1');
  try {
    c.order('D1', { symbol: 'GOOG', price: '100.00', tif: '0' });
    c.order('G1', { symbol: 'GOOG', price: '100.00', tif: '1' });
    await c.reports('D1');
    await c.reports('G1');
    const eod = await admin('end-of-day', { symbol: 'GOOG' });
    assert.equal(eod.status, 200);
    assert.equal(eod.body.command, 'EndOfDay');
    assert.ok(eod.body.canceledCount >= 1);
    const [, expired] = await c.reports('D1', 2);
    assert.equal(expired!.get(150), 'C');
    assert.equal(expired!.get(39), 'C');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(c.all('8').filter((m) => m.get(11) === 'G1').length, 1);
  } finally {
    await c.stop();
  }
});

test('the admin API answers 401 without a token or with a wrong one, 400 to a bad body and 422 when the engine refuses', async () => {
  const none = await admin('halt', { symbol: 'AAPL' }, null);
  assert.equal(none.status, 401);
  assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
  const wrong = await admin('halt', { symbol: 'AAPL' }, 'not-the-token');
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.error, 'invalid_token');
  assert.equal((await admin('killswitch', { account: 'X', on: 'maybe' })).status, 400);
  assert.equal((await admin('halt', {})).status, 400);
  assert.equal((await admin('halt', { symbol: 'AAPL', extra: 1 })).status, 400);
  const unknown = await admin('halt', { symbol: 'NOPE' });
  assert.equal(unknown.status, 422);
  assert.deepEqual([unknown.body.ok, unknown.body.text], [false, 'unknown symbol NOPE']);
  // nothing was halted by any of these
  assert.ok((await getJson('/api/v1/instruments')).instruments.every((i: any) => i.status === 'Open'));
});

test('without a configured token every admin route answers 403 saying how to enable it', async () => {
  const plain = await startHttpServer({
    host: '127.0.0.1', port: 0, engine: gw.engine, sequencer: gw.sequencer,
    plugins: [{ prefix: '/api/v1/admin', plugin: adminApi({ sequencer: gw.sequencer, token: undefined }) }],
  });
  try {
    const lastSeq = gw.engine.lastSeq;
    const res = await fetch(`${plain.url}/api/v1/admin/halt`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer anything' }, body: '{"symbol":"AAPL"}',
    });
    assert.equal(res.status, 403);
    const body = await res.json() as { error: string; message: string };
    assert.equal(body.error, 'admin_disabled');
    assert.match(body.message, /AdminToken.*FIXGW_ADMIN_TOKEN/);
    assert.equal(gw.engine.lastSeq, lastSeq);
  } finally {
    await plain.close();
  }
});

function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [cli, 'admin', '--url', http.url, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    p.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('fixgw admin halts, resumes and flips the kill switch from the command line, and exits 1 on a wrong token', async () => {
  const halt = await runCli(['--token', TOKEN, 'halt', 'ETH-USD', '--text', 'maintenance']);
  assert.equal(halt.code, 0, halt.stderr);
  assert.deepEqual(JSON.parse(halt.stdout), { ...JSON.parse(halt.stdout), ok: true, command: 'Halt', text: 'ETH-USD Halted' });
  assert.equal(gw.engine.instruments().find((i) => i.symbol === 'ETH-USD')!.status, 'Halted');

  const resume = await runCli(['resume', 'ETH-USD'], { FIXGW_ADMIN_TOKEN: TOKEN });
  assert.equal(resume.code, 0, resume.stderr);
  assert.equal(JSON.parse(resume.stdout).text, 'ETH-USD Open');

  const ks = await runCli(['--token', TOKEN, 'killswitch', 'CLIKS', 'on']);
  assert.equal(ks.code, 0, ks.stderr);
  assert.equal(JSON.parse(ks.stdout).text, 'kill switch on for CLIKS');
  const ksOff = await runCli(['--token', TOKEN, 'killswitch', 'CLIKS', 'off']);
  assert.equal(JSON.parse(ksOff.stdout).text, 'kill switch off for CLIKS');

  const refused = await runCli(['--token', TOKEN, 'end-of-day', 'NOPE']);
  assert.equal(refused.code, 1);
  assert.equal(JSON.parse(refused.stdout).text, 'unknown symbol NOPE');

  const wrong = await runCli(['--token', 'wrong', 'halt', 'ETH-USD']);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /HTTP 401: wrong bearer token/);
  assert.equal(gw.engine.instruments().find((i) => i.symbol === 'ETH-USD')!.status, 'Open');
});
