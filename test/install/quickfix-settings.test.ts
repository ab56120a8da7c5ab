// A user brings the settings file of their QuickFIX C++ or QuickFIX/J acceptor: fixgw serve starts on it, reads the
// keys it honours in either spelling (SocketTcpNoDelay, TimeStampPrecision, a session schedule), says once, in one
// log line each, which keys do nothing here and why, and refuses (naming file, line and key) a setting it understands
// but has no use for, rather than ignore it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI, gatewayCfg, serve } from '../support/served.js';
import { Client } from '../gateway/support.js';
import { RawClient } from '../support/fix-harness.js';

test('fixgw serve on a settings file with QuickFIX/J and QuickFIX C++ keys: it serves, with one warning line per key without effect', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-qfj-'));
  const cfg = gatewayCfg({
    ScreenLogShowIncoming: 'N', ScreenLogShowHeartBeats: 'N', FileIncludeMilliseconds: 'Y', AllowedRemoteAddresses: '10.9.9.0/24',
    SocketTcpNoDelay: 'N', StartTime: '00:00:00 Europe/London', EndTime: '23:59:59', Weekdays: 'Mon,Tue,Wed,Thu,Fri,Sat,Sun',
  });
  const gw = await serve(dir, 0, { cfg });
  try {
    // one warning in the log per key, nothing on stderr
    assert.doesNotMatch(gw.output(), /FixgwSettingsWarning/);
    const warnings = gw.output().split('\n').filter((l) => l.includes('no effect here')).map((l) => JSON.parse(l) as { level: number; key: string; msg: string });
    assert.deepEqual(warnings.map((w) => [w.level, w.key]), [[40, 'ScreenLogShowIncoming'], [40, 'ScreenLogShowHeartBeats'], [40, 'FileIncludeMilliseconds']]);
    assert.match(warnings[0]!.msg, /gateway\.cfg:\d+: ScreenLogShowIncoming: no effect here: fixgw writes no screen log/);
    // QuickFIX/J's AllowedRemoteAddresses is AllowedAddresses: this client (127.0.0.1) is not in it
    const outsider = spawnSync(process.execPath, [CLI, 'sim', 'connect', '--port', String(gw.fixPort), '--timeout', '5'], { input: 'quit\n', encoding: 'utf8' });
    assert.equal(outsider.status, 3, outsider.stdout + outsider.stderr);
    assert.match(outsider.stderr, /logon refused: Invalid username or password/, 'refused like any other Logon the gateway will not take');
  } finally {
    gw.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
  const dir2 = mkdtempSync(path.join(tmpdir(), 'fixgw-qfj-'));
  const open = await serve(dir2, 0, { cfg: gatewayCfg({ AllowedRemoteAddresses: '127.0.0.0/8', TimeStampPrecision: 'MICROS' }) });
  try {
    const raw = await RawClient.connect(open.fixPort);
    raw.send('A', 1, [[98, '0'], [108, '30']], { sender: 'QFJRAW' });
    assert.match((await raw.next('A')).get(52)!, /^\d{8}-\d\d:\d\d:\d\d\.\d{6}$/, 'SendingTime in microseconds');
    raw.close();
    const c = await Client.logon(open.fixPort, 'QFJUSER');
    c.order('Q1', { side: '1', qty: '1', price: '190.00' });
    const [ack] = await c.reports('Q1');
    assert.equal(ack!.get(150), '0');
    await c.stop();
  } finally {
    open.proc.kill('SIGKILL');
  }
  const refused = spawnSync(process.execPath, [CLI, 'serve', '--config', writeCfg(dir2, gatewayCfg({ RefreshOnLogon: 'Y' })), '--fix-port', '0'], { encoding: 'utf8' });
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /gateway\.cfg:\d+: RefreshOnLogon: not used by the gateway/);
  rmSync(dir2, { recursive: true, force: true });
});

function writeCfg(dir: string, text: string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'gateway.cfg');
  writeFileSync(file, text);
  return file;
}
