// `fixgw sim load` trades where the market is: it asks the gateway (GET /api/v1/instruments) for each instrument's
// last price, else its reference price, and places its orders a few ticks around it. Against `fixgw serve` found
// through its .cfg (--config: FIX port, CompID and HTTP port).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from './support.js';
import { freePort, gatewayCfg, httpJson, serve } from '../support/served.js';
import type { LoadReport } from '../../simulator/load.js';

interface Trades { trades: Array<{ price: string }> }
interface Instruments { instruments: Array<{ symbol: string; lastPrice: string | null; referencePrice: string }> }

test('sim load places its orders around the reference price, then around the last price, as the gateway reports them', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-load-'));
  const [fixPort, httpPort] = [await freePort(), await freePort()];
  const cfgText = gatewayCfg({ SocketAcceptPort: fixPort, HttpPort: httpPort, MaxMessagesPerSecond: 100_000 });
  const gw = await serve(dir, fixPort, { cfg: cfgText });
  try {
    const cfg = path.join(dir, 'client.cfg');
    writeFileSync(cfg, cfgText);
    const before = await httpJson<Instruments>(httpPort, '/api/v1/instruments');
    const aapl = before.instruments.find((i) => i.symbol === 'AAPL')!;
    assert.deepEqual([aapl.lastPrice, aapl.referencePrice], [null, '190.00']);

    const first = await runCli(['sim', 'load', '--config', cfg, '--sender', 'PRICE{i}', '--symbols', 'AAPL,MSFT', '--window', '5', '--orders', '300']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /^prices: AAPL 190\.00 \(reference\), MSFT 420\.00 \(reference\)$/m);
    assert.match(first.stdout, /^orders +300 sent, 300 acked, 0 rejected/m);
    // makers rest 1-5 ticks off the mid and takers trade with them: every trade within 5 ticks of the reference
    for (const [symbol, lo, hi] of [['AAPL', 189.95, 190.05], ['MSFT', 419.95, 420.05]] as const) {
      const { trades } = await httpJson<Trades>(httpPort, `/api/v1/trades/${symbol}?limit=1000`);
      assert.ok(trades.length > 0, `${symbol} traded`);
      for (const t of trades) assert.ok(Number(t.price) >= lo && Number(t.price) <= hi, `${symbol} traded at ${t.price}`);
    }

    const last = (await httpJson<Instruments>(httpPort, '/api/v1/instruments')).instruments.find((i) => i.symbol === 'AAPL')!.lastPrice!;
    const second = await runCli(['sim', 'load', '--config', cfg, '--sender', 'AGAIN{i}', '--symbols', 'AAPL', '--orders', '50', '--json']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, new RegExp(`^prices: AAPL ${last.replace('.', '\\.')} \\(last\\)$`, 'm'));
    assert.equal((JSON.parse(second.stdout) as LoadReport).rejects, 0);
  } finally {
    gw.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a symbol the gateway does not list is a usage error that names what it lists', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-load-'));
  const gw = await serve(dir, 0);
  try {
    const r = await runCli(['sim', 'load', '--port', String(gw.fixPort), '--http-url', `http://127.0.0.1:${gw.httpPort}`, '--symbols', 'AAPL,DOGE']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: --symbols: the gateway has no price for DOGE \(it lists AAPL, MSFT, IBM, GOOG, BTC-USD, ETH-USD\); give one: DOGE:MID$/m);
  } finally {
    gw.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
