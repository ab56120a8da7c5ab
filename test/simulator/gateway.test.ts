// Every mode of `fixgw sim` against the real gateway (FIX acceptor + matching engine + journal), started
// by the test on a free port with a temp data directory; the simulator runs as a child process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { runCli, startTestGateway, exampleScenarios, Prompt, tempDir } from './support.js';
import type { Gateway } from '../../src/gateway/index.js';
import type { LoadReport } from '../../simulator/load.js';

let gateway: Gateway;
let stop: () => Promise<void>;
let port: string;
before(async () => {
  ({ gateway, close: stop } = await startTestGateway());
  port = String(gateway.fixPort);
});
after(async () => { await stop(); });

test('connect: orders typed at two prompts rest, trade, are replaced and canceled, and every report is printed', async () => {
  const seller = new Prompt(['--port', port, '--sender', 'PSELLER']);
  const buyer = new Prompt(['--port', port, '--sender', 'PBUYER', '--verbose']);
  try {
    await seller.waitFor(/^logged on PSELLER -> FIXGW/);
    await buyer.waitFor(/^logged on PBUYER -> FIXGW/);
    seller.send('sell 10 GOOG @ 171.00 id=S1');
    await seller.waitFor(/^<- ExecutionReport #2 0:NEW 0:NEW GOOG 2:SELL cum\/leaves 0\/10 ClOrdID=S1$/);
    buyer.send('buy 4 GOOG @ 171.00 ioc');
    await buyer.waitFor(/^<- ExecutionReport\(8\) .*ExecType\(150\)=F:TRADE OrdStatus\(39\)=2:FILLED .*LastQty\(32\)=4 LastPx\(31\)=171\.00/);
    await seller.waitFor(/^<- ExecutionReport #\d+ F:TRADE 1:PARTIALLY_FILLED GOOG 2:SELL 4@171\.00 cum\/leaves 4\/6 ClOrdID=S1$/);
    // replace and cancel by the ClOrdID the client chose: the prompt fills in symbol, side and OrderID
    seller.send('replace S1 8 @ 171.50 id=S2');
    await seller.waitFor(/^-> OrderCancelReplaceRequest\(G\) #\d+ ClOrdID\(11\)=S2 OrigClOrdID\(41\)=S1 OrderID\(37\)=\d+ Symbol\(55\)=GOOG Side\(54\)=2:SELL .*OrderQty\(38\)=8 OrdType\(40\)=2:LIMIT Price\(44\)=171\.50/);
    await seller.waitFor(/^<- ExecutionReport #\d+ 5:REPLACED 1:PARTIALLY_FILLED GOOG 2:SELL cum\/leaves 4\/4 ClOrdID=S2$/);
    seller.send('orders');
    await seller.waitFor(/^S2 {2}sell 8 GOOG @ 171\.50 {2}OrderID=\d+ OrdStatus=1$/);
    seller.send('cancel S2');
    await seller.waitFor(/^<- ExecutionReport #\d+ 4:CANCELED 4:CANCELED GOOG 2:SELL cum\/leaves 4\/0 ClOrdID=/);
    buyer.send('sell 1 NOPE @ 1');
    await buyer.waitFor(/^<- ExecutionReport\(8\) .*ExecType\(150\)=8:REJECTED .*OrdRejReason\(103\)=1:UNKNOWN_SYMBOL/);
    seller.send('quit');
    buyer.child.stdin.end(); // end of input logs out like quit
    assert.equal(await seller.exit(), 0);
    assert.equal(await buyer.exit(), 0);
    assert.match(buyer.stdout, /^<- Logout\(5\)/m);
  } finally {
    seller.child.kill();
    buyer.child.kill();
  }
});

test('connect: a dropped connection is resumed with connect, and the gateway resends what was missed', async () => {
  const seller = new Prompt(['--port', port, '--sender', 'DSELLER', '--verbose']);
  const buyer = new Prompt(['--port', port, '--sender', 'DBUYER', '--verbose']);
  try {
    await seller.waitFor(/^logged on/);
    await buyer.waitFor(/^logged on/);
    seller.send('sell 3 IBM @ 181.00 id=D1');
    await seller.waitFor(/ClOrdID\(11\)=D1 .*ExecType\(150\)=0:NEW/);
    seller.send('disconnect');
    await seller.waitFor(/^connection dropped \(no Logout sent\)/);
    buyer.send('buy 3 IBM @ 181.00');
    await buyer.waitFor(/ExecType\(150\)=F:TRADE OrdStatus\(39\)=2:FILLED/);
    seller.send('connect');
    await seller.waitFor(/^<- ExecutionReport\(8\) #\d+ PossDupFlag\(43\)=Y:YES .*OrigSendingTime\(122\)=.*ClOrdID\(11\)=D1 .*ExecType\(150\)=F:TRADE OrdStatus\(39\)=2:FILLED/);
    seller.send('quit');
    buyer.send('quit');
    assert.equal(await seller.exit(), 0);
    assert.equal(await buyer.exit(), 0);
  } finally {
    seller.child.kill();
    buyer.child.kill();
  }
});

test('connect: --store keeps sequence numbers across runs, so --no-reset continues the same session', async () => {
  const store = tempDir();
  try {
    const first = new Prompt(['--port', port, '--sender', 'KEEPER', '--store', store, '--verbose']);
    await first.waitFor(/^-> Logon\(A\) #1 .*ResetSeqNumFlag\(141\)=Y/);
    await first.waitFor(/^logged on/);
    first.send('sell 2 MSFT @ 425.00 id=K1');
    await first.waitFor(/ClOrdID\(11\)=K1 .*ExecType\(150\)=0:NEW/);
    first.send('quit');
    assert.equal(await first.exit(), 0);
    const second = new Prompt(['--port', port, '--sender', 'KEEPER', '--store', store, '--no-reset', '--verbose']);
    const [logon] = await second.waitFor(/^-> Logon\(A\) #4 /);
    assert.doesNotMatch(logon!, /ResetSeqNumFlag/);
    await second.waitFor(/^<- Logon\(A\) #4 /);
    second.send('raw 35=H|11=K1|55=MSFT|54=2');
    await second.waitFor(/^<- ExecutionReport\(8\) #5 .*ClOrdID\(11\)=K1 .*ExecType\(150\)=I:ORDER_STATUS OrdStatus\(39\)=0:NEW/);
    second.send('quit');
    assert.equal(await second.exit(), 0);
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
});

test('run: every example scenario passes, and passes again on the same gateway', async () => {
  for (const round of [1, 2]) {
    const r = await runCli(['sim', 'run', '--port', port, exampleScenarios]);
    assert.equal(r.code, 0, `round ${round}\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^6 of 6 scenarios passed$/m);
    for (const name of ['simple fill', 'partial fills', 'IOC and FOK', 'cancel and replace', 'reject paths', 'resend after reconnect']) {
      assert.match(r.stdout, new RegExp(`^scenario ${name} \\(`, 'm'));
    }
    assert.doesNotMatch(r.stdout, /FAIL/);
  }
});

test('run: a scenario expecting the wrong fill fails with exit 1 and shows what the gateway sent', async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'wrong.json');
    writeFileSync(file, JSON.stringify({
      name: 'wrong fill price',
      sessions: { s: { sender: 'WS-{run}' }, b: { sender: 'WB-{run}' } },
      steps: [
        { s: 'sell 2 ETH-USD @ 2500.00 id=W1' }, { s: 'expect 35=8 150=0' },
        { b: 'buy 2 ETH-USD @ 2600.00 id=W2' }, { b: 'expect 35=8 150=0' },
        { b: 'expect 35=8 150=F LastPx=2600 32=2' },
      ],
    }));
    const r = await runCli(['sim', 'run', '--port', port, file]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /FAILED at step 5 .*: the next message on 'b' does not match \(tags 31\)/);
    assert.match(r.stdout, /FAIL\s+31\s+LastPx\s+2600\s+2500\.00/);
    assert.match(r.stdout, /ok\s+32\s+LastQty\s+2\s+2\.0000/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('load, closed loop: every order is answered, makers rest and takers fill, one JSON line with both histograms', async () => {
  const r = await runCli(['sim', 'load', '--port', port, '--sender', 'LOAD{i}', '--sessions', '2', '--window', '5',
    '--orders', '600', '--warmup', '60', '--symbols', 'AAPL:190,MSFT:420', '--json', '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  const report = JSON.parse(lines[0]!) as LoadReport;
  assert.equal(report.mode, 'closed');
  assert.equal(report.sessions, 2);
  assert.equal(report.window, 5);
  assert.equal(report.orders, 600);
  assert.equal(report.acks, 600);
  assert.equal(report.rejects, 0);
  assert.ok(report.fills > 0 && report.filled_orders > 0 && report.filled_orders <= 600, JSON.stringify(report));
  assert.ok(report.orders_per_s > 0);
  assert.ok(report.ack_p50_us! > 0 && report.ack_p50_us! <= report.ack_p99_us! && report.ack_p99_us! <= report.ack_max_us!);
  assert.ok(report.fill_p50_us! >= report.ack_p50_us! * 0.5);
  const sessions = gateway.sessionsInfo().map((s) => s.targetCompId);
  assert.ok(sessions.includes('LOAD1') && sessions.includes('LOAD2'), sessions.join(','));
});

test('load, open loop: orders go out at the fixed rate for the duration, with a progress line and a final table', async () => {
  const r = await runCli(['sim', 'load', '--port', port, '--sender', 'OPEN{i}', '--sessions', '3', '--rate', '300',
    '--duration', '2', '--symbols', 'IBM:180', '--mix', 'maker=1,taker=1']);
  assert.equal(r.code, 0, r.stderr);
  const sent = Number(/^orders +(\d+) sent, (\d+) acked, 0 rejected/m.exec(r.stdout)?.[1]);
  // Never ahead of the schedule (300/s for 2 s); behind it only by what was due after the last tick, which a loaded
  // machine may run late (what falls due while the process waits goes out at once when it runs).
  assert.ok(sent >= 450 && sent <= 601, r.stdout);
  assert.match(r.stdout, /^mode +open loop at 300 orders\/s, 3 session\(s\)/m);
  const [rate, seconds] = /^throughput +([\d.]+) orders\/s over ([\d.]+) s/m.exec(r.stdout)!.slice(1).map(Number) as [number, number];
  assert.ok(seconds >= 1.8, `spread over the duration, not sent at once: ${r.stdout}`);
  assert.ok(rate > 0 && rate < 400, r.stdout);
  assert.match(r.stdout, /^order→ack +(\d+ µs|\d+\.\d ms) /m); // ms from 10 ms on (a loaded machine)
  assert.match(r.stdout, /^order→fill .*\(\d+ orders filled\)$/m);
  assert.match(r.stderr, /^run \ds sent \d+ answered \d+ \(\d+\/s\) fills \d+ rejects 0 ack p50 \d+µs p99 \d+µs$/m);
});
