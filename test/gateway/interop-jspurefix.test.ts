// Interoperability: jspurefix (an independent FIX engine from npm) is the client. It logs on, sends a
// NewOrderSingle that our own initiator fills, cancels a second order, and logs out; every reply must pass
// its own FIX 4.4 dictionary parsing. jspurefix is not a dependency of fixgw: the test installs it, pinned, into
// node_modules/.cache (test/interop/jspurefix) without its postinstall, which only unpacks the FIX repository
// dictionaries; the QuickFIX-format data/FIX44.xml it ships is used here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Client, startTestGateway } from './support.js';
import { waitFor } from '../support/fix-harness.js';
import { requireInterop } from '../support/interop-install.js';

const require = requireInterop('jspurefix');
require('reflect-metadata');
/* eslint-disable @typescript-eslint/no-explicit-any */
const { SessionLauncher } = require('jspurefix/dist/runtime') as { SessionLauncher: any };
const { AsciiSession } = require('jspurefix/dist/transport') as { AsciiSession: any };
const { EmptyLogFactory } = require('jspurefix/dist/config') as { EmptyLogFactory: any };
const dictionary = path.join(path.dirname(require.resolve('jspurefix/package.json')), 'data', 'FIX44.xml');

type Received = { msgType: string; body: any };

function jspurefixClient(port: number, compId: string, script: (session: any, received: Received[]) => Promise<void>) {
  const received: Received[] = [];
  let failure: unknown;
  class ScriptedSession extends AsciiSession {
    constructor(config: unknown) { super(config); }
    onApplicationMsg(msgType: string, view: any): void { received.push({ msgType, body: view.toObject() }); }
    onReady(): void {
      script(this, received).catch((err) => { failure = err; }).finally(() => this.done());
    }
    onLogon(): boolean { return true; }
    onStopped(): void {}
    onDecoded(): void {}
    onEncoded(): void {}
  }
  class Launcher extends SessionLauncher {
    constructor() {
      super({
        application: { reconnectSeconds: 1, type: 'initiator', name: compId, tcp: { host: '127.0.0.1', port }, protocol: 'ascii', dictionary },
        EncryptMethod: 0, ResetSeqNumFlag: true, HeartBtInt: 30, SenderCompId: compId, TargetCompID: 'FIXGW', BeginString: 'FIX.4.4',
      }, null, new EmptyLogFactory());
    }
    makeFactory() { return { makeSession: (c: unknown) => new ScriptedSession(c) }; }
  }
  const launcher = new Launcher();
  return { received, run: async () => { await launcher.run(); if (failure) throw failure; } };
}

test('jspurefix as the client: logon, order, fill, cancel and logout', async () => {
  const gw = await startTestGateway();
  const counterparty = await Client.logon(gw.fixPort, 'OURS1');
  try {
    const js = jspurefixClient(gw.fixPort, 'JSPF1', async (session, received) => {
      const until = (what: string, pred: () => boolean) => waitFor(what, pred, 5000);
      session.send('D', { ClOrdID: 'J1', Account: 'JSACC', Side: '1', TransactTime: new Date(), OrderQtyData: { OrderQty: 10 },
        OrdType: '2', Price: 190.5, Instrument: { Symbol: 'AAPL' }, TimeInForce: '0' });
      await until('J1 acknowledged', () => received.some((r) => r.msgType === '8' && r.body.ClOrdID === 'J1'));
      counterparty.order('O1', { side: '2', qty: '4', price: '190.50' });
      await until('J1 partly filled', () => received.some((r) => r.body.ClOrdID === 'J1' && r.body.ExecType === 'F'));
      session.send('F', { OrigClOrdID: 'J1', ClOrdID: 'J2', Side: '1', TransactTime: new Date(), Instrument: { Symbol: 'AAPL' } });
      await until('J1 canceled', () => received.some((r) => r.body.ClOrdID === 'J2' && r.body.ExecType === '4'));
    });
    await js.run();
    const ers = js.received.filter((r) => r.msgType === '8').map((r) => r.body);
    assert.deepEqual(ers.map((b) => [b.ClOrdID, b.ExecType, b.OrdStatus, b.LeavesQty, b.CumQty]),
      [['J1', '0', '0', 10, 0], ['J1', 'F', '1', 6, 4], ['J2', '4', '4', 0, 4]]);
    assert.equal(ers[1].LastPx, 190.5);
    assert.equal(ers[1].Account, 'JSACC');
    assert.equal(ers[2].OrigClOrdID, 'J1');
    await waitFor('jspurefix session logged out', () => gw.sessionsInfo().find((s) => s.targetCompId === 'JSPF1')?.state === 'disconnected');
    const info = gw.sessionsInfo().find((s) => s.targetCompId === 'JSPF1')!;
    assert.equal(info.nextTargetSeq, 5, 'Logon, D, F, Logout: jspurefix sent no Reject of anything we sent');
  } finally {
    await counterparty.stop();
    await gw.close();
  }
});
