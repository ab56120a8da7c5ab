import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, startTestGateway } from './support.js';

test('a limit order over a real socket is acknowledged with ExecutionReport 150=0', async () => {
  const gw = await startTestGateway();
  const c = await Client.logon(gw.fixPort, 'CLIENT1');
  try {
    c.order('A1');
    const [er] = await c.reports('A1');
    assert.equal(er!.get(150), '0');
    assert.equal(er!.get(39), '0');
  } finally {
    await c.stop();
    await gw.close();
  }
});
