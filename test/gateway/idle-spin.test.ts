// IdleSpinMicros: after a batch of replies the gateway's event loop keeps polling for that long instead of
// sleeping, then stops on its own. By default (auto) it is on (IDLE_SPIN_AUTO_MICROS) when the journal's fsync is
// off and off when it is on; an explicit value always wins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { IDLE_SPIN_AUTO_MICROS, parseGatewaySettings, resolveIdleSpinMicros } from '../../src/gateway/config.js';
import { rmSync } from 'node:fs';
import { startGateway } from '../../src/gateway/index.js';
import { BASE_CFG, Client, startTestGateway, tempDataDir } from './support.js';

/** Share of the time the event loop of this process (gateway and client both run here) was busy over `ms`. */
async function busyShareOver(ms: number): Promise<number> {
  const start = performance.eventLoopUtilization();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return performance.eventLoopUtilization(start).utilization;
}

const withSpin = (value: string) => BASE_CFG.replace('[DEFAULT]', `[DEFAULT]\nIdleSpinMicros=${value}`);

test('IdleSpinMicros is read from the .cfg: auto by default, else a number of µs from 0 to 1,000,000', () => {
  assert.equal(parseGatewaySettings(BASE_CFG).idleSpinMicros, 'auto');
  assert.equal(parseGatewaySettings(withSpin('auto')).idleSpinMicros, 'auto');
  assert.equal(parseGatewaySettings(withSpin('150')).idleSpinMicros, 150);
  assert.equal(parseGatewaySettings(withSpin('0')).idleSpinMicros, 0);
  assert.equal(parseGatewaySettings(withSpin('1000000')).idleSpinMicros, 1_000_000);
  for (const bad of ['-1', '1000001', '2.5', 'fast', '']) assert.throws(() => parseGatewaySettings(withSpin(bad)), /IdleSpinMicros/, bad);
});

test('IdleSpinMicros=auto is 200 µs with the journal fsync off and 0 with it on; an explicit value always wins', () => {
  assert.equal(IDLE_SPIN_AUTO_MICROS, 200);
  assert.equal(resolveIdleSpinMicros('auto', false), 200);
  assert.equal(resolveIdleSpinMicros('auto', true), 0);
  assert.equal(resolveIdleSpinMicros(0, false), 0);
  assert.equal(resolveIdleSpinMicros(150, true), 150);
});

for (const [cfgLine, fsync, expected] of [
  ['', false, 200], ['', true, 0], ['JournalFsync=N', undefined, 200], ['JournalFsync=Y', undefined, 0],
  ['IdleSpinMicros=0', false, 0], ['IdleSpinMicros=50', true, 50],
] as const) {
  test(`a gateway with ${cfgLine || 'no IdleSpinMicros line'}${fsync === undefined ? '' : ` and fsync ${fsync ? 'on' : 'off'}`} polls for ${expected} µs after replies`, async () => {
    const cfg = BASE_CFG.replace('[DEFAULT]', `[DEFAULT]\n${cfgLine}`);
    // startTestGateway overrides fsync (off unless told): without an override the gateway reads JournalFsync
    const dataDir = tempDataDir();
    const gw = fsync === undefined
      ? await startGateway({ settings: parseGatewaySettings(cfg), fixPort: 0, host: '127.0.0.1', dataDir })
      : await startTestGateway({ cfg, fsync, dataDir });
    try {
      assert.equal(gw.idleSpinMicros, expected);
    } finally {
      await gw.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
}

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
