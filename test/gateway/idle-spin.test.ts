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

/** Event-loop utilization of this process (gateway and client both run here) from now until `untilMs`
 *  (performance.now()); a timer that fires late on a loaded machine only makes the window longer. */
async function busyShareUntil(untilMs: number): Promise<number> {
  const start = performance.eventLoopUtilization();
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, untilMs - performance.now())));
  return performance.eventLoopUtilization(start).utilization;
}

for (const spinMicros of [0, 300_000]) {
  test(`with IdleSpinMicros=${spinMicros} the loop ${spinMicros > 0 ? 'keeps polling for that long after a reply, then sleeps' : 'sleeps right after a reply'}`, async () => {
    const gw = await startTestGateway({ idleSpinMicros: spinMicros });
    const c = await Client.logon(gw.fixPort, `SPIN${spinMicros}`);
    try {
      // Windows counted from the moment the reply arrives (the spin starts as it is sent), each well inside or well
      // past the spin: on a loaded machine a timer may fire 100 ms late without a window leaving its side.
      const replied = new Promise<number>((resolve) => { c.app.reply = () => { resolve(performance.now()); }; });
      c.order('S1', { symbol: 'IBM', side: '1', qty: '100', price: '180.25' });
      const repliedAtMs = await replied;
      const during = await busyShareUntil(repliedAtMs + 50);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, repliedAtMs + spinMicros / 1000 + 50 - performance.now())));
      const afterwards = await busyShareUntil(performance.now() + 50);
      const figures = `busy ${during.toFixed(2)} in the first 50 ms, ${afterwards.toFixed(2)} after the spin`;
      if (spinMicros > 0) assert.ok(during > 0.8, `spinning: ${figures}`);
      else assert.ok(during < 0.5, `not spinning: ${figures}`);
      assert.ok(afterwards < 0.5, `the spin is over: ${figures}`);
    } finally {
      await c.stop();
      await gw.close();
    }
  });
}
