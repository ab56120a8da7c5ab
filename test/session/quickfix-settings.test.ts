// The QuickFIX settings the session layer honours, over real sockets, each configured through the gateway's .cfg
// parser: SocketNodelay (TCP_NODELAY on the acceptor's and the initiator's sockets), TimestampPrecision (the digits of
// SendingTime, and of the headers of resent messages and gap fills), and the session schedule: a Logon outside the
// window is refused with a Logout naming it, the session is logged out at its end, and sequence numbers start again
// at 1 in each window (a store from an earlier window is reset when the window opens, or at the first Logon).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Acceptor } from '../../src/session/acceptor.js';
import { MemoryStore, type MessageStore } from '../../src/session/store.js';
import { NullLog } from '../../src/session/message-log.js';
import { parseGatewaySettings } from '../../src/gateway/index.js';
import type { SessionConfig } from '../../src/session/session.js';
import { fix44, news, RawClient, RecordingApp, startInitiator, waitFor } from '../support/fix-harness.js';

function cfg(keys: Record<string, string>, target = '*'): string {
  const all: Record<string, string> = { ConnectionType: 'acceptor', BeginString: 'FIX.4.4', SenderCompID: 'FIXGW', SocketAcceptPort: '9876', ...keys };
  return `[DEFAULT]\n${Object.entries(all).map(([k, v]) => `${k}=${v}\n`).join('')}[SESSION]\nTargetCompID=${target}\n`;
}

function acceptorFor(text: string, openStore: () => MessageStore = () => new MemoryStore(Date.now()), app = new RecordingApp()) {
  const settings = parseGatewaySettings(text, '/');
  const s = settings.sessions[0]!;
  return Acceptor.start({
    port: 0, host: '127.0.0.1', sessions: [{ config: s.session, dynamic: s.dynamic }], dictionary: fix44(), application: app,
    openStore, openLog: () => new NullLog(), noDelay: settings.fixNoDelay,
  });
}

/** A Logon from `sender` with `seq`, on a fresh connection. */
async function logon(port: number, sender: string, seq = 1): Promise<RawClient> {
  const c = await RawClient.connect(port);
  c.send('A', seq, [[98, '0'], [108, '30']], { sender });
  return c;
}

test('SocketNodelay=N turns TCP_NODELAY off on the acceptor\'s sockets and the initiator\'s; the default leaves it on', async () => {
  const calls: Array<{ socket: net.Socket; noDelay: boolean }> = [];
  const original = net.Socket.prototype.setNoDelay;
  net.Socket.prototype.setNoDelay = function (this: net.Socket, noDelay?: boolean) {
    calls.push({ socket: this, noDelay: noDelay ?? true });
    return original.call(this, noDelay);
  };
  try {
    for (const [keys, expected] of [[{ SocketNodelay: 'N' }, false], [{ SocketTcpNoDelay: 'N' }, false], [{}, true]] as const) {
      calls.length = 0;
      const acceptor = await acceptorFor(cfg(keys));
      const noDelay = parseGatewaySettings(cfg(keys), '/').fixNoDelay;
      const initiator = startInitiator({ port: acceptor.port, sender: 'NAGLE', target: 'FIXGW', noDelay });
      try {
        await initiator.waitForLogon();
        const server = calls.filter((c) => c.socket.localPort === acceptor.port);
        const client = calls.filter((c) => c.socket.remotePort === acceptor.port && c.socket.localPort !== acceptor.port);
        assert.deepEqual([server.map((c) => c.noDelay), client.map((c) => c.noDelay)], [[expected], [expected]], JSON.stringify(keys));
      } finally {
        await initiator.stop();
        await acceptor.stop(0);
      }
    }
  } finally {
    net.Socket.prototype.setNoDelay = original;
  }
});

test('TimestampPrecision sets the digits of SendingTime, and of a resent message and a gap fill', async () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ TimestampPrecision: '6' }, /^\d{8}-\d\d:\d\d:\d\d\.\d{6}$/], [{ TimeStampPrecision: 'NANOS' }, /^\d{8}-\d\d:\d\d:\d\d\.\d{9}$/],
    [{ MillisecondsInTimeStamp: 'N' }, /^\d{8}-\d\d:\d\d:\d\d$/], [{}, /^\d{8}-\d\d:\d\d:\d\d\.\d{3}$/],
  ];
  for (const [keys, digits] of cases) {
    const app = new RecordingApp();
    const acceptor = await acceptorFor(cfg(keys), undefined, app);
    const c = await logon(acceptor.port, 'STAMPS');
    try {
      const response = await c.next('A');
      assert.match(response.get(52)!, digits, `${JSON.stringify(keys)}: Logon`);
      const session = acceptor.sessions()[0]!;
      session.send('B', news('stored, then resent'));
      const sent = await c.next('B');
      assert.match(sent.get(52)!, digits);
      c.send('2', 2, [[7, '1'], [16, '0']], { sender: 'STAMPS' }); // everything again: a gap fill for the Logon, the News resent
      const gapFill = await c.next('4');
      const resent = await c.next('B');
      assert.match(gapFill.get(52)!, digits, 'gap fill SendingTime');
      assert.match(gapFill.get(122)!, digits, 'gap fill OrigSendingTime');
      assert.match(resent.get(52)!, digits, 'resent SendingTime');
      assert.equal(resent.get(122), sent.get(52), 'OrigSendingTime is the first SendingTime');
    } finally {
      c.close();
      await acceptor.stop(0);
    }
  }
});

