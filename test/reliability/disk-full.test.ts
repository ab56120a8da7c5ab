// A session's message log and then its store stop taking writes, as on a full disk: `fixgw serve` runs with files
// limited to 1 MiB (prlimit --fsize, SIGXFSZ ignored: a write past the limit fails with EFBIG) while the journal keeps
// its segments far below that. The gateway says what is wrong — /health answers 503 "degraded" with the reasons,
// /metrics has gauges, the process log has one line per failure (not one per message or per Logon), the client whose
// store failed gets a Logout that says why, and so does each Logon it tries while the store still fails — and it keeps
// running what it still can: the session whose log failed trades on, other sessions and newcomers trade. When the
// space comes back (the limit raised on the running process) the session goes on without a restart; after a restart
// instead, it goes on where it was and every order is answered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '../gateway/support.js';
import { waitFor } from '../support/fix-harness.js';
import { freePort, gatewayCfg, serve, type Served } from '../support/served.js';

const FILE_BYTES_MAX = 1024 * 1024;
const CFG = gatewayCfg({ MaxMessagesPerSecond: 100_000, JournalSegmentBytes: 64 * 1024, SnapshotEveryCommands: 0, SnapshotOnShutdown: 'N' });

interface Health { status: string; reasons?: string[] }
async function health(gw: Served): Promise<{ code: number; body: Health }> {
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}/health`);
  return { code: res.status, body: (await res.json()) as Health };
}

async function metric(gw: Served, line: RegExp): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${gw.httpPort}/metrics`)).text();
  const m = new RegExp(`^${line.source} (\\S+)$`, 'm').exec(text);
  return m === null ? NaN : Number(m[1]);
}

/** Resting orders from `client` in bursts of 100, each burst acknowledged, until `done()` or `max` orders; their
 *  ClOrdIDs are added to `sent`. */
async function ordersUntil(client: Client, sent: string[], done: () => Promise<boolean> | boolean, max: number): Promise<void> {
  for (let n = 0; n < max && !(await done());) {
    for (let i = 0; i < 100; i++, n++) {
      sent.push(`${client.compId}-${sent.length}`);
      client.order(sent.at(-1)!, { symbol: 'MSFT', side: '1', qty: '1', price: '1.00' });
    }
    await waitFor('a burst answered', () => !client.session.isLoggedOn || client.all('8').some((m) => m.get(11) === sent.at(-1)), 10_000);
  }
}

/** A gateway whose session FULL had its message log, then its store, fail (phases 1 to 3 of the file comment), with
 *  the checks of each phase. */
interface Failed { dir: string; port: number; gw: Served; full: Client; sent: string[] }

async function failFullsFiles(clients: Client[]): Promise<Failed> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-disk-full-'));
  const port = await freePort();
  const gw = await serve(dir, port, { cfg: CFG, fileBytesMax: FILE_BYTES_MAX });
  const sent: string[] = [];
  const full = await Client.logon(gw.fixPort, 'FULL');
  clients.push(full);
  const calm = await Client.logon(gw.fixPort, 'CALM');
  clients.push(calm);
  const healthy = await health(gw);
  assert.deepEqual([healthy.code, healthy.body.status], [200, 'ok']);

  // 1. The message log (it grows fastest) fails: degraded, and the session trades on.
  const logFailed = async () => (await health(gw)).body.reasons?.some((r) => r.includes('FULL') && r.includes('message log')) ?? false;
  await ordersUntil(full, sent, logFailed, 4000);
  assert.ok(await logFailed(), `the message log failure shows in /health: ${JSON.stringify(await health(gw))}`);
  assert.equal((await health(gw)).code, 503);
  assert.equal((await health(gw)).body.status, 'degraded');
  assert.ok(full.session.isLoggedOn, 'a session whose message log fails trades on');
  sent.push('after-log');
  full.order('after-log', { symbol: 'MSFT', side: '1', qty: '1', price: '1.00' });
  await full.reports('after-log');
  assert.equal(await metric(gw, /fixgw_degraded/), 1);
  assert.equal(await metric(gw, /fixgw_session_files_failing\{kind="log"\}/), 1);

  // 2. Its store fails too: a Logout that says why.
  await ordersUntil(full, sent, () => !full.session.isLoggedOn, 8000);
  const logout = full.all('5').at(-1);
  assert.match(logout?.get(58) ?? '', /store/, `the Logout says the store failed: ${logout?.get(58)}`);
  assert.match(logout!.get(58)!, /EFBIG/);
  const reasons = (await health(gw)).body.reasons ?? [];
  assert.ok(reasons.some((r) => r.includes('FULL') && r.includes('store')), `the store failure shows in /health: ${reasons}`);
  assert.equal(await metric(gw, /fixgw_session_files_failing\{kind="store"\}/), 1);

  // Its client keeps trying to log on (every 100 ms): each Logon gets the reason, the log does not grow per Logon.
  const refusals = () => full.all('5').filter((m) => /store/.test(m.get(58) ?? '')).length;
  await waitFor('Logons refused with the reason', () => refusals() >= 5, 10_000);
  assert.ok(!full.session.isLoggedOn);
  const lines = gw.output().split('\n');
  const about = (what: RegExp) => lines.filter((l) => l.includes('FULL') && what.test(l) && /"level":(40|50)/.test(l)).length;
  assert.equal(about(/message log/), 1, 'one line for the message log');
  assert.equal(about(/store/), 1, 'one line for the store, however many Logons');

  // 3. What still can runs: the other session, a newcomer, the process.
  calm.order('calm-1', { symbol: 'IBM', side: '1', qty: '1', price: '100.00' });
  assert.equal((await calm.reports('calm-1'))[0]!.get(150), '0');
  const newcomer = await Client.logon(gw.fixPort, 'NEWCOMER');
  clients.push(newcomer);
  newcomer.order('new-1', { symbol: 'IBM', side: '2', qty: '1', price: '100.00' });
  assert.equal((await newcomer.reports('new-1', 2)).at(-1)!.get(150), 'F');
  assert.equal(gw.proc.exitCode, null, 'the process runs on');
  return { dir, port, gw, full, sent };
}

