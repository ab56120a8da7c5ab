// What a Prometheus scrape of `fixgw serve` gets for the event loop: prom-client's default nodejs_eventloop_lag_*
// metrics, once, and no home-made gauge with quantile labels beside them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve } from '../support/served.js';

test('/metrics reports the event-loop delay with the standard metrics only', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-metrics-'));
  const gw = await serve(dir, 0);
  try {
    const text = await (await fetch(`http://127.0.0.1:${gw.httpPort}/metrics`)).text();
    for (const name of ['nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_p50_seconds', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_eventloop_lag_max_seconds']) {
      assert.match(text, new RegExp(`^# TYPE ${name} gauge$`, 'm'), name);
    }
    assert.doesNotMatch(text, /fixgw_event_loop_delay_seconds/);
    assert.doesNotMatch(text, /^fixgw_\w+\{quantile=/m, 'no gauge dressed as a summary');
  } finally {
    gw.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
