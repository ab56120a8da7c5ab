// The session API an application such as the gateway builds on: holding an inbound message until its work is durable,
// answers in order (an answer the session makes to a later message waits for the earlier holds, and is never sent if
// they are never released), and the newest value the session sent of a field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Acceptor } from '../../src/session/acceptor.js';
import { BusinessRejectReason } from '../../src/session/application.js';
import { FileStore } from '../../src/session/file-store.js';
import { NullLog } from '../../src/session/message-log.js';
import type { InboundHold, Session } from '../../src/session/session.js';
import type { SessionId } from '../../src/session/session-id.js';
import { MemoryStore, type MessageStore } from '../../src/session/store.js';
import { fix44, news, RawClient, RecordingApp, sessionConfig, waitFor } from '../support/fix-harness.js';

const TEMPLATE: SessionId = { beginString: 'FIX.4.4', senderCompId: 'FIXGW', targetCompId: '*' };

/** News whose headline starts with 'hold' are held; 'reject' gets a BusinessMessageReject, 'reply' a News back. */
class HoldingApp extends RecordingApp {
  readonly holds = new Map<string, InboundHold>();
  constructor() {
    super();
    this.reply = (session, msg) => {
      const headline = msg.get(148) ?? '';
      if (headline.startsWith('hold')) this.holds.set(headline, session.hold(msg));
      if (headline.startsWith('reject')) return { kind: 'businessReject', reason: BusinessRejectReason.Other, text: `no ${headline}` };
      if (headline.startsWith('reply')) return { kind: 'reply', msgType: 'B', body: news(`re ${headline}`) };
      return undefined;
    };
  }
}

async function startAcceptor(app: RecordingApp, openStore: (id: SessionId) => MessageStore, port = 0): Promise<Acceptor> {
  return Acceptor.start({
    port, host: '127.0.0.1', dictionary: fix44(), application: app, sessions: [{ config: sessionConfig(TEMPLATE), dynamic: true }],
    openStore, openLog: () => new NullLog(),
  });
}

async function logon(port: number, seq = 1): Promise<RawClient> {
  const client = await RawClient.connect(port);
  client.send('A', seq, [[98, '0'], [108, '30']]);
  await client.next('A');
  return client;
}

const quiet = (ms = 150) => new Promise((r) => setTimeout(r, ms));

test("an answer to a later message waits until the earlier held message is released, and the store's expected seq with it", async () => {
  const app = new HoldingApp();
  let store: MemoryStore | undefined;
  const acceptor = await startAcceptor(app, () => (store = new MemoryStore(Date.now())));
  const client = await logon(acceptor.port);
  try {
    client.send('B', 2, news('hold 2'));
    client.send('B', 3, news('reject 3'));
    client.send('B', 4, [[33, '1'], [58, 'no headline']]); // fails validation: a session-level Reject
    client.send('B', 5, news('reply 5'));
    const session = acceptor.session('FIX.4.4:FIXGW->CLIENT')!;
    await waitFor('all four read', () => session.nextTargetSeq === 6);
    await quiet();
    assert.deepEqual(client.received.map((m) => m.msgType), [], 'no answer while message 2 is held');
    assert.equal(store!.nextTargetSeq, 2, 'a crash now: the peer is asked for 2 and everything after it');
    app.holds.get('hold 2')!.release();
    await waitFor('three answers', () => client.received.length === 3);
    assert.deepEqual(client.received.map((m) => [m.msgType, m.get(45) ?? m.get(148)]), [['j', '3'], ['3', '4'], ['B', 're reply 5']]);
    assert.equal(store!.nextTargetSeq, 6, 'answered: consumed on disk');
  } finally {
    client.close();
    await acceptor.stop(0);
  }
});

test('an answer whose earlier message is never released is never sent: after a restart the peer is asked for both', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-answers-'));
  const app = new HoldingApp();
  const open = (id: SessionId) => FileStore.open(dir, id, { nowMs: Date.now() });
  let acceptor = await startAcceptor(app, open);
  let client = await logon(acceptor.port);
  try {
    client.send('B', 2, news('hold 2'));
    client.send('B', 3, news('reject 3'));
    await waitFor('both read', () => acceptor.session('FIX.4.4:FIXGW->CLIENT')!.nextTargetSeq === 4);
    await quiet();
    // the application's work for 2 never completes: the process goes down
    client.close();
    await acceptor.stop(0);
    assert.deepEqual(client.received.map((m) => m.msgType), [], 'the reject of 3 was never sent');

    acceptor = await startAcceptor(new HoldingApp(), open, acceptor.port);
    client = await logon(acceptor.port, 4);
    const resend = await client.next('2');
    assert.deepEqual([resend.get(7), resend.get(16)], ['2', '0'], 'asked for 2 and everything after it');
  } finally {
    client.close();
    await acceptor.stop(0);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a hold taken before the sequence numbers were reset releases nothing after it', async () => {
  const app = new HoldingApp();
  let store: MemoryStore | undefined;
  const acceptor = await startAcceptor(app, () => (store = new MemoryStore(Date.now())));
  let client = await logon(acceptor.port);
  try {
    client.send('B', 2, news('hold 2'));
    await waitFor('held', () => app.holds.has('hold 2'));
    client.close();
    await waitFor('disconnected', () => !acceptor.session('FIX.4.4:FIXGW->CLIENT')!.isConnected);
    client = await RawClient.connect(acceptor.port);
    client.send('A', 1, [[98, '0'], [108, '30'], [141, 'Y']]);
    await client.next('A');
    client.send('B', 2, news('hold again'));
    await waitFor('held again', () => app.holds.has('hold again'));
    app.holds.get('hold 2')!.release(); // from before the reset: the new message 2 stays held
    assert.equal(store!.nextTargetSeq, 2);
    app.holds.get('hold again')!.release();
    assert.equal(store!.nextTargetSeq, 3);
  } finally {
    client.close();
    await acceptor.stop(0);
  }
});

test('newestSentValue finds the newest stored value of a field, says when there is none, and when it did not look far enough', async () => {
  const app = new RecordingApp();
  const acceptor = await startAcceptor(app, () => new MemoryStore(Date.now()));
  const client = await logon(acceptor.port);
  try {
    const session: Session = acceptor.session('FIX.4.4:FIXGW->CLIENT')!;
    assert.deepEqual(session.newestSentValue('8', 17), { kind: 'none' });
    session.send('8', [[37, 'O1'], [11, 'C1'], [17, '7.1'], [150, '0'], [39, '0'], [55, 'IBM'], [54, '1'], [151, '1'], [14, '0'], [6, '0']]);
    for (let i = 0; i < 5; i++) session.send('B', news(`n${i}`));
    assert.deepEqual(session.newestSentValue('8', 17), { kind: 'found', value: '7.1' });
    assert.deepEqual(session.newestSentValue('8', 17, 3), { kind: 'unknown' });
  } finally {
    client.close();
    await acceptor.stop(0);
  }
});