/** HH:MM:SS (UTC) of an epoch ms. */
const hms = (ms: number) => new Date(ms).toISOString().slice(11, 19);

/** A store left from an earlier window: created yesterday, at sequence numbers 7. */
function yesterdaysStore(): MemoryStore {
  const store = new MemoryStore(Date.now() - 86_400_000);
  store.setNextSenderSeq(7);
  store.setNextTargetSeq(7);
  return store;
}

test('a session schedule: Logons refused outside the window, sequence numbers from 1 when it opens, a Logout at its end', { timeout: 60_000 }, async () => {
  const startMs = Math.ceil(Date.now() / 1000) * 1000 + 3000;
  const endMs = startMs + 3000; // EndTime is inclusive to the second: the window closes at endMs + 1 s
  const text = cfg({ StartTime: hms(startMs), EndTime: hms(endMs), TimeZone: 'UTC' }, 'CLIENT');
  const store = yesterdaysStore();
  const app = new RecordingApp();
  const acceptor = await acceptorFor(text, () => store, app);
  const session = acceptor.sessions()[0]!;
  const window = `${hms(startMs)}-${hms(endMs)} UTC, every day`;
  try {
    const early = await logon(acceptor.port, 'CLIENT', 7);
    const refusal = await early.next('5');
    assert.equal(refusal.get(58), `Logon outside the session schedule (${window})`);
    await waitFor('refused connection closed', () => early.closed);
    assert.equal(app.logons, 0);

    // the window opens: the store from yesterday is reset without anyone logged on
    await waitFor('window open', () => Date.now() >= startMs, 10_000);
    await waitFor('sequence numbers reset at the start', () => session.nextSenderSeq === 1 && session.nextTargetSeq === 1, 2000);
    assert.ok(session.creationTimeMs >= startMs);
    const inWindow = await logon(acceptor.port, 'CLIENT', 1);
    assert.equal((await inWindow.next('A')).get(34), '1');
    inWindow.send('B', 2, news('in the window'), { sender: 'CLIENT' });
    await waitFor('news received', () => app.received.length === 1);

    // the window closes: the session is logged out with the schedule named
    const logout = await inWindow.next('5', 10_000);
    assert.ok(Date.now() >= endMs + 1000, 'not before the end of the window');
    assert.equal(logout.get(58), `End of the session schedule (${window})`);
    inWindow.send('5', 3, [], { sender: 'CLIENT' });
    await waitFor('logged out and disconnected', () => inWindow.closed && !session.isConnected);
    const late = await logon(acceptor.port, 'CLIENT', 4);
    assert.equal((await late.next('5')).get(58), `Logon outside the session schedule (${window})`);
    late.close();
  } finally {
    await acceptor.stop(0);
  }
});

test('a dynamic session takes its template\'s schedule; a store from an earlier window is reset at its first Logon', { timeout: 30_000 }, async () => {
  const now = Date.now();
  // a window open now (the store is from yesterday's), and one that is closed now
  const open = cfg({ StartTime: hms(now - 3_600_000), EndTime: hms(now + 3_600_000), TimeZone: 'UTC' });
  const closed = cfg({ StartTime: hms(now + 3_600_000), EndTime: hms(now + 7_200_000), TimeZone: 'UTC' });
  const openStore = (): MessageStore => yesterdaysStore();
  const a = await acceptorFor(open, openStore);
  const b = await acceptorFor(closed, openStore);
  try {
    const inWindow = await logon(a.port, 'DYN1', 1);
    assert.equal((await inWindow.next('A')).get(34), '1', 'reset to 1 before the Logon was checked');
    const config: SessionConfig = a.sessions()[0]!.config;
    assert.equal(config.schedule?.startTimeSec, (Math.floor((now - 3_600_000) / 1000) % 86_400));
    const outside = await logon(b.port, 'DYN2', 7);
    assert.match((await outside.next('5')).get(58)!, /^Logon outside the session schedule \(\d\d:\d\d:\d\d-\d\d:\d\d:\d\d UTC, every day\)$/);
    inWindow.close();
  } finally {
    await a.stop(0);
    await b.stop(0);
  }
});
