// Per-session policies from the settings file: cancel-on-disconnect, drop copy, logon authentication
// (password, CompID allow-list, source-address allow-list) and the inbound throttle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileStore } from '../../src/session/file-store.js';
import { formatUtcTimestamp } from '../../src/fix/time.js';
import { Client, startTestGateway } from './support.js';
import { RawClient, waitFor } from '../support/fix-harness.js';

const HEAD = `[DEFAULT]
ConnectionType=acceptor
BeginString=FIX.4.4
SenderCompID=FIXGW
SocketAcceptPort=9876
SocketAcceptHost=127.0.0.1
`;

test('cancel-on-disconnect cancels only that session\'s orders when it drops; the client gets the Canceled reports on return', async () => {
  const gw = await startTestGateway({ cfg: `${HEAD}
[SESSION]
TargetCompID=COD1
CancelOnDisconnect=Y
[SESSION]
TargetCompID=KEEP1
` });
  const storeDir = mkdtempSync(path.join(tmpdir(), 'fixgw-cod-'));
  const id = { beginString: 'FIX.4.4', senderCompId: 'COD1', targetCompId: 'FIXGW' };
  let cod = await Client.logon(gw.fixPort, 'COD1', { store: FileStore.open(storeDir, id, { nowMs: Date.now() }) });
  const keep = await Client.logon(gw.fixPort, 'KEEP1');
  try {
    cod.order('C1', { price: '150.00' });
    keep.order('K1', { price: '150.00' });
    await cod.reports('C1');
    await keep.reports('K1');
    await cod.stop();
    await keep.stop();
    await waitFor('COD1 order canceled', () => gw.engine.orderByClOrdId('FIX.4.4:FIXGW->COD1', 'C1')?.ordStatus === 'Canceled');
    await gw.sequencer.flush();
    assert.equal(gw.engine.orderByClOrdId('FIX.4.4:FIXGW->KEEP1', 'K1')!.ordStatus, 'New', 'no cancel-on-disconnect for KEEP1');
    cod = await Client.logon(gw.fixPort, 'COD1', { store: FileStore.open(storeDir, id, { nowMs: Date.now() }) });
    const [er] = await cod.reports('C1');
    assert.deepEqual([150, 39, 43].map((t) => er!.get(t)), ['4', '4', 'Y']);
  } finally {
    await cod.stop();
    await gw.close();
  }
});

test('a drop-copy session gets a copy of every ExecutionReport for its accounts, and may not send orders', async () => {
  const gw = await startTestGateway({ cfg: `${HEAD}
[SESSION]
TargetCompID=*
[SESSION]
TargetCompID=DROP1
SessionType=dropcopy
DropCopyAccounts=ACC1,ACC3
` });
  const dc = await Client.logon(gw.fixPort, 'DROP1');
  const t = await Client.logon(gw.fixPort, 'TRADER1');
  try {
    t.order('O1', { side: '2', price: '190.00', extra: [[1, 'ACC1']] });
    t.order('O2', { side: '1', price: '191.00', extra: [[1, 'ACC2']] });
    const own = await t.reports('O2', 2);
    await dc.next('8', (m) => m.get(11) === 'O1', 2);
    const copies = dc.all('8');
    assert.deepEqual(copies.map((m) => [m.get(11), m.get(150), m.get(1)]), [['O1', '0', 'ACC1'], ['O1', 'F', 'ACC1']]);
    const original = t.all('8').find((m) => m.get(11) === 'O1' && m.get(150) === 'F')!;
    assert.equal(copies[1]!.get(17), original.get(17), 'the copy carries the same ExecID');
    assert.equal(own[1]!.get(1), 'ACC2');
    dc.order('X1');
    const j = await dc.next('j');
    assert.equal(j.get(380), '6');
  } finally {
    await dc.stop();
    await t.stop();
    await gw.close();
  }
});