/** Every order FULL sent has its report, FULL is logged on and was not logged out again. */
async function everyOrderAnswered(f: Failed, logoutsBefore: number): Promise<void> {
  await f.full.initiator.waitForLogon(10_000);
  await waitFor('every order answered', () => {
    const answered = new Set(f.full.all('8').map((m) => m.get(11)));
    return f.sent.every((id) => answered.has(id));
  }, 30_000);
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(f.full.session.isLoggedOn, 'still logged on');
  assert.deepEqual(f.full.all('5').slice(logoutsBefore).map((m) => m.get(58)), [], 'no Logout since');
}

test('a full disk under the session files is reported in /health, /metrics, the log and the Logout; the session goes on when space comes back', { timeout: 180_000 }, async () => {
  const clients: Client[] = [];
  let failed: Failed | undefined;
  try {
    failed = await failFullsFiles(clients);
    const { gw } = failed;
    // 4. Space comes back: the files are tried again every second, /health is ok again, each recovery is logged once.
    execFileSync('prlimit', ['--pid', String(gw.pid), '--fsize=unlimited:unlimited']);
    const logoutsBefore = failed.full.all('5').length;
    await waitFor('healthy again', () => gw.output().includes('session store works again'), 10_000);
    await everyOrderAnswered(failed, logoutsBefore);
    await waitFor('the log works again', () => gw.output().includes('session message log works again'), 10_000);
    const healthy = await health(gw);
    assert.deepEqual([healthy.code, healthy.body.status], [200, 'ok']);
    assert.equal(await metric(gw, /fixgw_degraded/), 0);
    assert.equal(await metric(gw, /fixgw_session_files_failing\{kind="store"\}/), 0);
  } finally {
    for (const c of clients) await c.stop().catch(() => undefined);
    failed?.gw.proc.kill('SIGKILL');
    await failed?.gw.exited;
    if (failed !== undefined) rmSync(failed.dir, { recursive: true, force: true });
  }
});

test('after a restart with room on the disk, a session whose store failed goes on where it was and every order is answered', { timeout: 180_000 }, async () => {
  const clients: Client[] = [];
  let failed: Failed | undefined;
  try {
    failed = await failFullsFiles(clients);
    // No MsgSeqNum the session was sent (its Logouts' included) is used again, and the reports its failed store held
    // in memory are sent again from the journal.
    failed.gw.proc.kill('SIGKILL');
    await failed.gw.exited;
    const logoutsBefore = failed.full.all('5').length;
    failed.gw = await serve(failed.dir, failed.port, { cfg: CFG });
    await everyOrderAnswered(failed, logoutsBefore);
  } finally {
    for (const c of clients) await c.stop().catch(() => undefined);
    failed?.gw.proc.kill('SIGKILL');
    await failed?.gw.exited;
    if (failed !== undefined) rmSync(failed.dir, { recursive: true, force: true });
  }
});
