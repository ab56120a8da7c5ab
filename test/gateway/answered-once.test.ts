// A message the gateway has answered is never processed again (issue: rejected orders executed after a restart).
// The journal fails for real (a file-size limit, as on a full disk: writes past it fail with EFBIG) while a client
// streams orders; the gateway stops. Orders the gateway had not journaled are answered with nothing; the answers the
// session would make to later orders (BusinessMessageReject "Order entry is not available", "Gateway shutting down")
// must not be sent either, since the inbound MsgSeqNum stays held at the first unjournaled order: the restarted
// gateway asks for everything from there, the client resends it (PossDupFlag=Y), and each order is entered once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { journalDirOf, openEngine, readJournalDir } from '../../src/engine/index.js';
import type { FixMessage } from '../../src/fix/message.js';
import { formatUtcTimestamp } from '../../src/fix/time.js';
import type { Session } from '../../src/session/session.js';
import { MemoryStore } from '../../src/session/store.js';
import { RecordingApp, startInitiator, waitFor } from '../support/fix-harness.js';
import { defaultEngineConfig, freePort, gatewayCfg, kill, serve } from '../support/served.js';

const CFG = gatewayCfg({ SnapshotEveryCommands: 0, SnapshotOnShutdown: 'N', SnapshotWorker: 'N', MaxMessagesPerSecond: 100_000 });
/** Room for this many bytes of new journal records past what the journal holds when the gateway starts: less than
 *  one record, so the first batch of orders fails, and the orders after it arrive at a gateway whose journal failed. */
const JOURNAL_ROOM_BYTES = 16;

/** What the client was told, by ClOrdID. */
class OrderClient extends RecordingApp {
  readonly clOrdIdBySeq = new Map<number, string>();
  readonly acked = new Set<string>();
  readonly rejectedBy = new Map<string, string>();
  override fromApp(session: Session, msg: FixMessage): void {
    super.fromApp(session, msg);
    if (msg.msgType === '8' && (msg.get(150) === '0' || msg.get(150) === 'I')) this.acked.add(msg.get(11)!);
    if (msg.msgType === 'j') this.rejectedBy.set(this.clOrdIdBySeq.get(Number(msg.get(45))) ?? `seq ${msg.get(45)}`, msg.get(58) ?? '');
  }
}

/** A journal from an earlier life, about 1 MB: the restarted gateway appends to its last segment, so the file-size
 *  limit is reached by the journal while the new session's store and log files stay far below it. */
async function journalOfAboutOneMegabyte(dataDir: string): Promise<number> {
  const opened = await openEngine({ dataDir, config: defaultEngineConfig(), fsync: 'none' });
  for (let i = 0; i < 20_000; i++) {
    opened.sequencer.submit({ type: 'Halt', symbol: 'MSFT', text: `earlier life ${i}` });
    if (i % 1000 === 999) await opened.sequencer.flush();
  }
  opened.sequencer.submit({ type: 'Resume', symbol: 'MSFT' });
  await opened.sequencer.close();
  const dir = journalDirOf(dataDir);
  return readdirSync(dir).reduce((max, f) => Math.max(max, statSync(path.join(dir, f)).size), 0);
}

test('orders the gateway could not journal are neither answered nor entered twice: after a restart each is entered once', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-answered-once-'));
  const dataDir = path.join(dir, 'data');
  const journalBytes = await journalOfAboutOneMegabyte(dataDir);
  const port = await freePort();
  const app = new OrderClient();
  const store = new MemoryStore(Date.now()); // the client's: it survives the gateway's restart
  let gw = await serve(dir, port, { cfg: CFG, fileBytesMax: journalBytes + JOURNAL_ROOM_BYTES });
  const client = startInitiator({ port, sender: 'ONCE1', target: 'FIXGW', app, store, reconnectIntervalMs: 100 });
  const sent: string[] = [];
  try {
    await client.waitForLogon();
    // Bursts of resting orders (they never trade) until the gateway, its journal failed, logs the client out.
    let gone = false;
    void gw.exited.then(() => { gone = true; });
    for (let i = 0; !gone && client.session.isLoggedOn && i < 2000; i++) {
      const clOrdId = `O${i}`;
      const seq = client.session.send('D', [[11, clOrdId], [55, 'IBM'], [54, '1'], [60, formatUtcTimestamp(Date.now())], [38, '1'], [40, '2'], [44, '100.00']]);
      app.clOrdIdBySeq.set(seq, clOrdId);
      sent.push(clOrdId);
      // the first order alone (its batch is the one that fails), then bursts of 5, one a millisecond
      if (i % 5 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    assert.equal(await gw.exited, 1, 'the gateway stopped on the journal failure');
    assert.match(gw.output(), /journal failed/);
    const answeredBefore = new Set([...app.acked, ...app.rejectedBy.keys()]);
    assert.ok(answeredBefore.size < sent.length, `some orders were cut off by the failure (${answeredBefore.size} of ${sent.length} answered)`);

    gw = await serve(dir, port, { cfg: CFG });
    await waitFor('every order acknowledged', () => sent.every((id) => app.acked.has(id) || app.rejectedBy.has(id)), 30_000);
    await new Promise((r) => setTimeout(r, 300)); // anything more would arrive now

    const newOrders = new Map<string, number>();
    for (const r of readJournalDir(journalDirOf(dataDir)).records) {
      if (r.cmd.type === 'NewOrder' && r.cmd.session === 'FIX.4.4:FIXGW->ONCE1') newOrders.set(r.cmd.clOrdId, (newOrders.get(r.cmd.clOrdId) ?? 0) + 1);
    }
    assert.deepEqual([...newOrders].filter(([, n]) => n > 1), [], 'no order entered twice');
    // A reject sent before the failure reaches the client by resend after the restart, if not before: all count.
    assert.deepEqual([...app.rejectedBy].filter(([id]) => newOrders.has(id)), [], 'no order answered with a reject was entered');
    assert.deepEqual(sent.filter((id) => !newOrders.has(id) && !app.rejectedBy.has(id)), [], 'every order not rejected is entered');
  } finally {
    await client.stop();
    await kill(gw, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});
