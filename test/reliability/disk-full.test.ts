// A session's message log and then its store stop taking writes, as on a full disk: `fixgw serve` runs with files
// limited to 1 MiB (prlimit --fsize, SIGXFSZ ignored: a write past the limit fails with EFBIG) while the journal keeps
// its segments far below that. The gateway says what is wrong — /health answers 503 "degraded" with the reasons,
// /metrics has gauges, the process log has one line per failure (not one per message or per Logon), the client whose
// store failed gets a Logout that says why, and so does each Logon it tries while the store still fails — and it keeps
// running what it still can: the session whose log failed trades on, other sessions and newcomers trade.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '../gateway/support.js';
import { waitFor } from '../support/fix-harness.js';
import { gatewayCfg, serve, type Served } from '../support/served.js';

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

/** Resting orders from `client` in bursts of 100, each burst acknowledged, until `done()` or `max` orders. */
async function ordersUntil(client: Client, done: () => Promise<boolean> | boolean, max: number): Promise<number> {
  let n = 0;
  while (n < max && !(await done())) {
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) {
      const id = `${client.compId}-${n++}`;
      ids.push(id);
      client.order(id, { symbol: 'MSFT', side: '1', qty: '1', price: '1.00' });
    }
    await waitFor('a burst answered', () => !client.session.isLoggedOn || client.all('8').some((m) => m.get(11) === ids.at(-1)), 10_000);
  }
  return n;
}

test('a full disk under the session files is reported in /health, /metrics, the log and the Logout; the rest runs on', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-disk-full-'));
  const gw = await serve(dir, 0, { cfg: CFG, fileBytesMax: FILE_BYTES_MAX });
  const full = await Client.logon(gw.fixPort, 'FULL');
  const calm = await Client.logon(gw.fixPort, 'CALM');
  let newcomer: Client | undefined;
  try {
    const healthy = await health(gw);
    assert.deepEqual([healthy.code, healthy.body.status], [200, 'ok']);

    // 1. The message log (it grows fastest) fails: degraded, and the session trades on.
    const logFailed = async () => (await health(gw)).body.reasons?.some((r) => r.includes('FULL') && r.includes('message log')) ?? false;
    await ordersUntil(full, logFailed, 4000);
    assert.ok(await logFailed(), `the message log failure shows in /health: ${JSON.stringify(await health(gw))}`);
    assert.equal((await health(gw)).code, 503);
    assert.equal((await health(gw)).body.status, 'degraded');
    assert.ok(full.session.isLoggedOn, 'a session whose message log fails trades on');
    full.order('after-log', { symbol: 'MSFT', side: '1', qty: '1', price: '1.00' });
    await full.reports('after-log');
    assert.equal(await metric(gw, /fixgw_degraded/), 1);
    assert.equal(await metric(gw, /fixgw_session_files_failing\{kind="log"\}/), 1);

    // 2. Its store fails too: a Logout that says why.
    await ordersUntil(full, () => !full.session.isLoggedOn, 8000);
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
    assert.equal(about(/message log/), 1, 'one warning for the message log');
    assert.equal(about(/store/), 1, 'one warning for the store, however many Logons');

    // 3. What still can runs: the other session, a newcomer, the process.
    calm.order('calm-1', { symbol: 'IBM', side: '1', qty: '1', price: '100.00' });
    assert.equal((await calm.reports('calm-1'))[0]!.get(150), '0');
    newcomer = await Client.logon(gw.fixPort, 'NEWCOMER');
    newcomer.order('new-1', { symbol: 'IBM', side: '2', qty: '1', price: '100.00' });
    assert.equal((await newcomer.reports('new-1', 2)).at(-1)!.get(150), 'F');
    assert.equal(gw.proc.exitCode, null, 'the process runs on');
  } finally {
    for (const c of [full, calm, newcomer]) await c?.stop().catch(() => undefined);
    gw.proc.kill('SIGKILL');
    await gw.exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
