// The scheduled EndOfDay: with EndOfDayTime (in TimeZone) set, the gateway journals one EndOfDay command each time
// its clock passes that local time, and Day orders expire (150=C) while GTC orders stay. Driven by an injected clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readJournalDir, journalDirOf } from '../../src/engine/index.js';
import { BASE_CFG, Client, startTestGateway } from './support.js';

test('at EndOfDayTime in its TimeZone the gateway journals one EndOfDay: Day orders expire, GTC orders stay', async () => {
  // 16:00 in New York on 26 Nov 2026 (EST, UTC-5) is 21:00 UTC.
  let nowMs = Date.UTC(2026, 10, 26, 20, 59, 59, 0);
  const cfg = BASE_CFG.replace('[SESSION]', 'EndOfDayTime=16:00:00\nTimeZone=America/New_York\n\n[SESSION]');
  const gw = await startTestGateway({ cfg, clock: () => nowMs, expiryCheckIntervalMs: 10 });
  const c = await Client.logon(gw.fixPort, 'EODS1');
  const endOfDays = () => readJournalDir(journalDirOf(gw.dataDir)).records.filter((r) => r.cmd.type === 'EndOfDay');
  try {
    c.order('D1', { symbol: 'AAPL', price: '150.00', tif: '0' });
    c.order('G1', { symbol: 'AAPL', price: '150.00', tif: '1' });
    await c.reports('D1');
    await c.reports('G1');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(endOfDays().length, 0, 'nothing before 16:00 New York time');

    nowMs = Date.UTC(2026, 10, 26, 21, 0, 0, 250);
    const [, expired] = await c.reports('D1', 2);
    assert.deepEqual([150, 39].map((t) => expired!.get(t)), ['C', 'C']);
    await new Promise((r) => setTimeout(r, 100));
    const first = endOfDays();
    assert.equal(first.length, 1, 'exactly one EndOfDay per day');
    assert.ok(first[0]!.timeMs >= Date.UTC(2026, 10, 26, 21, 0, 0));
    assert.equal(c.all('8').filter((m) => m.get(11) === 'G1').length, 1, 'the GTC order is untouched');

    // A Day order entered after the close lives until the next day's EndOfDay.
    c.order('D2', { symbol: 'AAPL', price: '150.00', tif: '0' });
    await c.reports('D2');
    nowMs = Date.UTC(2026, 10, 27, 20, 59, 0);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(c.all('8').filter((m) => m.get(11) === 'D2').length, 1);
    nowMs = Date.UTC(2026, 10, 27, 21, 0, 1);
    const [, expired2] = await c.reports('D2', 2);
    assert.equal(expired2!.get(150), 'C');
    assert.equal(endOfDays().length, 2);
  } finally {
    await c.stop();
    await gw.close();
  }
});

test('an EndOfDay that passed while the gateway was down is journaled at the next start, once', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fixgw-eod-'));
  const cfg = BASE_CFG.replace('[SESSION]', 'EndOfDayTime=16:00:00\nTimeZone=America/New_York\n\n[SESSION]');
  const endOfDays = () => readJournalDir(journalDirOf(dataDir)).records.filter((r) => r.cmd.type === 'EndOfDay');
  try {
    let nowMs = Date.UTC(2026, 10, 26, 20, 0, 0); // 15:00 in New York
    let gw = await startTestGateway({ cfg, dataDir, clock: () => nowMs, expiryCheckIntervalMs: 10 });
    const c = await Client.logon(gw.fixPort, 'EODS2');
    c.order('D1', { symbol: 'AAPL', price: '150.00', tif: '0' });
    c.order('G1', { symbol: 'AAPL', price: '150.00', tif: '1' });
    await c.reports('D1');
    await c.reports('G1');
    await c.stop();
    await gw.close();

    nowMs = Date.UTC(2026, 10, 27, 14, 0, 0); // 09:00 the next morning: yesterday's 16:00 passed while down
    gw = await startTestGateway({ cfg, dataDir, clock: () => nowMs, expiryCheckIntervalMs: 10 });
    await gw.sequencer.flush();
    assert.equal(gw.engine.orderByClOrdId('FIX.4.4:FIXGW->EODS2', 'D1')?.ordStatus, 'Expired');
    assert.equal(gw.engine.orderByClOrdId('FIX.4.4:FIXGW->EODS2', 'G1')?.ordStatus, 'New');
    await gw.close();
    assert.equal(endOfDays().length, 1);

    nowMs = Date.UTC(2026, 10, 27, 15, 0, 0); // same day again: nothing more to catch up
    gw = await startTestGateway({ cfg, dataDir, clock: () => nowMs, expiryCheckIntervalMs: 10 });
    await new Promise((r) => setTimeout(r, 50));
    await gw.close();
    assert.equal(endOfDays().length, 1);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
