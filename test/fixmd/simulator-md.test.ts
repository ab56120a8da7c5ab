// `fixgw sim` and market data: `md SYMBOL` at the prompt subscribes and prints the book as it changes; in a scenario
// it is a step like an order, and the W and X that follow are expectations like any message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Prompt, runCli, startTestGateway, tempDir } from '../simulator/support.js';
import type { Gateway } from '../../src/gateway/index.js';
import { parseOrderCommand } from '../../simulator/order-syntax.js';

let gateway: Gateway;
let stop: () => Promise<void>;
let port: string;
before(async () => {
  ({ gateway, close: stop } = await startTestGateway());
  port = String(gateway.fixPort);
});
after(async () => { await stop(); });

test('md at the prompt: subscribes, and the book is printed after the snapshot and after each change', async () => {
  const trader = new Prompt(['--port', port, '--sender', 'MDTRADER']);
  const viewer = new Prompt(['--port', port, '--sender', 'MDVIEWER']);
  try {
    await trader.waitFor(/^logged on MDTRADER/);
    await viewer.waitFor(/^logged on MDVIEWER/);
    trader.send('buy 7 IBM @ 179.50 id=V1');
    await trader.waitFor(/^<- ExecutionReport #\d+ 0:NEW .*ClOrdID=V1/);
    viewer.send('md IBM id=BOOK');
    await viewer.waitFor(/^-> MarketDataRequest\(V\) #\d+ MDReqID\(262\)=BOOK SubscriptionRequestType\(263\)=1/);
    await viewer.waitFor(/^<- MarketDataSnapshotFullRefresh\(W\)/);
    await viewer.waitFor(/^IBM book \(MDReqID BOOK, md seq \d+\)/);
    await viewer.waitFor(/^ +7 +179\.50 \| +$/);
    trader.send('sell 3 IBM @ 180.25 id=V2');
    await viewer.waitFor(/^<- MarketDataIncrementalRefresh\(X\)/);
    await viewer.waitFor(/^ +7 +179\.50 \| 180\.25 +3 +$/);
    viewer.send('md stop BOOK');
    await viewer.waitFor(/^-> MarketDataRequest\(V\) #\d+ MDReqID\(262\)=BOOK SubscriptionRequestType\(263\)=2/);
    viewer.send('md NOPE');
    await viewer.waitFor(/^<- MarketDataRequestReject\(Y\) .*MDReqRejReason\(281\)=0/);
    viewer.send('md');
    await viewer.waitFor(/^error: usage: md SYMBOL/);
    trader.send('quit');
    viewer.send('quit');
    assert.equal(await trader.exit(), 0);
    assert.equal(await viewer.exit(), 0);
  } finally {
    trader.child.kill();
    viewer.child.kill();
  }
});

test('md in a scenario: a step, with the snapshot and the refreshes as expectations', async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'md.yaml');
    writeFileSync(file, `name: market data
sessions:
  viewer: { sender: "VIEW-{run}" }
  trader: { sender: "TRADE-{run}" }
steps:
  - viewer: md BTC-USD depth 5 id=M1
  - viewer: expect 35=W 262=M1 55=BTC-USD 630=*
  - trader: buy 0.01 BTC-USD @ 50000.00 id=B1
  - trader: expect 35=8 150=0 11=B1
  - viewer: expect 35=X 262=M1 279=0 269=0 55=BTC-USD 270=50000.00 271=0.0100 346=1
  - trader: cancel B1
  - trader: expect 35=8 150=4
  - viewer: expect 35=X 262=M1 279=2 269=0 270=50000.00
  - viewer: md stop M1
  - trader: buy 0.01 BTC-USD @ 50000.00 id=B2
  - trader: expect 35=8 150=0 11=B2
  - viewer: expect-none 200ms
  - trader: cancel B2
  - trader: expect 35=8 150=4
`);
    const r = await runCli(['sim', 'run', '--port', port, file]);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^passed: 14 steps/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the md syntax: symbols, depth, snapshot, entry types and ids become a MarketDataRequest', () => {
  const cmd = parseOrderCommand('md aapl,msft depth 10 snapshot bid offer id=Q1');
  assert.deepEqual(cmd, { kind: 'raw', msgType: 'V', body: [[262, 'Q1'], [263, '0'], [264, '10'], [267, '2'], [269, '0'], [269, '1'],
    [146, '2'], [55, 'AAPL'], [55, 'MSFT']] });
  assert.deepEqual(parseOrderCommand('md stop Q1'), { kind: 'raw', msgType: 'V', body: [[262, 'Q1'], [263, '2'], [264, '0'], [267, '1'],
    [269, '0'], [146, '2'], [55, 'AAPL'], [55, 'MSFT']] });
  assert.throws(() => parseOrderCommand('md AAPL deep'), /'deep' is not understood/);
});
