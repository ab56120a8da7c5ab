// Messages sent without being kept (market data: stale by the time anyone could ask for it again): a ResendRequest
// gap-fills them, and their MsgSeqNums are on disk before their bytes can reach the socket, so a gateway killed right
// after sending one never numbers a message twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileStore } from '../../src/session/file-store.js';
import { startTestGateway } from '../gateway/support.js';
import { RawClient, waitFor } from '../support/fix-harness.js';

const ID = { beginString: 'FIX.4.4', senderCompId: 'FIXGW', targetCompId: 'C1' };

test('FileStore with deferred index writes: a skipped seq is in the files once flush() returns', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-skip-'));
  const copy = mkdtempSync(path.join(tmpdir(), 'fixgw-skip-copy-'));
  try {
    const store = FileStore.open(dir, ID, { nowMs: Date.now(), indexWrites: 'deferred' });
    store.saveSent(1, Buffer.from('8=FIX.4.4\x019=5\x0135=8\x0110=000\x01', 'latin1'));
    store.skipSent(2);
    store.skipSent(3);
    assert.equal(store.nextSenderSeq, 4);
    store.flush();
    cpSync(dir, copy, { recursive: true }); // what a kill right now leaves (the deferred index timer has not run)
    const reopened = FileStore.open(copy, ID, { nowMs: Date.now() });
    assert.equal(reopened.nextSenderSeq, 4);
    assert.deepEqual(reopened.readRange(1, 3, 10).map((m) => m.seq), [1]);
    reopened.close();
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(copy, { recursive: true, force: true });
  }
});

test('a ResendRequest over unstored messages gets a gap fill; stored ones around them are resent', async () => {
  const gw = await startTestGateway();
  const raw = await RawClient.connect(gw.fixPort);
  try {
    raw.send('A', 1, [[98, '0'], [108, '30']], { sender: 'UNSTORED1' });
    await raw.next('A');
    const server = gw.acceptor.sessions().find((s) => s.id.targetCompId === 'UNSTORED1')!;
    const news = (text: string, stored: boolean) => server.send('B', [[148, text], [33, '1'], [58, text]], undefined, { stored });
    const first = news('kept 1', true);
    news('gone 1', false);
    news('gone 2', false);
    const last = news('kept 2', true);
    await waitFor('four messages', () => raw.received.filter((m) => m.msgType === 'B').length === 4);
    raw.received.length = 0;
    raw.send('2', 2, [[7, String(first)], [16, String(last)]], { sender: 'UNSTORED1' });
    await waitFor('the answer', () => raw.received.length >= 3);
    assert.deepEqual(raw.received.map((m) => [m.msgType, m.get(34), m.get(148) ?? m.get(36), m.get(43)]),
      [['B', String(first), 'kept 1', 'Y'], ['4', String(first + 1), String(last), 'Y'], ['B', String(last), 'kept 2', 'Y']]);
  } finally {
    raw.close();
    await gw.close();
  }
});
