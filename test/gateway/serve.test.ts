// `fixgw serve` as a real child process: clean shutdown on SIGTERM, and a SIGKILL in the middle of a
// session after which acknowledged orders are still there and a client's resend gets exactly what it missed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileStore } from '../../src/session/file-store.js';
import { formatUtcTimestamp } from '../../src/fix/time.js';
import { Client } from './support.js';
import { waitFor } from '../support/fix-harness.js';
import { CLI as cli, freePort, gatewayCfg, serve } from '../support/served.js';

const CFG = gatewayCfg();

const now = () => formatUtcTimestamp(Date.now());

test('fixgw serve with a bad settings file exits 1 naming the file, line and key', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-serve-'));
  try {
    const cfg = path.join(dir, 'bad.cfg');
    writeFileSync(cfg, CFG.replace('JournalFsync=Y', 'JournalFsync=maybe'));
    const r = spawnSync(process.execPath, [cli, 'serve', '--config', cfg, '--data-dir', path.join(dir, 'data')], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /bad\.cfg:9: JournalFsync: expected Y or N/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fixgw serve trades, and on SIGTERM logs the client out and exits 0', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-serve-'));
  const gw = await serve(dir, 0, { cfg: CFG });
  const a = await Client.logon(gw.fixPort, 'TERM1');
  const b = await Client.logon(gw.fixPort, 'TERM2');
  try {
    a.order('A1', { symbol: 'AAPL', side: '2', qty: '10', price: '190.00' });
    await a.reports('A1');
    b.order('B1', { symbol: 'AAPL', side: '1', qty: '10', price: '190.00' });
    const fills = await b.reports('B1', 2);
    assert.equal(fills[1]!.get(150), 'F');
    gw.proc.kill('SIGTERM');
    assert.equal(await gw.exited, 0, gw.output());
    await a.next('5');
    assert.match(a.all('5')[0]!.get(58) ?? '', /shutting down/);
    assert.match(gw.output(), /"gateway stopped"/);
  } finally {
    gw.proc.kill('SIGKILL');
    await a.stop();
    await b.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('after a SIGKILL and restart, acknowledged orders are still there and a returning client gets exactly what it missed', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-serve-'));
  const port = await freePort();
  let gw = await serve(dir, port, { cfg: CFG });
  const storeDir = path.join(dir, 'client-store');
  const id = { beginString: 'FIX.4.4', senderCompId: 'KILL1', targetCompId: 'FIXGW' };
  let a = await Client.logon(port, 'KILL1', { store: FileStore.open(storeDir, id, { nowMs: Date.now() }) });
  const b = await Client.logon(port, 'KILL2');
  try {
    a.order('A1', { symbol: 'IBM', side: '2', qty: '10', price: '180.00' });
    a.order('A2', { symbol: 'IBM', side: '2', qty: '5', price: '181.00' });
    await a.reports('A2');
    await a.stop(); // A goes away cleanly
    b.order('B1', { symbol: 'IBM', side: '1', qty: '10', price: '180.00' });
    await b.reports('B1', 2); // A1 fills while A is away: its ER is stored for A, not sent
    gw.proc.kill('SIGKILL');
    await gw.exited;

    gw = await serve(dir, port, { cfg: CFG });
    assert.match(gw.output(), /"replayedCommands":4/);
    a = await Client.logon(port, 'KILL1', { store: FileStore.open(storeDir, id, { nowMs: Date.now() }) });
    const [missed] = await a.reports('A1');
    assert.deepEqual([150, 39, 32, 43].map((t) => missed!.get(t)), ['F', '2', '10', 'Y'], 'resent with PossDupFlag');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(a.all('8').length, 1, 'exactly the missed ExecutionReport, nothing else');

    // B reconnected by itself (same sequence numbers) and can still trade against A's acknowledged order.
    await waitFor('B logged on again', () => b.session.isLoggedOn, 10_000);
    b.send('D', [[11, 'B2'], [55, 'IBM'], [54, '1'], [60, now()], [38, '5'], [40, '2'], [44, '181.00']]);
    const b2 = await b.reports('B2', 2);
    assert.deepEqual([150, 39, 31].map((t) => b2[1]!.get(t)), ['F', '2', '181.00']);
    const a2 = await a.reports('A2');
    assert.deepEqual([150, 39].map((t) => a2[0]!.get(t)), ['F', '2'], 'A2 survived the crash and filled');
    gw.proc.kill('SIGTERM');
    assert.equal(await gw.exited, 0);
  } finally {
    gw.proc.kill('SIGKILL');
    await a.stop();
    await b.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fixgw serve answers /health, the book API and the viewer page on its HTTP port', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-serve-'));
  const gw = await serve(dir, 0, { cfg: CFG });
  try {
    const base = `http://127.0.0.1:${gw.httpPort}`;
    const health = await fetch(`${base}/health`);
    assert.equal(health.status, 200);
    const h = await health.json() as { status: string; lastSeq: number; snapshots: { mode: string; workerRunning: boolean; workerLagCommands: number; lastSnapshotSeq: number } };
    assert.equal(h.status, 'ok');
    assert.equal(typeof h.lastSeq, 'number');
    assert.equal(h.snapshots.mode, 'worker', 'snapshots are made by the worker thread by default');
    assert.equal(typeof h.snapshots.workerLagCommands, 'number');
    const book = (await (await fetch(`${base}/api/v1/book/AAPL?depth=5`)).json()) as { symbol: string; bids: unknown[]; asks: unknown[] };
    assert.equal(book.symbol, 'AAPL');
    assert.ok(Array.isArray(book.bids) && Array.isArray(book.asks));
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /^# TYPE /m);
    gw.proc.kill('SIGTERM');
    assert.equal(await gw.exited, 0);
  } finally {
    gw.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fixgw serve warms the order path up on a scratch gateway first, and nothing of it reaches its data directory', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-serve-'));
  // the gateway's temporary directory is one of the test's own (TMPDIR): other gateways warming up at the same time
  // make theirs elsewhere
  const scratch = path.join(dir, 'tmp');
  mkdirSync(scratch);
  const scratchMadeMs = statSync(scratch).mtimeMs;
  const warmUpDirs = () => readdirSync(scratch).filter((n) => n.startsWith('fixgw-warm-up-'));
  const gw = await serve(dir, 0, { cfg: gatewayCfg({ WarmUpOrders: 2_000 }), env: { TMPDIR: scratch } });
  try {
    const line = gw.output().split('\n').find((l) => l.includes('"warm-up done"'));
    assert.ok(line !== undefined, gw.output());
    const r = JSON.parse(line) as { orders: number; answered: number; ms: number };
    assert.equal(r.orders, 2_000);
    assert.equal(r.answered, 2_000);
    assert.ok(statSync(scratch).mtimeMs > scratchMadeMs, 'the warm-up made its scratch directory in the TMPDIR it was given');
    assert.deepEqual(warmUpDirs(), [], 'the scratch directory is deleted');
    // the real gateway starts empty: no command journaled, no warm-up session stored or logged, orders trade as usual
    assert.match(gw.output(), /"lastSeq":0,.*"msg":"journal replayed"/);
    const c = await Client.logon(gw.fixPort, 'AFTERWARM');
    c.order('O1', { symbol: 'MSFT', side: '1', qty: '10', price: '100.00' });
    const [ack] = await c.reports('O1');
    assert.equal(ack!.get(37), '1', 'the first real order is the journal\'s first command');
    await c.stop();
    for (const sub of ['store', 'log']) {
      assert.deepEqual(readdirSync(path.join(dir, 'data', sub)).filter((n) => n.includes('WARMUP')), [], `no warm-up session in ${sub}/`);
    }
    gw.proc.kill('SIGTERM');
    assert.equal(await gw.exited, 0);
  } finally {
    gw.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
