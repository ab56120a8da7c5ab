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

test('jspurefix takes market data (W, then X) and the security list; it rejects none of them', async () => {
  const gw = await startTestGateway();
  const trader = await Client.logon(gw.fixPort, 'OURS2');
  try {
    trader.order('R1', { side: '1', qty: '5', price: '189.50' });
    await trader.reports('R1');
    const js = jspurefixClient(gw.fixPort, 'JSPF2', async (session, received) => {
      const until = (what: string, pred: () => boolean) => waitFor(what, pred, 5000);
      session.send('V', { MDReqID: 'M1', SubscriptionRequestType: '1', MarketDepth: 0,
        MDReqGrp: { NoMDEntryTypes: [{ MDEntryType: '0' }, { MDEntryType: '1' }, { MDEntryType: '2' }] },
        InstrmtMDReqGrp: { NoRelatedSym: [{ Instrument: { Symbol: 'AAPL' } }, { Instrument: { Symbol: 'MSFT' } }] } });
      await until('two snapshots', () => received.filter((r) => r.msgType === 'W').length === 2);
      trader.order('R2', { side: '2', qty: '2', price: '189.50' });
      trader.order('R3', { side: '2', qty: '4', price: '191.00' });
      await until('the trade and the new offer', () => received.filter((r) => r.msgType === 'X').flatMap((r) => r.body.MDIncGrp.NoMDEntries).length >= 3);
      session.send('x', { SecurityReqID: 'L1', SecurityListRequestType: 4 });
      await until('the security list', () => received.some((r) => r.msgType === 'y'));
    });
    await js.run();
    const aapl = js.received.find((r) => r.msgType === 'W' && r.body.Instrument.Symbol === 'AAPL')!.body;
    assert.deepEqual(aapl.MDFullGrp.NoMDEntries.map((e: any) => [e.MDEntryType, e.MDEntryPx, e.MDEntrySize]), [['0', 189.5, 5]]);
    assert.deepEqual(aapl.StandardHeader.Hop.NoHops, [{ HopCompID: 'MD', HopRefID: gw.engine.bookSnapshot('AAPL', 0)!.mdSeq - 2 }], 'the md sequence of the snapshot, in the header');
    const entries = js.received.filter((r) => r.msgType === 'X').flatMap((r) => r.body.MDIncGrp.NoMDEntries);
    assert.deepEqual(entries.map((e: any) => [e.MDUpdateAction, e.MDEntryType, e.MDEntryPx, e.MDEntrySize ?? null]).sort(),
      [['0', '1', 191, 4], ['0', '2', 189.5, 2], ['1', '0', 189.5, 3]]);
    const list = js.received.find((r) => r.msgType === 'y')!.body;
    assert.deepEqual(list.SecListGrp.NoRelatedSym.map((e: any) => e.Instrument.Symbol), ['AAPL', 'MSFT', 'IBM', 'GOOG', 'BTC-USD', 'ETH-USD']);
    await waitFor('jspurefix session logged out', () => gw.sessionsInfo().find((s) => s.targetCompId === 'JSPF2')?.state === 'disconnected');
    assert.equal(gw.sessionsInfo().find((s) => s.targetCompId === 'JSPF2')!.nextTargetSeq, 5, 'Logon, V, x, Logout: jspurefix sent no Reject of anything we sent');
  } finally {
    await trader.stop();
    await gw.close();
  }
});
