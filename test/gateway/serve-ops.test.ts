// `fixgw serve` as a child process with the operational features wired: the admin API on its HTTP port (token
// from FIXGW_ADMIN_TOKEN, or AdminToken in the .cfg) and a snapshot written on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listSnapshots, snapshotDirOf } from '../../src/engine/index.js';
import { gatewayCfg, serve } from '../support/served.js';

const CFG = gatewayCfg({ JournalFsync: 'N' });

/** The gateway with FIXGW_ADMIN_TOKEN and FIXGW_HTTP_TOKEN unset unless `env` sets them. */
const serveWith = (dir: string, cfg: string, env: Record<string, string>) => serve(dir, 0, { cfg, env: { FIXGW_ADMIN_TOKEN: '', FIXGW_HTTP_TOKEN: '', ...env } });

const post = (port: number, route: string, token: string, body: unknown) => fetch(`http://127.0.0.1:${port}/api/v1/admin/${route}`, {
  method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body),
});

test('fixgw serve answers the admin API with the token from FIXGW_ADMIN_TOKEN and writes a snapshot on SIGTERM', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-serve-ops-'));
  const gw = await serveWith(dir, CFG, { FIXGW_ADMIN_TOKEN: 'env-token' });
  try {
    const res = await post(gw.httpPort, 'halt', 'env-token', { symbol: 'MSFT', text: 'test' });
    assert.equal(res.status, 200);
    const body = await res.json() as { ok: boolean; seq: number; text: string };
    assert.deepEqual([body.ok, body.seq, body.text], [true, 1, 'MSFT Halted']);
    const book = await (await fetch(`http://127.0.0.1:${gw.httpPort}/api/v1/book/MSFT`)).json() as { status: string };
    assert.equal(book.status, 'Halted');
    assert.equal((await post(gw.httpPort, 'resume', 'wrong', { symbol: 'MSFT' })).status, 401);
    gw.proc.kill('SIGTERM');
    assert.equal(await gw.exited, 0, gw.output());
    assert.deepEqual(listSnapshots(snapshotDirOf(path.join(dir, 'data'))).map((s) => s.seq), [1]);
    assert.match(gw.output(), /"snapshot written"/);
  } finally {
    gw.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fixgw serve without an admin token answers the admin API with 403; AdminToken in the .cfg enables it', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-serve-ops-'));
  let gw = await serveWith(dir, CFG, {});
  try {
    const res = await post(gw.httpPort, 'halt', 'anything', { symbol: 'MSFT' });
    assert.equal(res.status, 403);
    assert.match((await res.json() as { message: string }).message, /disabled/);
    gw.proc.kill('SIGTERM');
    assert.equal(await gw.exited, 0, gw.output());

    gw = await serveWith(dir, CFG.replace('[SESSION]', 'AdminToken=cfg-token\n[SESSION]'), {});
    assert.equal((await post(gw.httpPort, 'killswitch', 'cfg-token', { account: 'ACME', on: true })).status, 200);
    gw.proc.kill('SIGTERM');
    assert.equal(await gw.exited, 0, gw.output());
  } finally {
    gw.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fixgw serve guards its HTTP port with HttpAccessToken, FIXGW_HTTP_TOKEN winning over the file, and keeps /health open', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-serve-ops-'));
  const cfg = gatewayCfg({ JournalFsync: 'N', HttpAccessToken: 'file-token' });
  let gw = await serveWith(dir, cfg, {});
  const get = (route: string, token?: string) => fetch(`http://127.0.0.1:${gw.httpPort}${route}`,
    token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
  try {
    assert.equal(await get('/api/v1/instruments'), 401);
    assert.equal(await get('/api/v1/instruments', 'file-token'), 200);
    assert.equal(await get('/health'), 200);
    gw.proc.kill('SIGTERM');
    assert.equal(await gw.exited, 0, gw.output());
    gw = await serveWith(dir, cfg, { FIXGW_HTTP_TOKEN: 'env-token' });
    assert.equal(await get('/api/v1/instruments', 'file-token'), 401);
    assert.equal(await get('/metrics', 'env-token'), 200);
    gw.proc.kill('SIGTERM');
    assert.equal(await gw.exited, 0, gw.output());
  } finally {
    gw.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
