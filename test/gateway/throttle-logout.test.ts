// A session logged out for exceeding its message rate has nothing more entered while the gateway waits for its
// Logout answer (LogoutTimeout): a client that ignores the Logout and goes on sending in the next one-second window
// gets BusinessMessageRejects, and none of its orders reach the engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatUtcTimestamp } from '../../src/fix/time.js';
import { RawClient } from '../support/fix-harness.js';
import { startTestGateway } from './support.js';

test('after the throttle Logout is sent, nothing from that session reaches the engine', async () => {
  const gw = await startTestGateway({ cfg: `[DEFAULT]
ConnectionType=acceptor
BeginString=FIX.4.4
SenderCompID=FIXGW
SocketAcceptPort=9876
SocketAcceptHost=127.0.0.1
MaxMessagesPerSecond=5
ThrottleMaxRejectsPerSecond=3
LogoutTimeout=5
[SESSION]
TargetCompID=*
` });
  const client = await RawClient.connect(gw.fixPort);
  const order = (seq: number, clOrdId: string) => client.send('D', seq, [[11, clOrdId], [55, 'AAPL'], [54, '1'],
    [60, formatUtcTimestamp(Date.now())], [38, '1'], [40, '2'], [44, '150.00']], { sender: 'IGNORE1' });
  try {
    client.send('A', 1, [[98, '0'], [108, '30']], { sender: 'IGNORE1' });
    await client.next('A');
    for (let i = 0; i < 12; i++) order(2 + i, `T${i}`);
    const logout = await client.next('5');
    assert.match(logout.get(58)!, /Throttle limit exceeded persistently/);
    await new Promise((r) => setTimeout(r, 1100)); // a new throttle window: the rate alone would let these in
    for (let i = 0; i < 3; i++) order(14 + i, `LATE${i}`);
    await new Promise((r) => setTimeout(r, 300));
    await gw.sequencer.flush();
    const entered = (id: string) => gw.engine.orderByClOrdId('FIX.4.4:FIXGW->IGNORE1', id) !== null;
    assert.deepEqual(['LATE0', 'LATE1', 'LATE2'].filter(entered), [], 'nothing entered after the Logout');
    const refused = client.received.filter((m) => m.msgType === 'j' && Number(m.get(45)) >= 14);
    assert.deepEqual(refused.map((m) => m.get(58)), ['Session is logging out', 'Session is logging out', 'Session is logging out']);
  } finally {
    client.close();
    await gw.close();
  }
});
