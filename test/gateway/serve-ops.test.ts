// `fixgw serve` as a child process with the operational features wired: the admin API on its HTTP port (token
// from FIXGW_ADMIN_TOKEN, or AdminToken in the .cfg) and a snapshot written on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listSnapshots, snapshotDirOf } from '../../src/engine/index.js';
import { waitFor } from '../support/fix-harness.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

const CFG = `[DEFAULT]
ConnectionType=acceptor
BeginString=FIX.4.4
SenderCompID=FIXGW
SocketAcceptPort=9876
SocketAcceptHost=127.0.0.1
HttpHost=127.0.0.1
HttpPort=0
JournalFsync=N
[SESSION]
TargetCompID=*
`;

async function serve(dir: string, cfgText: string, env: Record<string, string>) {
  const cfg = path.join(dir, 'gateway.cfg');
  writeFileSync(cfg, cfgText);
  const proc = spawn(process.execPath, [cli, 'serve', '--config', cfg, '--fix-port', '0', '--data-dir', path.join(dir, 'data')],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FIXGW_ADMIN_TOKEN: '', ...env } });
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
  proc.stderr!.on('data', (b: Buffer) => { out += b.toString(); });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  await waitFor('fixgw serving', () => out.includes('"fixgw serving"'), 20_000);
  const line = out.split('\n').find((l) => l.includes('"fixgw serving"'))!;
  return { proc, httpPort: (JSON.parse(line) as { httpPort: number }).httpPort, exited, output: () => out };
}

const post = (port: number, route: string, token: string, body: unknown) => fetch(`http://127.0.0.1:${port}/api/v1/admin/${route}`, {
  method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body),
});

test('fixgw serve answers the admin API with the token from FIXGW_ADMIN_TOKEN and writes a snapshot on SIGTERM', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-serve-ops-'));
  const gw = await serve(dir, CFG, { FIXGW_ADMIN_TOKEN: 'env-token' });
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
  let gw = await serve(dir, CFG, {});
  try {
    const res = await post(gw.httpPort, 'halt', 'anything', { symbol: 'MSFT' });
    assert.equal(res.status, 403);
    assert.match((await res.json() as { message: string }).message, /disabled/);
    gw.proc.kill('SIGTERM');
    assert.equal(await gw.exited, 0, gw.output());

    gw = await serve(dir, CFG.replace('[SESSION]', 'AdminToken=cfg-token\n[SESSION]'), {});
    assert.equal((await post(gw.httpPort, 'killswitch', 'cfg-token', { account: 'ACME', on: true })).status, 200);
    gw.proc.kill('SIGTERM');
    assert.equal(await gw.exited, 0, gw.output());
  } finally {
    gw.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
