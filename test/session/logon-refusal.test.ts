// A Logon the application refuses (Application.onLogonRequest: it may be authenticating) is answered like the
// acceptor's own refusals: a Logout with MsgSeqNum 1 and the Logon's CompIDs reversed. None of the session's
// sequence numbers is used up or shown to a peer that has not been let in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Acceptor } from '../../src/session/acceptor.js';
import { NullLog } from '../../src/session/message-log.js';
import { MemoryStore } from '../../src/session/store.js';
import { fix44, RawClient, RecordingApp, sessionConfig, waitFor } from '../support/fix-harness.js';

test('a Logon the application refuses gets a Logout with MsgSeqNum 1 and the reason; the session uses up no sequence number', async () => {
  const app = new RecordingApp();
  let refuse = true;
  Object.assign(app, { onLogonRequest: () => (refuse ? { kind: 'rejectLogon', text: 'not now' } : undefined) });
  const store = new MemoryStore(Date.now());
  store.setNextSenderSeq(9);
  store.setNextTargetSeq(5);
  const acceptor = await Acceptor.start({
    port: 0, host: '127.0.0.1', dictionary: fix44(), application: app,
    sessions: [{ config: sessionConfig({ beginString: 'FIX.4.4', senderCompId: 'FIXGW', targetCompId: 'KNOWN' }), dynamic: false }],
    openStore: () => store, openLog: () => new NullLog(),
  });
  const clients: RawClient[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const c = await RawClient.connect(acceptor.port);
      clients.push(c);
      c.send('A', 5, [[98, '0'], [108, '30']], { sender: 'KNOWN' });
      const logout = await c.next('5');
      assert.deepEqual([logout.get(34), logout.get(49), logout.get(56), logout.get(58)], ['1', 'FIXGW', 'KNOWN', 'not now']);
      await waitFor('closed', () => c.closed);
    }
    assert.deepEqual([store.nextSenderSeq, store.nextTargetSeq], [9, 5], 'nothing used up');
    refuse = false;
    const c = await RawClient.connect(acceptor.port);
    clients.push(c);
    c.send('A', 5, [[98, '0'], [108, '30']], { sender: 'KNOWN' });
    assert.equal((await c.next('A')).get(34), '9', 'let in: the session goes on from where it was');
  } finally {
    for (const c of clients) c.close();
    await acceptor.stop(0);
  }
});
