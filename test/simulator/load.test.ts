// The load generator's measurements against acceptors whose timing the test controls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Acceptor } from '../../src/session/acceptor.js';
import { MemoryStore } from '../../src/session/store.js';
import { NullLog } from '../../src/session/message-log.js';
import type { Application } from '../../src/session/application.js';
import type { FixMessage } from '../../src/fix/message.js';
import type { Session } from '../../src/session/session.js';
import { fix44, sessionConfig } from '../support/fix-harness.js';
import { runLoad, type LoadOptions } from '../../simulator/load.js';

/** An acceptor (any client CompID) that acknowledges each NewOrderSingle `delayMs` after it arrives. */
async function slowAcceptor(delayMs: number): Promise<{ port: number; stop: (graceMs: number) => Promise<void> }> {
  const pending = new Set<NodeJS.Timeout>();
  const app: Application = {
    fromApp(session: Session, order: FixMessage) {
      if (order.msgType !== 'D') return;
      const timer = setTimeout(() => {
        pending.delete(timer);
        session.send('8', [[37, order.get(11)!], [11, order.get(11)!], [17, order.get(11)!], [150, '0'], [39, '0'],
          [55, order.get(55)!], [54, order.get(54)!], [151, order.get(38)!], [14, '0'], [6, '0']]);
      }, delayMs);
      pending.add(timer);
    },
  };
  const acceptor = await Acceptor.start({
    port: 0, host: '127.0.0.1', dictionary: fix44(), application: app,
    sessions: [{ config: sessionConfig({ beginString: 'FIX.4.4', senderCompId: 'FIXGW', targetCompId: '*' }, { validation: null }), dynamic: true }],
    openStore: () => new MemoryStore(Date.now()),
    openLog: () => new NullLog(),
  });
  return {
    port: acceptor.port,
    stop: async (graceMs) => {
      for (const timer of pending) clearTimeout(timer);
      await acceptor.stop(graceMs);
    },
  };
}

function options(port: number, overrides: Partial<LoadOptions>): LoadOptions {
  return {
    host: '127.0.0.1', port, sender: 'LT{i}', target: 'FIXGW', sessions: 1, orders: 50, window: 1, warmup: 0,
    symbols: [{ symbol: 'AAPL', midTicks: 19_000 }], tick: '0.01', qtyMin: 1, qtyMax: 10, mix: { maker: 1, taker: 1 },
    seed: 1, heartBtIntS: 30, timeoutS: 10, maxInFlight: 100_000, idPrefix: 'lt', ...overrides,
  };
}

test('open loop counts latency from the intended send time, so a backlog shows up as latency', async () => {
  const acceptor = await slowAcceptor(40);
  try {
    // Due every 10 ms, but only one order may be in flight and each takes 40 ms: order k waits about
    // k × 30 ms behind schedule. Measured from the real send time every order would look like ~40 ms.
    const report = await runLoad(options(acceptor.port, { rate: 100, orders: 50, maxInFlight: 1 }));
    assert.equal(report.mode, 'open');
    assert.equal(report.acks, 50);
    assert.ok(report.ack_max_us! > 1_000_000, `max ${report.ack_max_us} µs`);
    assert.ok(report.ack_p50_us! > 400_000, `p50 ${report.ack_p50_us} µs`);
    assert.ok(report.seconds > 1.5, `${report.seconds} s`);
  } finally {
    await acceptor.stop(500);
  }
});

test('closed loop keeps the window full and measures from the real send time', async () => {
  const acceptor = await slowAcceptor(40);
  try {
    const report = await runLoad(options(acceptor.port, { sessions: 2, window: 5, orders: 100 }));
    assert.equal(report.mode, 'closed');
    assert.equal(report.acks, 100);
    // 2 sessions × 5 in flight, 40 ms each: about 250 orders/s, each ~40 ms. Bounds with room for a loaded machine,
    // whose timers fire late: still more than one order in flight per session (that would be 50/s at most).
    assert.ok(report.ack_p50_us! >= 40_000 && report.ack_p50_us! < 400_000, `p50 ${report.ack_p50_us} µs`);
    assert.ok(report.orders_per_s > 75 && report.orders_per_s <= 260, `${report.orders_per_s}/s`);
    assert.equal(report.fills, 0);
    assert.equal(report.fill_p50_us, null);
  } finally {
    await acceptor.stop(500);
  }
});

test('a gateway that stops answering ends the run with an error instead of hanging', async () => {
  const acceptor = await slowAcceptor(60_000);
  try {
    const report = await runLoad(options(acceptor.port, { orders: 10, window: 3, timeoutS: 0.5 }));
    assert.match(report.error ?? '', /^no ExecutionReport for 0\.5 s with 3 orders outstanding$/);
    assert.equal(report.acks, 0);
  } finally {
    await acceptor.stop(200);
  }
});
