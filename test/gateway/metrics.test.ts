// Gateway metrics are counted locally and handed to prom-client on scrape: what a scrape shows is exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram, Registry } from 'prom-client';
import { createMetrics } from '../../src/gateway/metrics.js';

function reader(registry: Registry): () => Promise<(line: string) => number> {
  return async () => {
    const text = await registry.metrics();
    return (line: string) => Number(new RegExp(`^${line.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  };
}

test('counts and observations show exactly once on every scrape, also past the held-observations bound', async () => {
  const registry = new Registry();
  const m = createMetrics(registry, { loggedOnSessions: () => 2, lastSeq: () => 7 });
  const scrape = reader(registry);
  for (let i = 0; i < 3; i++) m.messagesReceived.inc('D');
  m.rejects.inc('DuplicateClOrdId');
  m.trades.inc();
  m.trades.inc();
  for (let i = 0; i < 5000; i++) m.orderAckSeconds.observe(0.0001);
  let v = await scrape();
  assert.equal(v('fixgw_app_messages_received_total{msg_type="D"}'), 3);
  assert.equal(v('fixgw_rejects_total{reason="DuplicateClOrdId"}'), 1);
  assert.equal(v('fixgw_trades_total'), 2);
  assert.equal(v('fixgw_order_ack_seconds_count'), 5000);
  assert.equal(v('fixgw_order_ack_seconds_bucket{le="0.0001"}'), 5000);
  assert.equal(v('fixgw_sessions_logged_on'), 2);
  assert.equal(v('fixgw_engine_last_seq'), 7);

  v = await scrape();
  assert.equal(v('fixgw_app_messages_received_total{msg_type="D"}'), 3, 'a second scrape adds nothing');
  assert.equal(v('fixgw_order_ack_seconds_count'), 5000);

  m.messagesReceived.inc('D');
  m.messagesReceived.inc('F');
  m.orderAckSeconds.observe(0.3);
  v = await scrape();
  assert.equal(v('fixgw_app_messages_received_total{msg_type="D"}'), 4);
  assert.equal(v('fixgw_app_messages_received_total{msg_type="F"}'), 1);
  assert.equal(v('fixgw_order_ack_seconds_count'), 5001);
  assert.equal(v('fixgw_order_ack_seconds_bucket{le="0.1"}'), 5000);
});

test('the order-ack histogram renders exactly what a prom-client Histogram with the same buckets renders', async () => {
  const ours = new Registry();
  const m = createMetrics(ours, { loggedOnSessions: () => 0, lastSeq: () => 0 });
  const theirs = new Registry();
  const reference = new Histogram({
    name: 'fixgw_order_ack_seconds', help: 'From a request arriving to its first reply being sent (includes the journal write)',
    registers: [theirs], buckets: [0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5],
  });
  // bucket edges exactly, just above them, far beyond the last one, and random values in between
  const values = [0, 0.00005, 0.0000500001, 0.0001, 0.5, 0.5000001, 3, 1e-9];
  let seed = 7;
  for (let i = 0; i < 5000; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    values.push((seed / 2147483648) ** 4 * 0.7);
  }
  for (const v of values) {
    m.orderAckSeconds.observe(v);
    reference.observe(v);
  }
  const block = (text: string) => text.split('\n\n').find((b) => b.includes('# TYPE fixgw_order_ack_seconds '))!.trimEnd();
  assert.equal(block(await ours.metrics()), block(await theirs.metrics()));
  const json = (await ours.getMetricsAsJSON()).find((x) => x.name === 'fixgw_order_ack_seconds')!;
  assert.equal(json.type as unknown, 'histogram');
});
