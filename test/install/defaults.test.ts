// What a new user gets without configuring anything: `npm start` listens on this machine only, Day orders expire
// every evening, every instrument has a price band; opening the gateway to the network is a flag away and is said
// loudly in the log when it needs a password or token it does not have.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadGatewaySettings } from '../../src/gateway/index.js';
import { defaultEngineConfigPath, Engine, loadEngineConfig, type ExecReport } from '../../src/engine/index.js';
import { exposureWarnings, isLoopback } from '../../src/gateway/exposure.js';
import { gatewayCfg, serve } from '../support/served.js';

const PACKAGED_CFG = fileURLToPath(new URL('../../../config/gateway.cfg', import.meta.url));

test('config/gateway.cfg: FIX and HTTP on 127.0.0.1, a daily EndOfDay at 17:00 New York time', () => {
  const s = loadGatewaySettings(PACKAGED_CFG);
  assert.equal(s.fixHost, '127.0.0.1');
  assert.equal(s.httpHost, '127.0.0.1');
  assert.equal(s.endOfDayTimeSec, 17 * 3600);
  assert.equal(s.timeZone, 'America/New_York');
});

test('config/engine.json: every instrument has a price band, so an order far from the market is rejected, not booked', () => {
  const config = loadEngineConfig(defaultEngineConfigPath());
  for (const i of config.instruments) assert.ok(i.priceBandBps > 0 && i.priceBandBps <= 2000, `${i.symbol}: priceBandBps ${i.priceBandBps}`);
  const engine = new Engine(config);
  const order = (clOrdId: string, price: string) => engine.apply({ seq: engine.lastSeq + 1, timeMs: 1_700_000_000_000, cmd: {
    type: 'NewOrder', session: 'FIX.4.4:FIXGW->FAT', clOrdId, symbol: 'AAPL', side: 'Buy', orderQty: '10', ordType: 'Limit', price, timeInForce: 'Day',
  } }).filter((e): e is ExecReport => e.kind === 'exec');
  const [fat] = order('F1', '19.00'); // a decimal point in the wrong place, against the reference price 190.00
  assert.deepEqual([fat!.execType, fat!.rejectReason], ['Rejected', 'PriceOutOfBand']);
  const [fine] = order('F2', '189.50');
  assert.equal(fine!.execType, 'New');
});

test('only loopback addresses count as this machine', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', '::ffff:127.0.0.1']) assert.equal(isLoopback(host), true, host);
  for (const host of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'fixgw.example.com']) assert.equal(isLoopback(host), false, host);
});

test('a gateway open to the network warns about every session without a Password and an HTTP port without a token', () => {
  const [open] = loadGatewaySettings(PACKAGED_CFG).sessions;
  const base = { fixPort: 9876, httpPort: 8080, sessions: [open!], httpAccessToken: undefined };
  assert.deepEqual(exposureWarnings({ ...base, fixHost: '127.0.0.1', httpHost: '127.0.0.1' }), []);
  const loud = exposureWarnings({ ...base, fixHost: '0.0.0.0', httpHost: '0.0.0.0' });
  assert.equal(loud.length, 2);
  assert.match(loud[0]!.message, /^ORDER ENTRY IS OPEN TO THE NETWORK WITHOUT A PASSWORD: anyone who reaches 0\.0\.0\.0:9876 can log on as any client CompID \(TargetCompID=\*\) and trade/);
  assert.match(loud[1]!.message, /^HTTP IS OPEN TO THE NETWORK WITHOUT A TOKEN/);
  const guarded = exposureWarnings({ ...base, fixHost: '0.0.0.0', httpHost: '0.0.0.0', sessions: [{ ...open!, password: 's3cret' }], httpAccessToken: 't' });
  assert.deepEqual(guarded, []);
});

test('fixgw serve --host 0.0.0.0 --http-host 0.0.0.0 says in its log that order entry is open without a password', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-open-'));
  const gw = await serve(dir, 0, { cfg: gatewayCfg(), args: ['--host', '0.0.0.0', '--http-host', '0.0.0.0'] });
  try {
    const warnings = gw.output().split('\n').filter((l) => l.includes('"level":40'));
    assert.ok(warnings.some((l) => l.includes('ORDER ENTRY IS OPEN TO THE NETWORK WITHOUT A PASSWORD')), gw.output());
    assert.ok(warnings.some((l) => l.includes('HTTP IS OPEN TO THE NETWORK WITHOUT A TOKEN')), gw.output());
  } finally {
    gw.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
  const quietDir = mkdtempSync(path.join(tmpdir(), 'fixgw-open-'));
  const quiet = await serve(quietDir, 0, { cfg: gatewayCfg() });
  try {
    assert.doesNotMatch(quiet.output(), /OPEN TO THE NETWORK/, 'loopback (the tests\' and npm start\'s hosts): no warning');
  } finally {
    quiet.proc.kill('SIGKILL');
    rmSync(quietDir, { recursive: true, force: true });
  }
});
