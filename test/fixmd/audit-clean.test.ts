// `fixgw audit verify` over what the gateway sends now finds nothing: reports with commission, venue cancels with
// 378/58, a stop election as 150=D, market data (W, X, Y), reference data (y, d, h) and trade capture (AQ, AE), all
// valid against the FIX 4.4 dictionary, in sequence, and matching the journal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import type { FieldList } from '../../src/fix/types.js';
import { BASE_CFG, Client, startTestGateway } from '../gateway/support.js';
import { runCli, tempDir } from '../audit/scenario.js';

const V = (id: string, type: string, symbol = 'BTC-USD'): FieldList =>
  [[262, id], [263, type], [264, '0'], [267, '3'], [269, '0'], [269, '1'], [269, '2'], [146, '1'], [55, symbol]];

test('audit verify finds nothing to flag in what the gateway sends: orders, market data, reference data, trade capture', async () => {
  const dataDir = tempDir('fixmd-audit');
  try {
    const gw = await startTestGateway({ cfg: `${BASE_CFG}\n[SESSION]\nTargetCompID=DROPALL\nSessionType=dropcopy\nDropCopyAccounts=*\n`, dataDir });
    const dc = await Client.logon(gw.fixPort, 'DROPALL');
    const a = await Client.logon(gw.fixPort, 'AUDA');
    const b = await Client.logon(gw.fixPort, 'AUDB');
    try {
      a.send('V', V('M1', '1'));
      await a.next('W');
      b.order('S1', { symbol: 'BTC-USD', side: '2', qty: '0.5', price: '60000.00' });
      await b.reports('S1');
      a.order('B1', { symbol: 'BTC-USD', side: '1', qty: '0.2', price: '60000.00' });
      await a.reports('B1', 2);
      a.order('IOC', { symbol: 'BTC-USD', side: '1', qty: '1', price: '60000.00', tif: '3' }); // remainder canceled: 58
      await a.reports('IOC', 3);
      b.order('S2', { symbol: 'BTC-USD', side: '2', qty: '0.2', price: '60010.00' });
      await b.reports('S2');
      a.order('STOP', { symbol: 'BTC-USD', side: '1', qty: '0.1', price: null, ordType: '3', extra: [[99, '60000.00']] });
      await a.next('8', (m) => m.get(11) === 'STOP' && m.get(150) === 'F'); // elected (the last trade was at the stop), then filled
      assert.deepEqual(a.all('8').filter((m) => m.get(11) === 'STOP').map((m) => [m.get(150), m.get(378) ?? '']), [['0', ''], ['D', '99'], ['F', '']]);
      a.order('B2', { symbol: 'BTC-USD', side: '1', qty: '0.1', price: '59990.00' });
      await a.reports('B2');
      b.order('MKT', { symbol: 'BTC-USD', side: '2', qty: '0.1', price: null, ordType: '1' });
      await b.reports('MKT', 2);
      a.send('V', V('M2', '1', 'NOPE'));
      await a.next('Y');
      a.send('V', V('M3', '0', 'ETH-USD'));
      await a.next('W', (m) => m.get(262) === 'M3');
      a.send('x', [[320, 'L1'], [559, '4']]);
      await a.next('y');
      a.send('c', [[320, 'D1'], [321, '0'], [55, 'AAPL']]);
      await a.next('d');
      a.send('g', [[335, 'G1'], [263, '1']]);
      await a.next('h', (m) => m.get(336) === 'ETH-USD');
      gw.sequencer.submit({ type: 'Halt', symbol: 'AAPL', text: 'audit' });
      await a.next('h', (m) => m.get(325) === 'Y');
      a.send('AD', [[568, 'T1'], [569, '0']]);
      await a.next('AE', (m) => m.get(912) === 'Y');
      dc.send('AD', [[568, 'T2'], [569, '0']]);
      await dc.next('AE', (m) => m.get(912) === 'Y');
      a.send('V', V('M1', '2'));
      await a.next('8', (m) => m.get(11) === 'B1');
    } finally {
      await a.stop();
      await b.stop();
      await dc.stop();
      await gw.close();
    }
    const r = runCli(['audit', 'verify', '--data-dir', dataDir]);
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /^CLEAN: \d+ messages in 3 file\(s\); 0 error\(s\), 0 warning\(s\)/m);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