test('a session with a Password accepts the right one and answers a wrong one with a Logout', async () => {
  const gw = await startTestGateway({ cfg: `${HEAD}
[SESSION]
TargetCompID=PW1
Password=s3cret
` });
  const bad = new Client(gw.fixPort, 'PW1', { password: 'wrong' });
  try {
    await bad.next('5');
    assert.match(bad.all('5')[0]!.get(58)!, /Invalid username or password/);
    assert.equal(bad.session.isLoggedOn, false);
    await bad.stop();
    const good = await Client.logon(gw.fixPort, 'PW1', { password: 's3cret' });
    good.order('P1');
    assert.equal((await good.reports('P1'))[0]!.get(150), '0');
    await good.stop();
  } finally {
    await bad.stop();
    await gw.close();
  }
});

/** Refused with the Logout a wrong password gets (MsgSeqNum 1, nothing of any session), then closed. */
async function refusedLikeWrongPassword(port: number, sender: string, target: string, why: string): Promise<void> {
  const raw = await RawClient.connect(port);
  raw.send('A', 1, [[98, '0'], [108, '30']], { sender, target });
  await waitFor('connection closed', () => raw.closed);
  assert.deepEqual(raw.received.map((m) => [m.msgType, m.get(34), m.get(58)]), [['5', '1', 'Invalid username or password']], why);
}

test('unknown CompIDs, CompIDs outside AllowedCompIDs and addresses outside AllowedAddresses are refused like a wrong password', async () => {
  const gw = await startTestGateway({ cfg: `${HEAD}
[SESSION]
TargetCompID=*
AllowedCompIDs=GOOD1,GOOD2
[SESSION]
SenderCompID=FIXGW2
TargetCompID=FAR1
AllowedAddresses=10.0.0.0/8
` });
  try {
    await refusedLikeWrongPassword(gw.fixPort, 'BAD1', 'FIXGW', 'CompID not in AllowedCompIDs');
    await refusedLikeWrongPassword(gw.fixPort, 'GOOD1', 'NOSUCH', 'unknown session');
    await refusedLikeWrongPassword(gw.fixPort, 'FAR1', 'FIXGW2', '127.0.0.1 is not in 10.0.0.0/8');
    const good = await Client.logon(gw.fixPort, 'GOOD1');
    await good.stop();
  } finally {
    await gw.close();
  }
});

test('an address that fails more than MaxLogonFailures logons is locked out: even the right password is refused silently until the lockout ends', async () => {
  const gw = await startTestGateway({ cfg: `${HEAD}MaxLogonFailures=2
LogonLockoutSeconds=1
[SESSION]
TargetCompID=PW2
Password=s3cret
` });
  try {
    for (let i = 0; i < 2; i++) {
      const bad = new Client(gw.fixPort, 'PW2', { password: `wrong${i}` });
      await bad.next('5');
      assert.match(bad.all('5')[0]!.get(58)!, /Invalid username or password/);
      await bad.stop();
    }
    await refusedLikeWrongPassword(gw.fixPort, 'NOSUCH', 'FIXGW', 'an unknown CompID is a failure too (the third: lockout)');
    const raw = await RawClient.connect(gw.fixPort);
    raw.send('A', 1, [[98, '0'], [108, '30'], [554, 's3cret']], { sender: 'PW2', target: 'FIXGW' });
    await waitFor('connection closed', () => raw.closed);
    assert.equal(raw.received.length, 0, 'locked out: the right password gets no reply either');
    await new Promise((r) => setTimeout(r, 1100));
    const good = await Client.logon(gw.fixPort, 'PW2', { password: 's3cret' });
    good.order('L1');
    assert.equal((await good.reports('L1'))[0]!.get(150), '0', 'after the lockout the right password logs on');
    await good.stop();
  } finally {
    await gw.close();
  }
});

