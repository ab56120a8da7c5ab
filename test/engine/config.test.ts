// The engine config loader: the default file loads; bad values name the file and the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEngineConfig, EngineConfigError } from '../../src/engine/config.js';
import { CONFIG_PATH, defaultConfigFile } from './harness.js';
import { tempDataDir } from './data-dir-support.js';

test('default config has the six instruments with integer limits', () => {
  const c = loadEngineConfig(CONFIG_PATH);
  assert.deepEqual(c.instruments.map((i) => i.symbol), ['AAPL', 'MSFT', 'IBM', 'GOOG', 'BTC-USD', 'ETH-USD']);
  const btc = c.instrumentBySymbol.get('BTC-USD')!;
  assert.equal(btc.priceStep.text, '0.01');
  assert.equal(btc.qtyStep.text, '0.0001');
  assert.equal(btc.minQtyLots, 1);
  assert.equal(btc.notionalUnitsPerTickLot, 1);
  assert.equal(c.instrumentBySymbol.get('AAPL')!.notionalUnitsPerTickLot, 10_000);
  assert.ok(c.allowUnknownAccounts);
});

function loadWith(edit: (f: ReturnType<typeof defaultConfigFile>) => void): string {
  const f = defaultConfigFile();
  edit(f);
  const path = join(tempDataDir('cfg'), 'engine.json');
  writeFileSync(path, JSON.stringify(f));
  try {
    loadEngineConfig(path);
  } catch (err) {
    assert.ok(err instanceof EngineConfigError);
    assert.ok(err.message.startsWith(path), err.message);
    return err.message;
  }
  assert.fail('expected a config error');
}

test('bad values are errors naming the file and the key', () => {
  assert.match(loadWith((f) => { f.instruments[2]!.tickSize = 'abc'; }), /instruments\[2\]\.tickSize/);
  assert.match(loadWith((f) => { f.instruments[0]!.referencePrice = '190.001'; }), /instruments\[0\]\.referencePrice: "190.001" is off-step/);
  assert.match(loadWith((f) => { f.instruments[1]!.symbol = 'AAPL'; }), /instruments\[1\]\.symbol: duplicate/);
  assert.match(loadWith((f) => { f.instruments[4]!.maxQty = '100000000'; }), /instruments\[4\]\.maxPrice: .*2\^53/);
  assert.match(loadWith((f) => { (f.accounts.default as { stpMode: string }).stpMode = 'Sometimes'; }), /accounts\.default\.stpMode/);
  assert.match(loadWith((f) => { f.accounts.overrides = { ACC9: { creditLimit: '-1' } }; }), /accounts\.overrides\.ACC9\.creditLimit/);
  assert.match(loadWith((f) => { (f.limits as { doneOrdersMax: unknown }).doneOrdersMax = 'many'; }), /limits\.doneOrdersMax/);
});

test('every section names its key: limits, cancel-on-disconnect, status, bps ranges, notional unit, accounts', () => {
  assert.match(loadWith((f) => { f.cancelOnDisconnect.sessions = { 'FIX.4.4:A->B': 'yes' as unknown as boolean }; }),
    /cancelOnDisconnect\.sessions\.FIX\.4\.4:A->B: expected true or false, got "yes"/);
  assert.match(loadWith((f) => { (f.instruments[3] as { status: string }).status = 'Paused'; }), /instruments\[3\]\.status: expected one of Open, Halted, Closed/);
  assert.match(loadWith((f) => { f.instruments[0]!.marketProtectionBps = 10_001; }), /instruments\[0\]\.marketProtectionBps: expected an integer in \[0, 10000\], got 10001/);
  assert.match(loadWith((f) => { f.instruments[0]!.circuitBreakerBps = 1.5; }), /instruments\[0\]\.circuitBreakerBps: expected an integer/);
  assert.match(loadWith((f) => { f.notionalUnit = '0.01'; }), /instruments\[4\]\.tickSize: tickSize × lotSize must be a multiple of notionalUnit 0\.01/);
  assert.match(loadWith((f) => { f.instruments[0]!.minQty = '0'; }), /instruments\[0\]\.minQty: "0" must be at least 1 step/);
  assert.match(loadWith((f) => { f.instruments[0]!.referencePrice = '200000.00'; }), /instruments\[0\]\.referencePrice: above maxPrice/);
  assert.match(loadWith((f) => { f.instruments = []; }), /: instruments: expected a non-empty array/);
  assert.match(loadWith((f) => { delete (f as { accounts?: unknown }).accounts; }), /: accounts: expected an object/);
  assert.match(loadWith((f) => { f.accounts.default.maxOpenOrders = -1; }), /accounts\.default\.maxOpenOrders: expected an integer in \[0, 10000000\], got -1/);
  assert.match(loadWith((f) => { f.accounts.overrides = { BIG: { maxPositionQty: 'lots' } }; }), /accounts\.overrides\.BIG\.maxPositionQty/);
});

test('a file that is not JSON is an error naming it', () => {
  const path = join(tempDataDir('cfg'), 'engine.json');
  writeFileSync(path, '{ "notionalUnit": ');
  assert.throws(() => loadEngineConfig(path), (err: unknown) => err instanceof EngineConfigError && err.message.startsWith(`${path}: cannot read engine config:`));
});

test('an unreadable file is an error naming it', () => {
  assert.throws(() => loadEngineConfig('/nonexistent/engine.json'), /\/nonexistent\/engine\.json: cannot read/);
});
