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

test('a key the engine does not know is an error naming it and the nearest known key', () => {
  assert.match(loadWith((f) => { (f.instruments[0] as unknown as Record<string, unknown>).priceBandBP = 500; }),
    /instruments\[0\]\.priceBandBP: unknown key \(did you mean priceBandBps\?\); known keys: symbol, baseAsset/);
  assert.match(loadWith((f) => { (f as unknown as Record<string, unknown>).instrument = []; }), /: instrument: unknown key \(did you mean instruments\?\)/);
  assert.match(loadWith((f) => { (f.limits as Record<string, unknown>).doneOrderMax = 5; }), /limits\.doneOrderMax: unknown key \(did you mean doneOrdersMax\?\)/);
  assert.match(loadWith((f) => { f.accounts.overrides = { ACME: { creditlimit: '5' } as never }; }), /accounts\.overrides\.ACME\.creditlimit: unknown key \(did you mean creditLimit\?\)/);
  assert.match(loadWith((f) => { (f.accounts.default as unknown as Record<string, unknown>).Mode = 'cash'; }), /accounts\.default\.Mode: unknown key \(did you mean mode\?\)/);
  assert.match(loadWith((f) => { (f.assets.USD as unknown as Record<string, unknown>).precision = 2; }), /assets\.USD\.precision: unknown key; known keys: decimals, displayDecimals/);
});

test('a number where a decimal string belongs, or a string where an integer belongs, says what is expected and why', () => {
  assert.match(loadWith((f) => { (f.instruments[0] as unknown as Record<string, unknown>).referencePrice = 190; }),
    /instruments\[0\]\.referencePrice: must be a decimal string such as "190\.00", got the number 190: numbers lose exactness/);
  assert.match(loadWith((f) => { (f.instruments[4] as unknown as Record<string, unknown>).lotSize = 0.0001; }),
    /instruments\[4\]\.lotSize: must be a decimal string such as "1", got the number 0\.0001: numbers lose exactness/);
  assert.match(loadWith((f) => { f.accounts.overrides = { A: { mode: 'cash', balances: { USD: 100000 as unknown as string } } }; }),
    /accounts\.overrides\.A\.balances\.USD: must be a decimal string such as "100000", got the number 100000/);
  assert.match(loadWith((f) => { (f.instruments[0] as unknown as Record<string, unknown>).priceBandBps = '500'; }),
    /instruments\[0\]\.priceBandBps: expected an integer in \[0, 1000000\] as a JSON number \(no quotes\), got the string "500"/);
  assert.match(loadWith((f) => { (f.instruments[4] as unknown as Record<string, unknown>).takerFeeRate = 0.001; }),
    /instruments\[4\]\.takerFeeRate: must be a decimal string such as "0\.0010", got the number 0\.001/);
});

test('assets, fee rates, account modes and balances are checked against each other', () => {
  const c = loadEngineConfig(CONFIG_PATH);
  const btc = c.instrumentBySymbol.get('BTC-USD')!;
  assert.deepEqual([btc.base.name, btc.quote.name, btc.baseUnitsPerLot, btc.quoteUnitsPerTickLot, btc.makerFeeRate, btc.takerFeeRate],
    ['BTC', 'USD', 10_000, 1, 20_000, 50_000]);
  assert.equal(c.feeAccount, 'FEES');
  assert.equal(c.defaultAccount.mode, 'credit');
  assert.match(loadWith((f) => { f.instruments[4]!.baseAsset = 'XBT'; }), /instruments\[4\]\.baseAsset: unknown asset XBT \(assets: USD, BTC/);
  assert.match(loadWith((f) => { f.instruments[4]!.quoteAsset = 'BTC'; }), /instruments\[4\]\.quoteAsset: the same asset as baseAsset/);
  assert.match(loadWith((f) => { f.assets.BTC = { decimals: 3 }; }), /instruments\[4\]\.lotSize: lotSize must be a multiple of BTC's precision 0\.001/);
  assert.match(loadWith((f) => { f.assets.USD = { decimals: 2 }; }),
    /instruments\[4\]\.tickSize: tickSize × lotSize \(0\.000001\) must be a multiple of USD's precision 0\.01: a trade's value must be a whole number of USD units/);
  assert.match(loadWith((f) => { f.instruments[4]!.takerFeeRate = '0.2'; }), /instruments\[4\]\.takerFeeRate: expected a rate in \[0, 0\.1\]/);
  assert.match(loadWith((f) => { f.instruments[4]!.takerFeeRate = '0.000000001'; }), /instruments\[4\]\.takerFeeRate: "0\.000000001" has more than 8 decimal places/);
  assert.match(loadWith((f) => { f.accounts.overrides = { A: { mode: 'Cash' as never } }; }), /accounts\.overrides\.A\.mode: expected "cash" or "credit", got "Cash"/);
  assert.match(loadWith((f) => { f.accounts.default.balances = { USD: '1' }; }), /accounts\.default\.balances: balances are per account: put them under accounts\.overrides\.NAME\.balances/);
  assert.match(loadWith((f) => { f.accounts.overrides = { A: { balances: { EUR: '1' } } }; }), /accounts\.overrides\.A\.balances\.EUR: unknown asset/);
  assert.match(loadWith((f) => { f.accounts.overrides = { A: { balances: { USD: '0.0000001' } } }; }), /accounts\.overrides\.A\.balances\.USD: "0\.0000001" is off-step/);
  assert.match(loadWith((f) => { f.accounts.overrides = { A: { feeRates: { NOPE: {} } } }; }), /accounts\.overrides\.A\.feeRates\.NOPE: unknown symbol/);
  assert.match(loadWith((f) => { f.limits.accountsMax = 1; f.accounts.overrides = { A: { balances: { USD: '1' } } }; }), /limits\.accountsMax: below the 2 accounts/);
  assert.match(loadWith((f) => { f.assets = {}; }), /: assets: expected at least one asset/);
});
