// A Logout whose MsgSeqNum is past a gap (messages the peer sent that never arrived, or a Logout the peer sends after
// a store failure cut its messages off) ends the session without counting as the expected message (QuickFIX/J,
// QFJ-750): the gap is asked for at the next Logon instead of being skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Acceptor } from '../../src/session/acceptor.js';
import { NullLog } from '../../src/session/message-log.js';
import { MemoryStore } from '../../src/session/store.js';
import { fix44, RawClient, RecordingApp, sessionConfig, waitFor } from '../support/fix-harness.js';

test('a Logout past a gap does not skip the gap: the next Logon asks for it', async () => {
  let store: MemoryStore | undefined;
  const acceptor = await Acceptor.start({
    port: 0, host: '127.0.0.1', dictionary: fix44(), application: new RecordingApp(),
    sessions: [{ config: sessionConfig({ beginString: 'FIX.4.4', senderCompId: 'FIXGW', targetCompId: '*' }), dynamic: true }],
    openStore: () => (store = new MemoryStore(Date.now())), openLog: () => new NullLog(),
  });
  let client = await RawClient.connect(acceptor.port);
  try {
    client.send('A', 1, [[98, '0'], [108, '30']]);
    await client.next('A');
    client.send('5', 5, [[58, 'bye']]); // 2..4 never arrived
    await client.next('5');
    await waitFor('closed', () => client.closed);
    assert.equal(store!.nextTargetSeq, 2, 'the gap is not skipped');
    client = await RawClient.connect(acceptor.port);
    client.send('A', 6, [[98, '0'], [108, '30']]);
    await client.next('A');
    const resend = await client.next('2');
    assert.deepEqual([resend.get(7), resend.get(16)], ['2', '0']);
  } finally {
    client.close();
    await acceptor.stop(0);
  }
});
