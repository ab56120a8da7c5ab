// A Logon flood of new CompIDs from one address against `fixgw serve` with a small MaxDynamicSessions: the sessions
// it leaves behind (Logons that never completed, sessions logged out and idle) are released, so a legitimate newcomer
// is not locked out; their stores stay on disk; and a trading session's order->ack latency and the event loop stay
// near what they were before the flood. Figures (p99 before/during, event-loop lag) are printed as diagnostics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Client } from '../gateway/support.js';
import { RawClient } from '../support/fix-harness.js';
import { gatewayCfg, httpJson, serve, type Served } from '../support/served.js';

const FLOODER = fileURLToPath(new URL('./logon-flooder.js', import.meta.url));
/** 2,000 Logons for new CompIDs, 200 connections at a time (every 4th never completes): before sessions were created
 *  a few per turn, the synchronous file work of 200 Logons arriving together stalled the loop for about a second. */
const FLOOD_LOGONS = 2000;
const FLOOD_CONCURRENCY = 200;
/** The flood comes from an address of its own (any 127.x.y.z is loopback on Linux); everyone else from 127.0.0.1. */
const FLOOD_ADDRESS = '127.0.0.2';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Event-loop delay of the gateway since the previous scrape (prom-client resets its histogram on each). */
async function loopLag(gw: Served): Promise<{ p99Ms: number; maxMs: number }> {
  const text = await (await fetch(`http://127.0.0.1:${gw.httpPort}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) * 1000;
  return { p99Ms: value('nodejs_eventloop_lag_p99_seconds'), maxMs: value('nodejs_eventloop_lag_max_seconds') };
}

function p99(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? NaN;
}

/** A trading client that sends a resting order every `everyMs` and records each one's order->ack time. */
class Prober {
  readonly rttMs: number[] = [];
  readonly #sentAt = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #n = 0;
  constructor(readonly client: Client) {
    client.app.reply = (_s, msg) => {
      const at = this.#sentAt.get(msg.get(11) ?? '');
      if (msg.msgType === '8' && msg.get(150) === '0' && at !== undefined) this.rttMs.push(performance.now() - at);
    };
  }
  start(everyMs: number): void {
    this.#timer = setInterval(() => {
      const id = `P${++this.#n}`;
      this.#sentAt.set(id, performance.now());
      this.client.order(id, { symbol: 'IBM', side: '1', qty: '1', price: '100.00' });
    }, everyMs);
  }
  take(): number[] {
    const out = this.rttMs.splice(0);
    return out;
  }
  stop(): void { clearInterval(this.#timer); }
}

function flood(port: number, count: number, concurrency: number, prefix: string): Promise<{ loggedOn: number; refused: number; closed: number }> {
  const proc = spawn(process.execPath, [FLOODER, String(port), String(count), String(concurrency), prefix, '4', FLOOD_ADDRESS], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout.on('data', (b: Buffer) => { out += b.toString(); });
  return new Promise((resolve, reject) => proc.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`flooder exited ${code}`)))));
}

