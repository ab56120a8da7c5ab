// IdleSpinMicros: after a batch of replies the gateway's event loop keeps polling for that long instead of
// sleeping, then stops on its own. Off (0) by default: the loop sleeps right after a reply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { parseGatewaySettings } from '../../src/gateway/config.js';
import { BASE_CFG, Client, startTestGateway } from './support.js';

/** Share of the time the event loop of this process (gateway and client both run here) was busy over `ms`. */
async function busyShareOver(ms: number): Promise<number> {
  const start = performance.eventLoopUtilization();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return performance.eventLoopUtilization(start).utilization;
}

test('IdleSpinMicros is read from the .cfg, 0 (off) by default', () => {
  assert.equal(parseGatewaySettings(BASE_CFG).idleSpinMicros, 0);
  assert.equal(parseGatewaySettings(BASE_CFG.replace('[DEFAULT]', '[DEFAULT]\nIdleSpinMicros=150')).idleSpinMicros, 150);
  assert.throws(() => parseGatewaySettings(BASE_CFG.replace('[DEFAULT]', '[DEFAULT]\nIdleSpinMicros=-1')));
});

for (const spinMicros of [0, 60_000]) {
  test(`with IdleSpinMicros=${spinMicros} the loop ${spinMicros > 0 ? 'keeps polling for that long after a reply, then sleeps' : 'sleeps right after a reply'}`, async () => {
    const gw = await startTestGateway({ idleSpinMicros: spinMicros });
    const c = await Client.logon(gw.fixPort, `SPIN${spinMicros}`);
    try {
      c.order('S1', { symbol: 'IBM', side: '1', qty: '100', price: '180.25' });
      await c.reports('S1');
      const during = await busyShareOver(40); // within the 60 ms after the reply
      await new Promise((resolve) => setTimeout(resolve, 40));
      const afterwards = await busyShareOver(40); // 80-120 ms after it
      if (spinMicros > 0) assert.ok(during > 0.8, `busy ${during} while spinning`);
      else assert.ok(during < 0.5, `busy ${during} without spinning`);
      assert.ok(afterwards < 0.5, `busy ${afterwards} once the spin is over`);
    } finally {
      await c.stop();
      await gw.close();
    }
  });
}