test('messages beyond MaxMessagesPerSecond get BusinessMessageReject, and persistent excess ends the session with a Logout', async () => {
  const gw = await startTestGateway({ cfg: `${HEAD}
MaxMessagesPerSecond=5
ThrottleMaxRejectsPerSecond=3
[SESSION]
TargetCompID=*
` });
  const c = await Client.logon(gw.fixPort, 'FAST1');
  try {
    const t = formatUtcTimestamp(Date.now());
    for (let i = 0; i < 12; i++) c.send('D', [[11, `T${i}`], [55, 'AAPL'], [54, '1'], [60, t], [38, '1'], [40, '2'], [44, '150.00']]);
    await c.next('5');
    await waitFor('disconnected', () => !c.session.isConnected);
    await gw.sequencer.flush();
    const entered = Array.from({ length: 12 }, (_, i) => gw.engine.orderByClOrdId('FIX.4.4:FIXGW->FAST1', `T${i}`) !== null);
    assert.deepEqual(entered, [true, true, true, true, true, false, false, false, false, false, false, false], 'only the first 5 reached the engine');
    const rejects = c.all('j');
    assert.ok(rejects.length >= 3, `${rejects.length} BusinessMessageRejects`);
    assert.match(rejects[0]!.get(58)!, /Throttle/);
    assert.match(c.all('5')[0]!.get(58)!, /Throttle limit exceeded persistently/);
  } finally {
    await c.stop();
    await gw.close();
  }
});

test('with SocketUseSSL the FIX port speaks TLS, and sessionsInfo reports the session', async () => {
  const fixtures = path.resolve(fileURLToPath(new URL('../../../test/fixtures/', import.meta.url)));
  const gw = await startTestGateway({ cfg: `${HEAD}
SocketUseSSL=Y
SocketPrivateKeyFile=${path.join(fixtures, 'tls-key.pem')}
SocketCertificateFile=${path.join(fixtures, 'tls-cert.pem')}
[SESSION]
TargetCompID=*
` });
  const c = await Client.logon(gw.fixPort, 'TLS1', { tls: { rejectUnauthorized: false } });
  try {
    c.order('T1');
    assert.equal((await c.reports('T1'))[0]!.get(150), '0');
    const info = gw.sessionsInfo().find((s) => s.targetCompId === 'TLS1')!;
    assert.deepEqual([info.key, info.state, info.loggedOn, info.sessionType, info.nextTargetSeq, info.nextSenderSeq],
      ['FIX.4.4:FIXGW->TLS1', 'logged-on', true, 'trading', 3, 3]);
    assert.ok(Date.now() - info.lastActivityMs < 5000);
    assert.equal(gw.ready, true);
  } finally {
    await c.stop();
    await gw.close();
  }
  assert.equal(gw.ready, false, 'not ready once closed');
});

test('close() logs sessions out and stores their cancel-on-disconnect reports before the stores close', async () => {
  const cfg = `${HEAD}
CancelOnDisconnect=Y
[SESSION]
TargetCompID=*
`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fixgw-close-'));
  const storeDir = mkdtempSync(path.join(tmpdir(), 'fixgw-close-client-'));
  const id = { beginString: 'FIX.4.4', senderCompId: 'SHUT1', targetCompId: 'FIXGW' };
  let gw = await startTestGateway({ cfg, dataDir });
  let c = await Client.logon(gw.fixPort, 'SHUT1', { store: FileStore.open(storeDir, id, { nowMs: Date.now() }) });
  try {
    c.order('S1', { price: '150.00' });
    await c.reports('S1');
    await gw.close();
    await c.next('5');
    await c.stop();
    gw = await startTestGateway({ cfg, dataDir });
    assert.equal(gw.engine.orderByClOrdId('FIX.4.4:FIXGW->SHUT1', 'S1')!.ordStatus, 'Canceled');
    c = await Client.logon(gw.fixPort, 'SHUT1', { store: FileStore.open(storeDir, id, { nowMs: Date.now() }) });
    const [er] = await c.reports('S1');
    assert.deepEqual([150, 39, 43].map((t) => er!.get(t)), ['4', '4', 'Y'], 'the Canceled report was stored and is resent');
  } finally {
    await c.stop();
    await gw.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(storeDir, { recursive: true, force: true });
  }
});
