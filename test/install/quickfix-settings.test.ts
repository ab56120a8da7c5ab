// A user brings the settings file of their QuickFIX C++ or QuickFIX/J acceptor: fixgw serve starts on it, and says
// once, on one line each, which of its keys do nothing here and why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gatewayCfg, serve } from '../support/served.js';
import { Client } from '../gateway/support.js';

test('fixgw serve on a settings file with QuickFIX/J and QuickFIX C++ keys: it serves, with one warning line per key without effect', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-qfj-'));
  const cfg = gatewayCfg({
    ScreenLogShowIncoming: 'N', ScreenLogShowHeartBeats: 'N', FileIncludeMilliseconds: 'Y', SocketTcpNoDelay: 'Y',
    TimeStampPrecision: 'MILLIS', StartTime: '00:00:00 UTC', EndTime: '00:00:00 UTC',
  });
  const gw = await serve(dir, 0, { cfg });
  try {
    const warnings = gw.output().split('\n').filter((l) => l.includes('FixgwSettingsWarning'));
    assert.deepEqual(warnings.map((l) => /: (\w+): no effect here: /.exec(l)?.[1]), ['ScreenLogShowIncoming', 'ScreenLogShowHeartBeats', 'FileIncludeMilliseconds']);
    assert.match(warnings[0]!, /gateway\.cfg:\d+: ScreenLogShowIncoming: no effect here: fixgw writes no screen log/);
    const c = await Client.logon(gw.fixPort, 'QFJUSER');
    c.order('Q1', { side: '1', qty: '1', price: '190.00' });
    const [ack] = await c.reports('Q1');
    assert.equal(ack!.get(150), '0');
    await c.stop();
  } finally {
    gw.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
