// A session-level Reject(3) that waits behind an earlier held message (answers in order) and whose session is
// disconnected before the hold is released is not lost: it is never stored (a resend would gap-fill it), so it waits,
// holding its message's MsgSeqNum on disk, until the session is logged on again, and goes out then. A restart before
// that asks the peer for the message again, and it is answered then.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Acceptor } from '../../src/session/acceptor.js';
import { NullLog } from '../../src/session/message-log.js';
import type { InboundHold } from '../../src/session/session.js';
import { MemoryStore } from '../../src/session/store.js';
import { fix44, news, RawClient, RecordingApp, sessionConfig, waitFor } from '../support/fix-harness.js';

test('a Reject that waited for an earlier hold is sent after the next Logon when the session was disconnected meanwhile', async () => {
  const app = new RecordingApp();
  const holds: InboundHold[] = [];
  app.reply = (session, msg) => { holds.push(session.hold(msg)); };
  let store: MemoryStore | undefined;
  const acceptor = await Acceptor.start({
    port: 0, host: '127.0.0.1', dictionary: fix44(), application: app,
    sessions: [{ config: sessionConfig({ beginString: 'FIX.4.4', senderCompId: 'FIXGW', targetCompId: '*' }), dynamic: true }],
    openStore: () => (store = new MemoryStore(Date.now())), openLog: () => new NullLog(),
  });
  let client = await RawClient.connect(acceptor.port);
  try {
    client.send('A', 1, [[98, '0'], [108, '30']]);
    await client.next('A');
    client.send('B', 2, news('held'));
    client.send('B', 3, [[33, '1'], [58, 'no headline']]); // fails validation: a session-level Reject, behind 2
    const session = acceptor.session('FIX.4.4:FIXGW->CLIENT')!;
    await waitFor('both read', () => session.nextTargetSeq === 4);
    client.close();
    await waitFor('disconnected', () => !session.isConnected);
    holds[0]!.release(); // 2's work is done while its client is away
    assert.equal(store!.nextTargetSeq, 3, "3's answer is not sent yet: its MsgSeqNum stays held on disk");

    client = await RawClient.connect(acceptor.port);
    client.send('A', 4, [[98, '0'], [108, '30']]);
    await client.next('A');
    const reject = await client.next('3');
    assert.deepEqual([reject.get(45), reject.get(372), reject.get(373)], ['3', 'B', '1'], 'the Reject of 3, after the Logon');
    assert.equal(store!.nextTargetSeq, 5, 'answered: consumed on disk');
  } finally {
    client.close();
    await acceptor.stop(0);
  }
});