test('a Logon flood from one address leaves no session allocated, locks no newcomer out, and does not stall a trading session', { timeout: 240_000 }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-flood-'));
  const cfg = gatewayCfg({ MaxMessagesPerSecond: 100_000, MaxDynamicSessions: 300, DynamicSessionIdleTimeout: 2 });
  const gw = await serve(dir, 0, { cfg });
  const trader = await Client.logon(gw.fixPort, 'TRADER');
  const prober = new Prober(trader);
  try {
    prober.start(20);
    await sleep(1000);
    prober.take();
    await loopLag(gw);
    await sleep(4000);
    const before = prober.take();
    const lagBefore = await loopLag(gw);

    const flooding = flood(gw.fixPort, FLOOD_LOGONS, FLOOD_CONCURRENCY, 'FLD');
    // a newcomer from another address in the middle of it: not locked out, not queued behind the flood
    await sleep(1500);
    const newcomerStart = performance.now();
    const newcomer = await Client.logon(gw.fixPort, 'NEWCOMER');
    const newcomerLogonMs = performance.now() - newcomerStart;
    await newcomer.stop();
    const tally = await flooding;
    const during = prober.take();
    const lagDuring = await loopLag(gw);
    prober.stop();
    const figures = {
      flood: tally,
      orderAckP99Ms: { before: +p99(before).toFixed(1), during: +p99(during).toFixed(1) },
      samples: { before: before.length, during: during.length },
      newcomerLogonMs: Math.round(newcomerLogonMs),
      eventLoopLagMs: { before: lagBefore, during: lagDuring },
    };
    t.diagnostic(JSON.stringify(figures));
    assert.equal(gw.proc.exitCode, null);
    // none refused for capacity (a few may wait past LogonTimeout on a busy machine: paced, not locked out)
    assert.equal(tally.refused, 0, `no Logon of the flood was refused for MaxDynamicSessions=300: ${JSON.stringify(tally)}`);
    assert.ok(tally.loggedOn >= FLOOD_LOGONS * 3 / 4 * 0.9, `the flood's good Logons got in: ${JSON.stringify(tally)}`);
    assert.ok(newcomerLogonMs < 3000, `a newcomer from another address is not queued behind the flood: ${JSON.stringify(figures)}`);
    assert.ok(during.length >= 20, 'the trader kept trading during the flood');
    // Bounds with room for a machine shared with other work (there the baseline itself moves by tens of ms, and a
    // starved process shows lag it did not cause); sessions made as the Logons came stalled for a second and more.
    assert.ok(p99(during) < Math.max(800, 5 * p99(before)), `order->ack p99 during the flood: ${JSON.stringify(figures)}`);
    assert.ok(lagDuring.maxMs < 800, `event-loop lag during the flood: ${JSON.stringify(figures)}`);

    // after DynamicSessionIdleTimeout no flood session is left; their stores are kept
    let left = -1;
    for (const deadline = Date.now() + 15_000; left !== 0 && Date.now() < deadline; await sleep(200)) {
      const { sessions } = await httpJson<{ sessions: Array<{ key: string }> }>(gw.httpPort, '/api/v1/sessions');
      left = sessions.filter((s) => s.key.includes('FLD')).length;
    }
    assert.equal(left, 0, 'flood sessions released after DynamicSessionIdleTimeout');
    assert.ok(existsSync(path.join(dir, 'data', 'store', 'FIX.4.4-FIXGW-FLD0.seqnums')), 'a released session\'s store stays on disk');
    const back = await RawClient.connect(gw.fixPort);
    back.send('A', 2, [[98, '0'], [108, '30']], { sender: 'FLD0' });
    assert.equal((await back.next('A')).get(34), '2', 'a released session continues its sequence numbers');
    back.close();
  } finally {
    prober.stop();
    await trader.stop().catch(() => undefined);
    gw.proc.kill('SIGKILL');
    await gw.exited;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a dynamic session with orders in the engine is not released: its fills are stored while it is away', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-flood-'));
  const gw = await serve(dir, 0, { cfg: gatewayCfg({ MaxMessagesPerSecond: 100_000, MaxDynamicSessions: 2, DynamicSessionIdleTimeout: 1 }) });
  try {
    const resting = await Client.logon(gw.fixPort, 'RESTING');
    resting.order('R1', { symbol: 'IBM', side: '1', qty: '5', price: '150.00' });
    await resting.reports('R1');
    await resting.stop();
    const idle = await Client.logon(gw.fixPort, 'IDLE');
    await idle.stop();
    await sleep(1500); // both idle past DynamicSessionIdleTimeout: IDLE is released, RESTING kept
    const keys = async () => (await httpJson<{ sessions: Array<{ key: string }> }>(gw.httpPort, '/api/v1/sessions')).sessions.map((s) => s.key);
    assert.ok((await keys()).includes('FIX.4.4:FIXGW->RESTING'));
    assert.ok(!(await keys()).includes('FIX.4.4:FIXGW->IDLE'));
    // two more newcomers: the second needs a place, and RESTING's is not taken
    const seller = await Client.logon(gw.fixPort, 'SELLER');
    seller.order('S1', { symbol: 'IBM', side: '2', qty: '5', price: '150.00' });
    assert.equal((await seller.reports('S1', 2))[1]!.get(150), 'F');
    const extra = await RawClient.connect(gw.fixPort);
    extra.send('A', 1, [[98, '0'], [108, '30']], { sender: 'EXTRA' });
    assert.match((await extra.next('5')).get(58) ?? '', /no capacity/, 'RESTING connected-or-kept and SELLER connected: no place');
    extra.close();
    await seller.stop();
    const { sessions } = await httpJson<{ sessions: Array<{ key: string; nextTargetSeq: number }> }>(gw.httpPort, '/api/v1/sessions');
    const seq = sessions.find((r) => r.key === 'FIX.4.4:FIXGW->RESTING')!.nextTargetSeq;
    const back = await RawClient.connect(gw.fixPort);
    back.send('A', seq, [[98, '0'], [108, '30']], { sender: 'RESTING' });
    await back.next('A');
    back.send('2', seq + 1, [[7, '1'], [16, '0']], { sender: 'RESTING' });
    const fill = await waitForFill(back, 'R1');
    assert.equal(fill.get(43), 'Y');
    back.close();
  } finally {
    gw.proc.kill('SIGKILL');
    await gw.exited;
    rmSync(dir, { recursive: true, force: true });
  }
});

async function waitForFill(c: RawClient, clOrdId: string): Promise<import('../../src/fix/message.js').FixMessage> {
  for (;;) {
    const m = await c.next('8', 10_000);
    if (m.get(11) === clOrdId && m.get(150) === 'F') return m;
  }
}
